package relay

import (
	"context"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what one client, one learner or everyone together can take from the gateway.
// A zero field takes its default; a negative one turns that limit off. docs/security.md lists
// them with their flags.
type Limits struct {
	// Sessions is how many program sessions (WebSockets) may be open at once. Defaults to 10000.
	Sessions int
	// SessionsPerClient is how many sessions one client address may hold at once. Defaults to 64.
	SessionsPerClient int
	// SocketsPerLearner bounds one learner's open TCP connections, listeners and UDP sockets,
	// across all their programs. Defaults to 256.
	SocketsPerLearner int
	// ListenersPerLearner bounds one learner's listening sockets. Defaults to 16.
	ListenersPerLearner int
	// BytesPerSecond bounds one learner's traffic, both directions together. Defaults to 64 MiB/s.
	BytesPerSecond int64
	// BytesPerSession bounds the bytes one session may move in all. Defaults to 4 GiB.
	BytesPerSession int64
	// MaxDatagram is the largest UDP datagram a program may send. Defaults to 65507.
	MaxDatagram int
	// IdleTimeout closes a connection that carried nothing either way for this long.
	// Defaults to 10 minutes.
	IdleTimeout time.Duration
	// LookupsPerSecond bounds one learner's name lookups (with a burst of twice as many).
	// Defaults to 50.
	LookupsPerSecond float64

	// The limits below count a client address (an IPv6 client by its /64) across every
	// learner id it uses: the page chooses the learner id, so it cannot be what bounds a
	// client. Connections a classmate makes to a learner's server count against the
	// classmate's address, not the server's.

	// SocketsPerClient bounds one address's open sockets. Defaults to 1024.
	SocketsPerClient int
	// ListenersPerClient bounds one address's listening sockets. Defaults to 64.
	ListenersPerClient int
	// BytesPerSecondPerClient bounds one address's traffic, both directions together.
	// Defaults to 128 MiB/s.
	BytesPerSecondPerClient int64
	// ReserveFDs is how many of the process's descriptors (RLIMIT_NOFILE) sessions and
	// sockets leave free, for accepting new clients and for the lab servers. Defaults to an
	// eighth of the limit, at least 256.
	ReserveFDs int
	// HostPorts is the range of host ports that learners' listeners and UDP sockets really
	// open on: a learner's port 8080 is a lab port mapped to a free port of the range, never
	// the host's own 8080. Defaults to 20000-29999.
	HostPorts PortRange

	// LabConnsPerPeer is how many connections one peer may hold open to each lab TCP
	// server (lab.Options.MaxConnsPerPeer): a learner, or every client on the gateway host
	// together. Defaults to 256.
	LabConnsPerPeer int

	files int // the descriptor limit the reserve is taken from: RLIMIT_NOFILE unless set
}

// PortRange is a range of host ports, First to Last inclusive.
type PortRange struct{ First, Last int }

func (p *PortRange) String() string { return fmt.Sprintf("%d-%d", p.First, p.Last) }

func (p *PortRange) Set(s string) error {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || first < 1024 || last > 65535 || first > last {
		return fmt.Errorf("%q is not a range of ports: write FIRST-LAST, like 20000-20999, within 1024-65535", s)
	}
	p.First, p.Last = first, last
	return nil
}

// PerClient keeps a rate limiter for each client address: Rate requests a second, with a
// burst of Burst (rounded up to a whole request). The gateway bounds compiles with it.
type PerClient struct {
	Rate, Burst float64
	mu          sync.Mutex
	limiters    map[string]*rate.Limiter
}

// Allow takes one request from client's allowance if it has one.
func (p *PerClient) Allow(client string) bool {
	if p.Rate <= 0 {
		return true
	}
	p.mu.Lock()
	if p.limiters == nil || len(p.limiters) > 10000 {
		p.limiters = map[string]*rate.Limiter{} // forget old clients rather than grow without bound
	}
	l := p.limiters[client]
	if l == nil {
		l = newLimiter(p.Rate, p.Burst)
		p.limiters[client] = l
	}
	p.mu.Unlock()
	return l.Allow()
}

// DefaultLimits are the limits a gateway starts with.
var DefaultLimits = Limits{
	Sessions:            10000,
	SessionsPerClient:   64,
	SocketsPerLearner:   256,
	ListenersPerLearner: 16,
	BytesPerSecond:      64 << 20,
	BytesPerSession:     4 << 30,
	MaxDatagram:         65507,
	IdleTimeout:         10 * time.Minute,
	LookupsPerSecond:    50,

	SocketsPerClient:        1024,
	ListenersPerClient:      64,
	BytesPerSecondPerClient: 128 << 20,
	HostPorts:               PortRange{20000, 29999},
}

// withDefaults fills zero fields from DefaultLimits and turns negative ones into "no limit" (0).
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def int64) int64 {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	l.Sessions = int(pick(int64(l.Sessions), int64(d.Sessions)))
	l.SessionsPerClient = int(pick(int64(l.SessionsPerClient), int64(d.SessionsPerClient)))
	l.SocketsPerLearner = int(pick(int64(l.SocketsPerLearner), int64(d.SocketsPerLearner)))
	l.ListenersPerLearner = int(pick(int64(l.ListenersPerLearner), int64(d.ListenersPerLearner)))
	l.BytesPerSecond = pick(l.BytesPerSecond, d.BytesPerSecond)
	l.BytesPerSession = pick(l.BytesPerSession, d.BytesPerSession)
	l.MaxDatagram = int(pick(int64(l.MaxDatagram), int64(d.MaxDatagram)))
	if l.MaxDatagram == 0 || l.MaxDatagram > maxDatagram {
		l.MaxDatagram = maxDatagram
	}
	l.IdleTimeout = time.Duration(pick(int64(l.IdleTimeout), int64(d.IdleTimeout)))
	l.SocketsPerClient = int(pick(int64(l.SocketsPerClient), int64(d.SocketsPerClient)))
	l.ListenersPerClient = int(pick(int64(l.ListenersPerClient), int64(d.ListenersPerClient)))
	l.BytesPerSecondPerClient = pick(l.BytesPerSecondPerClient, d.BytesPerSecondPerClient)
	if l.HostPorts == (PortRange{}) {
		l.HostPorts = d.HostPorts
	}
	if l.files == 0 {
		l.files = openFileLimit()
	}
	switch {
	case l.ReserveFDs == 0:
		l.ReserveFDs = max(256, l.files/8)
	case l.ReserveFDs < 0:
		l.ReserveFDs = 0
	}
	switch {
	case l.LookupsPerSecond == 0:
		l.LookupsPerSecond = d.LookupsPerSecond
	case l.LookupsPerSecond < 0:
		l.LookupsPerSecond = 0
	}
	return l
}

// Flags registers a flag for every limit, writing into l.
func (l *Limits) Flags(fl *flag.FlagSet) {
	d := DefaultLimits
	fl.IntVar(&l.Sessions, "max-sessions", d.Sessions, "program sessions open at once, in total (-1: no limit)")
	fl.IntVar(&l.SessionsPerClient, "max-sessions-per-client", d.SessionsPerClient, "program sessions one client address may hold at once")
	fl.IntVar(&l.SocketsPerLearner, "max-sockets", d.SocketsPerLearner, "open sockets (connections, listeners, UDP) per learner")
	fl.IntVar(&l.ListenersPerLearner, "max-listeners", d.ListenersPerLearner, "listening sockets per learner")
	l.BytesPerSecond, l.BytesPerSession = d.BytesPerSecond, d.BytesPerSession
	fl.Var((*byteSize)(&l.BytesPerSecond), "rate", "`bytes` per second per learner, both directions (e.g. 64MiB; -1: no limit)")
	fl.Var((*byteSize)(&l.BytesPerSession), "max-bytes", "`bytes` one program session may move in all (e.g. 4GiB)")
	fl.IntVar(&l.MaxDatagram, "max-datagram", d.MaxDatagram, "largest UDP datagram a program may send, in bytes")
	fl.DurationVar(&l.IdleTimeout, "idle-timeout", d.IdleTimeout, "close a connection that carried nothing for this long")
	fl.Float64Var(&l.LookupsPerSecond, "lookup-rate", d.LookupsPerSecond, "name lookups per second per learner")
	fl.IntVar(&l.SocketsPerClient, "max-sockets-per-client", d.SocketsPerClient, "open sockets per client address, across all its learners (IPv6: per /64)")
	fl.IntVar(&l.ListenersPerClient, "max-listeners-per-client", d.ListenersPerClient, "listening sockets per client address, across all its learners")
	l.BytesPerSecondPerClient = d.BytesPerSecondPerClient
	fl.Var((*byteSize)(&l.BytesPerSecondPerClient), "rate-per-client", "`bytes` per second per client address, all its learners together (-1: no limit)")
	fl.IntVar(&l.ReserveFDs, "reserve-fds", 0, "file descriptors kept free for new clients and the lab servers (0: an eighth of the process's limit, at least 256)")
	fl.IntVar(&l.LabConnsPerPeer, "lab-conns-per-peer", 256, "connections one learner (or the gateway host's clients together) may hold open to each lab server")
	l.HostPorts = d.HostPorts
	fl.Var(&l.HostPorts, "host-ports", "`range` of host ports learners' listeners really open on (FIRST-LAST)")
}

// byteSize is a flag value like 64MiB, 1.5GB or 1000.
type byteSize int64

func (b *byteSize) String() string { return formatBytes(int64(*b)) }

func (b *byteSize) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

var byteUnits = []struct {
	suffix string
	n      float64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.n
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: write a number with an optional unit, like 64MiB or 1GB", s)
	}
	return int64(v * mult), nil
}

func formatBytes(n int64) string {
	switch {
	case n < 0:
		return strconv.FormatInt(n, 10)
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10)
}

// newLimiter allows perSecond events a second, with up to burst saved (rounded up to a whole
// one); perSecond <= 0 is no limit.
func newLimiter(perSecond, burst float64) *rate.Limiter {
	if perSecond <= 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(int(math.Ceil(burst)), 1))
}

// waitN takes n tokens from l, sleeping as long as the rate requires; it gives up when ctx
// ends. Unlike Limiter.WaitN it takes more than the burst too, a burst at a time, so one
// large read or datagram waits its share rather than failing.
func waitN(ctx context.Context, l *rate.Limiter, n int) error {
	if l.Limit() == rate.Inf {
		return nil
	}
	burst := l.Burst()
	for n > 0 {
		k := min(n, burst)
		if err := l.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
