package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"socketlab/gateway/policy"
	"socketlab/wire"
)

// route decides where a program's destination really is: a lab server, one of the learner's
// own sockets, an outside host the operator's policy allows, or nowhere. It returns the real
// addresses to try in order, or a code and a reason for the program. This is the one place
// that decides what a program may reach (docs/security.md).
func (s *session) route(ctx context.Context, proto, hostport string) ([]string, wire.Code, string) {
	r := s.relay
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, wire.CodeInvalid, fmt.Sprintf("%q is not a host:port address", hostport)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return nil, wire.CodeInvalid, fmt.Sprintf("%q is not a port number from 1 to 65535", portStr)
	}
	if r.Lab != nil {
		if listen, known, ok := r.Lab.Resolve(proto, host, port); known {
			if ok {
				return []string{listen}, wire.CodeClosed, ""
			}
			return nil, wire.CodeRefused, r.Lab.RefusedReason(proto, host, port)
		}
	}
	ip, err := netip.ParseAddr(host)
	if err == nil && r.Class != nil && ip.Unmap() != s.learner.addr {
		// In a class, a classmate's address reaches their listeners and sockets.
		if mate := r.learners.byAddr(ip.Unmap()); mate != nil {
			if real, ok := mate.lookupPort(proto, port); ok {
				return []string{real}, wire.CodeClosed, ""
			}
			return nil, wire.CodeRefused, fmt.Sprintf("nothing of your classmate's is listening on %s port %d", host, port)
		}
	}
	if err == nil && learnerNet.Contains(ip.Unmap()) && ip.Unmap() != s.learner.addr {
		return nil, wire.CodeRefused, fmt.Sprintf("no program in the lab is listening on %s port %d", host, port)
	}
	own := err == nil && (ip.Unmap().IsLoopback() || ip.Unmap() == s.learner.addr) || host == "localhost"
	if own {
		// The learner's own machine: their listeners and sockets first, then whatever local
		// port the operator opened explicitly (--allow 127.0.0.1/32:PORT).
		if real, ok := s.learner.lookupPort(proto, port); ok {
			return []string{real}, wire.CodeClosed, ""
		}
		if ip.Unmap() == s.learner.addr || host == "localhost" {
			host = "127.0.0.1"
		}
	}

	// Outside the lab: the operator's policy decides. An address the program got from a
	// lookup is decided under the name it was looked up by, and only that address is dialed.
	name := host
	if n, ok := s.lookedUp(host); ok {
		name = n
	}
	d, err := r.Policy.Decide(ctx, proto, name, port)
	switch {
	case errors.Is(err, policy.ErrInvalid):
		return nil, wire.CodeInvalid, err.Error()
	case err != nil:
		return nil, wire.CodeOf(err), err.Error()
	case !d.Allowed && own && name == host:
		return nil, wire.CodeRefused, fmt.Sprintf("nothing of yours is listening on port %d: start a server in another cell first", port)
	case !d.Allowed:
		return nil, wire.CodePolicy, d.Reason
	}
	var targets []string
	for _, a := range d.Addrs {
		if name == host || a.Addr() == ip.Unmap() {
			targets = append(targets, a.String())
		}
	}
	if len(targets) == 0 {
		return nil, wire.CodePolicy, fmt.Sprintf("blocked by lab policy: %s no longer resolves to %s, so the lab will not connect to it; look the name up again", name, host)
	}
	return targets, wire.CodeClosed, ""
}

// learnerNet holds the lab's own addresses: lab hosts and learners.
var learnerNet = netip.MustParsePrefix("10.10.0.0/16")

// lookedUp says which outside name the session looked up to get addr, if any.
func (s *session) lookedUp(addr string) (string, bool) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name, ok := s.names[ip.Unmap()]
	return name, ok
}
