package gateway

// A program's side of a session, spoken by hand, for the tests that need a whole Server
// (classroom mode). The relay's own tests (gateway/relay) have the same client with more to it.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/wire"
)

type rawClient struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan wire.Frame // read by one goroutine: a Read that times out would close the WebSocket
	err    chan error
}

// wrap starts reading frames from an open WebSocket; the caller says HELLO.
func wrap(t *testing.T, c *websocket.Conn) *rawClient {
	c.SetReadLimit(wire.MaxFrame)
	rc := &rawClient{t: t, c: c, frames: make(chan wire.Frame, 1024), err: make(chan error, 1)}
	t.Cleanup(func() { c.CloseNow() })
	go func() {
		for {
			_, msg, err := c.Read(context.Background())
			if err != nil {
				rc.err <- err
				return
			}
			f, err := wire.Decode(msg)
			if err != nil {
				rc.err <- err
				return
			}
			rc.frames <- f
		}
	}()
	return rc
}

func (rc *rawClient) send(typ wire.Type, id uint32, payload []byte) {
	rc.t.Helper()
	rc.sendRaw(wire.Append(nil, typ, id, payload))
}

func (rc *rawClient) sendRaw(msg []byte) {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rc.c.Write(ctx, websocket.MessageBinary, msg); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

func (rc *rawClient) recv() wire.Frame {
	rc.t.Helper()
	f, err := rc.tryRecv(10 * time.Second)
	if err != nil {
		rc.t.Fatalf("read: %v", err)
	}
	return f
}

var errQuiet = errors.New("nothing arrived")

func (rc *rawClient) tryRecv(d time.Duration) (wire.Frame, error) {
	// Frames that arrived come first, even when the connection has ended since.
	select {
	case f := <-rc.frames:
		return f, nil
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case f := <-rc.frames:
		return f, nil
	case err := <-rc.err:
		rc.err <- err
		return wire.Frame{}, err
	case <-t.C:
		return wire.Frame{}, errQuiet
	}
}

// expectClose reads until a CLOSE for stream id and returns it.
func (rc *rawClient) expectClose(id uint32) wire.CloseMsg {
	rc.t.Helper()
	for {
		f := rc.recv()
		if f.Type == wire.Close && f.Stream == id {
			var m wire.CloseMsg
			if err := m.Unmarshal(f.Payload); err != nil {
				rc.t.Fatal(err)
			}
			return m
		}
	}
}

// recvFor reads until a frame for stream id arrives, passing over the others.
func (rc *rawClient) recvFor(id uint32) wire.Frame {
	rc.t.Helper()
	for {
		if f := rc.recv(); f.Stream == id {
			return f
		}
	}
}

// dial opens a TCP stream and returns the gateway's answer (CONNECTED or CLOSE).
func (rc *rawClient) dial(id uint32, window uint32, addr string) wire.Frame {
	rc.t.Helper()
	rc.send(wire.Connect, id, wire.ConnectMsg{Kind: wire.KindDial, Window: window, Network: "tcp", Remote: addr}.Append(nil))
	return rc.recvFor(id)
}

func closeMsg(t *testing.T, f wire.Frame) wire.CloseMsg {
	t.Helper()
	var m wire.CloseMsg
	if err := m.Unmarshal(f.Payload); err != nil {
		t.Fatal(err)
	}
	return m
}
