package relay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"

	"socketlab/wire"
)

// dial resolves the target by the lab's rules, connects and runs the stream.
func (st *stream) dial(m wire.ConnectMsg) {
	ctx, cancel := context.WithTimeout(st.s.ctx, st.s.relay.dialTimeout())
	defer cancel()
	start := time.Now()
	conn, code, reason := st.s.dialRoute(ctx, m.Remote)
	if conn == nil {
		st.finish(code, reason)
		return
	}
	st.mu.Lock()
	if st.done { // the program gave up while we connected
		st.mu.Unlock()
		st.s.relay.unregister(conn.LocalAddr().String())
		conn.Close()
		return
	}
	st.attachLocked(conn)
	st.real = conn.LocalAddr().String()
	st.kickLocked() // bytes the program sent while the gateway connected
	st.mu.Unlock()

	_, port, _ := net.SplitHostPort(st.real)
	local := net.JoinHostPort(st.s.learner.addr.String(), port)
	elapsed := time.Since(start).Microseconds()
	msg := wire.ConnectedMsg{Window: st.window, Local: local, Remote: m.Remote, Micros: uint32(min(elapsed, 1<<32-1))}
	if err := st.s.send(wire.Connected, st.id, msg.Append(nil)); err != nil {
		st.abort()
		return
	}
	// The stream's reader runs on a goroutine of its own, started now: its stack begins
	// small, where this one has grown through name resolution, the policy and the connect,
	// and an idle stream would keep that stack for as long as it is open.
	st.s.wg.Add(1)
	go func() {
		defer st.s.wg.Done()
		st.run()
	}()
}

// dialRoute routes target as a program's dial is routed and connects to it; on failure it
// returns a code and a reason for people. The connection is registered in the lab's Peers
// before the server can accept it, so a lab server that greets at once already knows whose it
// is; the caller removes it with r.unregister(conn.LocalAddr().String()) when done.
func (s *session) dialRoute(ctx context.Context, target string) (*net.TCPConn, wire.Code, string) {
	dec := s.route(ctx, "tcp", target)
	if !dec.ok() {
		return nil, dec.code, dec.reason
	}
	targets := dec.targets
	var registered string
	d := net.Dialer{ControlContext: func(_ context.Context, network, address string, c syscall.RawConn) error {
		if hook := s.relay.connectHook; hook != nil {
			if err := hook(network, address); err != nil {
				return err
			}
		}
		registered = s.registerLocal(address, c)
		return nil
	}}
	var err error
	for i := 0; i < len(targets); i++ {
		t := targets[i]
		var c net.Conn
		for try := 0; try < 4; try++ {
			// A chosen port may already pair with this very destination: pick another.
			if c, err = d.DialContext(ctx, "tcp", t); !errors.Is(err, syscall.EADDRNOTAVAIL) {
				break
			}
			s.relay.unregister(registered)
		}
		if err == nil {
			tc := c.(*net.TCPConn)
			if local := tc.LocalAddr().String(); local != registered {
				s.relay.unregister(registered)
				s.register(local)
			}
			return tc, wire.CodeClosed, ""
		}
		s.relay.unregister(registered)
	}
	code := wire.CodeOf(err)
	if ctx.Err() != nil && s.ctx.Err() == nil {
		code = wire.CodeTimeout
	}
	return nil, code, fmt.Sprintf("cannot connect to %s: %v", target, errors.Unwrap(err))
}

// registerLocal binds a socket about to connect to a loopback address to a port of its own
// and records it as the learner's, returning the real local address ("" when the target is
// not on loopback: it is recorded after the connect).
func (s *session) registerLocal(address string, c syscall.RawConn) string {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return ""
	}
	var local string
	c.Control(func(fd uintptr) {
		// A port of our choosing binds at once; bind to port 0 searches the whole range,
		// which grows slow when thousands of ports are in use. A few tries, then port 0.
		// SO_REUSEADDR lets the port be one a closed connection still holds in TIME_WAIT.
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		bound := false
		for try := 0; try < 9 && !bound; try++ {
			port := 0
			if try < 8 {
				port = 32768 + rand.IntN(28232)
			}
			var sa syscall.Sockaddr = &syscall.SockaddrInet4{Addr: ap.Addr().Unmap().As4(), Port: port}
			if ap.Addr().Is6() && !ap.Addr().Is4In6() {
				sa = &syscall.SockaddrInet6{Addr: ap.Addr().As16(), Port: port}
			}
			bound = syscall.Bind(int(fd), sa) == nil
		}
		if !bound {
			return
		}
		got, err := syscall.Getsockname(int(fd))
		if err != nil {
			return
		}
		var port int
		switch a := got.(type) {
		case *syscall.SockaddrInet4:
			port = a.Port
		case *syscall.SockaddrInet6:
			port = a.Port
		}
		local = netip.AddrPortFrom(ap.Addr(), uint16(port)).String()
	})
	if local != "" {
		s.register(local)
	}
	return local
}
