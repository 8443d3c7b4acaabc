package gateway

import (
	"fmt"
	"net/netip"
	"strings"

	"socketlab/wire"
)

// lookup answers a program's name lookup: lab names and "localhost". Names outside the lab
// are not resolved: the gateway does not reach outside hosts.
func (s *session) lookup(id uint32, m wire.LookupMsg) {
	if !s.learner.lookups.allow() {
		s.sendClose(id, wire.CodeLimit, fmt.Sprintf("too many name lookups: the lab allows %g a second (--lookup-rate); look a name up once and keep the address", s.relay.limits().LookupsPerSecond))
		return
	}
	name := strings.TrimSuffix(strings.ToLower(m.Host), ".")
	var addrs []netip.Addr
	switch {
	case name == "localhost":
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	case s.relay.Lab != nil:
		addrs, _ = s.relay.Lab.LookupHost(name)
	}
	var out []string
	for _, a := range addrs {
		if (m.Network == "ip4" && !a.Is4()) || (m.Network == "ip6" && !a.Is6()) {
			continue
		}
		out = append(out, a.String())
	}
	if len(out) == 0 {
		s.sendClose(id, wire.CodeNoHost, "no lab host is called "+m.Host)
		return
	}
	s.send(wire.Answer, id, wire.AnswerMsg{Addrs: out}.Append(nil))
}
