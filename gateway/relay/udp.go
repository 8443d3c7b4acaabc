package relay

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"socketlab/wire"
)

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

// udpSock is a learner's UDP socket: a real UDP socket on the gateway's loopback, bound to a
// lab port of the learner's (so other programs of theirs reach it at localhost:PORT).
type udpSock struct {
	s      *session
	id     uint32
	port   int
	local  string       // as the program sees it
	remote string       // the connected peer as the program named it, or ""
	target *net.UDPAddr // where datagrams to remote really go
	pc     *net.UDPConn
	once   sync.Once

	loopOnly bool // bound to loopback: for the learner's own programs

	fx *udpFaults // the lab's faults on this socket, or nil

	heardMu sync.Mutex
	heard   map[string]time.Time // host senders by their real address, and when each was last heard
}

// A UDP socket may answer a client on the gateway host (nc -u, a Python or Go program there)
// at the address its datagram came from, as a stateful firewall lets a reply through: the
// program sees that sender by its real address (127.0.0.1:PORT), which would otherwise mean
// the learner's own machine. A sender is remembered for heardFor after its last datagram, and
// a socket remembers at most heardMost of them, the oldest forgotten first.
const (
	heardFor  = 2 * time.Minute
	heardMost = 64
)

// heardFrom remembers a host sender, by its real address.
func (u *udpSock) heardFrom(real string, now time.Time) {
	u.heardMu.Lock()
	defer u.heardMu.Unlock()
	if u.heard == nil {
		u.heard = map[string]time.Time{}
	}
	if _, ok := u.heard[real]; !ok && len(u.heard) >= heardMost {
		oldest, at := "", now
		for a, t := range u.heard {
			if now.Sub(t) >= heardFor {
				delete(u.heard, a)
			} else if !t.After(at) {
				oldest, at = a, t
			}
		}
		if len(u.heard) >= heardMost {
			delete(u.heard, oldest)
		}
	}
	u.heard[real] = now
}

// heardPeer is the real address of a host sender the program names by addr, if the socket
// heard from it within heardFor; nil otherwise.
func (u *udpSock) heardPeer(addr string, now time.Time) *net.UDPAddr {
	u.heardMu.Lock()
	t, ok := u.heard[addr]
	if ok && now.Sub(t) >= heardFor {
		delete(u.heard, addr)
		ok = false
	}
	u.heardMu.Unlock()
	if !ok {
		return nil
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil
	}
	return net.UDPAddrFromAddrPort(ap)
}

func (s *session) openUDP(id uint32, m wire.ConnectMsg) {
	u := &udpSock{s: s, id: id, loopOnly: bindsLoopback(m.Local), fx: newUDPFaults(s.faults, id)}
	if m.Remote != "" {
		// Connecting a UDP socket sends nothing, so a port where nobody listens is no error
		// yet: the first datagram finds out.
		d := s.route(s.ctx, "udp", m.Remote)
		if !d.ok() && d.code != wire.CodeRefused {
			s.sendClose(id, d.code, d.reason)
			return
		}
		u.remote = m.Remote
		if d.ok() {
			u.target, _ = net.ResolveUDPAddr("udp", d.targets[0])
		}
	}
	port, shown, r := bind(s, m, s.learner.udp, false, func(port int) (*udpSock, error) {
		pc, err := listenHost(s.relay.limits().HostPorts, func(port int) (*net.UDPConn, error) {
			return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		})
		u.pc = pc
		return u, err
	})
	if !r.ok() {
		s.sendClose(id, r.code, r.reason)
		return
	}
	u.port, u.local = port, connectedLocal(s, shown, u.remote)
	pc := u.pc
	s.relay.udpByReal.Store(pc.LocalAddr().String(), u)

	s.mu.Lock()
	s.sockets[id] = u
	s.mu.Unlock()
	s.relay.obs().Opened("udp")
	if u.fx != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			u.sendLoop()
		}()
	}
	s.announce(id, wire.ConnectedMsg{Local: u.local, Remote: u.remote, Host: pc.LocalAddr().String()}, u.readLoop, u.close)
}

// connectedLocal is the local address a UDP socket shows. Connecting a socket that is bound
// to the wildcard picks its source address, as Linux does by its route to the peer: 127.0.0.1
// towards the learner's own machine, the learner's lab address towards anything else (the
// address a TCP stream to the same peer has). An unconnected socket, or one bound to an
// address, keeps what it was bound to.
func connectedLocal(s *session, shown, remote string) string {
	host, port, err := net.SplitHostPort(shown)
	if remote == "" || err != nil {
		return shown
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsUnspecified() {
		return shown
	}
	rhost, _, _ := net.SplitHostPort(remote)
	if ip, err := netip.ParseAddr(rhost); rhost == "localhost" || err == nil && ip.Unmap().IsLoopback() {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return net.JoinHostPort(s.learner.addr.String(), port)
}

// fromProgram handles DATAGRAM and CLOSE from the program.
func (u *udpSock) fromProgram(f wire.Frame) error {
	switch f.Type {
	case wire.Close:
		u.close()
		return nil
	case wire.Datagram:
	default:
		return protocolError{fmt.Sprintf("stream %d is a UDP socket: %v is not allowed on it", u.id, f.Type)}
	}
	var m wire.DatagramMsg
	if err := m.Unmarshal(f.Payload); err != nil {
		return protocolError{err.Error()}
	}
	lim := u.s.relay.limits()
	if len(m.Data) > lim.MaxDatagram {
		u.s.sendError(u.id, wire.CodeMessageTooLong, fmt.Sprintf("a datagram of %d bytes is over the lab's limit of %d (--max-datagram)", len(m.Data), lim.MaxDatagram))
		return nil
	}
	u.s.moved(false, len(m.Data))
	if over, err := u.s.charge(len(m.Data)); over != "" || err != nil {
		if over != "" {
			u.s.sendError(u.id, wire.CodeLimit, over)
		}
		return nil
	}
	to := u.target
	switch {
	case m.Addr != "" && (m.Addr != u.remote || to == nil):
		if to = u.heardPeer(m.Addr, time.Now()); to != nil {
			break // an answer to a client on the gateway host
		}
		d := u.s.route(u.s.ctx, "udp", m.Addr)
		if !d.ok() {
			// A connected socket's next call returns it; an unconnected one only shows it.
			u.s.sendError(u.id, d.code, d.reason)
			return nil
		}
		to, _ = net.ResolveUDPAddr("udp", d.targets[0])
	case to == nil && u.remote != "":
		to = u.heardPeer(u.remote, time.Now())
	}
	if to == nil {
		u.s.sendError(u.id, wire.CodeInvalid, "this socket is not connected: give each datagram an address (WriteTo)")
		return nil
	}
	if u.fx != nil {
		addr := m.Addr
		if addr == "" {
			addr = u.remote
		}
		u.fromProgramFaulty(m.Data, to, addr)
		return nil
	}
	u.writeTo(m.Data, to)
	return nil
}

// writeTo sends a datagram of the program's to its real destination; a failure is the
// program's to see.
func (u *udpSock) writeTo(data []byte, to *net.UDPAddr) {
	if hook := u.s.relay.connectHook; hook != nil {
		if err := hook("udp", to.String()); err != nil {
			u.s.sendError(u.id, wire.CodeOf(err), err.Error())
			return
		}
	}
	if _, err := u.pc.WriteToUDP(data, to); err != nil {
		u.s.sendError(u.id, wire.CodeOf(err), err.Error())
	}
}

// readLoop passes every datagram the socket receives to the program, with its source as a lab
// address.
func (u *udpSock) readLoop() {
	buf := make([]byte, maxDatagram+1)
	for {
		n, from, err := u.pc.ReadFromUDP(buf)
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && u.fx != nil {
			if !u.flushHeld() { // nothing overtook the datagram held back: it goes now
				return
			}
			continue
		}
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				u.s.sendClose(u.id, wire.CodeOf(err), "the UDP socket failed: "+err.Error())
				u.close()
			}
			return
		}
		if over, err := u.s.charge(n); err != nil {
			return
		} else if over != "" {
			u.s.sendError(u.id, wire.CodeLimit, over)
			continue // the datagram is dropped, as a full socket would
		}
		msg := wire.DatagramMsg{Addr: u.s.labAddr(from), Data: buf[:n]}
		if msg.Addr == from.String() {
			u.heardFrom(msg.Addr, time.Now()) // a client on the gateway host: it may be answered
		}
		if u.fx != nil {
			if !u.toProgramFaulty(msg) {
				return
			}
			continue
		}
		if u.s.send(wire.Datagram, u.id, msg.Append(nil)) != nil {
			return
		}
		u.s.moved(true, n)
	}
}

// labAddr names a real sender the way the program should see it: a lab server by its lab
// address, the learner's own socket as localhost, another learner's by their lab address,
// anything else (a client on the gateway host) as it is.
func (s *session) labAddr(from *net.UDPAddr) string {
	real := from.String()
	if v, ok := s.relay.udpByReal.Load(real); ok {
		u := v.(*udpSock)
		host := u.s.learner.addr.String()
		if u.s.learner == s.learner {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, strconv.Itoa(u.port))
	}
	if s.relay.Lab != nil {
		for _, svc := range s.relay.Lab.Services() {
			if svc.Proto == "udp" && svc.Listen == real {
				return net.JoinHostPort(svc.Addr.String(), strconv.Itoa(svc.Port))
			}
		}
	}
	return real
}

func (u *udpSock) close() {
	u.once.Do(func() {
		u.fx.stop()
		u.s.relay.release(u.s.owner(), false)
		u.s.relay.udpByReal.Delete(u.pc.LocalAddr().String())
		u.pc.Close()
		l := u.s.learner
		l.mu.Lock()
		if l.udp[u.port] == u {
			delete(l.udp, u.port)
		}
		l.mu.Unlock()
		u.s.mu.Lock()
		delete(u.s.sockets, u.id)
		u.s.mu.Unlock()
	})
}

func (s *session) sendError(id uint32, code wire.Code, reason string) {
	s.send(wire.Error, id, wire.CloseMsg{Code: code, Reason: reason}.Append(nil))
}
