package relay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// clientFrame encodes a frame as a browser sends it: masked, with the shortest length form.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i&3])
	}
	return f
}

// wsPair returns a message reader on the server's end of a loopback connection and the
// client's end.
func wsPair(t *testing.T, limit int) (*msgReader, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	server.SetDeadline(time.Now().Add(10 * time.Second))
	rd := newMsgReader(&wsConn{conn: server}, limit)
	t.Cleanup(rd.release)
	return rd, client
}

func seeded(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

func TestMsgReaderMessages(t *testing.T) {
	big := seeded(70000, 1)
	parts := [][]byte{seeded(65536, 2), seeded(4000, 3), seeded(10, 4)}
	whole := bytes.Join(parts, nil)
	var stream []byte
	var want [][]byte
	add := func(frames []byte, msg []byte) {
		stream = append(stream, frames...)
		want = append(want, msg)
	}
	add(clientFrame(true, wsBinary, []byte("hello")), []byte("hello"))
	add(clientFrame(true, wsBinary, nil), []byte{})
	add(clientFrame(true, wsBinary, big), big)
	// A message in three frames, a ping between them, and at once another such message: a
	// browser splits a large message this way.
	for range 2 {
		fr := clientFrame(false, wsBinary, parts[0])
		fr = append(fr, clientFrame(true, wsPing, []byte("are you there"))...)
		fr = append(fr, clientFrame(false, wsContinuation, parts[1])...)
		fr = append(fr, clientFrame(true, wsContinuation, parts[2])...)
		add(fr, whole)
	}
	add(clientFrame(true, wsBinary, []byte("last")), []byte("last"))

	for _, tt := range []struct {
		name  string
		piece int // bytes per write
	}{
		{"all at once", len(stream)},
		{"a byte at a time", 1},
		{"in odd pieces", 4099},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rd, client := wsPair(t, 100000)
			go func() {
				for s := stream; len(s) > 0; {
					n := min(tt.piece, len(s))
					if _, err := client.Write(s[:n]); err != nil {
						return
					}
					s = s[n:]
				}
			}()
			for i, w := range want {
				got, err := rd.next()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !bytes.Equal(got, w) {
					t.Fatalf("message %d: got %d bytes, want %d (first differ at %d)", i, len(got), len(w), firstDiff(got, w))
				}
			}
			// Each ping was answered with a pong carrying its payload.
			pong := []byte{0x80 | wsPong, byte(len("are you there"))}
			pong = append(pong, "are you there"...)
			got := make([]byte, 2*len(pong))
			client.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(client, got); err != nil {
				t.Fatalf("reading the pongs: %v", err)
			}
			if !bytes.Equal(got, append(pong, pong...)) {
				t.Errorf("pongs = %q", got)
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestMsgReaderRefuses(t *testing.T) {
	unmasked := clientFrame(true, wsBinary, []byte("hi"))
	unmasked[1] &^= 0x80
	unmasked = append(unmasked[:2], []byte("hi")...)
	rsv := clientFrame(true, wsBinary, []byte("hi"))
	rsv[0] |= 0x40
	for _, tt := range []struct {
		name   string
		frames []byte
		status int
	}{
		{"a frame over the limit", clientFrame(true, wsBinary, make([]byte, 1001)), 1009},
		{"a message over the limit in pieces", append(clientFrame(false, wsBinary, make([]byte, 600)), clientFrame(true, wsContinuation, make([]byte, 600))...), 1009},
		{"text", clientFrame(true, wsText, []byte("hi")), 1003},
		{"unmasked", unmasked, 1002},
		{"RSV bits", rsv, 1002},
		{"a continuation with nothing to continue", clientFrame(true, wsContinuation, []byte("hi")), 1002},
		{"a new message inside another", append(clientFrame(false, wsBinary, []byte("a")), clientFrame(true, wsBinary, []byte("b"))...), 1002},
		{"a long ping", clientFrame(true, wsPing, make([]byte, 126)), 1002},
		{"unknown opcode", clientFrame(true, 0x3, nil), 1002},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rd, client := wsPair(t, 1000)
			client.Write(tt.frames)
			_, err := rd.next()
			var fe *frameError
			if !errors.As(err, &fe) || fe.status != tt.status {
				t.Fatalf("next() = %v, want a frame error with status %d", err, tt.status)
			}
		})
	}

	t.Run("close", func(t *testing.T) {
		rd, client := wsPair(t, 1000)
		client.Write(clientFrame(true, wsClose, []byte{0x03, 0xe9, 'b', 'y', 'e'}))
		_, err := rd.next()
		var cf closeFrame
		if !errors.As(err, &cf) || cf.status != 1001 {
			t.Fatalf("next() = %v, want the client's close with status 1001", err)
		}
	})
	t.Run("end of file", func(t *testing.T) {
		rd, client := wsPair(t, 1000)
		client.Write(clientFrame(true, wsBinary, []byte("x"))[:4])
		client.Close()
		if _, err := rd.next(); !errors.Is(err, io.EOF) {
			t.Fatalf("next() = %v, want end of file", err)
		}
	})
}
