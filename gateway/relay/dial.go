package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"socketlab/wire"
)

// dial resolves the target by the lab's rules, connects and runs the stream.
func (st *stream) dial(m wire.ConnectMsg) {
	ctx, cancel := context.WithTimeout(st.s.ctx, st.s.relay.dialTimeout())
	defer cancel()
	if st.s.faults.Blackhole {
		st.blackhole(ctx, m.Remote)
		return
	}
	start := time.Now()
	delay := st.s.faults.Delay // the delay fault: the SYN and the SYN-ACK wait a delay each
	if !sleepCtx(ctx, delay) {
		st.finish(wire.CodeTimeout, fmt.Sprintf("cannot connect to %s: connection timed out", m.Remote))
		return
	}
	conn, code, reason := st.s.dialRoute(ctx, m.Remote)
	st.s.relay.obs().Dialed(code)
	if conn == nil {
		st.finish(code, reason)
		return
	}
	sleepCtx(st.s.ctx, delay)
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
	// The local address a try binds to (portable builds choose it), and the address
	// registered for it.
	var try struct {
		laddr      net.Addr
		registered string
	}
	d := net.Dialer{ControlContext: func(_ context.Context, network, address string, c syscall.RawConn) error {
		if hook := s.relay.connectHook; hook != nil {
			if err := hook(network, address); err != nil {
				return err
			}
		}
		try.registered = s.registerLocal(address, c, try.laddr)
		return nil
	}}
	var err error
	for i := 0; i < len(targets); i++ {
		t := targets[i]
		var c net.Conn
		for n := 0; n < 4; n++ {
			try.laddr, try.registered = localAddrFor(t, n), ""
			d.LocalAddr = try.laddr
			// A chosen port may already pair with this very destination, or be taken: pick
			// another.
			if c, err = d.DialContext(ctx, "tcp", t); !retryLocal(err) {
				break
			}
			s.relay.unregister(try.registered)
		}
		if err == nil {
			tc := c.(*net.TCPConn)
			if local := tc.LocalAddr().String(); local != try.registered {
				s.relay.unregister(try.registered)
				s.register(local)
			}
			return tc, wire.CodeClosed, ""
		}
		s.relay.unregister(try.registered)
	}
	code := wire.CodeOf(err)
	if ctx.Err() != nil && s.ctx.Err() == nil {
		code = wire.CodeTimeout
	}
	return nil, code, fmt.Sprintf("cannot connect to %s: %v", target, errors.Unwrap(err))
}

// registerLocal records a socket about to connect to a loopback address as the learner's,
// giving it a local port first (see localPort), and returns its real local address ("" when
// the target is not on loopback or no port could be had: it is recorded after the connect).
func (s *session) registerLocal(address string, c syscall.RawConn, laddr net.Addr) string {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return ""
	}
	port := s.localPort(c, ap, laddr)
	if port == 0 {
		return ""
	}
	local := netip.AddrPortFrom(ap.Addr(), uint16(port)).String()
	s.register(local)
	return local
}

// retryLocal says whether a dial failed for its local address rather than its target.
func retryLocal(err error) bool {
	if err == nil {
		return false
	}
	var se *os.SyscallError
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.As(err, &se) && se.Syscall == "bind"
}
