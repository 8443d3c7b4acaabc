package relay

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"socketlab/wire"
)

// lookup answers a program's name lookup: lab names and "localhost" at once, and names outside
// the lab only when the operator's policy could allow them (resolved in the background, since
// DNS may be slow). Each lookup is its own stream id; a repeated id is a protocol error.
func (s *session) lookup(id uint32, m wire.LookupMsg) error {
	if !s.learner.lookups.Allow() {
		s.sendClose(id, wire.CodeLimit, fmt.Sprintf("too many name lookups: the lab allows %g a second (--lookup-rate); look a name up once and keep the address", s.relay.limits().LookupsPerSecond))
		return nil
	}
	name := strings.TrimSuffix(strings.ToLower(m.Host), ".")
	var addrs []netip.Addr
	switch {
	case name == "localhost":
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	case s.relay.Lab != nil:
		addrs, _ = s.relay.Lab.LookupHost(name)
	}
	if c := s.relay.Class; len(addrs) == 0 && c != nil && strings.HasSuffix(name, ".lab") {
		if a, ok := c.classmate(strings.TrimSuffix(name, ".lab")); ok {
			addrs = []netip.Addr{a}
		}
	}
	if len(addrs) > 0 || s.relay.Policy == nil {
		s.answer(id, m, addrs)
		return nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithTimeout(s.ctx, s.relay.dialTimeout())
		defer cancel()
		addrs, ok, err := s.relay.Policy.Lookup(ctx, name)
		switch {
		case !ok:
		case err != nil:
			s.sendClose(id, wire.CodeOf(err), fmt.Sprintf("looking up %s failed: %v", m.Host, err))
			return
		default:
			s.mu.Lock()
			if s.names == nil {
				s.names = map[netip.Addr]string{}
			}
			for _, a := range addrs {
				if len(s.names) < 4096 {
					s.names[a] = name
				}
			}
			s.mu.Unlock()
		}
		s.answer(id, m, addrs)
	}()
	return nil
}

func (s *session) answer(id uint32, m wire.LookupMsg, addrs []netip.Addr) {
	var out []string
	for _, a := range addrs {
		if (m.Network == "ip4" && !a.Is4()) || (m.Network == "ip6" && !a.Is6()) {
			continue
		}
		out = append(out, a.String())
	}
	if len(out) == 0 {
		reason := "no lab host is called " + m.Host
		if s.relay.Policy == nil || len(s.relay.Policy.Rules()) == 0 {
			reason += "; outside hosts are not reachable from this lab"
		}
		s.sendClose(id, wire.CodeNoHost, reason)
		return
	}
	s.send(wire.Answer, id, wire.AnswerMsg{Addrs: out}.Append(nil))
}
