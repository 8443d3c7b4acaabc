package main

import (
	"bufio"
	"net"
	"testing"

	"socketlab/internal/wsframe/wsframetest"
)

// TestWSConformance runs the WebSocket conformance suite (Autobahn's case groups) against the
// benchmark's client, which reads the binary messages as one byte stream and refuses text.
func TestWSConformance(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wsframetest.Run(t, wsframetest.Endpoint{Stream: true}, func(t *testing.T) wsframetest.Peer {
		accepted := make(chan net.Conn, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}()
		delivered := make(chan [][]byte, 1)
		dialed := make(chan error, 1)
		go func() {
			w, err := dialWS(ln.Addr().String(), "/ws")
			dialed <- err
			if err != nil {
				return
			}
			var got []byte
			buf := make([]byte, 4096)
			for {
				n, err := w.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					break
				}
			}
			w.Close()
			delivered <- [][]byte{got}
		}()
		c, ok := <-accepted
		if !ok {
			t.Fatal("accept failed")
		}
		r := bufio.NewReader(c)
		if err := wsframetest.ServerHandshake(r, c); err != nil {
			t.Fatal(err)
		}
		if err := <-dialed; err != nil {
			t.Fatal(err)
		}
		return wsframetest.Peer{Conn: c, R: r, Delivered: func() [][]byte { return <-delivered }}
	})
}
