package labnet

import (
	"context"

	"socketlab/event"
	"socketlab/wire"
)

// driver is what the runtime installs into package net. Its methods match the interfaces in
// gateway/build/overlay/net/socketlab.go.
type driver struct{}

// Dial opens a TCP connection to raddr through the gateway.
func (driver) Dial(ctx context.Context, network, laddr, raddr string) (any, string, string, error) {
	s, err := getSession(ctx)
	if err != nil {
		return nil, "", "", err
	}
	st, err := s.dial(ctx, network, laddr, raddr)
	if err != nil {
		return nil, "", "", err
	}
	return st, st.local, st.remote, nil
}

// dial opens a TCP connection to raddr on this session.
func (s *session) dial(ctx context.Context, network, laddr, raddr string) (*stream, error) {
	st := newStream(s, s.newID())
	st.addr = s.name(raddr)
	s.add(st)
	s.pause(event.Event{Stream: st.id, Kind: event.Dial, Addr: st.addr}, "about to connect to "+st.addr)
	s.emit(event.Event{Stream: st.id, Kind: event.Dial, Addr: st.addr, Remote: raddr})
	msg := wire.ConnectMsg{Kind: wire.KindDial, Window: window, Network: network, Local: laddr, Remote: raddr}
	if err := s.send(wire.Connect, st.id, msg.Append(nil)); err != nil {
		s.remove(st.id)
		return nil, err
	}
	if err := st.awaitOpen(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

// awaitOpen waits for the gateway's answer to a Connect.
func (st *stream) awaitOpen(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		st.mu.Lock()
		st.broadcast()
		st.mu.Unlock()
	})
	defer stop()
	st.mu.Lock()
	defer st.mu.Unlock()
	for !st.ready && st.openErr == nil {
		if ctx.Err() != nil {
			st.mu.Unlock()
			st.s.remove(st.id)
			st.s.send(wire.Close, st.id, wire.CloseMsg{Code: wire.CodeClosed, Reason: "the program gave up"}.Append(nil))
			st.mu.Lock()
			return ctx.Err()
		}
		st.wait(noDeadline)
	}
	return st.openErr
}
