package labnet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"socketlab/wire"
)

// wsjs is the session's WebSocket, which the worker keeps (socketlab.socket in
// static/worker.js). Messages wait in the worker's queue until the reader takes them, one
// call each: the worker calls into Go (wake) only when the reader found the queue empty and
// waits, so a busy stream costs no callback per message, and nothing is allocated for one
// either way. Bytes cross through two Uint8Arrays the worker made once: a message is copied
// into "in" and from there into a frame buffer of the session; a frame to send is copied
// into "out", after its length, and sent from there.
type wsjs struct {
	s       jsObject // the worker's socket object
	in, out jsBytes
	inLen   int
	outBody jsBytes // out from the payload's offset on
	// wakeFn stays with the worker for the program's life: the worker may still wake a
	// reader after Close, and a released callback would end the program. It is released
	// only when the socket never opened.
	wakeFn jsCallback
	wake   chan struct{}
	head   [4 + wire.HeaderSize]byte // a frame's length and header; writes come one at a time
}

// Socket states, as the worker reports them.
const (
	wsConnecting = 0
	wsOpen       = 1
	wsClosed     = 2
)

func dialWebSocket(ctx context.Context, url string) (transport, error) {
	cfg, ok := jsGlobal("socketlab")
	if !ok || !cfg.hasFunc("socket") {
		return nil, errors.New("the page's worker offers no socketlab.socket; reload the page")
	}
	c := &wsjs{wake: make(chan struct{}, 1)}
	c.wakeFn = newJSCallback(c.signal)
	s, err := cfg.call("socket", url, wire.MaxFrame, c.wakeFn)
	if err == nil {
		err = c.setUp(s)
	}
	if err != nil {
		c.wakeFn.release()
		return nil, fmt.Errorf("the browser refused to open the WebSocket: %v", err)
	}
	for {
		switch c.state() {
		case wsOpen:
			return c, nil
		case wsClosed:
			c.wakeFn.release()
			return nil, c.closed()
		}
		c.s.call("wait")
		select {
		case <-c.wake:
		case <-ctx.Done():
			c.Close()
			return nil, ctx.Err()
		}
	}
}

// setUp takes the socket object the worker made and its two arrays.
func (c *wsjs) setUp(s jsObject) error {
	c.s = s
	var inOK, outOK bool
	c.in, inOK = s.bytes("in")
	c.out, outOK = s.bytes("out")
	if !inOK || !outOK {
		return errors.New("the worker's socket has no in and out Uint8Arrays")
	}
	c.inLen = c.in.len()
	if c.out.len() < len(c.head)+wire.MaxFrame-wire.HeaderSize {
		return fmt.Errorf("the worker's out array holds %d bytes, under a frame's %d", c.out.len(), len(c.head)+wire.MaxFrame-wire.HeaderSize)
	}
	var err error
	c.outBody, err = c.out.from(len(c.head))
	return err
}

// state is the socket's state; a worker that reports none has broken the socket.
func (c *wsjs) state() int {
	n, ok := c.s.int("state")
	if !ok {
		return wsClosed
	}
	return n
}

// closed is the error the worker gave for the socket's closing.
func (c *wsjs) closed() error {
	reason, ok := c.s.str("reason")
	if !ok || reason == "" {
		reason = "the WebSocket closed"
	}
	return errors.New(reason)
}

func (c *wsjs) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsjs) ReadMessage(ctx context.Context, buf []byte) ([]byte, error) {
	for {
		n, err := c.s.callInt("recv")
		switch {
		case err != nil:
			return nil, fmt.Errorf("reading from the page's WebSocket: %w", err)
		case n > len(buf) || n > c.inLen:
			return nil, fmt.Errorf("the gateway sent a message of %d bytes, over the %d-byte limit", n, len(buf))
		case n >= 0:
			c.in.copyTo(buf[:n])
			return buf[:n], nil
		case c.state() == wsClosed:
			return nil, c.closed()
		}
		// The worker wakes us when something comes.
		select {
		case <-c.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *wsjs) WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error {
	n := wire.HeaderSize + len(payload)
	if n > wire.MaxFrame {
		return fmt.Errorf("a message of %d bytes is over the %d-byte limit", n, wire.MaxFrame)
	}
	if c.state() != wsOpen {
		return c.closed()
	}
	binary.BigEndian.PutUint32(c.head[:4], uint32(n))
	c.head[4] = byte(t)
	binary.BigEndian.PutUint32(c.head[5:], stream)
	c.out.copyFrom(c.head[:])
	c.outBody.copyFrom(payload)
	if _, err := c.s.call("send"); err != nil {
		return fmt.Errorf("sending on the page's WebSocket: %w", err)
	}
	return nil
}

func (c *wsjs) Close() error {
	c.s.call("close")
	c.signal()
	return nil
}
