package labnet

import (
	"context"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"socketlab/event"
	"socketlab/wire"
)

// packetConn is a UDP socket carried over the session.
type packetConn struct {
	s      *session
	id     uint32
	local  string
	remote string // the connected peer, or ""
	host   string

	guard
	ready   bool
	openErr error
	queue   []datagram
	queued  int   // bytes in queue
	err     error // an asynchronous error for the next call (connected sockets)
	failed  error // the session is gone
	closed  bool
	rdl     time.Time
}

type datagram struct {
	from string
	data []byte
}

// The runtime keeps at most this much unread, like a socket's receive buffer; more is dropped.
const (
	maxDatagrams   = 256
	maxQueuedBytes = 1 << 20
	maxDatagram    = 65507
)

// ListenPacket opens a UDP socket at the gateway, bound to laddr and, when raddr is set,
// connected to it.
func (driver) ListenPacket(ctx context.Context, network, laddr, raddr string) (any, string, string, error) {
	s, err := getSession(ctx)
	if err != nil {
		return nil, "", "", err
	}
	pc := &packetConn{s: s, id: s.newID()}
	s.mu.Lock()
	s.packets[pc.id] = pc
	s.mu.Unlock()
	msg := wire.ConnectMsg{Kind: wire.KindUDP, Network: network, Local: laddr, Remote: raddr}
	if err := s.send(wire.Connect, pc.id, msg.Append(nil)); err != nil {
		return nil, "", "", err
	}
	pc.mu.Lock()
	for !pc.ready && pc.openErr == nil {
		pc.wait(noDeadline)
	}
	err = pc.openErr
	pc.mu.Unlock()
	if err != nil {
		s.removePacket(pc.id)
		return nil, "", "", err
	}
	s.emit(event.Event{Stream: pc.id, Kind: event.Bind, Local: pc.local, Remote: pc.remote, Addr: s.name(pc.remote), Host: pc.host})
	return pc, pc.local, pc.remote, nil
}

func (pc *packetConn) handle(f wire.Frame) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	switch f.Type {
	case wire.Connected:
		var m wire.ConnectedMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		pc.ready, pc.local, pc.remote, pc.host = true, m.Local, m.Remote, m.Host
	case wire.Datagram:
		var m wire.DatagramMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		pc.s.emit(event.Event{Stream: pc.id, Kind: event.RecvFrom, Addr: pc.s.name(m.Addr), Remote: m.Addr, N: len(m.Data), Data: m.Data})
		if pc.closed || (pc.remote != "" && m.Addr != pc.remote) {
			return nil // a connected socket takes datagrams from its peer only
		}
		if len(pc.queue) >= maxDatagrams || pc.queued+len(m.Data) > maxQueuedBytes {
			pc.s.emit(event.Event{Stream: pc.id, Kind: event.Drop, Addr: pc.s.name(m.Addr), N: len(m.Data)})
			return nil
		}
		pc.queue = append(pc.queue, datagram{m.Addr, append([]byte(nil), m.Data...)})
		pc.queued += len(m.Data)
	case wire.Lost:
		var m wire.LostMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		fault := event.FaultLoss
		if m.Sent {
			fault = event.FaultLossSent
		}
		pc.s.emit(event.Event{Stream: pc.id, Kind: event.Drop, Addr: pc.s.name(m.Addr), Remote: m.Addr, N: len(m.Data), Data: m.Data, Fault: fault})
	case wire.Error, wire.Close:
		var m wire.CloseMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		err := closeError(m)
		pc.s.emit(event.Event{Stream: pc.id, Kind: event.Error, Addr: pc.s.name(pc.remote), Error: m.Reason, Code: m.Code.String()})
		switch {
		case !pc.ready:
			pc.openErr = err
			pc.s.removePacket(pc.id)
		case f.Type == wire.Close:
			pc.failed = err
			pc.s.removePacket(pc.id)
		case pc.remote != "":
			pc.err = err
		}
	default:
		return errnoErr(syscall.EPROTO, "unexpected "+f.Type.String()+" frame for a UDP socket")
	}
	pc.broadcast()
	return nil
}

func (pc *packetConn) fail(err error) {
	pc.mu.Lock()
	if !pc.ready && pc.openErr == nil {
		pc.openErr = err
	}
	pc.failed = err
	pc.broadcast()
	pc.mu.Unlock()
}

// ReadFrom returns the next datagram. A buffer shorter than the datagram gets its first
// bytes and the rest is lost, as with recvfrom on Linux. In step mode it pauses first, and
// says afterwards what it returned.
func (pc *packetConn) ReadFrom(p []byte) (int, string, error) {
	if !steppingNow() {
		return pc.readFrom(p)
	}
	about := "about to wait for a datagram"
	if pc.remote != "" {
		about += " from " + pc.s.name(pc.remote)
	}
	if !pc.s.pause(event.Event{Stream: pc.id, Kind: event.RecvFrom, Addr: pc.s.name(pc.remote), N: len(p)}, about) {
		return pc.readFrom(p)
	}
	n, from, err := pc.readFrom(p)
	e := event.Event{Stream: pc.id, Kind: event.RecvFrom, Addr: pc.s.name(from), Remote: from, N: n, Data: p[:min(n, 64)]}
	text := fmt.Sprintf("received a %d-byte datagram from %s", n, pc.s.name(from))
	if err != nil {
		e.Error = err.Error()
		text = "waiting for a datagram failed: " + err.Error()
	}
	pc.s.told(e, text)
	return n, from, err
}

func (pc *packetConn) readFrom(p []byte) (int, string, error) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for {
		switch {
		case pc.closed:
			return 0, "", net.ErrClosed
		case pc.err != nil:
			err := pc.err
			pc.err = nil
			return 0, "", err
		case len(pc.queue) > 0:
			d := pc.queue[0]
			pc.queue[0] = datagram{}
			pc.queue = pc.queue[1:]
			pc.queued -= len(d.data)
			return copy(p, d.data), d.from, nil
		case pc.failed != nil:
			return 0, "", pc.failed
		}
		if pc.wait(pc.rdl) {
			return 0, "", os.ErrDeadlineExceeded
		}
	}
}

// WriteTo sends one datagram. Like UDP itself it does not wait for delivery.
func (pc *packetConn) WriteTo(p []byte, to string) (int, error) {
	if len(p) > maxDatagram {
		return 0, syscall.EMSGSIZE
	}
	pc.mu.Lock()
	switch {
	case pc.closed:
		pc.mu.Unlock()
		return 0, net.ErrClosed
	case pc.failed != nil:
		pc.mu.Unlock()
		return 0, pc.failed
	case pc.err != nil:
		err := pc.err
		pc.err = nil
		pc.mu.Unlock()
		return 0, err
	}
	pc.mu.Unlock()
	pc.s.pause(event.Event{Stream: pc.id, Kind: event.SendTo, Addr: pc.s.name(to), N: len(p)}, fmt.Sprintf("about to send a datagram of %s to %s", plural(len(p), "byte"), pc.s.name(to)))
	pc.s.emit(event.Event{Stream: pc.id, Kind: event.SendTo, Addr: pc.s.name(to), Remote: to, N: len(p), Data: p})
	if err := pc.s.send(wire.Datagram, pc.id, wire.DatagramMsg{Addr: to, Data: p}.Append(nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (pc *packetConn) Close() error {
	pc.mu.Lock()
	if pc.closed {
		pc.mu.Unlock()
		return net.ErrClosed
	}
	pc.closed = true
	pc.queue = nil
	pc.broadcast()
	pc.mu.Unlock()
	pc.s.removePacket(pc.id)
	pc.s.emit(event.Event{Stream: pc.id, Kind: event.Close, Addr: pc.local})
	return pc.s.send(wire.Close, pc.id, wire.CloseMsg{}.Append(nil))
}

func (pc *packetConn) SetReadDeadline(t time.Time) error {
	pc.mu.Lock()
	pc.rdl = t
	pc.broadcast()
	pc.mu.Unlock()
	return nil
}

// SetWriteDeadline is accepted: sending a datagram never waits.
func (pc *packetConn) SetWriteDeadline(time.Time) error { return nil }
