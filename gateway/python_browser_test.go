package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/internal/browser"
	"socketlab/lessons"
)

// Python cells in the page: Pyodide in a worker, the lab's socket module over the rings to a
// network worker, and the same gateway as Go cells (docs/python.md).

// openPython serves the Python test lessons (testdata/python-lessons) and opens their page.
func openPython(t *testing.T, ctx context.Context) (*gateway.Server, string) {
	t.Helper()
	ls, err := lessons.LoadDir("testdata/python-lessons")
	if err != nil {
		t.Fatal(err)
	}
	s, url := openLesson(t, ctx, &gateway.Options{Lessons: ls, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}, "python")
	// The page is interactive once the first cell's Python worker has loaded Pyodide, which
	// takes a while on a busy machine; the tests' limits are for what comes after.
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`performance.getEntriesByName('socketlab:interactive').length > 0`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the page to load Python: %v", err)
	}
	if ready := evalString(t, ctx, `String(performance.getEntriesByName('socketlab:interactive')[0].detail.worker)`); ready != "true" {
		t.Fatalf("the Python worker did not load (interactive: worker %s)", ready)
	}
	return s, url
}

// runPython clicks Run on cell n and waits, up to limit, for the run to end; it returns the
// console's text.
func runPython(t *testing.T, ctx context.Context, n int, limit time.Duration) string {
	t.Helper()
	cell := cellN(n)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cell+`.querySelector('.run').click() || true`)); err != nil {
		t.Fatal(err)
	}
	done := cell + `.querySelector('.run').disabled === false && ['exited', 'error', 'stopped'].includes(` + cell + `.dataset.state)`
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](done, chromedp.WithPollingTimeout(0))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cell+`.querySelector('.console').textContent`))
		t.Fatalf("waiting for the Python run to end: %v (console: %q)", err, text)
	}
	return evalString(t, ctx, cell+`.querySelector('.console').textContent`)
}

func TestPythonTimeClientInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	if got := evalString(t, ctx, `String(self.crossOriginIsolated)`); got != "true" {
		t.Fatalf("the lesson page is not cross-origin isolated (crossOriginIsolated = %s)", got)
	}
	out := runPython(t, ctx, 0, 120*time.Second)
	if !strings.Contains(out, "server time is") || !offsetLine.MatchString(out) || !strings.Contains(out, "exit status 0") {
		t.Fatalf("the Python time client printed:\n%s", out)
	}
	out = runPython(t, ctx, 1, 60*time.Second)
	if !strings.Contains(out, "hello, echo\n") || !strings.Contains(out, "exit status 0") {
		t.Fatalf("the Python echo client printed:\n%s", out)
	}
}

// pyRun is what a cell's run did, from its socketlab:run-finished event.
type pyRun struct {
	Stdout, Stderr, Output, State string
	Exit                          *int
	Events                        []map[string]any
}

// recordRuns makes the page keep every run's record, in order, in window.pyRuns.
func recordRuns(t *testing.T, ctx context.Context) {
	t.Helper()
	evalString(t, ctx, `(() => { window.pyRuns = []; for (const c of document.querySelectorAll('.cell'))
		c.addEventListener('socketlab:run-finished', (e) => window.pyRuns.push(e.detail)); return ''; })()`)
}

// setCell gives cell n its code and arguments, as typed.
func setCell(t *testing.T, ctx context.Context, n int, code, args string) {
	t.Helper()
	c, _ := json.Marshal(code)
	a, _ := json.Marshal(args)
	evalString(t, ctx, `(() => { const cell = `+cellN(n)+`; const ta = cell.querySelector('textarea.code'); ta.value = `+string(c)+
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); cell.querySelector('input.args').value = `+string(a)+`; return ''; })()`)
}

// runRecorded runs cell n, typing stdin (when not "") once the program reads, and returns its
// record.
func runRecorded(t *testing.T, ctx context.Context, n int, stdin string, limit time.Duration) pyRun {
	t.Helper()
	before := evalString(t, ctx, `String(window.pyRuns.length)`)
	evalString(t, ctx, cellN(n)+`.querySelector('.run').click() || ''`)
	if stdin != "" {
		s, _ := json.Marshal(stdin)
		waitFor(t, ctx, "the program to read its input", cellN(n)+`.querySelector('input.stdin.waiting') !== null`)
		evalString(t, ctx, `(() => { const w = `+cellN(n)+`; const text = `+string(s)+`;
			const input = w.querySelector('input.stdin');
			for (const line of text.split('\n').slice(0, -1)) {
				input.value = line;
				input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
			}
			input.dispatchEvent(new KeyboardEvent('keydown', {key: 'd', ctrlKey: true, bubbles: true}));
			return ''; })()`)
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`window.pyRuns.length > `+before, chromedp.WithPollingTimeout(0))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cellN(n)+`.querySelector('.console').textContent`))
		t.Fatalf("waiting for the Python run to end: %v (console: %q)", err, text)
	}
	js := evalString(t, ctx, `JSON.stringify(window.pyRuns[`+before+`])`)
	var r pyRun
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("the run's record %s: %v", js, err)
	}
	return r
}

// nativePython runs source as python3 main.py ARGS... in a directory of its own, with stdin,
// as the page's runs should look.
func nativePython(t *testing.T, source string, stdin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is needed to compare the page's Python with CPython: %v", err)
		}
		t.Skipf("python3 not found: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{"-B", "main.py"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	// python3 names the program by its absolute path; the page's is /home/learner/main.py.
	return out.String(), strings.ReplaceAll(errb.String(), dir+"/", "/home/learner/"), cmd.ProcessState.ExitCode()
}

// TestPythonConsoleInBrowser: input() from the console, sys.argv from the Arguments field,
// sys.exit(N) as the exit status, and tracebacks (a SyntaxError's too) as python3 prints them.
func TestPythonConsoleInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	recordRuns(t, ctx)
	src, err := os.ReadFile("../python/testdata/conformance/console.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, source, args, stdin string
		status                    int
	}{
		{"exit status", string(src), "ok", "Ada\n3\n", 3},
		{"traceback", string(src), "fail", "Ada\n3\n", 1},
		{"syntax error", "import sys\nprint(sys.argv\nx = 1\n", "", "", 1},
		{"argv", "import sys\nprint(sys.argv)\nsys.exit('bye')\n", `one "two three"`, "", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			setCell(t, ctx, 0, c.source, c.args)
			r := runRecorded(t, ctx, 0, c.stdin, time.Minute)
			args := strings.Fields(c.args)
			if c.name == "argv" {
				args = []string{"one", "two three"}
			}
			nout, nerr, nst := nativePython(t, c.source, c.stdin, args...)
			if nst != c.status {
				t.Fatalf("python3: status %d, want %d", nst, c.status)
			}
			if r.Exit == nil || *r.Exit != c.status || r.State != "exited" {
				t.Errorf("the page's run ended %s with status %v, want %d\n%s", r.State, r.Exit, c.status, r.Output)
			}
			if r.Stdout != nout {
				t.Errorf("the page printed\n%q\npython3 printed\n%q", r.Stdout, nout)
			}
			if r.Stderr != nerr {
				t.Errorf("the page's stderr\n%s\npython3's\n%s", r.Stderr, nerr)
			}
			if c.name == "syntax error" {
				// The editor marks the error the run printed (editor.js, markPythonErrors):
				// listed under the code, at the bracket never closed.
				waitFor(t, ctx, "the syntax error listed under the code", cellN(0)+`.querySelector('ul.diagnostics:not([hidden]) li') !== null`)
				if got := evalString(t, ctx, cellN(0)+`.querySelector('ul.diagnostics li').textContent`); !strings.HasPrefix(got, "2:6 SyntaxError: ") {
					t.Errorf("the error list says %q, want 2:6 SyntaxError: ... (the bracket opened on line 2)", got)
				}
			}
		})
	}
}

// TestPythonStopInBrowser: Stop ends a program blocked in recv or accept at once, its
// network worker with it: the gateway closes its listener, so the same program can listen on
// the same port again straight away.
func TestPythonStopInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	recordRuns(t, ctx)
	setCell(t, ctx, 0, "import socket\ns = socket.create_connection(('echo.lab', 7))\nprint('connected', flush=True)\nprint(s.recv(10))\n", "")
	evalString(t, ctx, cellN(0)+`.querySelector('.run').click() || ''`)
	waitFor(t, ctx, "the client to connect", cellN(0)+`.querySelector('.console').textContent.includes('connected')`)
	time.Sleep(200 * time.Millisecond)
	if st := evalString(t, ctx, cellN(0)+`.dataset.state`); st != "running" {
		t.Fatalf("the client should wait in recv, but the cell is %s", st)
	}
	evalString(t, ctx, cellN(0)+`.querySelector('.stop').click() || ''`)
	if st := evalString(t, ctx, cellN(0)+`.dataset.state`); st != "stopped" {
		t.Fatalf("after Stop the blocked client's cell is %s", st)
	}

	setCell(t, ctx, 0, "import socket\ns = socket.socket()\ns.bind(('', 5000))\ns.listen()\nprint('listening', flush=True)\nc, a = s.accept()\nprint(c.recv(10))\n", "")
	for i := range 2 {
		evalString(t, ctx, cellN(0)+`.querySelector('.run').click() || ''`)
		waitFor(t, ctx, "the server to listen", cellN(0)+`.querySelector('.console').textContent.includes('listening')`)
		time.Sleep(200 * time.Millisecond)
		if st := evalString(t, ctx, cellN(0)+`.dataset.state`); st != "running" {
			t.Fatalf("run %d: the server should wait in accept, but the cell is %s:\n%s", i+1, st, evalString(t, ctx, cellN(0)+`.querySelector('.console').textContent`))
		}
		evalString(t, ctx, cellN(0)+`.querySelector('.stop').click() || ''`)
		if st := evalString(t, ctx, cellN(0)+`.dataset.state`); st != "stopped" {
			t.Fatalf("run %d: after Stop the cell is %s", i+1, st)
		}
	}
}

// TestPythonWireInBrowser: a Python program's socket events reach the wire view as a Go
// program's do: the diagram's connection and the bytes each way.
func TestPythonWireInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	recordRuns(t, ctx)
	r := runRecorded(t, ctx, 1, "", time.Minute)
	if r.Stdout != "hello, echo\n" {
		t.Fatalf("the echo client printed %q", r.Output)
	}
	var kinds []string
	for _, e := range r.Events {
		kinds = append(kinds, fmt.Sprint(e["kind"]))
	}
	for _, k := range []string{"lookup", "answer", "dial", "connected", "send", "recv", "close"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s event among the run's events %v", k, kinds)
		}
	}
	sent := evalString(t, ctx, cellN(1)+`.querySelector('.bytes').dataset.sent || ''`)
	recv := evalString(t, ctx, cellN(1)+`.querySelector('.bytes').dataset.received || ''`)
	if sent != "12" || recv != "12" {
		t.Errorf("the bytes panel counts %s sent and %s received, want 12 and 12", sent, recv)
	}
	// The capture of the run, as the wire view's export button asks for it.
	pcap, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const run = window.pyRuns[window.pyRuns.length - 1];
		const resp = await fetch("/api/export.pcapng", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({events: run.events})});
		const b = new Uint8Array(await resp.arrayBuffer());
		return resp.status + " " + Array.from(b.slice(0, 4), (x) => x.toString(16)).join(",") + " " + new TextDecoder("latin1").decode(b).includes("hello, echo");
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || pcap != "200 a,d,d,a true" {
		t.Errorf("the run's pcapng export: %q (%v), want a capture holding the echoed bytes", pcap, err)
	}
	diagram := evalString(t, ctx, strings.ReplaceAll(diagramJS, cellJS, cellN(1)))
	if !strings.Contains(diagram, "echo.lab") || !strings.Contains(diagram, "hello, echo") {
		t.Errorf("the sequence diagram does not show the connection to echo.lab and its bytes:\n%s", diagram)
	}
}

// TestPythonConformanceInBrowser runs python/testdata/conformance in Chromium: each program
// must print what it prints on plain CPython against the lab's servers at their real loopback
// addresses (python/conformance_test.go runs the same programs natively and with socketlab
// run). The programs that need threads, which Pyodide does not have, are the exception:
// socketserver's server and its clients run in two cells instead (TestPythonServersInBrowser).
func TestPythonConformanceInBrowser(t *testing.T) {
	ctx := browser.New(t)
	s, _ := openPython(t, ctx)
	recordRuns(t, ctx)
	real := map[string][]string{}
	for _, svc := range s.Lab.Services() {
		host, port, _ := net.SplitHostPort(svc.Listen)
		real[fmt.Sprintf("%s:%d/%s", svc.Name, svc.Port, svc.Proto)] = []string{host, port}
	}
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		return port
	}
	cases := []struct {
		prog   string
		native []string
		lab    string
		kinds  []string // the page's run must have these events
	}{
		{"refused.py", []string{"127.0.0.1", closed()}, "time.lab 38", []string{"dial", "error"}},
		{"halfclose.py", real["echo.lab:7/tcp"], "echo.lab 7", []string{"fin-sent", "fin-recv"}},
		{"bulk.py", real["echo.lab:7/tcp"], "echo.lab 7", []string{"send", "recv"}},
		{"timeouts.py", real["echo.lab:7/tcp"], "echo.lab 7", []string{"connected"}},
		{"udp.py", real["echo.lab:7/udp"], "echo.lab 7", []string{"bind", "sendto", "recvfrom"}},
		{"http_client.py", real["web.lab:80/tcp"], "web.lab 80", []string{"lookup", "answer", "connected"}},
		{"ftp_client.py", real["ftp.lab:21/tcp"], "ftp.lab 21", []string{"connected", "fin-recv"}},
		{"nonblocking.py", append(slices.Clone(real["echo.lab:7/tcp"]), "127.0.0.1", closed()), "echo.lab 7 time.lab 38", []string{"dial", "error"}},
		{"asyncio_streams.py", real["echo.lab:7/tcp"], "echo.lab 7", []string{"listen", "accept"}},
		{"select3.py", real["echo.lab:7/tcp"], "echo.lab 7", []string{"fin-sent"}},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.prog, ".py"), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "python", "testdata", "conformance", c.prog))
			if err != nil {
				t.Fatal(err)
			}
			nout, nerr, nst := nativePython(t, string(src), "", c.native...)
			if nst != 0 {
				t.Fatalf("CPython on loopback: status %d\n%s%s", nst, nout, nerr)
			}
			setCell(t, ctx, 0, string(src), c.lab)
			r := runRecorded(t, ctx, 0, "", 3*time.Minute)
			if r.Exit == nil || *r.Exit != 0 {
				t.Fatalf("in Chromium: the run ended %s, status %v\n%s", r.State, r.Exit, r.Output)
			}
			if r.Stdout != nout {
				t.Errorf("in Chromium the program printed\n%s\nCPython on loopback\n%s", r.Stdout, nout)
			}
			seen := map[string]bool{}
			for _, e := range r.Events {
				seen[fmt.Sprint(e["kind"])] = true
			}
			for _, k := range c.kinds {
				if !seen[k] {
					t.Errorf("no %s event in the page's run", k)
				}
			}
		})
	}
}

// TestPythonServersInBrowser: servers in a Python cell. server.py (the conformance suite's)
// takes a client from this machine at the address its listen event gives, and prints what
// CPython prints; a socketserver server in one cell answers a client in another cell, as
// socketserver_pair.py does in one program with a thread (Pyodide has none).
func TestPythonServersInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	recordRuns(t, ctx)

	t.Run("from the host", func(t *testing.T) {
		src, err := os.ReadFile("../python/testdata/conformance/server.py")
		if err != nil {
			t.Fatal(err)
		}
		setCell(t, ctx, 0, string(src), "")
		before := evalString(t, ctx, `String(window.pyRuns.length)`)
		evalString(t, ctx, cellN(0)+`.querySelector('.run').click() || ''`)
		bytesJS := cellN(0) + `.querySelector('.bytes').textContent`
		waitFor(t, ctx, "the listen event in the bytes view", bytesJS+`.includes("gateway's own machine")`)
		view := evalString(t, ctx, bytesJS)
		host := regexp.MustCompile(`machine: (127\.0\.0\.1:\d+)`).FindStringSubmatch(view)
		if host == nil {
			t.Fatalf("no host address in the bytes view:\n%s", view)
		}
		c, err := net.DialTimeout("tcp", host[1], 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, "hello from the host\n")
		reply, err := io.ReadAll(c)
		if err != nil || string(reply) != "HELLO FROM THE HOST\n" {
			t.Fatalf("the page's server answered %q (%v)", reply, err)
		}
		waitFor(t, ctx, "the server to end", `window.pyRuns.length > `+before)
		var r pyRun
		json.Unmarshal([]byte(evalString(t, ctx, `JSON.stringify(window.pyRuns[`+before+`])`)), &r)
		want := "reuse True\nlistening on 0.0.0.0\nnodelay True\ngot b'hello from the host\\n'\n"
		if r.Stdout != want || r.Exit == nil || *r.Exit != 0 {
			t.Errorf("the server printed\n%s\nwant\n%s", r.Output, want)
		}
	})

	t.Run("socketserver and a client cell", func(t *testing.T) {
		server := `import socketserver

class Upper(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())

with socketserver.TCPServer(("127.0.0.1", 8000), Upper) as srv:
    print("serving", flush=True)
    for _ in range(3):
        srv.handle_request()
print("served 3")
`
		client := `import socket

for i in range(3):
    with socket.create_connection(("127.0.0.1", 8000)) as c:
        f = c.makefile("rwb")
        f.write(b"hello number %d\n" % i)
        f.flush()
        c.shutdown(socket.SHUT_WR)
        print(f.readline())
`
		setCell(t, ctx, 0, server, "")
		setCell(t, ctx, 1, client, "")
		before := evalString(t, ctx, `String(window.pyRuns.length)`)
		evalString(t, ctx, cellN(0)+`.querySelector('.run').click() || ''`)
		waitFor(t, ctx, "the server to serve", cellN(0)+`.querySelector('.console').textContent.includes('serving')`)
		runRecorded(t, ctx, 1, "", time.Minute)
		waitFor(t, ctx, "the server to end", `window.pyRuns.length > `+before+` + 1`)
		// The server may end before the client's run is told: find each run by what it printed.
		var s, c pyRun
		json.Unmarshal([]byte(evalString(t, ctx, `JSON.stringify(window.pyRuns.slice(`+before+`).find((r) => r.stdout.includes('serving')))`)), &s)
		json.Unmarshal([]byte(evalString(t, ctx, `JSON.stringify(window.pyRuns.slice(`+before+`).find((r) => !r.stdout.includes('serving')))`)), &c)
		if want := "b'HELLO NUMBER 0\\n'\nb'HELLO NUMBER 1\\n'\nb'HELLO NUMBER 2\\n'\n"; c.Stdout != want {
			t.Errorf("the client cell printed\n%s\nwant\n%s", c.Output, want)
		}
		if s.Stdout != "serving\nserved 3\n" || s.Exit == nil || *s.Exit != 0 {
			t.Errorf("the server cell printed\n%s", s.Output)
		}
	})
}
