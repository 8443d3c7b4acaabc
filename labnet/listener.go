package labnet

import (
	"context"
	"net"
	"os"
	"time"

	"socketlab/event"
	"socketlab/wire"
)

// listener is a TCP server socket carried over the session. The gateway accepts connections
// as they come and announces each as a new stream; Accept hands them out in order.
type listener struct {
	s     *session
	id    uint32
	local string
	host  string // where the listener is reachable on the gateway host

	guard
	ready   bool
	openErr error
	queue   []*stream
	err     error
	closed  bool
	rdl     time.Time
}

// maxQueue bounds accepted connections the program has not taken yet; beyond it new ones
// are reset, as a full backlog drops them on Linux.
const maxQueue = 128

// Listen opens a TCP listener at the gateway.
func (driver) Listen(ctx context.Context, network, laddr string) (any, string, error) {
	s, err := getSession(ctx)
	if err != nil {
		return nil, "", err
	}
	ln := &listener{s: s, id: s.newID()}
	s.pause(event.Event{Stream: ln.id, Kind: event.Listen, Local: laddr}, "about to listen on "+listenName(laddr))
	s.mu.Lock()
	s.listeners[ln.id] = ln
	s.mu.Unlock()
	msg := wire.ConnectMsg{Kind: wire.KindListen, Window: window, Network: network, Local: laddr}
	if err := s.send(wire.Connect, ln.id, msg.Append(nil)); err != nil {
		return nil, "", err
	}
	ln.mu.Lock()
	for !ln.ready && ln.openErr == nil {
		ln.wait(noDeadline)
	}
	err = ln.openErr
	ln.mu.Unlock()
	if err != nil {
		s.removeListener(ln.id)
		return nil, "", err
	}
	s.emit(event.Event{Stream: ln.id, Kind: event.Listen, Local: ln.local, Host: ln.host})
	return ln, ln.local, nil
}

func listenName(laddr string) string {
	if laddr == "" {
		return "any port"
	}
	return laddr
}

// handle applies a frame from the gateway on the listener's stream.
func (ln *listener) handle(f wire.Frame) error {
	switch f.Type {
	case wire.Connected:
		var m wire.ConnectedMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		ln.mu.Lock()
		ln.ready, ln.local, ln.host = true, m.Local, m.Host
	case wire.Accept:
		var m wire.AcceptMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		st := newStream(ln.s, m.Stream)
		st.ready, st.credit, st.local, st.remote, st.addr = true, int(m.Window), m.Local, m.Remote, m.Remote
		ln.mu.Lock()
		if ln.closed || len(ln.queue) >= maxQueue {
			ln.mu.Unlock()
			go ln.s.send(wire.Close, m.Stream, wire.CloseMsg{Code: wire.CodeReset}.Append(nil))
			return nil
		}
		ln.s.add(st)
		ln.queue = append(ln.queue, st)
		ln.s.emit(event.Event{Stream: st.id, Kind: event.Accept, Addr: m.Remote, Local: m.Local, Remote: m.Remote})
	case wire.Close:
		var m wire.CloseMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return err
		}
		ln.s.removeListener(ln.id)
		ln.mu.Lock()
		if !ln.ready {
			ln.openErr = closeError(m)
			ln.s.emit(event.Event{Stream: ln.id, Kind: event.Error, Addr: "listen", Error: m.Reason, Code: m.Code.String()})
		} else {
			ln.err = closeError(m)
		}
	default:
		return errnoErr(0, "unexpected "+f.Type.String()+" frame for a listener")
	}
	ln.broadcast()
	ln.mu.Unlock()
	return nil
}

func (ln *listener) fail(err error) {
	ln.mu.Lock()
	if !ln.ready && ln.openErr == nil {
		ln.openErr = err
	}
	if ln.err == nil {
		ln.err = err
	}
	ln.broadcast()
	ln.mu.Unlock()
}

// Accept returns the next connection: the stream, its local and remote addresses.
// In step mode it pauses first, and says afterwards who connected.
func (ln *listener) Accept() (any, string, string, error) {
	if !ln.s.pause(event.Event{Stream: ln.id, Kind: event.Accept, Local: ln.local}, "about to wait for a connection on "+ln.local) {
		return ln.accept()
	}
	st, local, remote, err := ln.accept()
	e := event.Event{Stream: ln.id, Kind: event.Accept, Local: local, Remote: remote}
	text := "accepted a connection from " + remote
	if err != nil {
		e.Error = err.Error()
		text = "waiting for a connection failed: " + err.Error()
	}
	ln.s.told(e, text)
	return st, local, remote, err
}

func (ln *listener) accept() (any, string, string, error) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	for {
		switch {
		case ln.closed:
			return nil, "", "", net.ErrClosed
		case len(ln.queue) > 0:
			st := ln.queue[0]
			ln.queue[0] = nil
			ln.queue = ln.queue[1:]
			return st, st.local, st.remote, nil
		case ln.err != nil:
			return nil, "", "", ln.err
		}
		if expired := ln.wait(ln.rdl); expired {
			return nil, "", "", os.ErrDeadlineExceeded
		}
	}
}

func (ln *listener) Close() error {
	ln.mu.Lock()
	if ln.closed {
		ln.mu.Unlock()
		return net.ErrClosed
	}
	ln.closed = true
	queue := ln.queue
	ln.queue = nil
	ln.broadcast()
	ln.mu.Unlock()
	for _, st := range queue {
		st.SetLinger(0)
		st.Close()
	}
	ln.s.removeListener(ln.id)
	ln.s.emit(event.Event{Stream: ln.id, Kind: event.Close, Addr: ln.local})
	return ln.s.send(wire.Close, ln.id, wire.CloseMsg{}.Append(nil))
}

func (ln *listener) SetReadDeadline(t time.Time) error {
	ln.mu.Lock()
	ln.rdl = t
	ln.broadcast()
	ln.mu.Unlock()
	return nil
}

func (ln *listener) SetWriteDeadline(time.Time) error { return nil }
