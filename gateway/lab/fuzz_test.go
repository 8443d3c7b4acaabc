package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var lineSeeds = []string{
	"", "\n", "\r\n", "hello\n", "bye\r\n", "BYE", "how are you?\n", "a\rb\n", "\x00\xff\xfe\n",
	"héllo\n", strings.Repeat("x", 70) + "\n", "one\ntwo\nthree", "  bye  \n", "?\n", "\r",
	"Goodbye!!\n", "\xe2\x9c", "tab\tbye\n",
}

// runes counts characters the slow way, as a check on CountReply.
func runes(s string) int {
	k := 0
	for range s {
		k++
	}
	return k
}

// FuzzLines splits arbitrary bytes into lines as chat and count do and checks the answers:
// lines are consecutive pieces of the input, each answer is one line, the same every time,
// and nothing panics.
func FuzzLines(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxLine = 64
		r := newLineReader(bytes.NewReader(data), maxLine)
		used := 0
		for {
			line, err := readLine(r, maxLine)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, errLineTooLong) {
					t.Fatalf("readLine: unexpected error %v", err)
				}
				break
			}
			if strings.Contains(line, "\n") || len(line) >= maxLine {
				t.Fatalf("readLine returned %q: holds a newline or is too long", line)
			}
			if !bytes.HasPrefix(data[used:], []byte(line)) {
				t.Fatalf("line %q is not the next part of the input %q", line, data[used:])
			}
			used += len(line)
			if bytes.HasPrefix(data[used:], []byte("\r\n")) {
				used += 2
			} else if bytes.HasPrefix(data[used:], []byte("\n")) {
				used++
			}

			reply, bye := ChatReply(line)
			if reply == "" || strings.Contains(reply, "\n") {
				t.Fatalf("ChatReply(%q) = %q: want one non-empty line", line, reply)
			}
			if again, bye2 := ChatReply(line); again != reply || bye2 != bye {
				t.Fatalf("ChatReply(%q) is not deterministic", line)
			}
			lower := strings.ToLower(line)
			if bye && !strings.Contains(lower, "bye") && !strings.Contains(lower, "quit") && !strings.Contains(lower, "exit") {
				t.Fatalf("ChatReply(%q) ended the chat", line)
			}
			var k int
			if _, err := fmt.Sscanf(CountReply(line), "You entered %d characters.\r\n", &k); err != nil || k != runes(line) {
				t.Fatalf("CountReply(%q) = %q; want %d characters", line, CountReply(line), runes(line))
			}
		}
		if used > len(data) {
			t.Fatalf("lines cover %d bytes of a %d-byte input", used, len(data))
		}
	})
}

// FuzzCountConn sends arbitrary bytes to a real count.lab and checks the whole conversation.
func FuzzCountConn(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	const maxLine = 64
	n, err := Start(&Options{MaxLine: maxLine, IdleTimeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	listen, _, _ := n.Resolve("tcp", "count.lab", 51423)

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(data); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v (so far %q)", err, got)
		}

		// What the server should have made of the first line, worked out directly.
		want := "Welcome, " + c.LocalAddr().String() + "\r\nPlease enter a string:\r\n"
		first, _, hasNewline := bytes.Cut(data, []byte("\n"))
		size := len(first) + 1 // a last line without newline still needs room for one
		switch {
		case len(data) == 0:
		case size > maxLine:
			want += fmt.Sprintf("That line is longer than %d bytes. Closing the connection.\r\n", maxLine)
		default:
			if hasNewline {
				first = bytes.TrimSuffix(first, []byte("\r"))
			}
			want += fmt.Sprintf("You entered %d characters.\r\n", runes(string(first)))
		}
		if string(got) != want {
			t.Fatalf("sent %q\ngot  %q\nwant %q", data, got, want)
		}
	})
}

var gopherSeeds = []string{
	"", "/", "/lab", "/gopher", "/gopher/byhand", "/welcome.txt", "/gopher/what.txt",
	"/lab/servers.txt", "/search\tgopher", "/search\t", "/search\tno such thing\t+", "/lab\t+",
	"/nope", "GET / HTTP/1.0", "/a\rb", "\x00\xff", strings.Repeat("/", 300), "\t\t\t",
	"/search\t\x00\x1f\x7f", "/search\tmenu line",
}

// FuzzGopherRequest checks gopher.lab's answer to any request line: a well-formed menu
// (four tab-separated fields per line, a known type, a numeric port) or the exact text the
// selector names, with CRLF endings and the final "." line either way.
func FuzzGopherRequest(f *testing.F) {
	for _, s := range gopherSeeds {
		f.Add(s)
	}
	n, err := Start(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })

	f.Fuzz(func(t *testing.T, line string) {
		reply := n.gopherReply(line, "gopher.lab", 70)
		body, ok := strings.CutSuffix(reply, ".\r\n")
		if !ok {
			t.Fatalf("reply to %q does not end with a lone \".\": %q", line, reply)
		}
		lines := strings.SplitAfter(body, "\r\n")
		if lines[len(lines)-1] != "" {
			t.Fatalf("reply to %q has a last line without CRLF: %q", line, lines[len(lines)-1])
		}
		lines = lines[:len(lines)-1]
		for _, l := range lines {
			if strings.ContainsAny(strings.TrimSuffix(l, "\r\n"), "\r\n") {
				t.Fatalf("reply to %q has a stray CR or LF in %q", line, l)
			}
		}

		selector, _, err := parseGopherRequest(line)
		if err == nil && len(selector) > GopherMaxSelector {
			t.Fatalf("parseGopherRequest(%q) accepted a %d-byte selector", line, len(selector))
		}
		if file, isText := gopherTexts[selector]; isText && err == nil {
			raw, _ := content.ReadFile("content/gopher/" + file)
			var got []string
			for _, l := range lines {
				l = strings.TrimSuffix(l, "\r\n")
				if strings.HasPrefix(l, ".") {
					l = strings.TrimPrefix(l, ".")
				}
				got = append(got, l)
			}
			if strings.Join(got, "\n") != strings.TrimSuffix(string(raw), "\n") {
				t.Fatalf("text %q does not match %s", selector, file)
			}
			return
		}
		if selector == gopherServersSelector && err == nil {
			return
		}
		for _, l := range lines {
			fields := strings.Split(strings.TrimSuffix(l, "\r\n"), "\t")
			if len(fields) != 4 || fields[0] == "" || !strings.ContainsRune("0137", rune(fields[0][0])) {
				t.Fatalf("reply to %q: bad menu line %q", line, l)
			}
			if _, err := strconv.Atoi(fields[3]); err != nil {
				t.Fatalf("reply to %q: port %q in %q", line, fields[3], l)
			}
		}
	})
}

// FuzzGopherConn sends arbitrary bytes to a real gopher.lab and checks that the answer is
// the one for the first line, or nothing when no line arrived.
func FuzzGopherConn(f *testing.F) {
	for _, s := range gopherSeeds {
		f.Add([]byte(s + "\r\n"))
	}
	f.Add([]byte("/lab"))
	f.Add([]byte(strings.Repeat("x", 200)))
	const maxLine = 128
	n, err := Start(&Options{MaxLine: maxLine, IdleTimeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	listen, _, _ := n.Resolve("tcp", "gopher.lab", 70)
	// The fuzzer is a client on the gateway host, no relayed program: menus name the real
	// address.
	host, p, _ := net.SplitHostPort(listen)
	port, _ := strconv.Atoi(p)

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(data)
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v (so far %q)", err, got)
		}
		line, err := readLine(newLineReader(bytes.NewReader(data), maxLine), maxLine)
		want := ""
		switch {
		case errors.Is(err, errLineTooLong):
			want = "3Request longer than 128 bytes"
		case err == nil:
			want = n.gopherReply(line, host, port)
		}
		if !strings.HasPrefix(string(got), want) || (want == "" && len(got) != 0) || (want != "" && !strings.HasSuffix(string(got), ".\r\n")) {
			t.Fatalf("sent %q\ngot  %q\nwant %q", data, got, want)
		}
	})
}

// FuzzFTPCommands sends arbitrary command lines to a real ftp.lab session, logged in as
// student, and checks every reply: three-digit codes, multi-line replies closed, CRLF
// endings, no internal error or stray format verb; and that the server still greets the
// next client.
func FuzzFTPCommands(f *testing.F) {
	for _, s := range []string{
		"PWD", "CWD work\r\nNLST", "STAT", "STAT /home/student/work", "STAT hello.c", "SYST",
		"TYPE I\r\nSIZE work/hello.c", "RETR nope", "BOGUS \x00\xff", "USER", "PASS",
		"CWD ..\r\nCWD ..\r\nPWD", "MKD new\r\nRMD new", "DELE work/hello", "RNFR work/hello.c\r\nRNTO x.c",
		"EPSV", "FEAT", "OPTS UTF8 ON", "MLST work/hello.c", "HELP", "NOOP\r\n\r\n\r\n",
		"CWD /home/student/work/../../../../etc", "TYPE", "MODE Z", "REST 100", "ALLO 10", "quit",
		"STOR " + strings.Repeat("a", 300), strings.Repeat("x", 5000), "PORT 1,2,3,4,5,6",
		"CWD \"quoted dir\"", "XCRC hello.c", "AVBL", "CLNT fuzz",
	} {
		f.Add(s)
	}
	n, err := Start(&Options{IdleTimeout: 2 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { n.Close() })
	listen, _, _ := n.Resolve("tcp", "ftp.lab", 21)
	code := regexp.MustCompile(`^[1-5][0-9][0-9][ -]`)

	f.Fuzz(func(t *testing.T, commands string) {
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		io.WriteString(c, "USER student\r\nPASS socketlab\r\n"+commands+"\r\nNOOP\r\nQUIT\r\n")
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("read: %v (so far %q)", err, got)
		}
		out := string(got)
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("the replies do not end with CRLF: %q", out)
		}
		open := "" // the code of an unfinished multi-line reply
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if strings.Contains(l, "\n") {
				t.Fatalf("reply line %q holds a bare LF", l)
			}
			if strings.Contains(l, "Unhandled internal error") || strings.Contains(l, "%!") || strings.HasPrefix(l, " %s") {
				t.Fatalf("reply line %q shows a server bug", l)
			}
			if open != "" {
				if strings.HasPrefix(l, open+" ") {
					open = ""
				}
				continue
			}
			if !code.MatchString(l) {
				t.Fatalf("reply line %q does not start with a code\nall: %q", l, out)
			}
			if l[3] == '-' {
				open = l[:3]
			}
		}
		if open != "" {
			t.Fatalf("multi-line reply %s never ends: %q", open, out)
		}

		// The server is still there for the next client.
		c2, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		c2.SetDeadline(time.Now().Add(5 * time.Second))
		banner := make([]byte, 4)
		if _, err := io.ReadFull(c2, banner); err != nil || string(banner) != "220-" {
			t.Fatalf("the next client got %q, %v; want the 220 banner", banner, err)
		}
	})
}

// FuzzStatFix writes arbitrary reply text line by line, as ftpserverlib does, through the
// control connection's fix and checks that only a leading " %s" is dropped from each line.
func FuzzStatFix(f *testing.F) {
	for _, s := range []string{
		"212-STAT /x\r\n %s-rw-r--r-- 1 ftp ftp 1 Sep  2  2024 a\r\n212 End\r\n",
		" %s", " %s\r\n %s\r\n", "%s %s", "no newline %s", "\r\n\r\n %s %s\r\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var got bytes.Buffer
		conn := &statFixConn{trackedConn: trackedConn{Conn: bufferConn{&got}}, lineStart: true}
		var want strings.Builder
		for _, l := range strings.SplitAfter(text, "\n") {
			if l == "" {
				continue
			}
			if k, err := conn.Write([]byte(l)); err != nil || k != len(l) {
				t.Fatalf("Write(%q) = %d, %v", l, k, err)
			}
			if rest, ok := strings.CutPrefix(l, " %s"); ok {
				l = " " + rest
			}
			want.WriteString(l)
		}
		if got.String() != want.String() {
			t.Fatalf("through the fix:\n%q\nwant\n%q", got.String(), want.String())
		}
	})
}

// bufferConn is a net.Conn that only writes, into a buffer.
type bufferConn struct{ buf *bytes.Buffer }

func (c bufferConn) Write(p []byte) (int, error)      { return c.buf.Write(p) }
func (c bufferConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c bufferConn) Close() error                     { return nil }
func (c bufferConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c bufferConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c bufferConn) SetDeadline(time.Time) error      { return nil }
func (c bufferConn) SetReadDeadline(time.Time) error  { return nil }
func (c bufferConn) SetWriteDeadline(time.Time) error { return nil }
