package python_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"os"
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

// TestTimeServer runs the Python time server for one client, which connects from the host
// at the address the listen event gives.
func TestTimeServer(t *testing.T) {
	python3(t)
	l := startLab(t)
	prog, _ := filepath.Abs(filepath.Join("testdata", "programs", "p10_time_server.py"))
	evFile := filepath.Join(t.TempDir(), "events.jsonl")
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main([]string{"run", "--gateway", l.ws, "--events", evFile, prog, "1"}, os.Getenv, strings.NewReader(""), &out, &errb)
	}()
	var listen event.Event
	for deadline := time.Now().Add(time.Minute); listen.Host == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(evFile)
		for _, ln := range bytes.Split(b, []byte("\n")) {
			var e event.Event
			if json.Unmarshal(ln, &e) == nil && e.Kind == event.Listen {
				listen = e
			}
		}
	}
	if listen.Host == "" {
		t.Fatalf("the server never listened:\n%s%s", out.String(), errb.String())
	}
	if !strings.HasSuffix(listen.Local, ":8037") {
		t.Errorf("the listener is at %s, want port 8037", listen.Local)
	}
	c, err := net.DialTimeout("tcp", listen.Host, 10*time.Second)
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
	select {
	case st := <-done:
		if st != 0 {
			t.Fatalf("status %d\n%s%s", st, out.String(), errb.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("the server did not end after its one client")
	}
	if !regexp.MustCompile(`^listening on port 8037\nconnection from \('127\.0\.0\.1', \d+\)\n$`).MatchString(out.String()) {
		t.Errorf("the server printed:\n%s", out.String())
	}
}
