package python_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/gateway"
	"socketlab/internal/cli"
)

// The conformance suite: each program runs twice, on plain CPython against the lab's servers
// at their real loopback addresses, and with `socketlab run` against the lab by name, and
// must print the same both times.

type lab struct {
	ws   string            // the relay's ws:// URL
	real map[string]string // "echo.lab:7/tcp" -> "127.0.0.1:33727"
}

var (
	labOnce sync.Once
	theLab  *lab
	labErr  error
)

func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is needed for the Python conformance suite: %v", err)
		}
		t.Skipf("python3 not found: %v", err)
	}
	return py
}

// startLab starts one gateway for the package's tests, on a free loopback port.
func startLab(t *testing.T) *lab {
	t.Helper()
	labOnce.Do(func() {
		dir, err := os.MkdirTemp("", "socketlab-python-test-")
		if err != nil {
			labErr = err
			return
		}
		s, err := gateway.New(&gateway.Options{CacheDir: dir})
		if err != nil {
			labErr = err
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			labErr = err
			return
		}
		go s.NewHTTPServer(context.Background()).Serve(ln)
		l := &lab{ws: "ws://" + ln.Addr().String() + "/ws", real: map[string]string{}}
		for _, svc := range s.Lab.Services() {
			l.real[fmt.Sprintf("%s:%d/%s", svc.Name, svc.Port, svc.Proto)] = svc.Listen
		}
		theLab = l
	})
	if labErr != nil {
		t.Fatalf("starting the lab: %v", labErr)
	}
	return theLab
}

// native returns a lab service's real address as the two arguments HOST PORT.
func (l *lab) native(t *testing.T, svc string) []string {
	t.Helper()
	addr, ok := l.real[svc]
	if !ok {
		t.Fatalf("the lab has no %s", svc)
	}
	host, port, _ := net.SplitHostPort(addr)
	return []string{host, port}
}

type result struct {
	stdout, stderr string
	status         int
	events         []event.Event
}

// runNative runs a conformance program on plain CPython.
func runNative(t *testing.T, py, prog string, args ...string) result {
	t.Helper()
	cmd := exec.Command(py, append([]string{"-B", prog}, args...)...)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := runTimeout(cmd, 2*time.Minute)
	st := cmd.ProcessState.ExitCode()
	if err != nil && st == 0 {
		st = -1
	}
	return result{out.String(), errb.String(), st, nil}
}

func runTimeout(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	return waitTimeout(cmd, d)
}

func waitTimeout(cmd *exec.Cmd, d time.Duration) error {
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Wait()
}

// runLab runs a conformance program with `socketlab run` against the lab.
func runLab(t *testing.T, l *lab, prog string, args ...string) result {
	t.Helper()
	evFile := filepath.Join(t.TempDir(), "events.jsonl")
	var out, errb bytes.Buffer
	argv := append([]string{"run", "--gateway", l.ws, "--events", evFile, prog}, args...)
	st := cli.Main(argv, os.Getenv, strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), st, readEvents(t, evFile)}
}

func readEvents(t *testing.T, file string) []event.Event {
	t.Helper()
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil // the program opened no socket
	}
	if err != nil {
		t.Fatal(err)
	}
	var evs []event.Event
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var e event.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		evs = append(evs, e)
	}
	return evs
}

func kinds(evs []event.Event) map[event.Kind]int {
	m := map[event.Kind]int{}
	for _, e := range evs {
		m[e.Kind]++
	}
	return m
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func TestConformance(t *testing.T) {
	py := python3(t)
	l := startLab(t)
	cases := []struct {
		prog      string
		native    []string
		lab       []string
		wantKinds []event.Kind // on the lab run's events
		wantOut   string       // a line the output must hold
	}{
		{"refused.py", []string{"127.0.0.1", closedPort(t)}, []string{"time.lab", "38"},
			[]event.Kind{event.Dial, event.Error}, "ConnectionRefusedError True [Errno 111] Connection refused"},
		{"halfclose.py", l.native(t, "echo.lab:7/tcp"), []string{"echo.lab", "7"},
			[]event.Kind{event.FinSent, event.FinRecv, event.Send, event.Recv}, "BrokenPipeError 32"},
		{"bulk.py", l.native(t, "echo.lab:7/tcp"), []string{"echo.lab", "7"},
			[]event.Kind{event.Send, event.Recv}, "got  10485760"},
		{"timeouts.py", l.native(t, "echo.lab:7/tcp"), []string{"echo.lab", "7"},
			[]event.Kind{event.Connected}, "TimeoutError timed out True True"},
		{"udp.py", l.native(t, "echo.lab:7/udp"), []string{"echo.lab", "7"},
			[]event.Kind{event.Bind, event.SendTo, event.RecvFrom}, "truncated to b'0123456789'"},
		{"http_client.py", l.native(t, "web.lab:80/tcp"), []string{"web.lab", "80"},
			[]event.Kind{event.Lookup, event.Answer, event.Connected}, "404 Not Found"},
		{"ftp_client.py", l.native(t, "ftp.lab:21/tcp"), []string{"ftp.lab", "21"},
			[]event.Kind{event.Connected, event.FinRecv}, "221"},
		{"socketserver_pair.py", nil, nil,
			[]event.Kind{event.Listen, event.Accept}, "b'HELLO NUMBER 2\\n'"},
		{"nonblocking.py", append(l.native(t, "echo.lab:7/tcp"), "127.0.0.1", closedPort(t)), []string{"echo.lab", "7", "time.lab", "38"},
			[]event.Kind{event.Dial, event.Error}, "SO_ERROR: ECONNREFUSED"},
		{"asyncio_streams.py", l.native(t, "echo.lab:7/tcp"), []string{"echo.lab", "7"},
			[]event.Kind{event.Listen, event.Accept}, "b'SHOUT THIS\\n'"},
		{"select3.py", l.native(t, "echo.lab:7/tcp"), []string{"echo.lab", "7"},
			[]event.Kind{event.FinSent}, "[b'message 0\\n', b'message 1\\n', b'message 2\\n']"},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.prog, ".py"), func(t *testing.T) {
			prog, err := filepath.Abs(filepath.Join("testdata", "conformance", c.prog))
			if err != nil {
				t.Fatal(err)
			}
			n := runNative(t, py, prog, c.native...)
			if n.status != 0 {
				t.Fatalf("CPython on loopback: status %d\n%s%s", n.status, n.stdout, n.stderr)
			}
			if !strings.Contains(n.stdout, c.wantOut) {
				t.Fatalf("CPython on loopback printed\n%s\nwant a line with %q", n.stdout, c.wantOut)
			}
			r := runLab(t, l, prog, c.lab...)
			if r.status != 0 {
				t.Fatalf("socketlab run: status %d\n%s%s", r.status, r.stdout, r.stderr)
			}
			if r.stdout != n.stdout {
				t.Errorf("socketlab run printed\n%s\nCPython on loopback\n%s", r.stdout, n.stdout)
			}
			got := kinds(r.events)
			for _, k := range c.wantKinds {
				if got[k] == 0 {
					t.Errorf("no %s event in the lab run's events %v", k, got)
				}
			}
		})
	}
}

// TestServerFromHost runs a Python server and connects to it from this machine: natively at
// its real port, in the lab at the host address its listen event gives.
func TestServerFromHost(t *testing.T) {
	py := python3(t)
	l := startLab(t)
	prog := filepath.Join("testdata", "conformance", "server.py")

	// CPython: the program says its port on stderr.
	cmd := exec.Command(py, "-B", prog)
	var nout bytes.Buffer
	cmd.Stdout = &nout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil {
		t.Fatalf("the native server said no port: %v", err)
	}
	port, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "PORT ")))
	hostClient(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err := waitTimeout(cmd, time.Minute); err != nil {
		t.Fatalf("native server: %v", err)
	}

	// The lab: the listen event says where the gateway host reaches the listener.
	evFile := filepath.Join(t.TempDir(), "events.jsonl")
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main([]string{"run", "--gateway", l.ws, "--events", evFile, prog}, os.Getenv, strings.NewReader(""), &out, &errb)
	}()
	host := ""
	for deadline := time.Now().Add(time.Minute); host == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(evFile)
		for _, ln := range bytes.Split(b, []byte("\n")) {
			var e event.Event
			if json.Unmarshal(ln, &e) == nil && e.Kind == event.Listen {
				host = e.Host
			}
		}
	}
	if host == "" {
		t.Fatalf("the lab run never listened:\n%s%s", out.String(), errb.String())
	}
	hostClient(t, host)
	select {
	case st := <-done:
		if st != 0 {
			t.Fatalf("socketlab run: status %d\n%s%s", st, out.String(), errb.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("the lab server did not end after its client")
	}
	if out.String() != nout.String() {
		t.Errorf("socketlab run printed\n%s\nCPython on loopback\n%s", out.String(), nout.String())
	}
	if !strings.Contains(out.String(), "got b'hello from the host\\n'") {
		t.Errorf("the server did not report its client's line:\n%s", out.String())
	}
}

// hostClient is a native client on this machine: one line out, the answer back.
func hostClient(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("connecting from the host to %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "hello from the host\n")
	reply, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer from %s: %v", addr, err)
	}
	if string(reply) != "HELLO FROM THE HOST\n" {
		t.Errorf("the server at %s answered %q", addr, reply)
	}
}

// TestConsole checks what socketlab run passes through for a Python program: standard input,
// arguments, the exit status, and a traceback that starts at the program's own code.
func TestConsole(t *testing.T) {
	py := python3(t)
	l := startLab(t)
	prog, err := filepath.Abs(filepath.Join("testdata", "conformance", "console.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		status int
	}{{[]string{"ok"}, 3}, {[]string{"fail"}, 1}} {
		cmd := exec.Command(py, append([]string{"-B", prog}, c.args...)...)
		cmd.Stdin = strings.NewReader("Ada\n3\n")
		var nout, nerr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &nout, &nerr
		runTimeout(cmd, time.Minute)
		if st := cmd.ProcessState.ExitCode(); st != c.status {
			t.Fatalf("CPython: status %d, want %d\n%s%s", st, c.status, nout.String(), nerr.String())
		}
		var out, errb bytes.Buffer
		st := cli.Main(append([]string{"run", "--gateway", l.ws, prog}, c.args...), os.Getenv, strings.NewReader("Ada\n3\n"), &out, &errb)
		if st != c.status {
			t.Errorf("socketlab run %v: status %d, want %d\n%s", c.args, st, c.status, errb.String())
		}
		if out.String() != nout.String() || errb.String() != nerr.String() {
			t.Errorf("socketlab run %v printed\n%s%s\nCPython\n%s%s", c.args, out.String(), errb.String(), nout.String(), nerr.String())
		}
	}
}
