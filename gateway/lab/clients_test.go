package lab

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests prove the servers with clients nobody here wrote: curl, Python's standard
// library and nc. .ci/run installs them; under CI=true a missing one fails the test, and
// elsewhere it skips with a note.

// needTool returns the path of a client program or ends the test without it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must run this test: .ci/run installs it (apt-get install curl netcat-openbsd python3)", name)
	}
	t.Skipf("%s is not installed: install it to run this test (apt-get install curl netcat-openbsd python3)", name)
	return ""
}

// run runs a client and returns its standard output; stdin may be nil.
func run(t *testing.T, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needTool(t, name), args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// listenOf returns the real address of a lab service.
func listenOf(t *testing.T, n *Network, proto, name string, port int) string {
	t.Helper()
	listen, _, ok := n.Resolve(proto, name, port)
	if !ok {
		t.Fatalf("%s %s:%d does not resolve", proto, name, port)
	}
	return listen
}

func TestCurlHTTP(t *testing.T) {
	needTool(t, "curl")
	n := startLab(t, nil)
	base := "http://" + listenOf(t, n, "tcp", "web.lab", 80)
	index, _ := content.ReadFile("content/web/index.html")
	hello, _ := content.ReadFile("content/web/hello.txt")
	docs, _ := content.ReadFile("content/web/docs/index.html")

	tests := []struct {
		name   string
		args   []string
		stdout []string // each must be in the output
		stderr []string // each must be in curl's -v trace
		not    []string // none may be in stdout+stderr
	}{
		{"root", []string{"-si", base + "/"}, []string{"HTTP/1.1 200 OK\r\n", "Content-Type: text/html; charset=utf-8\r\n", string(index)}, nil, nil},
		{"index.html", []string{"-s", base + "/index.html"}, []string{string(index)}, nil, nil},
		{"get", []string{"-s", base + "/get?who=curl"}, []string{`"who": [`, `"curl"`, `"url": "` + base + `/get?who=curl"`}, nil, nil},
		{"directory 301", []string{"-si", base + "/docs"}, []string{"HTTP/1.1 301 Moved Permanently\r\n", "Location: /docs/\r\n"}, nil, nil},
		{"follow 301", []string{"-sL", base + "/docs"}, []string{string(docs)}, nil, nil},
		{"404", []string{"-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/no/such/page"}, []string{"404"}, nil, nil},
		{"HEAD", []string{"-sI", base + "/hello.txt"}, []string{"HTTP/1.1 200 OK\r\n", "Content-Length: " + strconv.Itoa(len(hello)) + "\r\n"}, nil, []string{"Hello from web.lab"}},
		{"HTTP/1.0 closes", []string{"-siv", "--http1.0", base + "/hello.txt"}, []string{"HTTP/1.0 200 OK\r\n", string(hello)}, []string{"> GET /hello.txt HTTP/1.0"}, []string{"left intact", "Connection: keep-alive"}},
		{"HTTP/1.1 keeps alive", []string{"-sv", base + "/hello.txt", base + "/get"}, []string{string(hello), `"url"`}, []string{"Re-using existing connection", "left intact"}, nil},
		{"post json", []string{"-s", "-H", "Content-Type: application/json", "-d", `{"lesson":7}`, base + "/post"}, []string{`"json": {`, `"lesson": 7`}, nil, nil},
		{"status", []string{"-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/status/418"}, []string{"418"}, nil, nil},
		{"bytes", []string{"-s", "-o", "/dev/null", "-w", "%{size_download}", base + "/bytes/500"}, []string{"500"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := run(t, nil, "curl", tt.args...)
			if err != nil {
				t.Fatalf("curl %v: %v\n%s", tt.args, err, errOut)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("curl %v: output lacks %.80q\n%.600s", tt.args, w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("curl %v: trace lacks %q\n%s", tt.args, w, errOut)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out+errOut, w) {
					t.Errorf("curl %v: %q should not appear\n%s\n%s", tt.args, w, out, errOut)
				}
			}
		})
	}
}

func TestCurlFTP(t *testing.T) {
	needTool(t, "curl")
	n := startLab(t, nil)
	base := "ftp://" + listenOf(t, n, "tcp", "ftp.lab", 21)
	files := ftpFiles(t)
	upload := filepath.Join(t.TempDir(), "upload.txt")
	os.WriteFile(upload, []byte("uploaded by curl\n"), 0o644)

	// curl asks for listings in ASCII mode and turns their CR LF into LF.
	listing := regexp.MustCompile(`^(?:-rw[-x]r-[-x]r-[-x] 1 ftp ftp +\d+ Sep  2  2024 \S+\n){5}$`)
	anyOutput := func(string, string) bool { return true }
	tests := []struct {
		name string
		args []string
		want func(out, trace string) bool
		code int // curl's exit status
	}{
		{"anonymous LIST", []string{"-sv", base + "/home/student/work/"}, func(out, trace string) bool {
			return listing.MatchString(out) && strings.Contains(out, " hello.c\n") &&
				strings.Contains(trace, "> USER anonymous") && strings.Contains(trace, "> EPSV") && strings.Contains(trace, "> LIST")
		}, 0},
		{"anonymous NLST", []string{"-s", "--list-only", base + "/home/student/work/"}, func(out, _ string) bool {
			return out == "hello\nhello.c\nsample.txt\nstrip_hello\ntest.py\n"
		}, 0},
		{"anonymous RETR", []string{"-s", base + "/home/student/work/hello.c"}, func(out, _ string) bool { return out == string(files["hello.c"]) }, 0},
		{"anonymous RETR over PASV", []string{"-sv", "--disable-epsv", base + "/home/student/work/sample.txt"}, func(out, trace string) bool {
			return out == string(files["sample.txt"]) && strings.Contains(trace, "> PASV") && strings.Contains(trace, "< 227 Entering Passive Mode (127,0,0,1,")
		}, 0},
		{"student LIST", []string{"-s", "-u", "student:socketlab", base + "/work/"}, func(out, _ string) bool { return listing.MatchString(out) }, 0},
		{"student RETR binary", []string{"-sv", "-u", "student:socketlab", base + "/work/strip_hello"}, func(out, trace string) bool {
			return out == string(files["strip_hello"]) && strings.Contains(trace, "> TYPE I")
		}, 0},
		{"student RETR ASCII", []string{"-sv", "-B", "-u", "student:socketlab", base + "/work/test.py"}, func(out, trace string) bool {
			return out == string(files["test.py"]) && strings.Contains(trace, "> TYPE A")
		}, 0},
		{"student STOR", []string{"-sv", "-u", "student:socketlab", "-T", upload, base + "/upload.txt"}, func(_, trace string) bool {
			return strings.Contains(trace, "> STOR upload.txt") && strings.Contains(trace, "< 226 ")
		}, 0},
		{"anonymous STOR refused", []string{"-s", "-T", upload, base + "/home/student/upload.txt"}, anyOutput, 25},
		{"wrong password", []string{"-s", "-u", "student:nope", base + "/work/"}, anyOutput, 67},
		{"missing file", []string{"-s", base + "/pub/missing"}, anyOutput, 78},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := run(t, nil, "curl", tt.args...)
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Fatalf("curl %v: exit %d; want %d\n%s", tt.args, code, tt.code, errOut)
			}
			if !tt.want(out, errOut) {
				t.Errorf("curl %v: unexpected output\n%q\n%s", tt.args, out, errOut)
			}
		})
	}
}

func TestCurlGopher(t *testing.T) {
	needTool(t, "curl")
	n := startLab(t, nil)
	listen := listenOf(t, n, "tcp", "gopher.lab", 70)
	base := "gopher://" + listen
	welcome, _ := content.ReadFile("content/gopher/welcome.txt")
	// curl on the gateway host is no relayed program: the menus name the real address
	// gopher.lab listens on, which it can follow.
	h, p := hostPort(t, listen)
	port, _ := strconv.Atoi(p)

	out, errOut, err := run(t, nil, "curl", "-s", base+"/")
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, errOut)
	}
	if want := n.gopherReply("", h, port); out != want {
		t.Errorf("root menu through curl:\n%q\nwant\n%q", out, want)
	}
	if len(checkMenu(t, out)) != 4 {
		t.Errorf("root menu has %d items; want 4", len(checkMenu(t, out)))
	}

	out, _, err = run(t, nil, "curl", "-s", base+"/0/welcome.txt")
	if want := strings.ReplaceAll(string(welcome), "\n", "\r\n") + ".\r\n"; err != nil || out != want {
		t.Errorf("welcome.txt through curl: %v\n%q\nwant\n%q", err, out, want)
	}
	out, _, err = run(t, nil, "curl", "-s", base+"/1/gopher")
	if err != nil || !strings.Contains(out, "1Deeper: Gopher by hand\t/gopher/byhand\t"+h+"\t"+p+"\r\n") {
		t.Errorf("submenu through curl: %v\n%q", err, out)
	}
	out, _, err = run(t, nil, "curl", "-s", base+"/7/search%09menu%20line")
	if err != nil || !strings.Contains(out, "\r\n0How a menu line is built\t/gopher/menus.txt\t"+h+"\t"+p+"\r\n") {
		t.Errorf("search through curl: %v\n%q", err, out)
	}
	out, _, err = run(t, nil, "curl", "-s", base+"/0/missing.txt")
	if err != nil || !strings.HasPrefix(out, `3Nothing here has the selector "/missing.txt"`) {
		t.Errorf("missing text through curl: %v\n%q", err, out)
	}
}

// python runs testdata/labclients.py and decodes its JSON.
func python(t *testing.T, out any, args ...string) {
	t.Helper()
	stdout, stderr, err := run(t, nil, "python3", append([]string{filepath.Join("testdata", "labclients.py")}, args...)...)
	if err != nil {
		t.Fatalf("python3 labclients.py %v: %v\n%s", args, err, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("python3 labclients.py %v printed %q: %v", args, stdout, err)
	}
}

func hostPort(t *testing.T, listen string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestPythonFTP(t *testing.T) {
	needTool(t, "python3")
	n := startLab(t, nil)
	h, p := hostPort(t, listenOf(t, n, "tcp", "ftp.lab", 21))
	var got struct {
		Welcome, Login   string
		PwdCmd           string `json:"pwd_cmd"`
		Pwd, Cwd         string
		Nlst             []string
		Retr, Hello      string
		SampleLines      []string `json:"sample_lines"`
		Stat, Syst, Stor string
		UploadBack       string `json:"upload_back"`
		Size             int
		Quit             string
		AnonLogin        string   `json:"anon_login"`
		AnonNlst         []string `json:"anon_nlst"`
		AnonStor         string   `json:"anon_stor"`
	}
	python(t, &got, "ftp", h, p)
	files := ftpFiles(t)
	hello, _ := base64.StdEncoding.DecodeString(got.Hello)
	checks := []struct {
		what string
		ok   bool
	}{
		{"welcome " + got.Welcome, strings.HasPrefix(got.Welcome, "220-ftp.lab") && strings.Contains(got.Welcome, "\n220 Log in as anonymous")},
		{"login " + got.Login, strings.HasPrefix(got.Login, "230 Logged in as student")},
		{"PWD " + got.PwdCmd, got.PwdCmd == `257 "/home/student" is the current directory`},
		{"pwd() " + got.Pwd, got.Pwd == "/home/student"},
		{"cwd " + got.Cwd, strings.HasPrefix(got.Cwd, "250 ")},
		{"nlst " + strings.Join(got.Nlst, ","), strings.Join(got.Nlst, ",") == "hello,hello.c,sample.txt,strip_hello,test.py"},
		{"retrbinary " + got.Retr, strings.HasPrefix(got.Retr, "226 ") && bytes.Equal(hello, files["hello"])},
		{"retrlines " + strings.Join(got.SampleLines, "|"), strings.Join(got.SampleLines, "\n")+"\n" == string(files["sample.txt"])},
		{"STAT " + got.Stat, regexp.MustCompile(`^211-Server status\nConnected to ftp.lab port 21 from 127.0.0.1:\d+ for \d+s\nLogged in as student\n.*\n211 End$`).MatchString(got.Stat)},
		{"SYST " + got.Syst, got.Syst == "215 UNIX Type: L8"},
		{"storbinary " + got.Stor + " " + got.UploadBack, strings.HasPrefix(got.Stor, "226 ") && got.UploadBack == "from python\n"},
		{"size " + strconv.Itoa(got.Size), got.Size == len(files["hello.c"])},
		{"quit " + got.Quit, got.Quit == "221 Goodbye from ftp.lab."},
		{"anonymous login " + got.AnonLogin, strings.HasPrefix(got.AnonLogin, "230 Logged in anonymously")},
		{"anonymous nlst " + strings.Join(got.AnonNlst, ","), len(got.AnonNlst) == 5},
		{"anonymous stor " + got.AnonStor, strings.HasPrefix(got.AnonStor, "550 ") && strings.Contains(got.AnonStor, "read-only")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("ftplib: %s", c.what)
		}
	}
}

func TestPythonHTTP(t *testing.T) {
	needTool(t, "python3")
	n := startLab(t, nil)
	listen := listenOf(t, n, "tcp", "web.lab", 80)
	h, p := hostPort(t, listen)
	index, _ := content.ReadFile("content/web/index.html")
	var got struct {
		GetStatus int `json:"get_status"`
		Get       struct {
			Args    map[string][]string
			Headers map[string][]string
			URL     string
		}
		DocsURL    string `json:"docs_url"`
		DocsStatus int    `json:"docs_status"`
		Missing    int
		PostStatus int `json:"post_status"`
		Post       struct {
			JSON map[string]any
			Data string
		}
		HeadStatus     int    `json:"head_status"`
		HeadLength     string `json:"head_length"`
		HeadBody       string `json:"head_body"`
		SameConnection bool   `json:"same_connection"`
	}
	python(t, &got, "http", h, p)
	if got.GetStatus != 200 || strings.Join(got.Get.Args["lesson"], ",") != "http" || got.Get.URL != "http://"+listen+"/get?lesson=http" {
		t.Errorf("urllib GET /get: %d %+v", got.GetStatus, got.Get)
	}
	if ua := strings.Join(got.Get.Headers["User-Agent"], ""); !strings.HasPrefix(ua, "Python-urllib/") {
		t.Errorf("/get saw User-Agent %q; want Python's", ua)
	}
	if got.DocsStatus != 200 || got.DocsURL != "http://"+listen+"/docs/" {
		t.Errorf("urllib GET /docs ended at %s with %d; want /docs/ and 200", got.DocsURL, got.DocsStatus)
	}
	if got.Missing != 404 {
		t.Errorf("urllib GET /missing: %d; want 404", got.Missing)
	}
	want := map[string]any{"name": "socketlab", "numbers": []any{1.0, 2.0, 3.0}}
	if gotJSON, _ := json.Marshal(got.Post.JSON); got.PostStatus != 200 || string(gotJSON) != mustJSON(want) {
		t.Errorf("http.client POST /post: %d, echoed json %s; want %s", got.PostStatus, gotJSON, mustJSON(want))
	}
	if got.HeadStatus != 200 || got.HeadLength != strconv.Itoa(len(index)) || got.HeadBody != "" {
		t.Errorf("http.client HEAD /: %d, length %s, body %q", got.HeadStatus, got.HeadLength, got.HeadBody)
	}
	if !got.SameConnection {
		t.Error("http.client opened a second connection: the first was not kept alive")
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestPythonTimeAndDaytime(t *testing.T) {
	needTool(t, "python3")
	n := startLab(t, &Options{Now: pinnedNow})
	for _, tt := range []struct {
		name string
		port int
		want []byte
	}{
		{"time.lab", 37, binary.BigEndian.AppendUint32(nil, TimeValue(pinned))},
		{"daytime.lab", 13, []byte("Thursday, February 29, 2024 12:34:56-UTC\r\n")},
	} {
		h, tcpPort := hostPort(t, listenOf(t, n, "tcp", tt.name, tt.port))
		_, udpPort := hostPort(t, listenOf(t, n, "udp", tt.name, tt.port))
		var got struct{ TCP, UDP string }
		python(t, &got, "oneshot", h, tcpPort, udpPort)
		for proto, b64 := range map[string]string{"tcp": got.TCP, "udp": got.UDP} {
			b, _ := base64.StdEncoding.DecodeString(b64)
			if !bytes.Equal(b, tt.want) {
				t.Errorf("python socket, %s over %s: %q; want %q", tt.name, proto, b, tt.want)
			}
		}
	}
}

func TestNC(t *testing.T) {
	needTool(t, "nc")
	n := startLab(t, nil)
	tests := []struct {
		name  string
		port  int
		stdin string
		want  func(out string) bool
	}{
		{"echo.lab", 7, "hello, echo\r\nsecond line\n", func(out string) bool { return out == "hello, echo\r\nsecond line\n" }},
		{"count.lab", 51423, "hello world\n", func(out string) bool {
			return regexp.MustCompile(`^Welcome, 127\.0\.0\.1:\d+\r\nPlease enter a string:\r\nYou entered 11 characters\.\r\n$`).MatchString(out)
		}},
		{"count.lab", 51423, "héllo\r\n", func(out string) bool { return strings.HasSuffix(out, "You entered 5 characters.\r\n") }},
		{"chat.lab", 5000, "ping\nbye\n", func(out string) bool { return out == ChatGreeting+"pong\r\nGoodbye! Closing the connection.\r\n" }},
		{"gopher.lab", 70, "/lab\r\n", func(out string) bool {
			// nc on the gateway host is no relayed program: the menu names the real address.
			h, p := hostPort(t, listenOf(t, n, "tcp", "gopher.lab", 70))
			port, _ := strconv.Atoi(p)
			return out == n.gopherReply("/lab", h, port)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, p := hostPort(t, listenOf(t, n, "tcp", tt.name, tt.port))
			// -N: shut the socket down for writing at the end of the input, so that the
			// server sees the end of the stream and closes, which ends nc.
			out, errOut, err := run(t, []byte(tt.stdin), "nc", "-N", h, p)
			if err != nil {
				t.Fatalf("nc: %v\n%s", err, errOut)
			}
			if !tt.want(out) {
				t.Errorf("nc %s with %q: %q", tt.name, tt.stdin, out)
			}
		})
	}
}
