package lab

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pinned is a fixed moment for the time servers: a leap day, to catch off-by-a-day mistakes.
var pinned = time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)

func pinnedNow() time.Time { return pinned }

func TestTime(t *testing.T) {
	tests := []struct {
		name  string
		proto string
		now   func() time.Time
		want  uint32 // 0: compare with the test's own clock instead
	}{
		{"tcp pinned", "tcp", pinnedNow, 3918198896},
		{"udp pinned", "udp", pinnedNow, 3918198896},
		{"tcp clock", "tcp", nil, 0},
		{"udp clock", "udp", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := startLab(t, &Options{Now: tt.now})
			c := dialLab(t, n, tt.proto, "time.lab", 37)
			var got []byte
			if tt.proto == "udp" {
				if _, err := c.Write([]byte("what time is it?")); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 100)
				k, err := c.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				got = buf[:k]
			} else {
				var err error
				got, err = io.ReadAll(c) // the server must close after the 4 bytes
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != 4 {
				t.Fatalf("got %d bytes (% x); want exactly 4", len(got), got)
			}
			v := binary.BigEndian.Uint32(got)
			if tt.want != 0 {
				if v != tt.want {
					t.Errorf("value %d; want %d", v, tt.want)
				}
				if !TimeFromValue(v).Equal(pinned) {
					t.Errorf("TimeFromValue(%d) = %v; want %v", v, TimeFromValue(v), pinned)
				}
				return
			}
			if d := TimeFromValue(v).Sub(time.Now()).Abs(); d > 2*time.Second {
				t.Errorf("time.lab says %v, %v away from this machine's clock", TimeFromValue(v), d)
			}
		})
	}
}

func TestTimeValue(t *testing.T) {
	tests := []struct {
		t    time.Time
		want uint32
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 2208988800},
		{time.Date(1970, 1, 1, 1, 0, 0, 0, time.FixedZone("X", 3600)), 2208988800},
		{time.Date(2036, 2, 7, 6, 28, 15, 0, time.UTC), 1<<32 - 1},
		{time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), 0}, // the era wraps
	}
	for _, tt := range tests {
		if got := TimeValue(tt.t); got != tt.want {
			t.Errorf("TimeValue(%v) = %d; want %d", tt.t, got, tt.want)
		}
	}
}

func TestDaytime(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			n := startLab(t, &Options{Now: pinnedNow})
			c := dialLab(t, n, proto, "daytime.lab", 13)
			var got []byte
			var err error
			if proto == "udp" {
				c.Write(nil) // an empty datagram asks too
				buf := make([]byte, 200)
				var k int
				k, err = c.Read(buf)
				got = buf[:k]
			} else {
				got, err = io.ReadAll(c)
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := "Thursday, February 29, 2024 12:34:56-UTC\r\n"; string(got) != want {
				t.Errorf("got %q; want %q", got, want)
			}
		})
	}

	// With the real clock, the line must parse back to within 2 s of now.
	n := startLab(t, nil)
	got, err := io.ReadAll(dialLab(t, n, "tcp", "daytime.lab", 13))
	if err != nil {
		t.Fatal(err)
	}
	line, ok := strings.CutSuffix(string(got), "\r\n")
	if !ok || strings.ContainsAny(line, "\r\n") {
		t.Fatalf("got %q; want one line ending in CRLF", got)
	}
	when, err := time.Parse(DaytimeLayout, line)
	if err != nil {
		t.Fatalf("daytime line %q does not parse: %v", line, err)
	}
	if d := when.Sub(time.Now()).Abs(); d > 2*time.Second {
		t.Errorf("daytime says %v, %v away from this machine's clock", when, d)
	}
}

func TestEchoTCP(t *testing.T) {
	n := startLab(t, nil)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tests := []struct {
		name string
		send [][]byte
	}{
		{"line", [][]byte{[]byte("hello, echo\r\n")}},
		{"binary", [][]byte{{0, 1, 2, 0xff, 0xfe, '\n', 0}}},
		{"several writes", [][]byte{[]byte("a"), []byte("bc"), []byte("def")}},
		{"one MiB", [][]byte{big}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialLab(t, n, "tcp", "echo.lab", 7)
			// Write from another goroutine: a MiB does not fit in the socket buffers
			// while nobody reads.
			werr := make(chan error, 1)
			go func() {
				for _, b := range tt.send {
					if _, err := c.Write(b); err != nil {
						werr <- err
						return
					}
				}
				werr <- c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
			if want := bytes.Join(tt.send, nil); !bytes.Equal(got, want) {
				t.Errorf("echoed %d bytes, sent %d; they differ", len(got), len(want))
			}
		})
	}
}

func TestEchoUDPKeepsDatagrams(t *testing.T) {
	n := startLab(t, nil)
	c := dialLab(t, n, "udp", "echo.lab", 7)
	sizes := []int{1, 0, 1000, 3, 60000, 2}
	for i, size := range sizes {
		b := bytes.Repeat([]byte{byte('a' + i)}, size)
		if _, err := c.Write(b); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
	}
	buf := make([]byte, 64<<10)
	for i, size := range sizes {
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if want := bytes.Repeat([]byte{byte('a' + i)}, size); !bytes.Equal(buf[:k], want) {
			t.Errorf("datagram %d: got %d bytes starting %q; want %d bytes of %q", i, k, buf[:min(k, 8)], size, rune('a'+i))
		}
	}
}

func TestDiscard(t *testing.T) {
	n := startLab(t, nil)

	c := dialLab(t, n, "tcp", "discard.lab", 9)
	if _, err := c.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	if got, err := io.ReadAll(c); err != nil || len(got) != 0 {
		t.Errorf("discard.lab sent %d bytes back (%v); want none and a clean close", len(got), err)
	}

	// Over UDP: send to discard, then to echo, from one socket. The only reply must be
	// echo's.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetDeadline(time.Now().Add(5 * time.Second))
	discard, _, _ := n.Resolve("udp", "discard.lab", 9)
	echo, _, _ := n.Resolve("udp", "echo.lab", 7)
	for _, to := range []string{discard, echo} {
		addr, _ := net.ResolveUDPAddr("udp", to)
		if _, err := pc.WriteTo([]byte("into the void"), addr); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 100)
	_, from, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if from.String() != echo {
		t.Errorf("got a datagram from %v; only echo at %s should answer", from, echo)
	}
}

// readLines reads until the server closes and returns the lines, each with its ending.
func readLines(t *testing.T, c net.Conn) []string {
	t.Helper()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading to the end: %v (so far %q)", err, got)
	}
	lines := strings.SplitAfter(string(got), "\r\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func TestChat(t *testing.T) {
	n := startLab(t, nil)
	tests := []struct {
		name  string
		send  string // written at once, then the client reads to the end
		want  []string
		close bool // the client half-closes after sending
	}{
		{
			name: "conversation",
			send: "hello\r\nHow are you?\nwhat is this\r\nis it fun?\n\nBYE\r\n",
			want: []string{
				ChatGreeting,
				"Hello! How are you?\r\n",
				"I am fine, thank you. I am a small program on the lab network.\r\n",
				"You said: what is this\r\n",
				"Good question. You asked: is it fun?\r\n",
				"I am listening. Say something, or bye to leave.\r\n",
				"Goodbye! Closing the connection.\r\n",
			},
		},
		{
			name: "lines after bye are not answered",
			send: "bye\nhello\nhello\n",
			want: []string{ChatGreeting, "Goodbye! Closing the connection.\r\n"},
		},
		{
			name:  "client leaves without bye",
			send:  "ping\n  spaced out  \n",
			close: true,
			want:  []string{ChatGreeting, "pong\r\n", "You said: spaced out\r\n"},
		},
		{
			name:  "last line without newline",
			send:  "ping\nbye",
			close: true,
			want:  []string{ChatGreeting, "pong\r\n", "Goodbye! Closing the connection.\r\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialLab(t, n, "tcp", "chat.lab", 5000)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			if tt.close {
				c.(*net.TCPConn).CloseWrite()
			}
			got := readLines(t, c)
			if strings.Join(got, "") != strings.Join(tt.want, "") {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestChatStepByStep(t *testing.T) {
	n := startLab(t, nil)
	c := dialLab(t, n, "tcp", "chat.lab", 5000)
	r := bufio.NewReader(c)
	expectLine := func(want string) {
		t.Helper()
		got, err := r.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	expectLine(ChatGreeting)
	for _, tt := range []struct{ say, want string }{
		{"hi", "Hello! How are you?"},
		{"who are you?", "I am the chat server at chat.lab, port 5000."},
		{"What time is it?", "I keep no clock. Ask time.lab on port 37 or daytime.lab on port 13."},
		{"thanks!", "You are welcome."},
		{"héllo wörld", "You said: héllo wörld"},
		{"goodbye.", "Goodbye! Closing the connection."},
	} {
		fmt.Fprintf(c, "%s\r\n", tt.say)
		expectLine(tt.want + "\r\n")
	}
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("after goodbye: %v; want the server to close (io.EOF)", err)
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		name  string
		opts  *Options
		send  string
		close bool
		reply string // "" means no third line
	}{
		{"word", nil, "hello\n", false, "You entered 5 characters.\r\n"},
		{"crlf", nil, "hello\r\n", false, "You entered 5 characters.\r\n"},
		{"empty line", nil, "\n", false, "You entered 0 characters.\r\n"},
		{"characters not bytes", nil, "héllo wörld ✓\n", false, "You entered 13 characters.\r\n"},
		{"spaces count", nil, "  a b  \n", false, "You entered 7 characters.\r\n"},
		{"only the first line", nil, "one\ntwo\nthree\n", false, "You entered 3 characters.\r\n"},
		{"no newline then half-close", nil, "abc", true, "You entered 3 characters.\r\n"},
		{"nothing then half-close", nil, "", true, ""},
		{"line too long", &Options{MaxLine: 64}, strings.Repeat("x", 100) + "\n", false,
			"That line is longer than 64 bytes. Closing the connection.\r\n"},
		{"longest line allowed", &Options{MaxLine: 64}, strings.Repeat("x", 63) + "\n", false,
			"You entered 63 characters.\r\n"},
		{"one over", &Options{MaxLine: 64}, strings.Repeat("x", 64) + "\n", false,
			"That line is longer than 64 bytes. Closing the connection.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := startLab(t, tt.opts)
			c := dialLab(t, n, "tcp", "count.lab", 51423)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			if tt.close {
				c.(*net.TCPConn).CloseWrite()
			}
			want := []string{"Welcome, " + c.LocalAddr().String() + "\r\n", "Please enter a string:\r\n"}
			if tt.reply != "" {
				want = append(want, tt.reply)
			}
			if got := readLines(t, c); strings.Join(got, "") != strings.Join(want, "") {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestCountClientName(t *testing.T) {
	n := startLab(t, &Options{ClientName: func(net.Addr) string { return "10.10.1.5:40000" }})
	c := dialLab(t, n, "tcp", "count.lab", 51423)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "Welcome, 10.10.1.5:40000\r\n" {
		t.Errorf("got %q, %v", line, err)
	}
}

// TestLimits checks that each limit closes the connection that hit it.
func TestLimits(t *testing.T) {
	const idle = 150 * time.Millisecond
	n := startLab(t, &Options{IdleTimeout: idle, MaxLine: 32, MaxEchoBytes: 1000})

	t.Run("idle", func(t *testing.T) {
		for _, tg := range []struct {
			name string
			port int
		}{{"echo.lab", 7}, {"discard.lab", 9}, {"chat.lab", 5000}, {"count.lab", 51423}} {
			start := time.Now() // before the dial: the server may start its clock before Dial returns
			c := dialLab(t, n, "tcp", tg.name, tg.port)
			io.Copy(io.Discard, c) // greetings, then the end of the stream
			if took := time.Since(start); took < idle || took > 4*time.Second {
				t.Errorf("%s closed an idle connection after %v; want about %v", tg.name, took, idle)
			}
		}
	})

	t.Run("chat line too long", func(t *testing.T) {
		c := dialLab(t, n, "tcp", "chat.lab", 5000)
		io.WriteString(c, "short\n"+strings.Repeat("y", 40)+"\n")
		want := []string{ChatGreeting, "You said: short\r\n", "That line is longer than 32 bytes. Closing the connection.\r\n"}
		if got := readLines(t, c); strings.Join(got, "") != strings.Join(want, "") {
			t.Errorf("got %q; want %q", got, want)
		}
	})

	t.Run("echo total", func(t *testing.T) {
		c := dialLab(t, n, "tcp", "echo.lab", 7)
		go c.Write(bytes.Repeat([]byte("z"), 3000))
		got, err := io.ReadAll(c)
		if err != nil || len(got) != 1000 {
			t.Errorf("echo.lab echoed %d bytes (%v); want exactly the 1000-byte limit, then close", len(got), err)
		}
	})
}

// TestGarbage throws random bytes at every server and checks that each still answers
// properly afterwards.
func TestGarbage(t *testing.T) {
	n := startLab(t, &Options{MaxLine: 256, IdleTimeout: 2 * time.Second, Now: pinnedNow})
	rng := rand.New(rand.NewPCG(1, 2))
	junk := func(size int) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	for _, s := range n.Services() {
		for i := range 5 {
			c := dialLab(t, n, s.Proto, s.Name, s.Port)
			c.Write(junk(1 + rng.IntN(2000)))
			if i%2 == 0 && s.Proto == "tcp" {
				c.(*net.TCPConn).CloseWrite()
			}
			c.Close()
		}
	}
	// Every service must still do its job.
	checks := []struct {
		proto, host string
		port        int
		send, want  string // want is a prefix of the reply
	}{
		{"tcp", "echo.lab", 7, "ok\n", "ok\n"},
		{"udp", "echo.lab", 7, "ok", "ok"},
		{"tcp", "daytime.lab", 13, "", "Thursday, February 29, 2024"},
		{"udp", "daytime.lab", 13, "x", "Thursday, February 29, 2024"},
		{"tcp", "chat.lab", 5000, "ping\n", ChatGreeting + "pong\r\n"},
		{"tcp", "count.lab", 51423, "abc\n", "Welcome, "},
		{"tcp", "ftp.lab", 21, "", "220-ftp.lab"},
		{"tcp", "gopher.lab", 70, "/lab\r\n", "0What the lab is\t"},
		{"tcp", "web.lab", 80, "GET /hello.txt HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n"},
	}
	for _, ck := range checks {
		c := dialLab(t, n, ck.proto, ck.host, ck.port)
		io.WriteString(c, ck.send)
		got := make([]byte, 0, 256)
		for len(got) < len(ck.want) {
			buf := make([]byte, 256)
			k, err := c.Read(buf)
			got = append(got, buf[:k]...)
			if err != nil {
				break
			}
		}
		if !strings.HasPrefix(string(got), ck.want) {
			t.Errorf("%s %s after garbage: got %q; want it to start %q", ck.proto, ck.host, got, ck.want)
		}
	}
	for _, proto := range []string{"tcp", "udp"} {
		c := dialLab(t, n, proto, "time.lab", 37)
		c.Write([]byte{1})
		b := make([]byte, 8)
		if k, err := io.ReadAtLeast(c, b, 4); err != nil || k != 4 {
			t.Errorf("time.lab %s after garbage: %d bytes, %v", proto, k, err)
		}
	}
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		in    string
		max   int
		lines []string
		err   error // what ends the input
	}{
		{"a\nb\r\nc", 16, []string{"a", "b", "c"}, io.EOF},
		{"\n\r\n", 16, []string{"", ""}, io.EOF},
		{"lone\rcr\n", 16, []string{"lone\rcr"}, io.EOF},
		{"exactly 16 byte\n", 16, []string{"exactly 16 byte"}, io.EOF},
		{"seventeen bytes!\n", 16, nil, errLineTooLong},
		{"short\n" + strings.Repeat("z", 20), 16, []string{"short"}, errLineTooLong},
		{"tail\r", 16, []string{"tail\r"}, io.EOF},
		{"fifteen bytes!!", 16, []string{"fifteen bytes!!"}, io.EOF},
		{"sixteen bytes!!!", 16, nil, errLineTooLong},
		{"", 16, nil, io.EOF},
	}
	for _, tt := range tests {
		r := newLineReader(strings.NewReader(tt.in), tt.max)
		var got []string
		var err error
		for {
			var line string
			line, err = readLine(r, tt.max)
			if err != nil {
				break
			}
			got = append(got, line)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.lines) || !errors.Is(err, tt.err) {
			t.Errorf("readLine over %q: %q then %v; want %q then %v", tt.in, got, err, tt.lines, tt.err)
		}
	}
}

func TestLog(t *testing.T) {
	logs := make(chan string, 100)
	n := startLab(t, &Options{MaxLine: 16, Logger: lineLogger(logs)})
	c := dialLab(t, n, "tcp", "count.lab", 51423)
	io.WriteString(c, strings.Repeat("q", 50))
	io.ReadAll(c)
	select {
	case line := <-logs:
		if !strings.Contains(line, "service=count.lab") || !strings.Contains(line, "max_bytes=16") || !strings.Contains(line, "client=127.0.0.1:") {
			t.Errorf("log line %q; want it to name count.lab and the limit", line)
		}
	case <-time.After(5 * time.Second):
		t.Error("no log line after a limit was hit")
	}
}

// TestEchoIdleConnectionsHoldLittle: connections that wait, after a little traffic or a lot,
// hold a small buffer each, not echo's 32 KiB one: clients holding hundreds of connections
// open do not make the gateway's heap grow by 32 KiB each, nor leave that behind.
func TestEchoIdleConnectionsHoldLittle(t *testing.T) {
	const conns = 200
	n := startLab(t, &Options{MaxConnsPerPeer: conns + 10})
	heap := func() uint64 {
		runtime.GC()
		runtime.GC() // and the buffers pooled, which a second collection drops
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	burst := bytes.Repeat([]byte("0123456789abcdef"), 4<<10) // 64 KiB: the connection is busy for a moment
	for i := range conns {
		c := dialLab(t, n, "tcp", "echo.lab", 7)
		c.SetDeadline(time.Now().Add(time.Minute))
		send := []byte("ping")
		if i%4 == 0 {
			send = burst
		}
		go c.Write(send)
		if _, err := io.ReadFull(c, make([]byte, len(send))); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	grew := int64(heap()) - int64(before)
	if per := grew / conns; per > 8<<10 {
		t.Errorf("%d echo connections waiting grew the heap by %d KiB, %d bytes each; want under 8 KiB each", conns, grew>>10, per)
	}
}
