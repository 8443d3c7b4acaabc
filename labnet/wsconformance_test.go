//go:build linux

package labnet

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"socketlab/internal/wsframe/wsframetest"
	"socketlab/wire"
)

// TestWSConformance runs the WebSocket conformance suite (Autobahn's case groups) against the
// native runtime's client: a fake gateway on loopback sends each case's frames, and the
// client's messages and frames are its reaction.
func TestWSConformance(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wsframetest.Run(t, wsframetest.Endpoint{Limit: wire.MaxFrame, Text: true, EchoClose: true}, func(t *testing.T) wsframetest.Peer {
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
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tr, err := dialRawWebSocket(ctx, "ws://"+ln.Addr().String()+"/ws")
			dialed <- err
			if err != nil {
				return
			}
			defer tr.Close()
			var msgs [][]byte
			buf := make([]byte, wire.MaxFrame)
			for {
				msg, err := tr.ReadMessage(ctx, buf)
				if err != nil {
					break
				}
				msgs = append(msgs, append([]byte{}, msg...))
			}
			delivered <- msgs
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
