package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	s, url := serveGateway(t, &gateway.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	s.Warm(context.Background(), func(done, total int, err error) {
		if err != nil {
			t.Errorf("compiling lesson cell %d/%d: %v", done, total, err)
		}
	})
	// The lesson cells' programs are downloaded without a build: Warm compressed them
	// already, in both codings the gateway sends.
	for _, src := range s.Cells() {
		hash, _ := s.Build.Compiled(src)
		path, ok := s.Build.WasmPath(hash)
		if !ok {
			t.Errorf("lesson cell %.12s has no program after Warm", hash)
			continue
		}
		for _, ext := range []string{".zst", ".gz"} {
			if _, err := os.Stat(path + ext); err != nil {
				t.Errorf("lesson cell %.12s has no %s twin after Warm: %v", hash, ext, err)
			}
		}
	}
	return s, url
}

// serveGateway serves a gateway with opts (in a cache directory of its own unless opts names
// one) until the test ends, and returns it and its URL. Its lesson cells compile as a page
// asks for them.
func serveGateway(t *testing.T, opts *gateway.Options) (*gateway.Server, string) {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	s, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// openLesson serves a gateway with opts and opens the lesson slug in the browser ctx, ready
// to run. It returns the gateway and its URL.
func openLesson(t *testing.T, ctx context.Context, opts *gateway.Options, slug string) (*gateway.Server, string) {
	t.Helper()
	s, url := serveGateway(t, opts)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/"+slug), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	return s, url
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
		`Array.from(`+cellJS+`.querySelectorAll('ul.diagnostics li .at')).map(e => e.textContent.split(':')[0]).join(',')`))
	if err != nil || marked != strconv.Itoa(bad) {
		t.Errorf("the editor lists errors on lines %q (%v), want %d", marked, err, bad)
	}

	// 4. Stop ends a program that never yields: the worker is terminated, the page lives on.
	setCode(t, ctx, "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"spinning\")\n\tfor {\n\t}\n}\n")
	spinning := cellJS + `.querySelector('.console').textContent.includes('spinning')`
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(".cell .run")), chromedp.Poll[chromedp.Void](spinning, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the spinning program: %v", err)
	}
	// A program that goes quiet gets a hint in the status line: what it may be waiting for,
	// and that Stop ends it.
	if err := chromedp.Do(wctx, chromedp.Poll[chromedp.Void](cellJS+`.querySelector('.status').textContent.includes('Stop ends it')`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("no hint for a quiet program: %v", err)
	}
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(".cell .stop")),
		chromedp.Poll[chromedp.Void](cellJS+`.querySelector('.console').textContent.includes('stopped')`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("Stop did not stop the program: %v", err)
	}
	if ok, err := chromedp.Run(wctx, chromedp.Evaluate[bool](cellJS+`.querySelector('.run').disabled === false`)); err != nil || !ok {
		t.Errorf("after Stop, Run is not enabled again (%v)", err)
	}
}

// TestPrecompiledCellInBrowser checks that an unchanged lesson cell runs the program the
// gateway compiled when it started: the page lists it, downloads and compiles it before Run,
// says so with socketlab:interactive, and Run asks /api/build nothing.
func TestPrecompiledCellInBrowser(t *testing.T) {
	ctx := browser.New(t)
	s, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time")); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	const ready = `performance.getEntriesByName('socketlab:interactive').length > 0`
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("the page never set socketlab:interactive: %v", err)
	}
	detail, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Program, Worker bool }](`performance.getEntriesByName('socketlab:interactive')[0].detail`))
	if err != nil || !detail.Program || !detail.Worker {
		t.Errorf("socketlab:interactive detail = %+v (%v), want the program compiled and a worker ready", detail, err)
	}
	hash, ok := s.Build.Compiled([]byte(s.Lessons[0].Cells[0].Source))
	if !ok {
		t.Fatal("the gateway has not compiled the first lesson's cell")
	}
	programs, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`JSON.parse(document.body.dataset.programs || '{}')`))
	if want := "/wasm/" + hash + ".wasm"; err != nil || programs[s.Lessons[0].Cells[0].ID] != want {
		t.Errorf("data-programs = %v (%v), want %s for %s", programs, err, want, s.Lessons[0].Cells[0].ID)
	}

	builds := `performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/build')).length`
	out := runCell(t, ctx)
	if !strings.Contains(out, "server time is") || !strings.Contains(out, "exit status 0") {
		t.Fatalf("the precompiled program printed:\n%s", out)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](builds)); err != nil || n != 0 {
		t.Errorf("Run of an unchanged cell asked /api/build %d times (%v), want none", n, err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByName('socketlab:first-output')[0].startTime - performance.getEntriesByName('socketlab:run')[0].startTime`))
	if err != nil || first <= 0 {
		t.Errorf("marks from Run to the first output: %v ms (%v)", first, err)
	}

	// The editor holds the block without its last newline; with it back the code is the
	// program the gateway compiled, so the build service answers from its cache.
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('textarea.code').defaultValue`))
	if err != nil {
		t.Fatal(err)
	}
	setCode(t, ctx, src+"\n")
	out = runCell(t, ctx)
	if !strings.Contains(out, "server time is") {
		t.Fatalf("after adding the last newline the program printed:\n%s", out)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](builds)); err != nil || n != 1 {
		t.Errorf("a changed cell asked /api/build %d times (%v), want once", n, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('.status').title`))
	if err != nil || !strings.Contains(title, "from the cache") {
		t.Errorf("status title %q (%v): the code with its newline back was compiled again", title, err)
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
		const b = await (await fetch('/api/build', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source: src})})).json();
		const w = new Worker('/static/worker.js', {type: 'module'});
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

// waitFor polls the page until the JavaScript condition cond holds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// evalString evaluates js in the page and returns its value as a string.
func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}

// diagramJS lists the first cell's sequence diagram, one row per line:
// "classes | from lane | to lane | label".
const diagramJS = `Array.from(` + cellJS + `.querySelectorAll('.diagram .seq .item')).map(g =>
	[g.getAttribute('class'), g.dataset.from, g.dataset.to, g.querySelector('.label').textContent].join(' | ')).join('\n')`

// diagramRow is what a test expects of one row of the sequence diagram.
type diagramRow struct {
	class, from, to string
	label           string // the label starts with this
}

// findRow returns the first line of diagram (see diagramJS) that matches want, or "".
func findRow(diagram string, want diagramRow) string {
	for _, line := range strings.Split(diagram, "\n") {
		f := strings.Split(line, " | ")
		if len(f) != 4 {
			continue
		}
		if slices.Contains(strings.Fields(f[0]), want.class) && f[1] == want.from && f[2] == want.to && strings.HasPrefix(f[3], want.label) {
			return line
		}
	}
	return ""
}

// TestWireViewInBrowser runs the first lesson and checks the wire views: the sequence
// diagram shows the dial, the four bytes from time.lab:37 and the close; an arrow and its
// bytes select each other; replay steps back and forth through the run.
func TestWireViewInBrowser(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	if out := runCell(t, ctx); !strings.Contains(out, "exit status 0") {
		t.Fatalf("the lesson's client failed:\n%s", out)
	}
	waitFor(t, ctx, "the diagram to show the close", cellJS+`.querySelector('.diagram .seq .item.close') !== null`)

	lanes := evalString(t, ctx, `Array.from(`+cellJS+`.querySelectorAll('.diagram .lanes .lane .name')).map(e => e.textContent).join(', ')`)
	if lanes != "your program, time.lab:37" {
		t.Errorf("diagram lanes are %q, want the program and time.lab:37", lanes)
	}
	diagram := evalString(t, ctx, diagramJS)
	for _, want := range []diagramRow{
		{"ctl", "your program", "time.lab:37", "connect"},
		{"ctl", "time.lab:37", "your program", "connected"},
		{"recv", "time.lab:37", "your program", "4 bytes"},
		{"close", "your program", "time.lab:37", "close"},
	} {
		if findRow(diagram, want) == "" {
			t.Errorf("diagram has no %s row from %s to %s labelled %q…:\n%s", want.class, want.from, want.to, want.label, diagram)
		}
	}
	rows := strings.Count(diagram, "\n") + 1

	// Clicking the arrow of the four bytes selects their block in the bytes panel.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .diagram .seq .item.recv .hit"))); err != nil {
		t.Fatal(err)
	}
	selected := evalString(t, ctx, `(() => {
		const b = `+cellJS+`.querySelector('.bytes .selected');
		const a = `+cellJS+`.querySelector('.diagram .item.selected');
		return b && a ? a.dataset.event + ' ' + b.dataset.event + ' ' + b.querySelector('.head .what').textContent : 'nothing selected';
	})()`)
	if f := strings.Fields(selected); len(f) < 2 || f[0] != f[1] || !strings.Contains(selected, "received 4 bytes from time.lab:37") {
		t.Errorf("after clicking the 4-byte arrow, the selection is %q; want the same event in both views, the 4 bytes", selected)
	}
	screenshot(t, ctx, "wire-first-lesson.png")

	// And the other way: clicking the "connected" line in the bytes panel selects its arrow.
	connected := evalString(t, ctx, `Array.from(`+cellJS+`.querySelectorAll('.bytes .event')).find(e => e.textContent.includes('connected to time.lab:37')).dataset.event`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.cell .bytes [data-event="`+connected+`"]`))); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, ctx, cellJS+`.querySelector('.diagram .item.selected')?.dataset.event ?? 'none'`); got != connected {
		t.Errorf("after clicking the connected line (event %s) the diagram selects %s", connected, got)
	}

	// Replay: one step back hides the close, in the diagram and in the bytes panel.
	replayed := func() (string, string) {
		return evalString(t, ctx, diagramJS), evalString(t, ctx, cellJS+`.querySelector('.wire-bar .pos').textContent`)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .wire-bar .back"))); err != nil {
		t.Fatal(err)
	}
	diagram, pos := replayed()
	if findRow(diagram, diagramRow{"close", "your program", "time.lab:37", "close"}) != "" || strings.Count(diagram, "\n")+1 != rows-1 {
		t.Errorf("one step back, the diagram still shows the close or lost more than one row:\n%s", diagram)
	}
	if want := fmt.Sprintf("event %d of %d", rows-1, rows); !strings.HasPrefix(pos, want) {
		t.Errorf("one step back, the replay says %q, want %q…", pos, want)
	}
	if hidden := evalString(t, ctx, `String(Array.from(`+cellJS+`.querySelectorAll('.bytes .event')).filter(e => e.textContent.includes('closed')).every(e => e.hidden))`); hidden != "true" {
		t.Errorf("one step back, the bytes panel still shows the close")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .wire-bar .forward"))); err != nil {
		t.Fatal(err)
	}
	if diagram, _ := replayed(); findRow(diagram, diagramRow{"close", "your program", "time.lab:37", "close"}) == "" {
		t.Errorf("one step forward again, the close is not back:\n%s", diagram)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .wire-bar .first"))); err != nil {
		t.Fatal(err)
	}
	if diagram, pos := replayed(); diagram != "" || !strings.HasPrefix(pos, "event 0 of") {
		t.Errorf("back at the start, the diagram shows %q and the replay says %q", diagram, pos)
	}
	// The byte totals are the whole run's, whatever the replay shows.
	if got := evalString(t, ctx, cellJS+`.querySelector('.bytes').dataset.received`); got != "4" {
		t.Errorf("data-received = %q during replay, want 4", got)
	}
}

// TestStepModeInBrowser steps through the HTTP lesson's client from the page: it pauses
// before its request until Step is clicked, Continue runs it to the end, and then the
// diagram shows the request and the response with its status line annotated.
func TestStepModeInBrowser(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/04-http-by-hand"), chromedp.WaitVisible(chromedp.CSS(".cell .step"))); err != nil {
		t.Fatal(err)
	}
	status := func() string { return evalString(t, ctx, cellJS+`.querySelector('.status').textContent`) }
	paused := cellJS + `.dataset.state === 'paused'`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .step"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the first pause", paused)
	for i := 0; !strings.HasPrefix(status(), "about to send"); i++ {
		if i == 10 {
			t.Fatalf("ten steps and no send in sight; the page says %q", status())
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .step"))); err != nil {
			t.Fatal(err)
		}
		// The Step click puts the cell back to running before the worker answers.
		waitFor(t, ctx, "the next pause", paused+` || `+cellJS+`.dataset.state === 'exited'`)
	}
	if got, want := status(), "about to send 43 bytes to web.lab:80"; got != want {
		t.Errorf("paused before the request, the page says %q, want %q", got, want)
	}
	if got := evalString(t, ctx, cellJS+`.querySelector('.bytes').dataset.sent`); got != "0" {
		t.Errorf("paused before the request, %s bytes were already sent", got)
	}
	// The diagram is drawn on the next frame after the status line.
	waitFor(t, ctx, "the diagram's pending row to name the send", cellJS+`.querySelector('.diagram .item.pending .label')?.textContent === "about to send 43 bytes to web.lab:80"`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .step"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the request to go out", cellJS+`.querySelector('.bytes').dataset.sent === '43'`)
	waitFor(t, ctx, "the pause after the request", paused+` || `+cellJS+`.dataset.state === 'exited'`)
	if evalString(t, ctx, `String(`+paused+`)`) == "true" {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .continue"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, ctx, "the program to exit", cellJS+`.dataset.state === 'exited'`)
	if out := evalString(t, ctx, cellJS+`.querySelector('.console').textContent`); !strings.Contains(out, "exit status 0") {
		t.Errorf("the stepped program did not exit cleanly:\n%s", out)
	}

	waitFor(t, ctx, "the annotations", cellJS+`.dataset.annotated === 'true'`)
	diagram := evalString(t, ctx, diagramJS)
	for _, want := range []diagramRow{
		{"send", "your program", "web.lab:80", "43 bytes: GET /index.html"},
		{"recv", "web.lab:80", "your program", ""},
	} {
		if findRow(diagram, want) == "" {
			t.Errorf("diagram has no %s row from %s to %s labelled %q…:\n%s", want.class, want.from, want.to, want.label, diagram)
		}
	}
	if !strings.Contains(diagram, "200 OK") {
		t.Errorf("the response arrow does not name its status:\n%s", diagram)
	}
	notes := evalString(t, ctx, `Array.from(`+cellJS+`.querySelectorAll('.bytes .block.recv .ann')).map(a => a.textContent).join('\n')`)
	if !strings.Contains(notes, "200") {
		t.Errorf("the response's status line is not annotated; its notes:\n%s", notes)
	}
	screenshot(t, ctx, "wire-http-lesson.png")
}
