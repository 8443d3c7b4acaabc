package runner

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"socketlab/gateway"
)

// ServeLocal starts a gateway on a free loopback port, keeping compiled programs in cacheDir,
// and returns its relay's ws:// URL. Its sessions end with ctx or shutdown, which waits for
// the gateway to stop.
func ServeLocal(ctx context.Context, cacheDir string) (wsURL string, shutdown func(), err error) {
	s, err := gateway.New(&gateway.Options{CacheDir: cacheDir})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	srv := s.NewHTTPServer(sctx) // relay sessions end with this context
	done := make(chan struct{})
	go func() {
		srv.Serve(ln)
		close(done)
	}()
	return "ws://" + ln.Addr().String() + "/ws", func() {
		cancel()
		srv.Close()
		<-done
		s.Close()
	}, nil
}

// RelayURL turns what a user names as a gateway into the relay's ws:// URL: ws://HOST:PORT/ws
// as it is, or an http:// URL or a bare HOST:PORT of the gateway's pages.
func RelayURL(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "ws":
	case "http":
		u.Scheme = "ws"
	default:
		return "", fmt.Errorf("%q: give the gateway as ws://HOST:PORT/ws or http://HOST:PORT (TLS is not supported)", s)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q has no host:port", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}
