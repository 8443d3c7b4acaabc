package relay

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"

	"socketlab/wire"
)

// listener is a learner's TCP server socket. It is a real listener on the gateway host's
// loopback, on a host port from Limits.HostPorts (the page shows it, so nc or a browser tab
// on that machine can reach it), and it answers at localhost:PORT (the lab port the program
// chose) for every program of the same learner. Bound to loopback, it answers only them.
type listener struct {
	s        *session
	id       uint32
	port     int    // the lab port
	local    string // the address the program sees, e.g. "[::]:8000"
	window   uint32 // credit the program grants each accepted stream
	ln       *net.TCPListener
	loopOnly bool // bound to 127.0.0.1, ::1 or localhost: for the learner's own programs

	once sync.Once
}

func (s *session) listen(id uint32, m wire.ConnectMsg) {
	ln := &listener{s: s, id: id, window: m.Window, loopOnly: bindsLoopback(m.Local)}
	port, shown, r := bind(s, m, s.learner.tcp, true, func(port int) (*listener, error) {
		real, err := listenHost(s.relay.limits().HostPorts, func(port int) (*net.TCPListener, error) {
			return net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		})
		ln.ln = real
		return ln, err
	})
	if !r.ok() {
		s.sendClose(id, r.code, r.reason)
		return
	}
	ln.port, ln.local = port, shown
	real := ln.ln

	s.mu.Lock()
	s.listeners[id] = ln
	s.mu.Unlock()
	s.relay.obs().Opened("listen")
	s.announce(id, wire.ConnectedMsg{Local: shown, Host: real.Addr().String()}, ln.acceptLoop, ln.close)
}

// announce tells the program its new listener or UDP socket is open and starts the goroutine
// that serves it; when the program cannot be told, the socket is closed instead.
func (s *session) announce(id uint32, msg wire.ConnectedMsg, serve, close func()) {
	if err := s.send(wire.Connected, id, msg.Append(nil)); err != nil {
		close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		serve()
	}()
}

// listenHost opens a learner's socket on a free host port of the range, starting from a
// random one. It never takes a port outside the range, so a learner's port 8080 or 5432 is
// not the host's, whatever runs there later.
func listenHost[T any](r PortRange, open func(port int) (T, error)) (T, error) {
	n := r.Last - r.First + 1
	start := rand.IntN(n)
	var zero T
	var err error
	for i := range min(n, 512) {
		var t T
		if t, err = open(r.First + (start+i)%n); err == nil {
			return t, nil
		}
	}
	return zero, fmt.Errorf("no free host port in %d-%d (--host-ports): %w", r.First, r.Last, err)
}

func splitPort(hostport string) (string, int, error) {
	if hostport == "" {
		return "", 0, nil
	}
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not a host:port address", hostport)
	}
	if p == "" {
		return host, 0, nil
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q is not a port number from 0 to 65535", p)
	}
	return host, port, nil
}

// acceptLoop hands every connection to the program as a new stream.
func (ln *listener) acceptLoop() {
	s := ln.s
	for {
		c, err := ln.ln.AcceptTCP()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.sendClose(ln.id, wire.CodeOf(err), "the listening socket failed: "+err.Error())
				ln.close()
			}
			return
		}
		// A connection from a program in the lab is charged to that program's owner (a
		// classmate's connections cost the classmate, not the listener); one from the host
		// (nc, curl) to the listener's.
		o, fromLab := s.relay.ownerOf(c.RemoteAddr().String())
		if !fromLab {
			o = s.owner()
		}
		if ln.loopOnly && fromLab && o.l != s.learner {
			c.SetLinger(0)
			c.Close() // bound to loopback: not reachable from other machines in the lab
			continue
		}
		if err := s.relay.take(o, false); err != nil {
			c.SetLinger(0)
			c.Close() // over the limit: the client sees a reset, as with a full backlog
			continue
		}
		id := wire.GatewayStream | s.relay.nextID.Add(1)&^wire.GatewayStream
		st := newStream(s, id, ln.window)
		st.owner = o
		st.attachLocked(c) // no one else has the stream yet
		s.mu.Lock()
		s.streams[id] = st
		s.mu.Unlock()
		s.relay.obs().Opened("accept")
		remote := c.RemoteAddr().String()
		if fromLab { // a program in the lab is seen by its lab address; the learner's own on loopback
			host := o.l.addr.String()
			if o.l == s.learner {
				host = "127.0.0.1"
			}
			remote = net.JoinHostPort(host, strconv.Itoa(c.RemoteAddr().(*net.TCPAddr).Port))
		}
		msg := wire.AcceptMsg{Stream: id, Window: st.window, Local: ln.local, Remote: remote}
		if err := s.send(wire.Accept, ln.id, msg.Append(nil)); err != nil {
			st.abort()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			st.run()
		}()
	}
}

// close stops listening and frees the lab port.
func (ln *listener) close() {
	ln.once.Do(func() {
		ln.ln.Close()
		ln.s.relay.release(ln.s.owner(), true)
		l := ln.s.learner
		l.mu.Lock()
		if l.tcp[ln.port] == ln {
			delete(l.tcp, ln.port)
		}
		l.mu.Unlock()
		ln.s.mu.Lock()
		delete(ln.s.listeners, ln.id)
		ln.s.mu.Unlock()
	})
}

// lookupPort finds the real address of the learner's socket on a lab port.
func (l *learner) lookupPort(proto string, port int) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if proto == "udp" {
		if u := l.udp[port]; u != nil {
			return u.pc.LocalAddr().String(), true
		}
		return "", false
	}
	if ln := l.tcp[port]; ln != nil {
		return ln.ln.Addr().String(), true
	}
	return "", false
}

// mateView is a classmate's sockets as another learner sees them: the ones bound to
// loopback are not there.
type mateView struct{ l *learner }

func (m mateView) lookupPort(proto string, port int) (string, bool) {
	l := m.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if proto == "udp" {
		if u := l.udp[port]; u != nil && !u.loopOnly {
			return u.pc.LocalAddr().String(), true
		}
		return "", false
	}
	if ln := l.tcp[port]; ln != nil && !ln.loopOnly {
		return ln.ln.Addr().String(), true
	}
	return "", false
}
