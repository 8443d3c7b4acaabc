package lab

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ftpTest is a hand-driven FTP control connection.
type ftpTest struct {
	t  *testing.T
	n  *Network
	c  net.Conn
	tp *textproto.Conn
}

// dialFTP connects to ftp.lab and reads the 220 banner.
func dialFTP(t *testing.T, n *Network) *ftpTest {
	t.Helper()
	c := dialLab(t, n, "tcp", "ftp.lab", 21)
	f := &ftpTest{t: t, n: n, c: c, tp: textproto.NewConn(c)}
	if _, msg, err := f.tp.ReadResponse(220); err != nil {
		t.Fatalf("banner: %v", err)
	} else if !strings.Contains(msg, "student, password socketlab") {
		t.Errorf("banner %q does not say how to log in", msg)
	}
	return f
}

// cmd sends one command and returns the reply's code and text; want 0 accepts any code.
func (f *ftpTest) cmd(want int, format string, args ...any) (int, string) {
	f.t.Helper()
	if err := f.tp.PrintfLine(format, args...); err != nil {
		f.t.Fatalf("sending %q: %v", fmt.Sprintf(format, args...), err)
	}
	code, msg, err := f.tp.ReadResponse(0)
	if err != nil {
		f.t.Fatalf("reply to %q: %v", fmt.Sprintf(format, args...), err)
	}
	if want != 0 && code != want {
		f.t.Fatalf("reply to %q: %d %s; want %d", fmt.Sprintf(format, args...), code, msg, want)
	}
	return code, msg
}

func (f *ftpTest) login(user, pass string) {
	f.t.Helper()
	f.cmd(331, "USER %s", user)
	f.cmd(230, "PASS %s", pass)
}

// epsv opens a passive data connection.
func (f *ftpTest) epsv() net.Conn {
	f.t.Helper()
	_, msg := f.cmd(229, "EPSV")
	m := regexp.MustCompile(`\(\|\|\|(\d+)\|\)`).FindStringSubmatch(msg)
	if m == nil {
		f.t.Fatalf("EPSV reply %q has no port", msg)
	}
	d, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", m[1]))
	if err != nil {
		f.t.Fatalf("data connection to port %s: %v", m[1], err)
	}
	d.SetDeadline(time.Now().Add(5 * time.Second))
	return d
}

// transfer runs a data command (RETR, LIST, NLST, STOR) and returns what came back on the
// data connection. For STOR, send is written and the data connection closed.
func (f *ftpTest) transfer(send []byte, format string, args ...any) ([]byte, int, string) {
	f.t.Helper()
	d := f.epsv()
	defer d.Close()
	code, msg := f.cmd(0, format, args...)
	if code != 150 {
		return nil, code, msg
	}
	var got []byte
	if send != nil {
		d.Write(send)
		d.Close()
	} else {
		var err error
		if got, err = io.ReadAll(d); err != nil {
			f.t.Fatalf("data for %q: %v", fmt.Sprintf(format, args...), err)
		}
	}
	code, msg, err := f.tp.ReadResponse(0)
	if err != nil {
		f.t.Fatalf("final reply to %q: %v", fmt.Sprintf(format, args...), err)
	}
	return got, code, msg
}

func (f *ftpTest) retr(name string) []byte {
	f.t.Helper()
	got, code, msg := f.transfer(nil, "RETR %s", name)
	if code != 226 {
		f.t.Fatalf("RETR %s: %d %s", name, code, msg)
	}
	return got
}

// ftpFiles are the lesson files as ftp.lab must serve them.
func ftpFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{"hello": helloELF(true), "strip_hello": helloELF(false)}
	for _, name := range []string{"hello.c", "sample.txt", "test.py"} {
		b, err := content.ReadFile("content/ftp/home/student/work/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

func TestFTPLogin(t *testing.T) {
	n := startLab(t, nil)
	tests := []struct {
		user, pass string
		code       int
		pwd        string // after a good login
	}{
		{"anonymous", "guest@example.com", 230, "/"},
		{"anonymous", "", 230, "/"},
		{"ftp", "x", 230, "/"},
		{"student", "socketlab", 230, "/home/student"},
		{"student", "wrong", 530, ""},
		{"student", "", 530, ""},
		{"Student", "socketlab", 530, ""},
		{"root", "socketlab", 530, ""},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.pass, func(t *testing.T) {
			f := dialFTP(t, n)
			f.cmd(331, "USER %s", tt.user)
			_, msg := f.cmd(tt.code, "PASS %s", tt.pass)
			if tt.code == 530 {
				if !strings.Contains(msg, "student with password socketlab") {
					t.Errorf("530 reply %q does not say how to log in", msg)
				}
				if _, err := f.tp.ReadLine(); err == nil {
					t.Error("the connection stays open after a failed login; want it closed")
				}
				return
			}
			f.cmd(257, "PWD")
			if _, msg := f.cmd(257, "PWD"); msg != strconv.Quote(tt.pwd)+" is the current directory" {
				t.Errorf("PWD: %q; want %q is the current directory", msg, tt.pwd)
			}
		})
	}

	// Commands before login.
	f := dialFTP(t, n)
	f.cmd(530, "PWD")
	f.cmd(530, "LIST")
	f.cmd(215, "SYST")
	f.cmd(221, "QUIT")
}

func TestFTPCommands(t *testing.T) {
	n := startLab(t, nil)
	f := dialFTP(t, n)
	f.login("student", "socketlab")
	steps := []struct {
		cmd  string
		code int
		want string // the reply text must contain it
	}{
		{"PWD", 257, `"/home/student" is the current directory`},
		{"CWD work", 250, "/home/student/work"},
		{"PWD", 257, `"/home/student/work" is the current directory`},
		{"CDUP", 250, "/home/student"},
		{"CWD /home/student/work/", 250, ""},
		{"XPWD", 257, `"/home/student/work" is the current directory`},
		{"CWD hello.c", 550, "Not a Directory"},
		{"CWD /nowhere", 550, ""},
		{"SYST", 215, "UNIX Type: L8"},
		{"SIZE hello.c", 550, "ASCII"},
		{"TYPE I", 200, "binary"},
		{"SIZE hello.c", 213, strconv.Itoa(len(ftpFiles(t)["hello.c"]))},
		{"TYPE A", 200, "ASCII"},
		{"TYPE E", 504, ""},
		{"NOOP", 200, ""},
		{"STAT", 211, "Logged in as student"},
		{"PORT 127,0,0,1,200,10", 0, ""}, // active mode is off: anything but 200
		{"EPRT |1|127.0.0.1|51210|", 0, ""},
		{"SITE CHMOD 777 hello.c", 0, ""},
		{"BOGUS", 500, "Unknown command"},
	}
	for _, s := range steps {
		code, msg := f.cmd(s.code, "%s", s.cmd)
		if s.code == 0 && code < 400 {
			t.Errorf("%s: %d %s; want a refusal", s.cmd, code, msg)
		}
		if !strings.Contains(msg, s.want) {
			t.Errorf("%s: %d %q; want it to contain %q", s.cmd, code, msg, s.want)
		}
	}

	// STAT is a multi-line 211 block; STAT of a directory lists it, without the "%s" that
	// ftpserverlib prints there.
	_, msg := f.cmd(211, "STAT")
	if lines := strings.Split(msg, "\n"); len(lines) < 3 || lines[len(lines)-1] != "End" {
		t.Errorf("STAT: %q; want several lines ending with 211 End", msg)
	}
	_, msg = f.cmd(212, "STAT /home/student/work")
	lines := strings.Split(msg, "\n")
	if len(lines) != 7 {
		t.Fatalf("STAT of the work directory: %d lines %q; want a header, 5 files and End", len(lines), lines)
	}
	for _, l := range lines[1:6] {
		if !regexp.MustCompile(`^ -rw[-x]r-[-x]r-[-x] 1 ftp ftp +\d+ Sep  2  2024 \S+$`).MatchString(l) {
			t.Errorf("STAT line %q is not a file listing line", l)
		}
	}
	f.cmd(221, "QUIT")
	if _, err := f.tp.ReadLine(); err == nil {
		t.Error("the connection stays open after QUIT")
	}
}

func TestFTPFiles(t *testing.T) {
	n := startLab(t, nil)
	want := ftpFiles(t)
	for _, user := range []string{"anonymous", "student"} {
		t.Run(user, func(t *testing.T) {
			f := dialFTP(t, n)
			f.login(user, "socketlab")
			f.cmd(250, "CWD /home/student/work")
			f.cmd(200, "TYPE I")
			for name, b := range want {
				if got := f.retr(name); !bytes.Equal(got, b) {
					t.Errorf("RETR %s in binary: %d bytes, differ from the %d expected", name, len(got), len(b))
				}
			}
			names, code, _ := f.transfer(nil, "NLST")
			if code != 226 || string(names) != "hello\r\nhello.c\r\nsample.txt\r\nstrip_hello\r\ntest.py\r\n" {
				t.Errorf("NLST: %d %q", code, names)
			}
			list, code, _ := f.transfer(nil, "LIST")
			if code != 226 || !regexp.MustCompile(`(?m)^-rwxr-xr-x 1 ftp ftp +616 Sep  2  2024 hello\r$`).Match(list) {
				t.Errorf("LIST: %d %q", code, list)
			}

			// In ASCII mode, LF becomes CR LF on the way.
			f.cmd(200, "TYPE A")
			got := f.retr("sample.txt")
			if wantASCII := bytes.ReplaceAll(want["sample.txt"], []byte("\n"), []byte("\r\n")); !bytes.Equal(got, wantASCII) {
				t.Errorf("RETR sample.txt in ASCII: %q; want %q", got, wantASCII)
			}
			if _, code, _ := f.transfer(nil, "RETR nope.txt"); code != 550 {
				t.Errorf("RETR of a missing file: %d; want 550", code)
			}
			readme, _, _ := f.transfer(nil, "RETR /pub/README")
			if !bytes.Contains(readme, []byte("ftp.lab")) {
				t.Errorf("/pub/README: %q", readme)
			}
		})
	}
}

func TestFTPUpload(t *testing.T) {
	n := startLab(t, &Options{MaxUploadBytes: 1000})
	f := dialFTP(t, n)
	f.login("student", "socketlab")
	f.cmd(200, "TYPE I")

	upload := []byte("my first upload\n")
	if _, code, msg := f.transfer(upload, "STOR mine.txt"); code != 226 {
		t.Fatalf("STOR: %d %s", code, msg)
	}
	if got := f.retr("/home/student/mine.txt"); !bytes.Equal(got, upload) {
		t.Errorf("RETR after STOR: %q; want %q", got, upload)
	}
	// Changing a lesson file changes it for this session only.
	if _, code, msg := f.transfer([]byte("changed\n"), "STOR work/hello.c"); code != 226 {
		t.Fatalf("STOR over hello.c: %d %s", code, msg)
	}
	if got := f.retr("work/hello.c"); string(got) != "changed\n" {
		t.Errorf("hello.c after STOR: %q", got)
	}
	f.cmd(257, "MKD lessons")
	f.cmd(250, "CWD lessons")

	refused := []struct {
		cmd  string
		code int
		want string
	}{
		{"STOR /pub/x.txt", 550, "only change files under /home/student"},
		{"STOR /home/other.txt", 550, "only change files under /home/student"},
		{"STOR ../../student2/x", 550, "only change files under /home/student"},
		{"STOR big.bin", 552, "may store 1000 bytes"},
	}
	for _, r := range refused {
		_, code, msg := f.transfer(bytes.Repeat([]byte("z"), 2000), "%s", r.cmd)
		if code != r.code || !strings.Contains(msg, r.want) {
			t.Errorf("%s: %d %q; want %d and %q", r.cmd, code, msg, r.code, r.want)
		}
	}
	f.cmd(550, "DELE /home/student/work/hello") // a file of the shared tree
	f.cmd(350, "RNFR /pub/README")
	f.cmd(550, "RNTO /home/student/README")   // the source is outside the writable area
	f.cmd(250, "DELE /home/student/mine.txt") // its own upload

	// Another session sees the tree as it was.
	g := dialFTP(t, n)
	g.login("student", "socketlab")
	g.cmd(200, "TYPE I")
	if got := g.retr("work/hello.c"); !bytes.Equal(got, ftpFiles(t)["hello.c"]) {
		t.Errorf("a second session sees hello.c as %q; want the original", got)
	}
	if _, code, _ := g.transfer(nil, "RETR big.bin"); code != 550 {
		t.Errorf("a second session sees the first one's big.bin (%d)", code)
	}

	// Anonymous may not write at all.
	a := dialFTP(t, n)
	a.login("anonymous", "")
	for _, cmd := range []string{"STOR /home/student/x", "MKD /home/student/d", "DELE /pub/README"} {
		code, msg := 0, ""
		if strings.HasPrefix(cmd, "STOR") {
			_, code, msg = a.transfer([]byte("x"), "%s", cmd)
		} else {
			code, msg = a.cmd(0, "%s", cmd)
		}
		if code != 550 || (strings.HasPrefix(cmd, "STOR") && !strings.Contains(msg, "read-only")) {
			t.Errorf("anonymous %s: %d %q; want 550 read-only", cmd, code, msg)
		}
	}
}

func TestFTPQuotaIsReturned(t *testing.T) {
	n := startLab(t, &Options{MaxUploadBytes: 600})
	for i := range 3 {
		f := dialFTP(t, n)
		f.login("student", "socketlab")
		if _, code, msg := f.transfer(bytes.Repeat([]byte("q"), 500), "STOR f%d", i); code != 226 {
			t.Fatalf("session %d: STOR: %d %s", i, code, msg)
		}
		// Logging in again in the same session gives a fresh allowance.
		f.login("student", "socketlab")
		if _, code, msg := f.transfer(bytes.Repeat([]byte("r"), 500), "STOR g%d", i); code != 226 {
			t.Fatalf("session %d after a second login: STOR: %d %s", i, code, msg)
		}
		f.cmd(221, "QUIT")
		f.tp.ReadLine() // wait for the close
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.ftp.held.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if held := n.ftp.held.Load(); held != 0 {
		t.Errorf("%d upload bytes still held after every session ended", held)
	}
}

func TestFTPPassive(t *testing.T) {
	n := startLab(t, &Options{PassiveHost: func(client net.Addr) string {
		if ap, err := netip.ParseAddrPort(client.String()); err != nil || !ap.Addr().IsLoopback() {
			return "127.0.0.2" // never: the test dials from loopback
		}
		return "10.10.0.21"
	}})
	f := dialFTP(t, n)
	f.login("anonymous", "")
	_, msg := f.cmd(227, "PASV")
	m := regexp.MustCompile(`^Entering Passive Mode \(10,10,0,21,(\d+),(\d+)\)$`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("PASV: %q; want the address from PassiveHost", msg)
	}
	hi, _ := strconv.Atoi(m[1])
	lo, _ := strconv.Atoi(m[2])
	port := hi*256 + lo

	// The relay dials what the reply names: Resolve must know the port while it is open.
	listen, known, ok := n.Resolve("tcp", "10.10.0.21", port)
	if !known || !ok || listen != "127.0.0.1:"+strconv.Itoa(port) {
		t.Fatalf("Resolve(10.10.0.21:%d) = %q, %v, %v; want the passive port on loopback", port, listen, known, ok)
	}
	if _, _, ok := n.Resolve("udp", "ftp.lab", port); ok {
		t.Error("the passive port resolves over UDP")
	}

	// A peer that is not loopback connects first. The listener is bound to every
	// interface, so the connection goes through, but the server must drop it when it
	// accepts, and go on waiting for the real one.
	var outsider net.Conn
	if other := nonLoopbackIPv4(); other.IsValid() {
		c, err := net.Dial("tcp", net.JoinHostPort(other.String(), strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("dialing the passive port through %v: %v", other, err)
		}
		defer c.Close()
		outsider = c
	} else {
		t.Log("no non-loopback IPv4 address here: the refusal of outside peers is not exercised")
	}

	d, err := net.Dial("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.SetDeadline(time.Now().Add(5 * time.Second))
	f.cmd(150, "NLST /home/student/work")
	names, err := io.ReadAll(d)
	if err != nil || !bytes.Contains(names, []byte("hello.c")) {
		t.Errorf("NLST over the data connection: %q, %v", names, err)
	}
	if _, _, err := f.tp.ReadResponse(226); err != nil {
		t.Errorf("after NLST: %v", err)
	}
	if outsider != nil {
		outsider.SetDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 1)
		if k, err := outsider.Read(b); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("the data connection from outside loopback got %q, %v; want it closed", b[:k], err)
		}
	}

	// Once the transfer is over, the port is gone.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, _, ok := n.Resolve("tcp", "ftp.lab", port); !ok {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Errorf("ftp.lab port %d still resolves after its transfer ended", port)
}

// nonLoopbackIPv4 returns an IPv4 address of this machine other than loopback, if any.
func nonLoopbackIPv4() netip.Addr {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().Is4() && !p.Addr().IsLoopback() {
			return p.Addr()
		}
	}
	return netip.Addr{}
}

func TestFixStatLine(t *testing.T) {
	tests := []struct {
		in        string
		lineStart bool
		want      string
	}{
		{" %s-rw-r--r-- 1 ftp ftp 12 Sep  2  2024 a\r\n", true, " -rw-r--r-- 1 ftp ftp 12 Sep  2  2024 a\r\n"},
		{" %s-rw-r--r-- 1 ftp ftp 12 Sep  2  2024 a", false, " %s-rw-r--r-- 1 ftp ftp 12 Sep  2  2024 a"},
		{"212-STAT %s\r\n", true, "212-STAT %s\r\n"},
		{" -rw-r--r-- 1 ftp ftp 12 Sep  2  2024 %s\r\n", true, " -rw-r--r-- 1 ftp ftp 12 Sep  2  2024 %s\r\n"},
		{" %", true, " %"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := string(fixStatLine([]byte(tt.in), tt.lineStart)); got != tt.want {
			t.Errorf("fixStatLine(%q, %v) = %q; want %q", tt.in, tt.lineStart, got, tt.want)
		}
	}
}

func TestHelloELF(t *testing.T) {
	for _, tt := range []struct {
		name    string
		symbols bool
	}{{"hello", true}, {"strip_hello", false}} {
		t.Run(tt.name, func(t *testing.T) {
			b := helloELF(tt.symbols)
			f, err := elf.NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not an ELF file: %v", err)
			}
			if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
				t.Errorf("class %v machine %v type %v; want a 64-bit x86-64 executable", f.Class, f.Machine, f.Type)
			}
			text := f.Section(".text")
			if text == nil || text.Addr != f.Entry {
				t.Fatalf(".text %v does not start at the entry point %#x", text, f.Entry)
			}
			code, _ := text.Data()
			if !bytes.HasSuffix(code, []byte("Hello, world!\n")) {
				t.Errorf(".text does not end with the message: %q", code)
			}
			syms, err := f.Symbols()
			if tt.symbols {
				var names []string
				for _, s := range syms {
					names = append(names, s.Name)
					if s.Name == "_start" && s.Value != f.Entry {
						t.Errorf("_start is at %#x; the entry point is %#x", s.Value, f.Entry)
					}
				}
				if strings.Join(names, " ") != "msg _start" {
					t.Errorf("symbols %v (%v); want msg and _start", names, err)
				}
			} else if !errors.Is(err, elf.ErrNoSymbols) {
				t.Errorf("strip_hello has symbols %v (%v); want none", syms, err)
			}

			if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
				t.Skipf("cannot run an x86-64 Linux program on %s/%s", runtime.GOOS, runtime.GOARCH)
			}
			path := filepath.Join(t.TempDir(), tt.name)
			if err := os.WriteFile(path, b, 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(path).CombinedOutput()
			if err != nil || string(out) != "Hello, world!\n" {
				t.Errorf("running %s: %q, %v; want Hello, world! and status 0", tt.name, out, err)
			}
		})
	}
	if len(helloELF(false)) >= len(helloELF(true)) {
		t.Error("strip_hello is not smaller than hello")
	}
}

func TestFTPLimits(t *testing.T) {
	// ftpserverlib counts idle time in whole seconds: 300 ms becomes 1 s.
	n := startLab(t, &Options{IdleTimeout: 300 * time.Millisecond})

	t.Run("idle", func(t *testing.T) {
		start := time.Now()
		f := dialFTP(t, n)
		f.login("anonymous", "")
		code, msg, err := f.tp.ReadResponse(0)
		if err != nil || code != 421 || !strings.Contains(msg, "timeout") {
			t.Errorf("an idle session got %d %q, %v; want 421 and a timeout", code, msg, err)
		}
		if _, err := f.tp.ReadLine(); err == nil {
			t.Error("the connection stays open after the idle timeout")
		}
		if took := time.Since(start); took < time.Second || took > 4*time.Second {
			t.Errorf("idle session closed after %v; want about 1 s", took)
		}
	})

	t.Run("line too long", func(t *testing.T) {
		f := dialFTP(t, n)
		io.WriteString(f.c, "NOOP "+strings.Repeat("x", 5000)+"\r\n")
		// The rest of the line is still unread when the server closes, so the close may
		// come as a reset.
		rest, err := io.ReadAll(f.c)
		if (err != nil && !errors.Is(err, syscall.ECONNRESET)) || len(rest) != 0 {
			t.Errorf("after a 5000-byte command: %q, %v; want the server to close without a reply", rest, err)
		}
	})
}
