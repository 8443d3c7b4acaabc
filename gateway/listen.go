package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
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

// firstEphemeral is where lab ports chosen for Listen(":0") start, as on Linux.
const firstEphemeral = 32768

func (s *session) listen(id uint32, m wire.ConnectMsg) {
	host, port, err := splitPort(m.Local)
	if err != nil {
		s.sendClose(id, wire.CodeInvalid, err.Error())
		return
	}
	switch {
	case host == "" || host == "0.0.0.0" || host == "::" || host == "localhost":
	default:
		ip, err := netip.ParseAddr(host)
		if err != nil || !(ip.Unmap().IsLoopback() || ip.Unmap() == s.learner.addr) {
			s.sendClose(id, wire.CodeAddrNotAvail, fmt.Sprintf("cannot listen on %s: it is not an address of your machine in the lab (use \"\", 127.0.0.1 or %s)", host, s.learner.addr))
			return
		}
	}
	if port != 0 && port < 1024 {
		s.sendClose(id, wire.CodePolicy, fmt.Sprintf("port %d is privileged: on Linux only root may listen below 1024; pick a port above 1024, such as %d", port, 8000+port))
		return
	}

	if err := s.learner.takeSocket(s.relay.limits(), true); err != nil {
		s.sendClose(id, wire.CodeLimit, err.Error())
		return
	}
	counted := true
	defer func() {
		if counted {
			s.learner.releaseSocket(true)
		}
	}()
	l := s.learner
	l.mu.Lock()
	if port == 0 {
		for p := firstEphemeral; p < 61000; p++ {
			if l.tcp[p] == nil {
				port = p
				break
			}
		}
	}
	if l.tcp[port] != nil {
		l.mu.Unlock()
		s.sendClose(id, wire.CodeAddrInUse, fmt.Sprintf("port %d is already in use by another of your programs", port))
		return
	}
	real, err := listenReal(port)
	if err != nil {
		l.mu.Unlock()
		s.sendClose(id, wire.CodeLimit, "the gateway could not open a listening socket: "+err.Error())
		return
	}
	shown := m.Local
	if host == "" {
		shown = net.JoinHostPort("::", strconv.Itoa(port))
		if m.Network == "tcp4" {
			shown = net.JoinHostPort("0.0.0.0", strconv.Itoa(port))
		}
	} else {
		shown = net.JoinHostPort(host, strconv.Itoa(port))
	}
	ln := &listener{s: s, id: id, port: port, local: shown, window: m.Window, ln: real}
	l.tcp[port] = ln
	l.mu.Unlock()
	counted = false // the listener releases it when it closes

	s.mu.Lock()
	s.listeners[id] = ln
	s.mu.Unlock()
	msg := wire.ConnectedMsg{Local: shown, Host: real.Addr().String()}
	if err := s.send(wire.Connected, id, msg.Append(nil)); err != nil {
		ln.close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ln.acceptLoop()
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
		st.conn = c
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
