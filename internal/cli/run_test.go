package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"socketlab/gateway"
	"socketlab/lessons"
)

// runCase is one program for socketlab run and what it must do.
type runCase struct {
	name   string
	src    string
	flags  []string // before the file
	args   []string // after it
	stdin  string
	status int
	stdout string                            // exact, unless check is set
	check  func(t *testing.T, stdout string) // instead of stdout
	stderr string                            // a line stderr must hold
}

// runProgramCase writes the case's program into dir and runs it with socketlab run.
func runProgramCase(t *testing.T, cache, dir string, tc runCase) (stdout, stderr string, status int) {
	t.Helper()
	file := filepath.Join(dir, "prog.go")
	if err := os.WriteFile(file, []byte(tc.src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--cache-dir", cache}, tc.flags...)
	args = append(append(args, file), tc.args...)
	var out, errb bytes.Buffer
	status = runCommand(args, strings.NewReader(tc.stdin), &out, &errb)
	return out.String(), errb.String(), status
}

func TestRun(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	var timeCell string
	for _, l := range ls {
		if l.Slug == "01-time" && len(l.Cells) > 0 {
			timeCell = l.Cells[0].Source
		}
	}
	if timeCell == "" {
		t.Fatal("lesson 01-time has no first cell")
	}
	dir := t.TempDir()
	events := filepath.Join(dir, "events.jsonl")

	tests := []runCase{
		{
			name:   "lesson 1 time client",
			src:    timeCell,
			status: 0,
			check: func(t *testing.T, stdout string) {
				m := regexp.MustCompile(`^server time is .+\nlocal clock is (-?\d+) seconds off\n$`).FindStringSubmatch(stdout)
				if m == nil {
					t.Fatalf("stdout %q is not the time client's two lines", stdout)
				}
				if n, _ := strconv.Atoi(m[1]); n < -3 || n > 3 {
					t.Errorf("the clock is %d seconds off, want at most 3", n)
				}
			},
		},
		{
			name: "refused dial",
			src: `package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	_, err := net.Dial("tcp", "time.lab:38")
	fmt.Println(err)
	fmt.Println(errors.Is(err, syscall.ECONNREFUSED))
	if err != nil {
		os.Exit(1)
	}
}
`,
			status: 1,
			stdout: "dial tcp 10.10.0.37:38: connect: connection refused\ntrue\n",
		},
		{
			name:  "echo with half-close, events recorded",
			flags: []string{"--events", events},
			src: `package main

import (
	"fmt"
	"io"
	"net"
)

func main() {
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("hello, lab\n")); err != nil {
		panic(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		panic(err)
	}
	b, err := io.ReadAll(conn)
	fmt.Printf("%q %v\n", b, err)
}
`,
			stdout: "\"hello, lab\\n\" <nil>\n",
		},
		{
			name: "http client and server",
			src: `package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
)

func main() {
	resp, err := http.Get("http://web.lab/status/418")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
	}))
	resp, err = http.Get("http://" + ln.Addr().String() + "/hello")
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
}
`,
			stdout: "418 I'm a teapot\nGET /hello\n",
		},
		{
			name:   "stdin, args and exit status",
			args:   []string{"-n", "two words"},
			stdin:  "first line\nsecond line\n",
			status: 3,
			src: `package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	fmt.Printf("%q\n", os.Args)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Println("read:", sc.Text())
	}
	os.Exit(3)
}
`,
			stdout: "[\"main\" \"-n\" \"two words\"]\nread: first line\nread: second line\n",
		},
		{
			// Raw FTP over net/textproto: ftp.lab's PASV reply names its lab address, and the
			// data connection dialed there reaches the passive port.
			name: "ftp passive download",
			src: `package main

import (
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
)

func main() {
	c, err := textproto.Dial("tcp", "ftp.lab:21")
	if err != nil {
		panic(err)
	}
	must := func(code int, format string, args ...any) string {
		id, err := c.Cmd(format, args...)
		if err != nil {
			panic(err)
		}
		c.StartResponse(id)
		defer c.EndResponse(id)
		_, msg, err := c.ReadResponse(code)
		if err != nil {
			panic(err)
		}
		return msg
	}
	c.ReadResponse(220)
	must(331, "USER anonymous")
	must(230, "PASS guest")
	must(200, "TYPE I")
	pasv := must(227, "PASV")
	var h1, h2, h3, h4, p1, p2 int
	fmt.Sscanf(pasv[strings.Index(pasv, "(")+1:], "%d,%d,%d,%d,%d,%d", &h1, &h2, &h3, &h4, &p1, &p2)
	fmt.Printf("data at %d.%d.%d.%d\n", h1, h2, h3, h4)
	data, err := net.Dial("tcp", fmt.Sprintf("%d.%d.%d.%d:%d", h1, h2, h3, h4, p1*256+p2))
	if err != nil {
		panic(err)
	}
	id, _ := c.Cmd("RETR /home/student/work/sample.txt")
	c.StartResponse(id)
	c.ReadResponse(150)
	c.EndResponse(id)
	b, _ := io.ReadAll(data)
	data.Close()
	c.ReadResponse(226)
	fmt.Println("downloaded", len(b) > 0)
}
`,
			stdout: "data at 10.10.0.21\ndownloaded true\n",
		},
		{
			// count.lab greets a program with its own lab address, not the gateway's.
			name: "count.lab sees the learner",
			src: `package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
)

func main() {
	c, err := net.Dial("tcp", "count.lab:51423")
	if err != nil {
		panic(err)
	}
	welcome, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Println(strings.Contains(welcome, c.LocalAddr().String()), strings.Contains(welcome, "127.0.0.1"))
}
`,
			stdout: "true false\n",
		},
		{
			// The FTP client library learners use, through the gateway: control connection,
			// passive data connection and all.
			name: "ftp with jlaffaye/ftp",
			src: `package main

import (
	"fmt"
	"io"

	"github.com/jlaffaye/ftp"
)

func main() {
	c, err := ftp.Dial("ftp.lab:21")
	if err != nil {
		panic(err)
	}
	if err := c.Login("anonymous", "guest"); err != nil {
		panic(err)
	}
	r, err := c.Retr("/home/student/work/hello.c")
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	fmt.Println("hello.c has main:", len(b) > 0)
	c.Quit()
}
`,
			stdout: "hello.c has main: true\n",
		},
		{
			name:   "compile error",
			src:    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(nope)\n}\n",
			status: 2,
			stdout: "",
			stderr: "prog.go:6:14: undefined: nope",
		},
	}
	cache := t.TempDir() // shared, so that the standard library is compiled once
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, status := runProgramCase(t, cache, dir, tc)
			if status != tc.status {
				t.Errorf("status %d, want %d; stderr:\n%s", status, tc.status, stderr)
			}
			if tc.check != nil {
				tc.check(t, stdout)
			} else if stdout != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, tc.stdout)
			}
			if tc.stderr != "" && !hasLine(stderr, filepath.Join(dir, tc.stderr)) {
				t.Errorf("stderr:\n%s\nwant the line %s", stderr, filepath.Join(dir, tc.stderr))
			}
		})
	}

	t.Run("events file", func(t *testing.T) {
		b, err := os.ReadFile(events)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for line := range strings.Lines(string(b)) {
			var e struct{ Kind, Addr string }
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if e.Addr == "echo.lab:7" {
				kinds = append(kinds, e.Kind)
			}
		}
		// Each direction is in order; how the two interleave (the echo may come back before
		// the program's FIN goes out) is up to the network.
		at := map[string]int{}
		for i, k := range kinds {
			if _, seen := at[k]; !seen {
				at[k] = i
			}
		}
		for _, order := range [][2]string{
			{"dial", "connected"}, {"connected", "send"}, {"send", "fin-sent"},
			{"send", "recv"}, {"recv", "fin-recv"}, {"fin-sent", "close"}, {"fin-recv", "close"},
		} {
			a, okA := at[order[0]]
			b, okB := at[order[1]]
			if !okA || !okB || a > b {
				t.Errorf("events for echo.lab:7: %v, want %s before %s", kinds, order[0], order[1])
			}
		}
	})

	t.Run("files", func(t *testing.T) { checkRunFiles(t, cache, dir) })

	t.Run("external gateway", func(t *testing.T) {
		s, err := gateway.New(&gateway.Options{CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srv := httptest.NewServer(s)
		defer srv.Close()
		tc := runCase{
			flags: []string{"--gateway", srv.URL},
			src:   "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc main() {\n\taddrs, err := net.LookupHost(\"time.lab\")\n\tfmt.Println(addrs, err)\n}\n",
		}
		stdout, stderr, status := runProgramCase(t, cache, dir, tc)
		if status != 0 || stdout != "[10.10.0.37] <nil>\n" {
			t.Errorf("status %d, stdout %q, stderr %q; want 0, \"[10.10.0.37] <nil>\\n\"", status, stdout, stderr)
		}
	})
}

func hasLine(text, line string) bool {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if sc.Text() == line {
			return true
		}
	}
	return false
}

func TestRunCommandLine(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 2, "name the program to run"},
		{[]string{"prog.txt"}, 2, "name the program to run"},
		{[]string{"--gateway", "https://example.com", "x.go"}, 2, "TLS is not supported"},
		{[]string{"--no-such-flag", "x.go"}, 2, "not defined"},
		{[]string{filepath.Join(t.TempDir(), "missing.go")}, 1, "no such file"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if status := Main(append([]string{"run"}, tt.args...), os.Getenv, strings.NewReader(""), &out, &errb); status != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("socketlab run %q: status %d, stderr %q; want %d and %q", tt.args, status, errb.String(), tt.status, tt.stderr)
		}
	}
}
