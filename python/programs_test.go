package python_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/internal/cli"
)

// TestPrograms runs the Python versions of the lessons' programs against the lab with
// `socketlab run` and checks what they print, line by line, and their exit status.
func TestPrograms(t *testing.T) {
	python3(t)
	l := startLab(t)
	t.Setenv("TMPDIR", t.TempDir()) // where runs keep the files they write
	cases := []struct {
		args   []string
		status int
		want   []string // a pattern for each line printed
	}{
		{[]string{"p01_first_socket.py"}, 0, []string{
			`^sent 18 bytes$`, `^b'HTTP/1\.0 200 OK\\r\\n`, `^a closed socket cannot be used again: \[Errno 9\] Bad file descriptor$`}},
		{[]string{"p02_port_checker.py", "-a", "time.lab", "-p", "37"}, 0, []string{
			`^options: Namespace\(address='time.lab', port=37\)$`, `^Attempting to connect to time.lab on port 37$`,
			`^Connected to time.lab on port 37$`, `^check_server returned True$`}},
		{[]string{"p02_port_checker.py", "-a", "time.lab", "-p", "38"}, 1, []string{
			`^options: `, `^Attempting`, `^Connection to time.lab on port 38 failed: \[Errno 111\] Connection refused$`,
			`^check_server returned False$`}},
		{[]string{"p03_web_checker.py", "-a", "web.lab", "-r", "/foo"}, 1, []string{
			`^HTTP request:$`, `^\|\|\|GET /foo HTTP/1.1\r$`, `^Host: web.lab\r$`, `^\r$`, `^\|\|\|$`, `^Attempting`, `^Connected`,
			`^Received 100 bytes`, `^First line of HTTP response: HTTP/1.1 404 Not Found$`,
			`^Version: HTTP/1.1, Status: 404, Message: Not Found$`, `^Status was 404$`, `^check_webserver returned False$`}},
		{[]string{"p09_time_client.py"}, 0, []string{`^server time is \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$`, `^local clock is -?[01] seconds off$`}},
		{[]string{"p11_udp_time_client.py"}, 0, []string{`^4 bytes from 10\.10\.0\.37$`, `^server time is `, `^local clock is -?[01] seconds off$`}},
		{[]string{"p16_gopher.py", "gopher.lab"}, 0, []string{`^0`, `^1`, `^1`, `^7`, `^\.\r$`}},
		{[]string{"p16_gopher.py"}, 1, nil},
		{[]string{"p04_http10.py"}, 0, []string{`^HTTP/1.0 200 OK$`, `^Hello from web.lab!`}},
		{[]string{"p06_http_client.py"}, 0, []string{`^response status: 200$`,
			`^\['args', 'data', 'files', 'form', 'headers', 'json', 'method', 'origin', 'url'\]$`,
			`^json: \{'text': 'Hello World'\}$`, `^HTTP connection closed successfully$`}},
		{[]string{"p07_urlopen.py"}, 0, []string{`^Hello from web.lab!`, `^Content-Type: text/plain`}},
		{[]string{"p17_ftp_client.py"}, 0, []string{`^220$`, `^230 `,
			`^\['hello', 'hello.c', 'sample.txt', 'strip_hello', 'test.py'\]$`,
			`^Downloading...hello$`, `^  \d+ bytes$`, `^Downloading...hello.c$`, `^  \d+ bytes$`,
			`^Downloading...sample.txt$`, `^  \d+ bytes$`, `^Downloading...strip_hello$`, `^  \d+ bytes$`,
			`^Downloading...test.py$`, `^  \d+ bytes$`, `^211 End`, `^257 "/home/student" is the current directory$`}},
		{[]string{"p18_ftp_get.py", "-s", "ftp.lab", "-r", "/pub/README", "-l", "readme.txt"}, 0, []string{
			`^saved /pub/README as readme.txt$`}},
		{[]string{"p18_ftp_get.py", "-s", "ftp.lab"}, 2, nil},
		{[]string{"p05_line_client.py", "GET", "web.lab", "/hello.txt"}, 0, []string{`^200 OK$`, `^content-type: text/plain`, `^body: 79 bytes$`}},
		{[]string{"p05_line_client.py", "HEAD", "web.lab:80", "/"}, 0, []string{`^200 OK$`, `^content-type: text/html`, `^body: 0 bytes$`}},
		{[]string{"p05_line_client.py", "GET", "web.lab:80", "/nothing-here"}, 1, []string{`^404 Not Found$`, `^content-type: `, `^body: \d+ bytes$`}},
		{[]string{"p19_four_ways.py"}, 0, []string{`^raw +79 bytes$`, `^helper +79 bytes$`, `^library +79 bytes$`, `^opener +79 bytes$`, `^all the same: True$`}},
		{[]string{"p13_event_time_client.py"}, 0, []string{`^connected$`, `^time difference is -?[01] seconds$`, `^done$`}},
		{[]string{"p13_asyncio_time_client.py"}, 0, []string{`^time difference is -?[01] seconds$`}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			prog, err := filepath.Abs(filepath.Join("testdata", "programs", c.args[0]))
			if err != nil {
				t.Fatal(err)
			}
			r := runLab(t, l, prog, c.args[1:]...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s%s", r.status, c.status, r.stdout, r.stderr)
			}
			if c.args[0] == "p18_ftp_get.py" && c.status == 0 && !strings.Contains(r.stderr, "\treadme.txt (") {
				t.Errorf("socketlab run did not report the file the program saved:\n%s", r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if len(c.want) == 0 {
				lines = nil
			}
			if len(lines) != len(c.want) {
				t.Fatalf("printed %d lines, want %d:\n%s", len(lines), len(c.want), r.stdout)
			}
			for i, w := range c.want {
				if !regexp.MustCompile(w).MatchString(lines[i]) {
					t.Errorf("line %d: %q does not match %q", i+1, lines[i], w)
				}
			}
		})
	}
}

// labServer is a Python server run with `socketlab run`: listen.Host is where the gateway
// host reaches its listener or UDP socket, from its listen or bind event.
type labServer struct {
	listen   event.Event
	out, err bytes.Buffer
	done     chan int
}

func startServer(t *testing.T, l *lab, file string, args ...string) *labServer {
	return startServerInput(t, l, "", file, args...)
}

// startServerInput is startServer with stdin for the server's standard input.
func startServerInput(t *testing.T, l *lab, stdin, file string, args ...string) *labServer {
	t.Helper()
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", file))
	evFile := filepath.Join(t.TempDir(), "events.jsonl")
	srv := &labServer{done: make(chan int, 1)}
	go func() {
		argv := append([]string{"run", "--gateway", l.ws, "--events", evFile, prog}, args...)
		srv.done <- cli.Main(argv, os.Getenv, strings.NewReader(stdin), &srv.out, &srv.err)
	}()
	for deadline := time.Now().Add(time.Minute); srv.listen.Host == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(evFile)
		for _, ln := range bytes.Split(b, []byte("\n")) {
			var e event.Event
			if json.Unmarshal(ln, &e) == nil && (e.Kind == event.Listen || e.Kind == event.Bind) && e.Host != "" {
				srv.listen = e
			}
		}
	}
	if srv.listen.Host == "" {
		t.Fatalf("%s never listened", file)
	}
	return srv
}

// wait waits for the server to end and checks its status.
func (srv *labServer) wait(t *testing.T) {
	t.Helper()
	select {
	case st := <-srv.done:
		if st != 0 {
			t.Fatalf("status %d\n%s%s", st, srv.out.String(), srv.err.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not end after its clients")
	}
}

// TestTimeServer runs the Python time server for one client, which connects from the host.
func TestTimeServer(t *testing.T) {
	python3(t)
	srv := startServer(t, startLab(t), "p10_time_server.py", "1")
	if !strings.HasSuffix(srv.listen.Local, ":8037") {
		t.Errorf("the listener is at %s, want port 8037", srv.listen.Local)
	}
	c, err := net.DialTimeout("tcp", srv.listen.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(c)
	c.Close()
	if err != nil || len(b) != 4 {
		t.Fatalf("read %d bytes (%v), want 4", len(b), err)
	}
	got := int64(binary.BigEndian.Uint32(b)) - 2208988800
	if d := time.Now().Unix() - got; d < -2 || d > 2 {
		t.Errorf("the server's time is %d s off", d)
	}
	srv.wait(t)
	if !regexp.MustCompile(`^listening on port 8037\nconnection from \('127\.0\.0\.1', \d+\)\n$`).MatchString(srv.out.String()) {
		t.Errorf("the server printed:\n%s", srv.out.String())
	}
}

// TestHTTPServer runs http.server's file server for one request from a browser's place: an
// HTTP client on the host.
func TestHTTPServer(t *testing.T) {
	python3(t)
	srv := startServer(t, startLab(t), "p08_http_server.py", "1")
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get("http://" + srv.listen.Host + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "<h1>served from a lab program</h1>\n" {
		t.Errorf("GET / answered %d %q", resp.StatusCode, body)
	}
	srv.wait(t)
	if srv.out.String() != "serving on port 8000\n" {
		t.Errorf("the server printed %q", srv.out.String())
	}
	if !regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[.*\] "GET / HTTP/1\.1" 200 -$`).MatchString(srv.err.String()) {
		t.Errorf("the server logged:\n%s", srv.err.String())
	}
}

// TestTimeClientEvents checks the events of the Python time client against the ones labnet
// writes for the Go one, which the wire view draws and the lessons' checks read.
func TestTimeClientEvents(t *testing.T) {
	python3(t)
	l := startLab(t)
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", "p09_time_client.py"))
	r := runLab(t, l, prog)
	if r.status != 0 {
		t.Fatalf("status %d\n%s", r.status, r.stderr)
	}
	var got []string
	for _, e := range r.events {
		if e.Kind != event.FinRecv { // told only when the FIN has arrived before the close
			got = append(got, string(e.Kind))
		}
	}
	want := []string{"lookup", "answer", "dial", "connected", "recv", "close"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", got, want)
	}
	ev := r.events
	if ev[0].Addr != "time.lab" || len(ev[1].Addrs) != 1 || ev[1].Addrs[0] != "10.10.0.37" {
		t.Errorf("lookup events %+v %+v", ev[0], ev[1])
	}
	if ev[2].Addr != "time.lab:37" || ev[2].Remote != "10.10.0.37:37" || ev[2].Stream != 3 {
		t.Errorf("dial event %+v", ev[2])
	}
	if ev[3].Remote != "10.10.0.37:37" || !strings.HasPrefix(ev[3].Local, "10.10.") || ev[3].Micros <= 0 {
		t.Errorf("connected event %+v", ev[3])
	}
	if ev[4].N != 4 || len(ev[4].Data) != 4 || ev[4].Addr != "time.lab:37" {
		t.Errorf("recv event %+v", ev[4])
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].T < ev[i-1].T {
			t.Errorf("event %d at %v ms comes before event %d at %v ms", i, ev[i].T, i-1, ev[i-1].T)
		}
	}
}

// TestCountServer runs the welcome and character-count server for two clients from the host.
func TestCountServer(t *testing.T) {
	python3(t)
	srv := startServer(t, startLab(t), "p15_count_server.py", "2")
	if !strings.HasSuffix(srv.listen.Local, ":51423") {
		t.Errorf("the listener is at %s, want port 51423", srv.listen.Local)
	}
	for _, line := range []string{"hello", "a longer line of text"} {
		c, err := net.DialTimeout("tcp", srv.listen.Host, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, line+"\r\n")
		b, err := io.ReadAll(c)
		c.Close()
		want := fmt.Sprintf(`^Welcome, \('127\.0\.0\.1', \d+\)\r\nPlease enter a string:\r\nYou entered %d characters\.\r\n$`, len(line))
		if err != nil || !regexp.MustCompile(want).Match(b) {
			t.Errorf("the server answered %q (%v)", b, err)
		}
	}
	srv.wait(t)
	if srv.out.String() != "Server is running on port 51423; press Ctrl-C to terminate.\n" {
		t.Errorf("the server printed %q", srv.out.String())
	}
}

// TestWaitingServer runs the time server that waits with select, a second at a time.
func TestWaitingServer(t *testing.T) {
	python3(t)
	srv := startServer(t, startLab(t), "p12_waiting_server.py")
	time.Sleep(1500 * time.Millisecond)
	c, err := net.DialTimeout("tcp", srv.listen.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	b, err := io.ReadAll(c)
	c.Close()
	if err != nil || len(b) != 4 {
		t.Fatalf("read %d bytes (%v), want 4", len(b), err)
	}
	srv.wait(t)
	if !regexp.MustCompile(`^listening on port 8037\n(still waiting\n)+served one client\n$`).MatchString(srv.out.String()) {
		t.Errorf("the server printed:\n%s", srv.out.String())
	}
}

// TestUDPTimeServer runs the UDP time server and the UDP time client as two programs of
// one learner, the client reaching the server at 127.0.0.1 as on one machine.
func TestUDPTimeServer(t *testing.T) {
	python3(t)
	l := startLab(t)
	one := *l
	one.ws = l.ws + "?learner=udp-time-test"
	srv := startServer(t, &one, "p11_udp_time_server.py", "1")
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", "p11_udp_time_client.py"))
	r := runLab(t, &one, prog, "127.0.0.1", "8037")
	if r.status != 0 {
		t.Fatalf("the client: status %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`^4 bytes from 127\.0\.0\.1\nserver time is .*\nlocal clock is -?[01] seconds off\n$`).MatchString(r.stdout) {
		t.Errorf("the client printed:\n%s", r.stdout)
	}
	srv.wait(t)
	if !regexp.MustCompile(`^waiting for datagrams on port 8037\na 0-byte datagram from 127\.0\.0\.1\n$`).MatchString(srv.out.String()) {
		t.Errorf("the server printed:\n%s", srv.out.String())
	}
}

// TestUDPTimeServerFromHost runs the UDP time server in the lab and the UDP time client on
// plain python3 on the gateway host, sending to the host address the server's bind event
// gives: the server sees the client by its real address and its answer reaches it there.
func TestUDPTimeServerFromHost(t *testing.T) {
	py := python3(t)
	l := startLab(t)
	srv := startServer(t, l, "p11_udp_time_server.py", "1")
	host, port, err := net.SplitHostPort(srv.listen.Host)
	if err != nil {
		t.Fatalf("the bind event's host address %q: %v", srv.listen.Host, err)
	}
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", "p11_udp_time_client.py"))
	var out, errb bytes.Buffer
	cmd := exec.Command(py, prog, host, port)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("the host client: %v\n%s%s\nthe server printed:\n%s%s", err, out.String(), errb.String(), srv.out.String(), srv.err.String())
	}
	if !regexp.MustCompile(`^4 bytes from 127\.0\.0\.1\nserver time is .*\nlocal clock is -?[01] seconds off\n$`).MatchString(out.String()) {
		t.Errorf("the host client printed:\n%s", out.String())
	}
	srv.wait(t)
	if !regexp.MustCompile(`^waiting for datagrams on port 8037\na 0-byte datagram from 127\.0\.0\.1\n$`).MatchString(srv.out.String()) {
		t.Errorf("the server printed:\n%s", srv.out.String())
	}
}

// TestChat runs the chat server and client as two programs of one learner, each with its
// typed lines on standard input.
func TestChat(t *testing.T) {
	python3(t)
	l := startLab(t)
	one := *l
	one.ws = l.ws + "?learner=chat-test"
	srv := startServerInput(t, &one, "hi there\nsee you\n", "p14_chat_server.py")
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", "p14_chat_client.py"))
	var out, errb bytes.Buffer
	st := cli.Main([]string{"run", "--gateway", one.ws, prog}, os.Getenv, strings.NewReader("hello\nhow are you\nbye\n"), &out, &errb)
	if st != 0 {
		t.Fatalf("the client: status %d\n%s%s", st, out.String(), errb.String())
	}
	if want := "-> Received from server: hi there\n-> Received from server: see you\n-> "; out.String() != want {
		t.Errorf("the client printed %q, want %q", out.String(), want)
	}
	srv.wait(t)
	want := "waiting on port 5000\nconnection from 127.0.0.1\nfrom connected user: hello\n-> from connected user: how are you\n-> "
	if srv.out.String() != want {
		t.Errorf("the server printed %q, want %q", srv.out.String(), want)
	}
}
