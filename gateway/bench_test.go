package gateway

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

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

// benchRelay serves /ws and /websockify with every traffic limit off, allowing the given
// loopback echo server.
func benchRelay(b *testing.B) (base, target string) {
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
				io.CopyBuffer(c, struct{ io.Reader }{c}, make([]byte, 64<<10))
			}()
		}
	}()
	target = l.Addr().String()
	var rules policy.Flag
	if err := rules.Set(strings.Replace(target, ":", "/32:", 1)); err != nil {
		b.Fatal(err)
	}
	r := &Relay{Policy: policy.New(rules, nil), Limits: Limits{BytesPerSecond: -1, BytesPerSession: -1}}
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

// BenchmarkStreamCopy sends 32 KiB through one stream of the multiplexed protocol (coder/
// websocket as the client) to an echo server and reads it back, returning credit both ways.
func BenchmarkStreamCopy(b *testing.B) {
	host, target := benchRelay(b)
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws://"+host+"/ws", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(wire.MaxFrame)
	send := func(t wire.Type, id uint32, p []byte) {
		if err := c.Write(ctx, websocket.MessageBinary, wire.Append(nil, t, id, p)); err != nil {
			b.Fatal(err)
		}
	}
	recv := func() wire.Frame {
		_, m, err := c.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		f, err := wire.Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
	recv()
	send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 20, Network: "tcp", Remote: target}.Append(nil))
	if f := recv(); f.Type != wire.Connected {
		b.Fatalf("%v %q", f.Type, f.Payload)
	}
	data := wire.Append(nil, wire.Data, 1, make([]byte, 32<<10))
	b.SetBytes(32 << 10)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(ctx, websocket.MessageBinary, data); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < 32<<10; {
			f := recv()
			if f.Type == wire.Data {
				got += len(f.Payload)
				send(wire.Continue, 1, wire.Credit(nil, uint32(len(f.Payload))))
			}
		}
	}
}
