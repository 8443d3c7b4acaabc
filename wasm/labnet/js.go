//go:build js

package labnet

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"syscall"
	"syscall/js"
	_ "unsafe" // for go:linkname
)

//go:linkname netInstall net.socketlabInstall
func netInstall(d any)

//go:linkname netErrno net.socketlabErrno
func netErrno(errno syscall.Errno, reason string) error

func errnoErr(errno syscall.Errno, reason string) error { return netErrno(errno, reason) }

func init() {
	gatewayURL = func() string {
		cfg := js.Global().Get("socketlab")
		if cfg.Type() != js.TypeObject {
			return ""
		}
		if u := cfg.Get("gateway"); u.Type() == js.TypeString {
			return u.String()
		}
		return ""
	}
	observer = func(b []byte) {
		cfg := js.Global().Get("socketlab")
		if cfg.Type() == js.TypeObject && cfg.Get("event").Type() == js.TypeFunction {
			cfg.Call("event", string(b))
		}
	}
	stepper = func(e Event) {
		cfg := js.Global().Get("socketlab")
		if cfg.Type() != js.TypeObject || !cfg.Get("stepping").Truthy() || cfg.Get("pause").Type() != js.TypeFunction {
			return
		}
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
	dialGateway = dialWebSocket
	netInstall(driver{})
}

// wsjs is a browser WebSocket carrying binary messages.
type wsjs struct {
	ws    js.Value
	funcs []js.Func

	mu     sync.Mutex
	queue  [][]byte
	wake   chan struct{}
	closed error
}

var uint8Array = js.Global().Get("Uint8Array")

func dialWebSocket(ctx context.Context, url string) (transport, error) {
	c := &wsjs{wake: make(chan struct{}, 1)}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = errors.New("the browser refused to open the WebSocket")
			}
		}()
		c.ws = js.Global().Get("WebSocket").New(url)
	}()
	if err != nil {
		return nil, err
	}
	c.ws.Set("binaryType", "arraybuffer")
	opened := make(chan error, 1)
	c.on("open", func(js.Value) {
		select {
		case opened <- nil:
		default:
		}
	})
	c.on("message", func(ev js.Value) {
		data := uint8Array.New(ev.Get("data"))
		b := make([]byte, data.Length())
		js.CopyBytesToGo(b, data)
		c.mu.Lock()
		c.queue = append(c.queue, b)
		c.mu.Unlock()
		c.signal()
	})
	c.on("close", func(ev js.Value) {
		reason := ev.Get("reason").String()
		if reason == "" {
			reason = "the WebSocket closed"
		}
		c.mu.Lock()
		if c.closed == nil {
			c.closed = errors.New(reason)
		}
		c.mu.Unlock()
		c.signal()
		select {
		case opened <- errors.New(reason):
		default:
		}
	})
	select {
	case err := <-opened:
		if err != nil {
			c.Close()
			return nil, err
		}
	case <-ctx.Done():
		c.Close()
		return nil, ctx.Err()
	}
	// The worker closes the session when the program has exited, after what is still queued
	// has gone out: a program that writes, closes and returns loses nothing.
	if cfg := js.Global().Get("socketlab"); cfg.Type() == js.TypeObject {
		cfg.Set("ws", c.ws)
	}
	return c, nil
}

func (c *wsjs) on(event string, fn func(js.Value)) {
	f := js.FuncOf(func(this js.Value, args []js.Value) any {
		fn(args[0])
		return nil
	})
	c.funcs = append(c.funcs, f)
	// Through the worker when it offers it: the worker keeps the socket open a moment after the
	// program exits, and must not call into a program that is gone.
	if cfg := js.Global().Get("socketlab"); cfg.Type() == js.TypeObject && cfg.Get("on").Type() == js.TypeFunction {
		cfg.Call("on", c.ws, event, f)
		return
	}
	c.ws.Call("addEventListener", event, f)
}

func (c *wsjs) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsjs) ReadMessage(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			b := c.queue[0]
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return b, nil
		}
		if c.closed != nil {
			err := c.closed
			c.mu.Unlock()
			return nil, err
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *wsjs) WriteMessage(ctx context.Context, msg []byte) error {
	c.mu.Lock()
	err := c.closed
	c.mu.Unlock()
	if err != nil {
		return err
	}
	a := uint8Array.New(len(msg))
	js.CopyBytesToJS(a, msg)
	c.ws.Call("send", a)
	return nil
}

func (c *wsjs) Close() error {
	c.mu.Lock()
	if c.closed == nil {
		c.closed = errors.New("closed")
	}
	c.mu.Unlock()
	c.ws.Call("close")
	c.signal()
	return nil
}
