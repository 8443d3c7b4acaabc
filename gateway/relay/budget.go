package relay

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/time/rate"
)

// A client is one client address and every learner id it uses: the learner id is chosen by
// the page, so one address could otherwise be as many learners as it likes. Sessions,
// sockets, listeners and bytes are counted by address (an IPv6 client by its /64, which one
// host usually has whole), beside the learner's own limits. Every socket is charged to an
// owner, the learner and the client whose program made it: a connection a classmate makes
// to a learner's server is charged to the classmate on both ends.
type client struct {
	key       string
	sessions  int // guarded by Relay.clientMu, like the counts below
	sockets   int
	listeners int
	rate      *rate.Limiter // bytes per second, every learner of the address together
}

// owner is who a socket is charged to.
type owner struct {
	l *learner
	c *client
}

// clientKey is the address a client is counted by: an IPv4 address, or an IPv6 /64.
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

// admit counts a session for a client address, or says which limit it would break.
func (r *Relay) admit(addr string) (c *client, release func(), reason string) {
	lim := r.limits()
	key := clientKey(addr)
	r.clientMu.Lock()
	defer r.clientMu.Unlock()
	if r.clients == nil {
		r.clients = map[string]*client{}
	}
	c = r.clients[key]
	switch {
	case lim.Sessions > 0 && r.active >= lim.Sessions:
		reason = fmt.Sprintf("the lab is full: %d programs are connected, its limit (--max-sessions); try again in a moment", r.active)
	case lim.SessionsPerClient > 0 && c != nil && c.sessions >= lim.SessionsPerClient:
		reason = fmt.Sprintf("your address has %d programs connected, the lab's limit (--max-sessions-per-client): stop some and try again", c.sessions)
	case r.fdsLeftLocked(lim) < 1:
		reason = r.reserveReason(lim)
	}
	if reason != "" {
		r.noteLimit(key, reason)
		return nil, nil, reason
	}
	if c == nil {
		c = &client{key: key, rate: newLimiter(float64(lim.BytesPerSecondPerClient), float64(max(lim.BytesPerSecondPerClient/4, 256<<10)))}
		r.clients[key] = c
	}
	r.active++
	c.sessions++
	return c, func() {
		r.clientMu.Lock()
		r.active--
		c.sessions--
		r.forgetLocked(c)
		r.clientMu.Unlock()
	}, ""
}

// forgetLocked drops a client that holds nothing any more. Call with clientMu held.
func (r *Relay) forgetLocked(c *client) {
	if c.sessions <= 0 && c.sockets <= 0 && r.clients[c.key] == c {
		delete(r.clients, c.key)
	}
}

// fdsPerSocket is what one relayed socket may cost in descriptors: the gateway's side and,
// for a lab server or a learner's listener on this very gateway, the far side too.
const fdsPerSocket = 2

// fdsLeftLocked is how many descriptors the sessions and sockets may still take before they
// reach the reserve kept for accepting new clients and for the lab servers (a large number
// when the process's limit is unknown). Call with clientMu held.
func (r *Relay) fdsLeftLocked(lim Limits) int {
	if lim.files <= 0 {
		return 1 << 30
	}
	return lim.files - lim.ReserveFDs - r.active - fdsPerSocket*r.sockets
}

func (r *Relay) reserveReason(lim Limits) string {
	return fmt.Sprintf("the gateway is busy: its open sockets have reached the descriptors it keeps in reserve for new visitors and the lab servers (%d of %d, --reserve-fds); try again in a moment", lim.ReserveFDs, lim.files)
}

// take counts a new socket against its owner's limits, the learner's and the address's,
// and against the gateway's descriptors; listening says whether it is a listening socket,
// which has limits of its own. The error is the refusal the program is shown.
func (r *Relay) take(o owner, listening bool) error {
	lim := r.limits()
	if err := o.l.takeSocket(lim, listening); err != nil {
		r.noteLimit(o.c.key, err.Error())
		return err
	}
	r.clientMu.Lock()
	var err error
	c := o.c
	switch {
	case lim.SocketsPerClient > 0 && c.sockets >= lim.SocketsPerClient:
		err = fmt.Errorf("your address has %d sockets open across all its programs, the lab's limit per address (--max-sockets-per-client): close the ones you are done with (defer conn.Close()) and try again", c.sockets)
	case listening && lim.ListenersPerClient > 0 && c.listeners >= lim.ListenersPerClient:
		err = fmt.Errorf("your address has %d listening sockets open across all its programs, the lab's limit per address (--max-listeners-per-client): stop a server first", c.listeners)
	case r.fdsLeftLocked(lim) < fdsPerSocket:
		err = fmt.Errorf("%s", r.reserveReason(lim))
	}
	if err == nil {
		c.sockets++
		r.sockets++
		if listening {
			c.listeners++
		}
	}
	r.clientMu.Unlock()
	if err != nil {
		o.l.releaseSocket(listening)
		r.noteLimit(c.key, err.Error())
	}
	return err
}

// release gives back what take counted.
func (r *Relay) release(o owner, listening bool) {
	o.l.releaseSocket(listening)
	r.releaseClient(o.c, listening)
}

// releaseClient gives back the address's and the gateway's share of a socket.
func (r *Relay) releaseClient(c *client, listening bool) {
	r.clientMu.Lock()
	c.sockets--
	r.sockets--
	if listening {
		c.listeners--
	}
	r.forgetLocked(c)
	r.clientMu.Unlock()
}

// noteLimit logs that a client hit a limit, once a minute per client address at most: a
// burst of refusals is one line, not one line each.
func (r *Relay) noteLimit(key, reason string) {
	if r.logRate.Allow(key + " limit") {
		r.logger().Warn("a client hit a limit (logged once a minute per address)", "client", key, "limit", reason)
	}
}

// owner is who this session's sockets are charged to.
func (s *session) owner() owner { return owner{s.learner, s.client} }

// register records a connection the session's program makes, by the real address of the
// gateway's side: in the lab's Peers under the program's lab address, for the lab servers,
// and here under its owner, for a learner's listener that accepts it.
func (s *session) register(real string) {
	_, port, _ := net.SplitHostPort(real)
	s.relay.peers().Register(real, net.JoinHostPort(s.learner.addr.String(), port))
	s.relay.byReal.Store(real, s.owner())
}

// unregister forgets a connection register recorded.
func (r *Relay) unregister(real string) {
	if real == "" {
		return
	}
	r.peers().Unregister(real)
	r.byReal.Delete(real)
}

// ownerOf says whose program a connection arriving from real belongs to, if it is one.
func (r *Relay) ownerOf(real string) (owner, bool) {
	v, ok := r.byReal.Load(real)
	if !ok {
		return owner{}, false
	}
	return v.(owner), true
}

// bindsLoopback says whether a local address names loopback (127.0.0.1, ::1, localhost).
func bindsLoopback(local string) bool {
	host, _, err := net.SplitHostPort(local)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
