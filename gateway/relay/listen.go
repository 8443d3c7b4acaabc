package relay

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"socketlab/wire"
)

// listener is a learner's TCP server socket. It is a real listener on the gateway host's
// loopback, so nc or a browser tab on that machine can reach it, and it answers at
// localhost:PORT (the lab port the program chose) for every program of the same learner.
type listener struct {
	s      *session
	id     uint32
	port   int    // the lab port
	local  string // the address the program sees, e.g. "[::]:8000"
	window uint32 // credit the program grants each accepted stream
	ln     *net.TCPListener

	once sync.Once
}

func (s *session) listen(id uint32, m wire.ConnectMsg) {
	ln := &listener{s: s, id: id, window: m.Window}
	port, shown, r := bind(s, m, s.learner.tcp, true, func(port int) (*listener, error) {
		real, err := listenReal(port)
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

// listenReal opens the host listener for a lab port: the same port number when it is free,
// so a teacher can type the port the learner chose, else any free port.
func listenReal(port int) (*net.TCPListener, error) {
	if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
		return ln.(*net.TCPListener), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
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
		if err := s.learner.takeSocket(s.relay.limits(), false); err != nil {
			c.SetLinger(0)
			c.Close() // over the limit: the client sees a reset, as with a full backlog
			continue
		}
		id := wire.GatewayStream | s.relay.nextID.Add(1)&^wire.GatewayStream
		st := newStream(s, id, ln.window)
		st.counted = true
		st.attachLocked(c) // no one else has the stream yet
		s.mu.Lock()
		s.streams[id] = st
		s.mu.Unlock()
		msg := wire.AcceptMsg{Stream: id, Window: st.window, Local: ln.local, Remote: c.RemoteAddr().String()}
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
		ln.s.learner.releaseSocket(true)
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
