package relay

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"socketlab/gateway/policy"
	"socketlab/wire"
)

// Benchmarks of the relay's hot paths, with allocation counts. They run only with -bench and
// assert no speed. The end-to-end ones count the whole process's allocations: client, relay
// and echo server together.

// BenchmarkFrameConsume parses and unmasks one 64 KiB client frame, as the websockify bridge
// does for what every read brings.
func BenchmarkFrameConsume(b *testing.B) {
	frame := maskedFrame(make([]byte, 64<<10))
	buf := make([]byte, len(frame))
	var st frameState
	b.SetBytes(64 << 10)
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, frame)
		used, out, err := st.consume(buf)
		if err != nil || used != len(frame) || len(out) != 64<<10 {
			b.Fatal(used, len(out), err)
		}
	}
}

// maskedFrame is a final binary client frame carrying p, masked with a fixed key.
func maskedFrame(p []byte) []byte {
	h := []byte{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
	binary.BigEndian.PutUint64(h[2:], uint64(len(p)))
	f := append(h, p...)
	maskBytes([4]byte{1, 2, 3, 4}, 0, f[14:])
	return f
}

// echoBufs keep benchRelay's echo server from allocating 64 KiB per connection, which would
// swamp BenchmarkSessionOpen's count of what a session costs.
var echoBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// benchRelay serves /ws and /websockify with every traffic limit off, allowing the given
// loopback echo server.
func benchRelay(b testing.TB) (base, target string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				bp := echoBufs.Get().(*[]byte)
				defer echoBufs.Put(bp)
				io.CopyBuffer(c, struct{ io.Reader }{c}, *bp)
			}()
		}
	}()
	target = l.Addr().String()
	var rules policy.Flag
	if err := rules.Set(strings.Replace(target, ":", "/32:", 1)); err != nil {
		b.Fatal(err)
	}
	r := &Relay{Policy: policy.New(rules, nil), Limits: Limits{BytesPerSecond: -1, BytesPerSecondPerClient: -1, BytesPerSession: -1}}
	mux := http.NewServeMux()
	mux.Handle("/ws", r)
	mux.HandleFunc("GET /websockify", r.ServeWebsockify)
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), target
}

// BenchmarkWebsockifyCopy sends 32 KiB messages through /websockify to an echo server and
// reads them back.
func BenchmarkWebsockifyCopy(b *testing.B) {
	host, target := benchRelay(b)
	c, err := net.Dial("tcp", host)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /websockify?target="+target+" HTTP/1.1\r\nHost: "+host+
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		b.Fatal(resp, err)
	}
	frame := maskedFrame(make([]byte, 32<<10))
	back := make([]byte, 32<<10)
	b.SetBytes(32 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(frame); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < len(back); {
			var h [4]byte
			if _, err := io.ReadFull(br, h[:2]); err != nil {
				b.Fatal(err)
			}
			n := int(h[1] & 0x7f)
			if n == 126 {
				io.ReadFull(br, h[2:4])
				n = int(binary.BigEndian.Uint16(h[2:]))
			}
			if _, err := io.ReadFull(br, back[got:got+n]); err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
}

// BenchmarkStreamCopy sends 32 KiB through one stream of the multiplexed protocol to an echo
// server and reads it back, returning credit once a quarter of the window has come, as the
// runtime does. The client is written out so that it allocates nothing itself: the figures
// are the gateway's (and the echo server's, which splices).
func BenchmarkStreamCopy(b *testing.B) {
	benchStream(b, 32<<10)
}

// BenchmarkStreamEcho is the same with 64-byte messages: the cost of a small exchange.
func BenchmarkStreamEcho(b *testing.B) {
	benchStream(b, 64)
}

func benchStream(b *testing.B, size int) {
	exchange := streamExchange(b, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		exchange()
	}
}

// The steady-state data path of the multiplexed protocol allocates nothing per message in the
// gateway: the client here allocates nothing either, so the process's count is the gateway's.
func TestStreamAllocatesNothing(t *testing.T) {
	// The portable paths (rawio_other.go) hand each of a program's writes to a writer
	// goroutine, which costs a few allocations a message; the allocation-free write is
	// Linux's. Either way the count is bounded and does not grow with the message.
	limit, want := 0.05, "none"
	if portableIO {
		limit, want = 4, "at most 4 on the portable paths"
	}
	for _, size := range []int{64, 32 << 10} {
		exchange := streamExchange(t, size)
		for range 100 { // warm the pools up
			exchange()
		}
		if n := testing.AllocsPerRun(1000, exchange); n > limit && !raceOn {
			t.Errorf("%d-byte messages: %.2f allocations per round trip through the gateway, want %s", size, n, want)
		}
	}
}

// streamExchange opens a stream through /ws to an echo server and returns a function that
// sends size bytes and reads them back.
func streamExchange(b testing.TB, size int) func() {
	host, target := benchRelay(b)
	c, err := net.Dial("tcp", host)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: "+host+
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		b.Fatal(resp, err)
	}
	msg := make([]byte, wire.MaxFrame)
	h := make([]byte, 10)
	recv := func() wire.Frame {
		if _, err := io.ReadFull(br, h[:2]); err != nil {
			b.Fatal(err)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			io.ReadFull(br, h[2:4])
			n = int(binary.BigEndian.Uint16(h[2:]))
		case 127:
			io.ReadFull(br, h[2:10])
			n = int(binary.BigEndian.Uint64(h[2:]))
		}
		if _, err := io.ReadFull(br, msg[:n]); err != nil {
			b.Fatal(err)
		}
		f, err := wire.Decode(msg[:n])
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	send := func(frame []byte) {
		if _, err := c.Write(frame); err != nil {
			b.Fatal(err)
		}
	}
	const window = 256 << 10
	send(maskedFrame(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))))
	recv()
	send(maskedFrame(wire.Append(nil, wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindDial, Window: window, Network: "tcp", Remote: target}.Append(nil))))
	if f := recv(); f.Type != wire.Connected {
		b.Fatalf("%v %q", f.Type, f.Payload)
	}
	data := maskedFrame(wire.Append(nil, wire.Data, 1, make([]byte, size)))
	credit := maskedFrame(wire.Append(nil, wire.Continue, 1, wire.Credit(nil, window/4)))
	owed, allow := 0, 256<<10 // the gateway's window for the program is 256 KiB too
	return func() {
		for allow < size {
			if f := recv(); f.Type == wire.Continue {
				n, _ := wire.ParseCredit(f.Payload)
				allow += int(n)
			}
		}
		send(data)
		allow -= size
		for got := 0; got < size; {
			switch f := recv(); f.Type {
			case wire.Data:
				got += len(f.Payload)
				if owed += len(f.Payload); owed >= window/4 {
					send(credit)
					owed -= window / 4
				}
			case wire.Continue:
				n, _ := wire.ParseCredit(f.Payload)
				allow += int(n)
			}
		}
	}
}

// BenchmarkSessionOpen opens a /ws session, a stream to the echo server through it, proves
// the stream with one echoed byte and closes both: what a program's first connection costs.
// The client sends its handshake, HELLO and CONNECT in one write and reads the answers by
// hand, so that it allocates little itself.
func BenchmarkSessionOpen(b *testing.B) {
	host, target := benchRelay(b)
	req := []byte("GET /ws HTTP/1.1\r\nHost: " + host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	req = append(req, maskedFrame(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil)))...)
	req = append(req, maskedFrame(wire.Append(nil, wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindDial, Window: 256 << 10, Network: "tcp", Remote: target}.Append(nil)))...)
	data := maskedFrame(wire.Append(nil, wire.Data, 1, []byte{'x'}))
	buf := make([]byte, 4096)
	b.ReportAllocs()
	for b.Loop() {
		c, err := net.Dial("tcp", host)
		if err != nil {
			b.Fatal(err)
		}
		c.(*net.TCPConn).SetLinger(0)
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		// Read until CONNECTED, send a byte, read until its DATA comes back.
		got, at, sent := 0, 0, false
		for done := false; !done; {
			n, err := c.Read(buf[got:])
			if err != nil {
				b.Fatal(err)
			}
			got += n
			if at == 0 {
				i := strings.Index(string(buf[:got]), "\r\n\r\n")
				if i < 0 {
					continue
				}
				at = i + 4
			}
			for !done && got-at >= 2 {
				hl, n := 2, int(buf[at+1]&0x7f)
				if n == 126 {
					hl, n = 4, int(binary.BigEndian.Uint16(buf[at+2:]))
				}
				if got-at < hl+n {
					break
				}
				f, err := wire.Decode(buf[at+hl : at+hl+n])
				if err != nil {
					b.Fatal(err)
				}
				at += hl + n
				switch {
				case f.Type == wire.Connected && !sent:
					c.Write(data)
					sent = true
				case f.Type == wire.Data && sent:
					done = true
				case f.Type == wire.Close:
					b.Fatalf("closed: %q", f.Payload)
				}
			}
		}
		c.Close()
	}
}
