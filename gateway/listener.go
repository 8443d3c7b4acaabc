package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// HTTPServer is the gateway's HTTP server: a Server's routes behind the timeouts of
// Options.HTTP, on a listener that holds each client address to its share of connections.
type HTTPServer struct {
	*http.Server
	g *guard
}

// NewHTTPServer returns the HTTP server for s. Requests' contexts derive from ctx, so that
// programs' sessions end with it.
func (s *Server) NewHTTPServer(ctx context.Context) *HTTPServer {
	l := s.guard.limits
	return &HTTPServer{
		Server: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: min(10*time.Second, l.ReadTimeout),
			ReadTimeout:       l.ReadTimeout,
			WriteTimeout:      l.WriteTimeout,
			IdleTimeout:       l.IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			BaseContext:       func(net.Listener) context.Context { return ctx },
		},
		g: s.guard,
	}
}

// Serve serves on ln, which it closes when done. The gateway answers to the address ln
// listens on (see hostAllowed).
func (h *HTTPServer) Serve(ln net.Listener) error {
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		a := ap.Addr().Unmap().WithZone("")
		h.g.listen.Store(&a)
	}
	if h.g.limits.ConnsPerClient > 0 {
		ln = &connLimiter{Listener: ln, max: h.g.limits.ConnsPerClient, open: map[netip.Prefix]int{}, log: h.g.log, trusted: h.g.limits.TrustedProxies}
	}
	return h.Server.Serve(ln)
}

// connLimiter is a listener that holds each client address (an IPv6 client's /64) to max
// open connections. One more is told so in a 429 and closed at once, so one address cannot
// hold the gateway's descriptors with idle or trickling connections while others wait.
type connLimiter struct {
	net.Listener
	max int
	log *slog.Logger
	// trusted are the load balancers (--trusted-proxies): each carries many clients, whose
	// limits apply by their own addresses once a request says who they are.
	trusted Prefixes
	mu      sync.Mutex
	open    map[netip.Prefix]int
	logged  atomic.Int64
}

const connRefusal = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 10\r\nConnection: close\r\n\r\n" +
	`{"error": "too many connections from your address at once: close some (other tabs, programs) and try again (the gateway's operator sets the limit with --max-conns-per-client)"}` + "\n"

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.trusted.trustedPeer(c.RemoteAddr().String()) {
			return c, nil
		}
		key := clientKey(c.RemoteAddr().String())
		l.mu.Lock()
		full := l.open[key] >= l.max
		if !full {
			l.open[key]++
		}
		l.mu.Unlock()
		if !full {
			return &limitedConn{Conn: c, l: l, key: key}, nil
		}
		if now := time.Now().Unix(); l.logged.Load() < now-60 {
			l.logged.Store(now)
			l.log.Warn("a client holds as many connections as one address may (--max-conns-per-client): refusing more", "client", key, "max", l.max)
		}
		// A fresh socket's send buffer is empty: this write does not wait for the client.
		c.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c, connRefusal)
		c.Close()
	}
}

func (l *connLimiter) release(key netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// limitedConn counts against its address until it is closed. It passes on the socket itself
// (syscall.Conn), which the relay splices into, and sendfile (io.ReaderFrom).
type limitedConn struct {
	net.Conn
	l    *connLimiter
	key  netip.Prefix
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

func (c *limitedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("the connection has no socket of its own")
}

func (c *limitedConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(c.Conn, r) }
