//go:build linux

package labnet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"socketlab/internal/wsframe"
	"socketlab/wire"
)

// The raw WebSocket client is what native learner programs use to reach the gateway. It is
// tested here against the real relay and against a hand-written server on loopback that
// sends what the relay never does: fragments, pings, masked or oversized frames.

func TestRawWebSocketRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := dialRawWebSocket(ctx, os.Getenv("SOCKETLAB_GATEWAY"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	buf := make([]byte, wire.MaxFrame)
	roundTrip := func(t wire.Type, id uint32, payload []byte, want wire.Type) wire.Frame {
		if err := tr.WriteFrame(ctx, t, id, payload); err != nil {
			panic(err)
		}
		for {
			msg, err := tr.ReadMessage(ctx, buf)
			if err != nil {
				panic(err)
			}
			f, err := wire.Decode(msg)
			if err != nil {
				panic(err)
			}
			if f.Type == want && f.Stream == id {
				return f
			}
		}
	}
	roundTrip(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "raw test"}.Append(nil), wire.Hello)
	f := roundTrip(wire.Lookup, 1, wire.LookupMsg{Network: "ip", Host: "time.lab"}.Append(nil), wire.Answer)
	var a wire.AnswerMsg
	if err := a.Unmarshal(f.Payload); err != nil || len(a.Addrs) != 1 || a.Addrs[0] != "10.10.0.37" {
		t.Errorf("answer for time.lab: %v, %v", a.Addrs, err)
	}
	roundTrip(wire.Connect, 3, wire.ConnectMsg{Kind: wire.KindDial, Window: window, Network: "tcp", Remote: "10.10.0.7:7"}.Append(nil), wire.Connected)
	// 300 bytes: a frame with a 16-bit length.
	data := bytes.Repeat([]byte("0123456789"), 30)
	if err := tr.WriteFrame(ctx, wire.Data, 3, data); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(got) < len(data) {
		msg, err := tr.ReadMessage(ctx, buf)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := wire.Decode(msg); err == nil && f.Type == wire.Data && f.Stream == 3 {
			got = append(got, f.Payload...)
		}
	}
	if !bytes.Equal(got, data) {
		t.Errorf("echo returned %d bytes that differ from the %d sent", len(got), len(data))
	}
}

// fakeGateway accepts one WebSocket connection on loopback and runs serve on it. answer
// writes the handshake response; nil writes a correct one.
func fakeGateway(t testing.TB, answer func(w io.Writer, key string), serve func(c *serverConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		req, err := http.ReadRequest(br)
		if err != nil {
			t.Errorf("fake gateway: reading the upgrade request: %v", err)
			return
		}
		key := req.Header.Get("Sec-WebSocket-Key")
		if req.Header.Get("Sec-WebSocket-Version") != "13" || !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") || key == "" {
			t.Errorf("fake gateway: not a WebSocket upgrade: %v", req.Header)
		}
		if answer == nil {
			fmt.Fprintf(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsframe.AcceptKey(key))
		} else {
			answer(conn, key)
			return
		}
		if serve != nil {
			serve(&serverConn{t: t, conn: conn, br: br})
		}
	}()
	return "ws://" + ln.Addr().String() + "/ws"
}

// serverConn is the fake gateway's side of the connection.
type serverConn struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

// send writes one server frame: unmasked unless mask is set.
func (c *serverConn) send(fin bool, op byte, payload []byte, mask bool) {
	b := []byte{op}
	if fin {
		b[0] |= 0x80
	}
	m := byte(0)
	if mask {
		m = 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, m|byte(n))
	case n <= 0xFFFF:
		b = binary.BigEndian.AppendUint16(append(b, m|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, m|127), uint64(n))
	}
	if mask {
		b = append(b, 0, 0, 0, 0) // a zero key leaves the payload as it is
	}
	c.conn.Write(append(b, payload...))
}

// recv reads one client frame, which must be masked, and unmasks it.
func (c *serverConn) recv() (op byte, payload []byte) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		c.t.Errorf("fake gateway: %v", err)
		return 0, nil
	}
	if h[0]&0x80 == 0 || h[1]&0x80 == 0 {
		c.t.Errorf("client frame %x: want FIN and MASK set", h)
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		io.ReadFull(c.br, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		io.ReadFull(c.br, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	var key [4]byte
	io.ReadFull(c.br, key[:])
	payload = make([]byte, n)
	io.ReadFull(c.br, payload)
	for i := range payload {
		payload[i] ^= key[i&3]
	}
	return h[0] & 0x0F, payload
}

func TestRawWebSocketFrames(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), wire.MaxData/16) // a frame of 65541 bytes: a 64-bit length
	tests := []struct {
		name    string
		serve   func(c *serverConn)
		client  func(t *testing.T, tr transport)
		wantMsg string // what ReadMessage returns, or
		wantErr string // the error it returns
	}{
		{
			name: "fragments with a ping between",
			serve: func(c *serverConn) {
				c.send(false, wsframe.OpBinary, []byte("hello, "), false)
				c.send(true, wsframe.OpPing, []byte("are you there"), false)
				c.send(true, wsframe.OpContinuation, []byte("lab"), false)
				if op, p := c.recv(); op != wsframe.OpPong || string(p) != "are you there" {
					c.t.Errorf("answer to the ping: op %d %q, want a pong with its payload", op, p)
				}
			},
			wantMsg: "hello, lab",
		},
		{
			name: "large message from the client",
			serve: func(c *serverConn) {
				op, p := c.recv()
				if want := wire.Append(nil, wire.Data, 3, big); op != wsframe.OpBinary || !bytes.Equal(p, want) {
					c.t.Errorf("got op %d with %d bytes, want binary with %d", op, len(p), len(want))
				}
				c.send(true, wsframe.OpBinary, []byte("ok"), false)
			},
			client: func(t *testing.T, tr transport) {
				if err := tr.WriteFrame(context.Background(), wire.Data, 3, big); err != nil {
					t.Fatal(err)
				}
			},
			wantMsg: "ok",
		},
		{
			name: "over the limit",
			serve: func(c *serverConn) {
				c.send(false, wsframe.OpBinary, make([]byte, wire.MaxFrame-10), false)
				c.send(true, wsframe.OpContinuation, make([]byte, 11), false)
				if op, p := c.recv(); op != wsframe.OpClose || len(p) < 2 || binary.BigEndian.Uint16(p) != 1009 {
					c.t.Errorf("after an oversized message: op %d %q, want close 1009", op, p)
				}
			},
			wantErr: "over the 66560-byte limit",
		},
		{
			name: "closed with a reason",
			serve: func(c *serverConn) {
				c.send(true, wsframe.OpClose, append(binary.BigEndian.AppendUint16(nil, 1008), "bad frame on stream 3"...), false)
				if op, p := c.recv(); op != wsframe.OpClose || len(p) != 2 || binary.BigEndian.Uint16(p) != 1008 {
					c.t.Errorf("answer to close: op %d %q, want close 1008", op, p)
				}
			},
			wantErr: "the gateway closed the WebSocket: bad frame on stream 3",
		},
		{
			name:    "masked by the server",
			serve:   func(c *serverConn) { c.send(true, wsframe.OpBinary, []byte("x"), true) },
			wantErr: "masked",
		},
		{
			name:    "connection dropped",
			serve:   func(c *serverConn) { c.send(false, wsframe.OpBinary, []byte("half"), false) },
			wantErr: "the gateway closed the connection",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := fakeGateway(t, nil, tt.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tr, err := dialRawWebSocket(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if tt.client != nil {
				tt.client(t, tr)
			}
			msg, err := tr.ReadMessage(ctx, make([]byte, wire.MaxFrame))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ReadMessage = %q, %v; want an error with %q", msg, err, tt.wantErr)
				}
			case err != nil || string(msg) != tt.wantMsg:
				t.Errorf("ReadMessage = %q, %v; want %q", msg, err, tt.wantMsg)
			}
		})
	}
}

func TestRawWebSocketHandshake(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w io.Writer, key string)
		url    string // instead of the fake gateway
		want   string
	}{
		{
			name: "wrong accept key",
			answer: func(w io.Writer, key string) {
				fmt.Fprintf(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsframe.AcceptKey("other"))
			},
			want: "Sec-WebSocket-Accept does not match",
		},
		{
			name: "refused",
			answer: func(w io.Writer, key string) {
				io.WriteString(w, "HTTP/1.1 403 Forbidden\r\nContent-Length: 17\r\n\r\norigin not allowed")
			},
			want: "HTTP 403 Forbidden): origin not allowed",
		},
		{name: "host name", url: "ws://gateway.example:8080/ws", want: "give an IP address or localhost"},
		{name: "TLS", url: "wss://127.0.0.1:8080/ws", want: "ws:// URLs only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if url == "" {
				url = fakeGateway(t, tt.answer, nil)
			}
			tr, err := dialRawWebSocket(context.Background(), url)
			if err == nil {
				tr.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("dial: %v; want an error with %q", err, tt.want)
			}
		})
	}
}

func TestRawWebSocketReadTimeout(t *testing.T) {
	stop := make(chan struct{})
	url := fakeGateway(t, nil, func(c *serverConn) { <-stop })
	defer close(stop)
	tr, err := dialRawWebSocket(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := tr.ReadMessage(ctx, make([]byte, wire.MaxFrame)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ReadMessage past the context's deadline: %v, want context.DeadlineExceeded", err)
	}
}

func TestRawWebSocketRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = dialRawWebSocket(context.Background(), "ws://"+addr+"/ws")
	if err == nil || !strings.Contains(err.Error(), "connect: connection refused") {
		t.Errorf("dial to a closed port: %v, want connect: connection refused", err)
	}
}
