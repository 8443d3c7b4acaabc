package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
	"socketlab/wire"
)

// where says where a program's destination or socket really is.
type where uint8

const (
	nowhere   where = iota // refused: the decision's code and reason say why
	labServer              // a lab server (echo.lab, 10.10.0.37, a passive FTP port)
	ownSocket              // one of the learner's own listeners or UDP sockets
	classmate              // a classmate's listener or UDP socket (classroom mode)
	outside                // a host outside the lab that the operator's policy allows
)

func (w where) String() string {
	return [...]string{"nowhere", "lab server", "own socket", "classmate", "outside"}[w]
}

// decision is the gateway's answer to a program that wants to reach a destination (route) or
// open a socket on a local address (bind): where it goes and the real addresses to try in
// order, or a refusal with the code and the reason the program is shown.
type decision struct {
	where   where
	targets []string
	code    wire.Code // when refused
	reason  string
	rule    string // what refused it, when the operator's policy did (policy.Decision.Refused)
}

// ok reports whether the decision lets the program go ahead.
func (d decision) ok() bool { return d.where != nowhere }

func refuse(code wire.Code, reason string) decision {
	return decision{where: nowhere, code: code, reason: reason}
}

func to(w where, targets ...string) decision { return decision{where: w, targets: targets} }

// portTable finds the real address of a socket on a lab port: a learner's listeners and UDP
// sockets (*learner).
type portTable interface {
	lookupPort(proto string, port int) (real string, ok bool)
}

// classTable finds a classmate by lab address, and a classmate's lab address by name ("bob"
// for bob.lab) (classroom, in classroom mode).
type classTable interface {
	mate(addr netip.Addr) (portTable, bool)
	named(name string) (netip.Addr, bool)
}

// nameTable says which outside name a program looked up to get an address (*session).
type nameTable interface {
	lookedUp(addr string) (name string, ok bool)
}

// routeFacts are everything route knows of the world: no session, no locks of its own.
type routeFacts struct {
	lab    *lab.Network   // nil: no lab
	policy *policy.Policy // nil: nothing outside the lab
	self   netip.Addr     // the learner's lab address
	own    portTable      // the learner's own sockets
	class  classTable     // nil outside classroom mode
	names  nameTable      // nil: the program looked nothing up
}

// route decides where a program's destination really is: a lab server, one of the learner's
// own sockets (or, in a class, a classmate's), an outside host the operator's policy allows,
// or nowhere. This is the one place that decides what a program may reach (docs/security.md).
// It depends on nothing but its arguments, so it is tested on its own (route_test.go).
func route(ctx context.Context, f *routeFacts, proto, hostport string) decision {
	host, port, d, ok := splitDest(hostport)
	if !ok {
		return d
	}
	if f.lab != nil {
		if listen, known, ok := f.lab.Resolve(proto, host, port); known {
			if ok {
				return to(labServer, listen)
			}
			return refuse(wire.CodeRefused, f.lab.RefusedReason(proto, host, port))
		}
	}
	if name := strings.ToLower(strings.TrimSuffix(host, ".")); f.class != nil && strings.HasSuffix(name, ".lab") {
		// A classmate by name: decided as their address is.
		a, ok := f.class.named(strings.TrimSuffix(name, ".lab"))
		if !ok {
			return refuse(wire.CodeNoHost, fmt.Sprintf("no lab host and no one in the class is called %s", host))
		}
		host = a.String()
	}
	ip, err := netip.ParseAddr(host)
	ip = ip.Unmap()
	isIP := err == nil
	if isIP && ip != f.self {
		if d, ok := routeLearnerNet(f, proto, host, ip, port); ok {
			return d
		}
	}
	own := isIP && (ip.IsLoopback() || ip == f.self) || host == "localhost"
	if own {
		// The learner's own machine: their listeners and sockets first, then whatever local
		// port the operator opened explicitly (--allow 127.0.0.1/32:PORT).
		if real, ok := f.own.lookupPort(proto, port); ok {
			return to(ownSocket, real)
		}
		if ip == f.self || host == "localhost" {
			host = "127.0.0.1"
		}
	}
	return routeOutside(ctx, f, proto, host, ip, port, own)
}

// splitDest parses a destination; ok false comes with the refusal.
func splitDest(hostport string) (host string, port int, d decision, ok bool) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, refuse(wire.CodeInvalid, fmt.Sprintf("%q is not a host:port address", hostport)), false
	}
	port, err = strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, refuse(wire.CodeInvalid, fmt.Sprintf("%q is not a port number from 1 to 65535", portStr)), false
	}
	return host, port, decision{}, true
}

// routeLearnerNet decides an address of someone else in the lab: in a class, a classmate's
// address reaches their listeners and sockets; any other learner address is nobody's. ok
// false: ip is not a learner's address.
func routeLearnerNet(f *routeFacts, proto, host string, ip netip.Addr, port int) (decision, bool) {
	if f.class != nil {
		if mate, ok := f.class.mate(ip); ok {
			if real, ok := mate.lookupPort(proto, port); ok {
				return to(classmate, real), true
			}
			return refuse(wire.CodeRefused, fmt.Sprintf("nothing of your classmate's is listening on %s port %d", host, port)), true
		}
	}
	if learnerNet.Contains(ip) {
		return refuse(wire.CodeRefused, fmt.Sprintf("no program in the lab is listening on %s port %d", host, port)), true
	}
	return decision{}, false
}

// routeOutside lets the operator's policy decide a destination outside the lab. An address
// the program got from a lookup is decided under the name it was looked up by, and only that
// address (ip, as the program gave it) is dialed. own says host is the learner's own machine,
// where a refusal means that nothing of theirs listens.
func routeOutside(ctx context.Context, f *routeFacts, proto, host string, ip netip.Addr, port int, own bool) decision {
	name := host
	if f.names != nil {
		if n, ok := f.names.lookedUp(host); ok {
			name = n
		}
	}
	d, err := f.policy.Decide(ctx, proto, name, port)
	switch {
	case errors.Is(err, policy.ErrInvalid):
		return refuse(wire.CodeInvalid, err.Error())
	case err != nil:
		return refuse(wire.CodeOf(err), err.Error())
	case !d.Allowed && own && name == host:
		return refuse(wire.CodeRefused, fmt.Sprintf("nothing of yours is listening on port %d: start a server in another cell first", port))
	case !d.Allowed:
		dec := refuse(wire.CodePolicy, d.Reason)
		dec.rule = d.Refused
		return dec
	}
	var targets []string
	for _, a := range d.Addrs {
		if name == host || a.Addr() == ip {
			targets = append(targets, a.String())
		}
	}
	if len(targets) == 0 {
		dec := refuse(wire.CodePolicy, fmt.Sprintf("blocked by lab policy: %s no longer resolves to %s, so the lab will not connect to it; look the name up again", name, host))
		dec.rule = "stale-lookup"
		return dec
	}
	return to(outside, targets...)
}

// learnerNet holds the lab's own addresses: lab hosts and learners.
var learnerNet = netip.MustParsePrefix("10.10.0.0/16")

// route routes a destination of this session's program.
func (s *session) route(ctx context.Context, proto, hostport string) decision {
	r := s.relay
	f := routeFacts{lab: r.Lab, policy: r.Policy, self: s.learner.addr, own: s.learner, names: s}
	if r.Class != nil {
		f.class = classroom{r.Class, &r.learners}
	}
	d := route(ctx, &f, proto, hostport)
	if d.rule != "" {
		r.obs().PolicyRefused(d.rule)
	}
	return d
}

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

// classroom is the class as route sees it.
type classroom struct {
	c  *Class
	ls *learners
}

// mate finds the classmate with a lab address, if any of their programs is connected.
func (c classroom) mate(a netip.Addr) (portTable, bool) {
	if l := c.ls.byAddr(a); l != nil {
		return mateView{l}, true
	}
	return nil, false
}

func (c classroom) named(name string) (netip.Addr, bool) { return c.c.classmate(name) }
