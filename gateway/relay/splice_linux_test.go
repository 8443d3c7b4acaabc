//go:build linux && !socketlab_portable

package relay

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a.(*net.TCPConn), b.(*net.TCPConn)
}

// TestSplicerFramesWhatItMoves: bytes spliced from one socket to a WebSocket arrive intact,
// cut into messages of the size asked for, each with its header and prefix, and the end of
// the source is reported once the pipe is empty.
func TestSplicerFramesWhatItMoves(t *testing.T) {
	peer, src := tcpPair(t)     // the target writes into peer; the gateway reads src
	wsEnd, client := tcpPair(t) // the gateway writes frames into wsEnd; the client reads them
	ws := &wsConn{conn: wsEnd}
	sp := newSplicer(src, ws)
	if sp == nil {
		t.Fatal("no splicer for two TCP sockets")
	}
	want := pattern(3<<20 + 1234)
	go func() {
		peer.Write(want)
		peer.CloseWrite()
	}()

	const max = 50_000 // not a multiple of anything the kernel uses
	prefix := []byte{0xd, 0, 0, 0, 7}
	done := make(chan error, 1)
	go func() {
		defer sp.release()
		for {
			k, ok, err := sp.fill(pipeSize)
			if !ok {
				done <- io.ErrNoProgress
				return
			}
			if k > 0 {
				if err := ws.spliceBinary(sp, prefix, k, max); err != nil {
					done <- err
					return
				}
				if sp.in != 0 {
					t.Errorf("%d bytes left in the pipe after sending", sp.in)
				}
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()

	br := bufio.NewReader(client)
	var got []byte
	for len(got) < len(want) {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatal(err)
		}
		if h[0] != 0x82 || h[1]&0x80 != 0 {
			t.Fatalf("header %x: want a final, unmasked binary frame", h)
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			io.ReadFull(br, e[:])
			n = int(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			io.ReadFull(br, e[:])
			n = int(binary.BigEndian.Uint64(e[:]))
		}
		if n <= len(prefix) || n > len(prefix)+max {
			t.Fatalf("a message of %d bytes: want a prefix and 1 to %d bytes", n, max)
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(br, msg); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(msg[:len(prefix)], prefix) {
			t.Fatalf("message starts %x, want the prefix %x", msg[:len(prefix)], prefix)
		}
		got = append(got, msg[len(prefix):]...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the bytes differ from what was sent")
	}
	if err := <-done; err != io.EOF {
		t.Fatalf("after the peer's FIN: %v, want io.EOF", err)
	}
}
