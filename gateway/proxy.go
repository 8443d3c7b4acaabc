package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a load balancer or an Ingress every request arrives from the balancer's address, so
// the limits per client address (connections, sessions, join tries, compile budgets) would
// hold every learner to one learner's share. --trusted-proxies names the balancers: from
// those peers, and only from those, the client's address is taken from the headers they add.
// From anyone else the headers are ignored, since anyone can write them.

// Prefixes is a list of address prefixes, a flag of comma-separated CIDRs (a bare address is a
// prefix of one), repeatable.
type Prefixes []netip.Prefix

func (p *Prefixes) String() string {
	var s []string
	for _, x := range *p {
		s = append(s, x.String())
	}
	return strings.Join(s, ",")
}

// Set adds the comma-separated prefixes of s.
func (p *Prefixes) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is neither a CIDR prefix (10.0.0.0/8) nor an address", part)
			}
			a = a.Unmap()
			*p = append(*p, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		x, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not a CIDR prefix, such as 10.0.0.0/8: %v", part, err)
		}
		*p = append(*p, x.Masked())
	}
	return nil
}

// Contains says whether a is in one of the prefixes.
func (p Prefixes) Contains(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, x := range p {
		if x.Contains(a) {
			return true
		}
	}
	return false
}

// trustedPeer says whether remote (host:port, a connection's peer) is a trusted proxy.
func (p Prefixes) trustedPeer(remote string) bool {
	if len(p) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remote)
	return err == nil && p.Contains(ap.Addr())
}

// ClientAddr is the address of the client a request comes from, host:port: the connection's
// peer, unless the peer is a trusted proxy; then the rightmost address of X-Forwarded-For that
// is not a trusted proxy (each proxy appends the peer it saw, so the ones left of the first
// untrusted hop may be anything the client wrote), or X-Real-IP without X-Forwarded-For. A
// header that does not parse leaves the peer.
func (p Prefixes) ClientAddr(r *http.Request) string {
	if !p.trustedPeer(r.RemoteAddr) {
		return r.RemoteAddr
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, x := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(x))
		}
	}
	if len(hops) == 0 {
		if real := strings.TrimSpace(r.Header.Get("X-Real-IP")); real != "" {
			hops = []string{real}
		}
	}
	client := netip.Addr{}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			if ap, err2 := netip.ParseAddrPort(hops[i]); err2 == nil {
				a, err = ap.Addr(), nil
			}
		}
		if err != nil {
			return r.RemoteAddr
		}
		client = a.Unmap().WithZone("")
		if !p.Contains(client) {
			break
		}
	}
	if !client.IsValid() {
		return r.RemoteAddr
	}
	return net.JoinHostPort(client.String(), "0")
}

// fromProxy gives r its client's address as its RemoteAddr when a trusted proxy sent it, so
// that everything after (limits, the class's join tries, the relay's sessions, the logs) sees
// the learner, not the balancer.
func (g *guard) fromProxy(r *http.Request) {
	r.RemoteAddr = g.limits.TrustedProxies.ClientAddr(r)
}
