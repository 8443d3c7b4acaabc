//go:build js

package labnet

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"syscall/js"
	"unsafe"

	"socketlab/wire"
)

//go:linkname netInstall net.socketlabInstall
func netInstall(d any)

//go:linkname netErrno net.socketlabErrno
func netErrno(errno syscall.Errno, reason string) error

func errnoErr(errno syscall.Errno, reason string) error { return netErrno(errno, reason) }

func init() {
	// The worker (static/worker.js) sets globalThis.socketlab up before the program starts.
	cfg := js.Global().Get("socketlab")
	gatewayURL = func() string {
		if cfg.Type() != js.TypeObject {
			return ""
		}
		if u := cfg.Get("gateway"); u.Type() == js.TypeString {
			return u.String()
		}
		return ""
	}
	if cfg.Type() == js.TypeObject && cfg.Get("event").Type() == js.TypeFunction {
		observer = func(b []byte) {
			// The call makes a JavaScript string of the bytes before it returns, so they
			// need no Go string of their own.
			cfg.Call("event", unsafe.String(unsafe.SliceData(b), len(b)))
		}
	}
	if cfg.Type() == js.TypeObject && cfg.Get("pause").Type() == js.TypeFunction {
		stepping = func() bool { return cfg.Get("stepping").Truthy() }
		stepper = func(e Event) {
			b, err := json.Marshal(e)
			if err != nil {
				return
			}
			// The page calls resume when the learner presses Step or Continue.
			done := make(chan struct{})
			var once sync.Once
			resume := js.FuncOf(func(js.Value, []js.Value) any {
				once.Do(func() { close(done) })
				return nil
			})
			cfg.Call("pause", string(b), resume)
			<-done
			resume.Release()
		}
	}
	dialGateway = dialWebSocket
	netInstall(driver{})
}

// wsjs is the session's WebSocket, which the worker keeps (socketlab.socket in
// static/worker.js). Messages wait in the worker's queue until the reader takes them, one
// call each: the worker calls into Go (wake) only when the reader found the queue empty and
// waits, so a busy stream costs no callback per message, and nothing is allocated for one
// either way. Bytes cross through two Uint8Arrays the worker made once: a message is copied
// into "in" and from there into a frame buffer of the session; a frame to send is copied
// into "out", after its length, and sent from there.
type wsjs struct {
	s       js.Value // the worker's socket object
	in, out js.Value
	inLen   int
	outBody js.Value // out from the payload's offset on
	wakeFn  js.Func
	wake    chan struct{}
	head    [4 + wire.HeaderSize]byte // a frame's length and header; writes come one at a time
}

// Socket states, as the worker reports them.
const (
	wsConnecting = 0
	wsOpen       = 1
	wsClosed     = 2
)

func dialWebSocket(ctx context.Context, url string) (transport, error) {
	cfg := js.Global().Get("socketlab")
	if cfg.Type() != js.TypeObject || cfg.Get("socket").Type() != js.TypeFunction {
		return nil, errors.New("the page's worker offers no socketlab.socket; reload the page")
	}
	c := &wsjs{wake: make(chan struct{}, 1)}
	c.wakeFn = js.FuncOf(func(js.Value, []js.Value) any {
		c.signal()
		return nil
	})
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the browser refused to open the WebSocket: %v", r)
			}
		}()
		c.s = cfg.Call("socket", url, wire.MaxFrame, c.wakeFn)
	}()
	if err != nil {
		c.wakeFn.Release()
		return nil, err
	}
	c.in, c.out = c.s.Get("in"), c.s.Get("out")
	c.inLen = c.in.Length()
	c.outBody = c.out.Call("subarray", len(c.head))
	for {
		switch c.s.Get("state").Int() {
		case wsOpen:
			return c, nil
		case wsClosed:
			c.wakeFn.Release()
			return nil, errors.New(c.s.Get("reason").String())
		}
		c.s.Call("wait")
		select {
		case <-c.wake:
		case <-ctx.Done():
			c.Close()
			return nil, ctx.Err()
		}
	}
}

func (c *wsjs) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsjs) ReadMessage(ctx context.Context, buf []byte) ([]byte, error) {
	for {
		n := c.s.Call("recv").Int()
		switch {
		case n > len(buf) || n > c.inLen:
			return nil, fmt.Errorf("the gateway sent a message of %d bytes, over the %d-byte limit", n, len(buf))
		case n >= 0:
			js.CopyBytesToGo(buf[:n], c.in)
			return buf[:n], nil
		case c.s.Get("state").Int() == wsClosed:
			return nil, errors.New(c.s.Get("reason").String())
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
	if c.s.Get("state").Int() != wsOpen {
		return errors.New(c.s.Get("reason").String())
	}
	binary.BigEndian.PutUint32(c.head[:4], uint32(n))
	c.head[4] = byte(t)
	binary.BigEndian.PutUint32(c.head[5:], stream)
	js.CopyBytesToJS(c.out, c.head[:])
	js.CopyBytesToJS(c.outBody, payload)
	c.s.Call("send")
	return nil
}

func (c *wsjs) Close() error {
	c.s.Call("close")
	c.signal()
	return nil
}
