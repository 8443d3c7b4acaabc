package labnet

import (
	"context"
	"net"

	"socketlab/event"
	"socketlab/wire"
)

type lookupResult struct {
	addrs []string
	err   error
}

// Lookup resolves host at the gateway: lab names, "localhost" and names the operator allows.
func (driver) Lookup(ctx context.Context, network, host string) ([]string, error) {
	s, err := getSession(ctx)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: host, IsTemporary: true}
	}
	id := s.newID()
	ch := make(chan lookupResult, 1)
	s.mu.Lock()
	s.lookups[id] = ch
	s.mu.Unlock()
	s.pause(event.Event{Stream: id, Kind: event.Lookup, Addr: host}, "about to look up "+host)
	s.emit(event.Event{Stream: id, Kind: event.Lookup, Addr: host})
	if err := s.send(wire.Lookup, id, wire.LookupMsg{Network: network, Host: host}.Append(nil)); err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: host, IsTemporary: true}
	}
	var res lookupResult
	select {
	case res = <-ch:
	case <-ctx.Done():
		s.mu.Lock()
		delete(s.lookups, id)
		s.mu.Unlock()
		return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
	}
	if dnsErr, ok := res.err.(*net.DNSError); ok && dnsErr.Name == "" {
		dnsErr.Name = host
	}
	if res.err != nil {
		s.emit(event.Event{Stream: id, Kind: event.Error, Addr: host, Error: res.err.Error()})
		return nil, res.err
	}
	s.mu.Lock()
	for _, a := range res.addrs {
		s.names[a] = host
	}
	s.mu.Unlock()
	s.emit(event.Event{Stream: id, Kind: event.Answer, Addr: host, Addrs: res.addrs})
	return res.addrs, nil
}

func (s *session) answer(f wire.Frame, ch chan lookupResult) {
	s.mu.Lock()
	delete(s.lookups, f.Stream)
	s.mu.Unlock()
	var res lookupResult
	switch f.Type {
	case wire.Answer:
		var a wire.AnswerMsg
		if err := a.Unmarshal(f.Payload); err != nil {
			res.err = err
		}
		res.addrs = a.Addrs
	case wire.Close:
		var c wire.CloseMsg
		c.Unmarshal(f.Payload)
		dnsErr := &net.DNSError{Err: c.Reason, Name: ""}
		if c.Code == wire.CodeNoHost {
			dnsErr.Err = "no such host"
			dnsErr.IsNotFound = true
		}
		res.err = dnsErr
	default:
		res.err = &net.DNSError{Err: "unexpected " + f.Type.String() + " frame from the gateway"}
	}
	ch <- res
}
