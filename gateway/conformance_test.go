package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab"
	"socketlab/gateway"
	"socketlab/gateway/lab"
	"socketlab/gateway/relay"
	"socketlab/internal/browser"
	"socketlab/internal/cli"
)

// The conformance suite: ordinary Go programs (testdata/conformance) run three ways and must
// print the same thing each time:
//
//   - plain: built with the local toolchain and run on Linux, talking straight to the lab
//     servers' real loopback addresses (no gateway at all);
//   - native: through `socketlab run`, so their sockets go through a real gateway;
//   - browser: compiled to WebAssembly and run in a Web Worker in headless Chromium.
//
// Lab mode addresses programs by lab name (time.lab:37); plain mode by the servers' real
// addresses. Programs print nothing that depends on which.

type scenario struct {
	name   string
	prog   string
	args   func(m addrs) []string
	stdin  string
	status int
	want   string

	// server, when set, runs first and must print "ready" before prog starts; its output
	// must be serverWant.
	server     string
	serverArgs func(m addrs) []string
	serverWant string
	// hostClient: after the server is ready, the test itself dials localhost:port natively,
	// as nc on the gateway host would.
	hostClient bool
}

// addrs maps a lab address to the one a mode uses.
type addrs func(labAddr string) string

func scenarios(port int) []scenario {
	p := strconv.Itoa(port)
	one := func(a string) func(addrs) []string { return func(m addrs) []string { return []string{m(a)} } }
	return []scenario{
		{name: "refused dial", prog: "refused.go", args: one("time.lab:38"),
			want: "true true dial tcp connect: connection refused\nrefused: true\n"},
		{name: "dial by name and by address", prog: "byname.go",
			args: func(m addrs) []string { return []string{m("time.lab:37"), m("10.10.0.37:37")} },
			want: "4 bytes: true close to our clock: true\n4 bytes: true close to our clock: true\n"},
		{name: "echo with half-close", prog: "halfclose.go", args: one("echo.lab:7"),
			want: "\"hello, half-close\" <nil>\nwrite after CloseWrite fails: true\n"},
		{name: "10 MiB each way", prog: "bulk.go", args: one("echo.lab:7"),
			want: "got 10485760 <nil> same: true\n"},
		{name: "a reader that stops for a while", prog: "bulk.go",
			args: func(m addrs) []string { return []string{m("echo.lab:7"), "-slow"} },
			want: "got 4194304 <nil> same: true\n"},
		{name: "read deadline, then the connection works", prog: "deadline.go", args: one("echo.lab:7"),
			want: "deadline: true true\nagain <nil>\n"},
		{name: "UDP datagrams", prog: "udp.go", args: one("echo.lab:7"),
			want: "\"first\" from echo: true <nil>\n\"second datagram\" from echo: true <nil>\n\"0123\" <nil>\n\"next\" <nil>\n*net.UDPConn: true\n"},
		{name: "listen in one program, dial from another", server: "server.go", prog: "client.go",
			serverArgs: func(addrs) []string { return []string{p} }, args: func(addrs) []string { return []string{p} },
			serverWant: "ready\ngot: hello from the client\nsecond listener while the first is open: true\n",
			want:       "\"HELLO FROM THE CLIENT\\n\" <nil>\n"},
		{name: "accept a native client from the gateway host", server: "server.go", hostClient: true,
			serverArgs: func(addrs) []string { return []string{strconv.Itoa(port + 1)} },
			serverWant: "ready\ngot: hello from the client\nsecond listener while the first is open: true\n"},
		{name: "two listeners on one port", prog: "addrinuse.go", args: func(addrs) []string { return []string{strconv.Itoa(port + 2)} },
			want: "in use: true\n"},
		{name: "100 concurrent streams", prog: "concurrent.go", args: one("echo.lab:7"),
			want: "echoed correctly: 100\n"},
		{name: "net/http client and server", prog: "httpboth.go",
			args: func(m addrs) []string { return []string{m("web.lab:80"), strconv.Itoa(port + 3)} },
			want: "200 hello over HTTP\n418\n"},
		{name: "FTP with a passive download", prog: "ftp.go", args: one("ftp.lab:21"),
			want: "listed hello.c: true <nil>\ndownloaded: true\n"},
		{name: "a reset by the peer", prog: "reset.go", args: func(addrs) []string { return []string{strconv.Itoa(port + 4)} },
			want: "reset: true\n"},
		{name: "stdin and exit status", prog: "stdin.go", args: func(addrs) []string { return nil },
			stdin: "first\nsecond\n", status: 3, want: "line 1: first\nline 2: second\n"},
	}
}

// result is what a run printed and how it ended.
type result struct {
	stdout string
	status int
}

// runner runs one program in one mode. ready, if not nil, is closed when the program has
// printed its first line.
type runner func(t *testing.T, prog string, args []string, stdin string, ready chan<- struct{}) result

func freePort(t *testing.T) int {
	t.Helper()
	// Five consecutive ports that are free on this machine: each scenario uses its own. They
	// are taken below the kernel's ephemeral range (32768 and up here), where no outgoing
	// connection of another test or process is given one between this check and the
	// program's bind, and below the host ports gateways give learners' listeners by default
	// (relay.DefaultLimits.HostPorts).
	for try := 0; try < 50; try++ {
		base := 12000 + rand.IntN(relay.DefaultLimits.HostPorts.First-12000-5)
		ok := true
		for i := 0; i < 5 && ok; i++ {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
			ok = err == nil
			if l != nil {
				l.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no five free ports in a row")
	return 0
}

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs many programs")
	}
	dir, _ := filepath.Abs("testdata/conformance")
	port := freePort(t)
	cache := t.TempDir()

	// plain mode: the lab servers, reached directly at their real addresses.
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	realAddr := func(a string) string {
		host, p, _ := net.SplitHostPort(a)
		pn, _ := strconv.Atoi(p)
		if listen, _, ok := ln.Resolve("tcp", host, pn); ok {
			return listen
		}
		// A port where nothing listens: the lab host's refusal becomes the loopback's.
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().String()
	}
	udpAddr := func(a string) string {
		host, p, _ := net.SplitHostPort(a)
		pn, _ := strconv.Atoi(p)
		listen, _, _ := ln.Resolve("udp", host, pn)
		return listen
	}
	plain := plainRunner(t, dir)

	// native and browser mode: one gateway, one learner per scenario.
	// Learners' listeners open on host ports from --host-ports, never on the port they ask
	// for: a range of the one port the host-client scenario's server asks for is where a
	// native client on the gateway host finds it. The scenarios run one at a time and hold
	// one listener at a time, so one host port serves them all.
	srv, err := gateway.New(&gateway.Options{CacheDir: cache, Limits: relay.Limits{HostPorts: relay.PortRange{First: port + 1, Last: port + 1}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"

	// The browser lives as long as the whole test. Without Chromium the browser runs are
	// skipped locally (and fail in CI, inside browser.New).
	var bctx context.Context
	if browser.Find() != "" || os.Getenv("CI") == "true" {
		bctx = browser.New(t)
		if err := chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/")); err != nil {
			t.Fatal(err)
		}
	}
	for i, sc := range scenarios(port) {
		modes := []struct {
			name string
			m    addrs
			run  runner
		}{
			{"plain", realAddr, plain},
			{"native", func(a string) string { return a }, nativeRunner(dir, cache, wsURL+"?learner=conformance-native-"+strconv.Itoa(i))},
			{"browser", func(a string) string { return a }, nil},
		}
		if sc.name == "UDP datagrams" {
			modes[0].m = udpAddr
		}
		for _, mode := range modes {
			t.Run(mode.name+"/"+sc.name, func(t *testing.T) {
				run := mode.run
				if run == nil {
					if bctx == nil {
						t.Skip("no Chromium: apt-get install chromium to run the browser half")
					}
					run = browserRunner(bctx, dir, "conformance-browser-"+strconv.Itoa(i))
				}
				checkScenario(t, sc, mode.m, run, mode.name)
			})
		}
	}
}

func checkScenario(t *testing.T, sc scenario, m addrs, run runner, mode string) {
	var server result
	var wg sync.WaitGroup
	if sc.server != "" {
		ready := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			server = run(t, sc.server, sc.serverArgs(m), "", ready)
		}()
		select {
		case <-ready:
		case <-time.After(2 * time.Minute):
			t.Fatal("the server never said ready")
		}
	}
	if sc.hostClient {
		c, err := net.Dial("tcp", "127.0.0.1:"+sc.serverArgs(m)[0])
		if err != nil {
			t.Fatalf("native client on the gateway host: %v", err)
		}
		fmt.Fprintln(c, "hello from the client")
		b, _ := io.ReadAll(c)
		c.Close()
		if string(b) != "HELLO FROM THE CLIENT\n" {
			t.Errorf("native client got %q", b)
		}
	}
	if sc.prog != "" {
		got := run(t, sc.prog, sc.args(m), sc.stdin, nil)
		if got.stdout != sc.want || got.status != sc.status {
			t.Errorf("%s %s: status %d, output:\n%s\nwant status %d, output:\n%s", mode, sc.prog, got.status, got.stdout, sc.status, sc.want)
		}
	}
	wg.Wait()
	if sc.server != "" && (server.stdout != sc.serverWant || server.status != 0) {
		t.Errorf("%s %s: status %d, output:\n%s\nwant status 0, output:\n%s", mode, sc.server, server.status, server.stdout, sc.serverWant)
	}
}

// lineWriter closes ready at the first newline written through it.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan<- struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.ready != nil && bytes.Contains(w.buf.Bytes(), []byte("\n")) {
		close(w.ready)
		w.ready = nil
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func nativeRunner(dir, cache, wsURL string) runner {
	return func(t *testing.T, prog string, args []string, stdin string, ready chan<- struct{}) result {
		out := &lineWriter{ready: ready}
		var errb bytes.Buffer
		all := append([]string{"run", "--gateway", wsURL, "--cache-dir", cache, filepath.Join(dir, prog)}, args...)
		status := cli.Main(all, os.Getenv, strings.NewReader(stdin), out, &errb)
		if errb.Len() > 0 {
			t.Logf("%s stderr: %s", prog, errb.String())
		}
		return result{out.String(), status}
	}
}

// plainRunner builds each program with the host toolchain, without the lab, in a module that
// may use the same third-party packages as learner programs.
func plainRunner(t *testing.T, dir string) runner {
	mod := t.TempDir()
	gomod := "module plain\n\ngo 1.26\n"
	for m, v := range socketlab.ThirdParty {
		gomod += "\nrequire " + m + " " + v + "\n"
	}
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644)
	os.WriteFile(filepath.Join(mod, "go.sum"), socketlab.ThirdPartySum(), 0o644)
	var mu sync.Mutex
	built := map[string]string{}
	return func(t *testing.T, prog string, args []string, stdin string, ready chan<- struct{}) result {
		mu.Lock()
		bin, ok := built[prog]
		if !ok {
			src, err := os.ReadFile(filepath.Join(dir, prog))
			if err != nil {
				mu.Unlock()
				t.Fatal(err)
			}
			sub := filepath.Join(mod, strings.TrimSuffix(prog, ".go"))
			os.MkdirAll(sub, 0o755)
			os.WriteFile(filepath.Join(sub, "main.go"), src, 0o644)
			bin = filepath.Join(mod, strings.TrimSuffix(prog, ".go")+".bin")
			cmd := exec.Command("go", "build", "-o", bin, "./"+filepath.Base(sub))
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				mu.Unlock()
				t.Fatalf("go build %s: %v\n%s", prog, err, out)
			}
			built[prog] = bin
		}
		mu.Unlock()
		out := &lineWriter{ready: ready}
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		cmd.Stdout = out
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		status := 0
		if ee, ok := err.(*exec.ExitError); ok {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running %s: %v", prog, err)
		}
		if errb.Len() > 0 {
			t.Logf("%s stderr: %s", prog, errb.String())
		}
		return result{out.String(), status}
	}
}

// browserRunner runs a program in a Web Worker of the page, as the lesson page does.
func browserRunner(ctx context.Context, dir, learner string) runner {
	return func(t *testing.T, prog string, args []string, stdin string, ready chan<- struct{}) result {
		src, err := os.ReadFile(filepath.Join(dir, prog))
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(time.Now().UnixNano(), 36)
		start := fmt.Sprintf(`(async () => {
			const runs = window.runs || (window.runs = {});
			const r = runs[%[1]q] = {stdout: '', stderr: '', done: false, code: -1};
			const b = await (await fetch('/api/build', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source: %[2]s})})).json();
			if (!b.ok) { r.stderr = JSON.stringify(b); r.done = true; return; }
			const w = new Worker('/static/worker.js', {type: 'module'});
			w.onmessage = (e) => {
				const m = e.data;
				if (m.type === 'stdout') r.stdout += m.text;
				if (m.type === 'stderr') r.stderr += m.text;
				if (m.type === 'exit') { r.code = m.code; r.done = true; w.terminate(); }
				if (m.type === 'error') { r.stderr += m.message; r.done = true; w.terminate(); }
			};
			w.postMessage({type: 'run', wasm: b.wasm, args: %[3]s, gateway: 'ws://' + location.host + '/ws?learner=%[4]s'});
			w.postMessage({type: 'stdin', text: %[5]q, eof: true});
			return true;
		})()`, id, strconv.Quote(string(src)), jsArray(args), learner, stdin)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](start, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatalf("starting %s in the browser: %v", prog, err)
		}
		state := func() (r struct {
			Stdout, Stderr string
			Done           bool
			Code           int
		}) {
			v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`JSON.stringify(window.runs[%q])`, id)))
			json.Unmarshal([]byte(v), &r)
			return r
		}
		deadline := time.Now().Add(3 * time.Minute)
		for {
			r := state()
			if ready != nil && strings.Contains(r.Stdout, "\n") {
				close(ready)
				ready = nil
			}
			if r.Done {
				if r.Stderr != "" {
					t.Logf("%s stderr: %s", prog, r.Stderr)
				}
				return result{r.Stdout, r.Code}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not finish in the browser; output so far:\n%s\n%s", prog, r.Stdout, r.Stderr)
			}
			time.Sleep(50 * time.Millisecond) // polling the page; the program runs meanwhile
		}
	}
}

func jsArray(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ",") + "]"
}
