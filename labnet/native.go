//go:build !js && !socketlab

package labnet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"syscall"

	"github.com/coder/websocket"

	"socketlab/wire"
)

// labError is an errno with the gateway's explanation; errors.Is(err, errno) holds.
type labError struct {
	errno  syscall.Errno
	reason string
}

func (e labError) Error() string {
	if e.reason != "" {
		return e.reason
	}
	return e.errno.Error()
}
func (e labError) Unwrap() error { return e.errno }

func errnoErr(errno syscall.Errno, reason string) error { return labError{errno, reason} }

func init() {
	gatewayURL = func() string { return wire.WithFaults(os.Getenv("SOCKETLAB_GATEWAY"), os.Getenv("SOCKETLAB_FAULTS")) }
	dialGateway = dialNative
}

// wsNative carries the session natively. It has its own HTTP client: the program's default
// transport may itself be routed through the lab.
type wsNative struct {
	c    *websocket.Conn
	wbuf []byte // a frame on its way out; writes come one at a time
}

var gatewayClient = &http.Client{Transport: &http.Transport{}}

func dialNative(ctx context.Context, url string) (transport, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: gatewayClient})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(wire.MaxFrame)
	return &wsNative{c: c, wbuf: make([]byte, 0, wire.MaxFrame)}, nil
}

func (w *wsNative) ReadMessage(ctx context.Context, buf []byte) ([]byte, error) {
	_, r, err := w.c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	n := 0
	for {
		if n == len(buf) {
			// The read limit keeps a message within buf: this must be its end.
			var one [1]byte
			if k, err := r.Read(one[:]); k != 0 || err != io.EOF {
				return nil, errors.New("a message from the gateway does not fit its buffer")
			}
			return buf, nil
		}
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (w *wsNative) WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error {
	w.wbuf = wire.Append(w.wbuf[:0], t, stream, payload)
	return w.c.Write(ctx, websocket.MessageBinary, w.wbuf)
}

func (w *wsNative) Close() error { return w.c.CloseNow() }
