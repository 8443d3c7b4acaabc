package gateway_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/internal/browser"
)

// startGateway runs a whole gateway on loopback with its lesson cells compiled.
func startGateway(t *testing.T) (*gateway.Server, string) {
	t.Helper()
	s, err := gateway.New(&gateway.Options{CacheDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.Warm(context.Background(), func(done, total int, err error) {
		if err != nil {
			t.Errorf("compiling lesson cell %d/%d: %v", done, total, err)
		}
	})
	return s, ts.URL
}

// cellJS evaluates to the first cell of the page.
const cellJS = `document.querySelector('.cell')`

// runCell clicks Run on the first cell and waits for the program to end; it returns the
// console's text.
func runCell(t *testing.T, ctx context.Context) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	done := cellJS + `.querySelector('.run').disabled === false && ` + cellJS + `.querySelector('.console').textContent.length > 0`
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](done, chromedp.WithPollingTimeout(0))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('.console').textContent`))
		t.Fatalf("waiting for the run to end: %v (console: %q)", err, text)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('.console').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// setCode replaces the first cell's code as if typed.
func setCode(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	js := `(() => { const ta = ` + cellJS + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(code) +
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatal(err)
	}
}

var offsetLine = regexp.MustCompile(`local clock is (-?\d+) seconds off`)

// TestFirstLessonInBrowser is the spine end to end: the lesson page in headless Chromium, the
// program compiled to wasm and run in a worker, its dial carried over the WebSocket to the
// gateway and on to the lab's real time server, and the bytes back on the page.
func TestFirstLessonInBrowser(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}

	// 1. Run the lesson's client as it is.
	out := runCell(t, ctx)
	if !strings.Contains(out, "server time is") {
		t.Fatalf("console does not show the server time:\n%s", out)
	}
	m := offsetLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("console does not show the clock offset:\n%s", out)
	}
	if off, _ := strconv.Atoi(m[1]); off < -3 || off > 3 {
		t.Errorf("the lab's time server is %d seconds off the machine's clock, want within 3:\n%s", off, out)
	}
	if !strings.Contains(out, "exit status 0") {
		t.Errorf("console does not show exit status 0:\n%s", out)
	}
	received, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('.bytes').dataset.received`))
	if err != nil || received != "4" {
		t.Errorf("bytes panel data-received = %q (%v), want exactly 4 bytes", received, err)
	}
	screenshot(t, ctx, "first-lesson.png")

	// 2. Edit the program: the gateway compiles the new source and the new words show.
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('textarea.code').value`))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(src, `"server time is"`, `"the lab says it is"`, 1)
	if edited == src {
		t.Fatal(`the cell has no "server time is" to edit`)
	}
	setCode(t, ctx, edited)
	out = runCell(t, ctx)
	if !strings.Contains(out, "the lab says it is") || strings.Contains(out, "server time is") {
		t.Fatalf("after the edit the console shows:\n%s", out)
	}

	// 3. A syntax error: the compiler's message with its line, and the line marked.
	lines := strings.Split(edited, "\n")
	bad := -1
	for i, l := range lines {
		if strings.Contains(l, "the lab says it is") {
			lines[i] = strings.Replace(l, "fmt.Println(", "fmt.Println(}", 1)
			bad = i + 1
		}
	}
	setCode(t, ctx, strings.Join(lines, "\n"))
	out = runCell(t, ctx)
	if !strings.Contains(out, "main.go:"+strconv.Itoa(bad)+":") {
		t.Errorf("compile error does not name line %d:\n%s", bad, out)
	}
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`Array.from(`+cellJS+`.querySelectorAll('.gutter .error')).map(e => e.textContent.trim()).join(',')`))
	if err != nil || marked != strconv.Itoa(bad) {
		t.Errorf("gutter marks lines %q (%v), want %d", marked, err, bad)
	}

	// 4. Stop ends a program that never yields: the worker is terminated, the page lives on.
	setCode(t, ctx, "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"spinning\")\n\tfor {\n\t}\n}\n")
	spinning := cellJS + `.querySelector('.console').textContent.includes('spinning')`
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(".cell .run")), chromedp.Poll[chromedp.Void](spinning, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the spinning program: %v", err)
	}
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(".cell .stop")),
		chromedp.Poll[chromedp.Void](cellJS+`.querySelector('.console').textContent.includes('stopped')`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("Stop did not stop the program: %v", err)
	}
	if ok, err := chromedp.Run(wctx, chromedp.Evaluate[bool](cellJS+`.querySelector('.run').disabled === false`)); err != nil || !ok {
		t.Errorf("after Stop, Run is not enabled again (%v)", err)
	}
}

// screenshot saves what the learner sees, for people to look at (kept under
// $SOCKETLAB_ARTIFACTS, default the test's temporary directory).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](cellJS+`.querySelector('.console').scrollIntoView({block: 'start'})`))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	dir := os.Getenv("SOCKETLAB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err == nil {
		t.Logf("screenshot: %s", p)
	}
}

// cellN evaluates to the n-th cell of the page (from 0).
func cellN(n int) string { return `document.querySelectorAll('.cell')[` + strconv.Itoa(n) + `]` }

// TestCellsTogetherInBrowser runs a server in one cell and its client in another (the
// learner's programs share "localhost"), and feeds the server's standard input from the
// console.
func TestCellsTogetherInBrowser(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	server := `package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	ln, err := net.Listen("tcp", ":8500")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print("client says: ", line)
	fmt.Println("what shall I answer?")
	in := bufio.NewScanner(os.Stdin)
	in.Scan()
	fmt.Fprintln(c, strings.ToUpper(in.Text()))
	c.Close()
}
`
	client := `package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("tcp", "localhost:8500")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Fprintln(c, "hello from the other cell")
	reply, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("server answers: %q %v\n", reply, err)
}
`
	set := func(n int, code string) {
		js := `(() => { const ta = ` + cellN(n) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(code) +
			`; ta.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatal(err)
		}
	}
	console := func(n int) string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cellN(n)+`.querySelector('.console').textContent`))
		return s
	}
	wait := func(what string, cond string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
			t.Fatalf("waiting for %s: %v\nserver console: %s\nclient console: %s", what, err, console(1), console(0))
		}
	}
	set(1, server)
	set(0, client)
	chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](cellN(1)+`.querySelector('.run').click()`))
	wait("the server to listen", cellN(1)+`.querySelector('.console').textContent.includes('listening on')`)
	chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](cellN(0)+`.querySelector('.run').click()`))
	wait("the server to ask", cellN(1)+`.querySelector('.console').textContent.includes('what shall I answer?')`)
	if !strings.Contains(console(1), "client says: hello from the other cell") {
		t.Errorf("server console:\n%s", console(1))
	}
	// Type the answer into the server's console.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#cell-01-time-2 input.stdin"), "fine, thanks\r")); err != nil {
		t.Fatal(err)
	}
	wait("the client to exit", cellN(0)+`.querySelector('.console').textContent.includes('exit status')`)
	if out := console(0); !strings.Contains(out, `server answers: "FINE, THANKS\n" <nil>`) {
		t.Errorf("client console:\n%s", out)
	}
	wait("the server to exit", cellN(1)+`.querySelector('.console').textContent.includes('exit status 0')`)
	if out := console(1); !strings.Contains(out, "listening on [::]:8500") || !strings.Contains(out, "fine, thanks") {
		t.Errorf("server console:\n%s", out)
	}
}

// TestStepModeWorker drives the worker directly: in step mode the program stops before each
// socket operation, says what it is about to do, and goes on only when told.
func TestStepModeWorker(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	// The page's own script is not involved: this is the worker's contract.
	js := `(async () => {
		const src = document.querySelector('.cell textarea.code').value;
		const b = await (await fetch('/api/build', {method: 'POST', body: JSON.stringify({source: src})})).json();
		const w = new Worker('/static/worker.js');
		const log = [];
		let stdout = '';
		const done = new Promise((resolve) => {
			let pauses = 0;
			w.onmessage = (e) => {
				const m = e.data;
				if (m.type === 'pause') {
					pauses++;
					pausedEvents = 0;
					log.push('pause: ' + m.about.text);
					// Look around for a moment: nothing may happen while paused.
					setTimeout(() => {
						log.push('events while paused: ' + pausedEvents);
						pausedEvents = 0;
						w.postMessage({type: pauses < 2 ? 'step' : 'continue'});
					}, 200);
				} else if (m.type === 'event') {
					pausedEvents++;
					log.push('event: ' + m.event.kind);
				} else if (m.type === 'stdout') {
					stdout += m.text;
				} else if (m.type === 'exit' || m.type === 'error') {
					resolve();
				}
			};
		});
		let pausedEvents = 0;
		w.postMessage({type: 'run', wasm: b.wasm, args: [], gateway: 'ws://' + location.host + '/ws?learner=steptest1', step: true});
		await done;
		w.terminate();
		return log.join('\n') + '\nstdout: ' + stdout;
	})()`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pause: about to look up time.lab\nevents while paused: 0\nevent: lookup",
		"pause: about to connect to time.lab:37\nevents while paused: 0\nevent: dial",
		"stdout: server time is",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("step-mode log lacks %q:\n%s", w, out)
		}
	}
	if strings.Count(out, "pause:") != 2 {
		t.Errorf("after Continue the program should run on without pausing:\n%s", out)
	}
}
