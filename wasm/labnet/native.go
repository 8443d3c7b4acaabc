//go:build !js && !socketlab

package labnet

import (
	"context"
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
	gatewayURL = func() string { return os.Getenv("SOCKETLAB_GATEWAY") }
	dialGateway = dialNative
}

// wsNative carries the session natively. It has its own HTTP client: the program's default
// transport may itself be routed through the lab.
type wsNative struct{ c *websocket.Conn }

var gatewayClient = &http.Client{Transport: &http.Transport{}}

func dialNative(ctx context.Context, url string) (transport, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: gatewayClient})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(wire.MaxFrame)
	return wsNative{c}, nil
}

func (w wsNative) ReadMessage(ctx context.Context) ([]byte, error) {
	_, b, err := w.c.Read(ctx)
	return b, err
}

func (w wsNative) WriteMessage(ctx context.Context, msg []byte) error {
	return w.c.Write(ctx, websocket.MessageBinary, msg)
}

func (w wsNative) Close() error { return w.c.CloseNow() }
