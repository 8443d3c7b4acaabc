// Package relaytest is a program's side of a relay session, spoken by hand for tests: frames
// written and read one at a time, so a test can send what the runtime never would and see
// exactly what the gateway answers. The relay's tests and the gateway's share it.
package relaytest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/wire"
)

// Client is one session's WebSocket, its frames read by one goroutine (a Read that times out
// would close the WebSocket).
type Client struct {
	T      testing.TB
	C      *websocket.Conn
	Frames chan wire.Frame
	Err    chan error
}

// Wrap starts reading frames from an open WebSocket; the caller says HELLO.
func Wrap(t testing.TB, c *websocket.Conn) *Client {
	c.SetReadLimit(wire.MaxFrame)
	rc := &Client{T: t, C: c, Frames: make(chan wire.Frame, 1024), Err: make(chan error, 1)}
	t.Cleanup(func() { c.CloseNow() })
	go func() {
		for {
			_, msg, err := c.Read(context.Background())
			if err != nil {
				rc.Err <- err
				return
			}
			f, err := wire.Decode(msg)
			if err != nil {
				rc.Err <- err
				return
			}
			rc.Frames <- f
		}
	}()
	return rc
}

func (rc *Client) Send(typ wire.Type, id uint32, payload []byte) {
	rc.T.Helper()
	rc.SendRaw(wire.Append(nil, typ, id, payload))
}

func (rc *Client) SendRaw(msg []byte) {
	rc.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rc.C.Write(ctx, websocket.MessageBinary, msg); err != nil {
		rc.T.Fatalf("write: %v", err)
	}
}

func (rc *Client) Recv() wire.Frame {
	rc.T.Helper()
	f, err := rc.TryRecv(10 * time.Second)
	if err != nil {
		rc.T.Fatalf("read: %v", err)
	}
	return f
}

// ErrQuiet is what TryRecv returns when nothing arrived in time.
var ErrQuiet = errors.New("nothing arrived")

func (rc *Client) TryRecv(d time.Duration) (wire.Frame, error) {
	// Frames that arrived come first, even when the connection has ended since.
	select {
	case f := <-rc.Frames:
		return f, nil
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case f := <-rc.Frames:
		return f, nil
	case err := <-rc.Err:
		rc.Err <- err
		return wire.Frame{}, err
	case <-t.C:
		return wire.Frame{}, ErrQuiet
	}
}

// expectClose reads until a CLOSE for stream id and returns it.
func (rc *Client) ExpectClose(id uint32) wire.CloseMsg {
	rc.T.Helper()
	for {
		f := rc.Recv()
		if f.Type == wire.Close && f.Stream == id {
			var m wire.CloseMsg
			if err := m.Unmarshal(f.Payload); err != nil {
				rc.T.Fatal(err)
			}
			return m
		}
	}
}

// recvFor reads until a frame for stream id arrives, passing over the others.
func (rc *Client) RecvFor(id uint32) wire.Frame {
	rc.T.Helper()
	for {
		if f := rc.Recv(); f.Stream == id {
			return f
		}
	}
}

// dial opens a TCP stream and returns the gateway's answer (CONNECTED or CLOSE).
func (rc *Client) Dial(id uint32, window uint32, addr string) wire.Frame {
	rc.T.Helper()
	rc.Send(wire.Connect, id, wire.ConnectMsg{Kind: wire.KindDial, Window: window, Network: "tcp", Remote: addr}.Append(nil))
	return rc.RecvFor(id)
}

func CloseMsg(t testing.TB, f wire.Frame) wire.CloseMsg {
	t.Helper()
	var m wire.CloseMsg
	if err := m.Unmarshal(f.Payload); err != nil {
		t.Fatal(err)
	}
	return m
}
