package metrics

import (
	"net/netip"
	"sync"
	"time"
)

// Session lines one client address may cause in a minute. A classroom's learner runs a
// program every few seconds at most; past this the address is churning sessions, and the
// lines it would cost are counted and told in its next line instead, so that no client can
// grow the log as fast as it can open WebSockets.
const (
	linesPerMinute = 60
	mostClients    = 4096 // addresses remembered; past it all are forgotten (a line each at worst)
)

// lineBudget holds each client address to linesPerMinute session lines.
type lineBudget struct {
	mu      sync.Mutex
	clients map[string]*minute
}

type minute struct {
	start   time.Time
	lines   int
	skipped int // lines held back, told with the next line written
}

// take says whether a line for client may be written now, and how many were held back since
// the last one that was.
func (b *lineBudget) take(client string, now time.Time) (ok bool, skipped int) {
	key := clientKey(client)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.clients == nil || len(b.clients) >= mostClients {
		b.clients = map[string]*minute{}
	}
	m := b.clients[key]
	if m == nil {
		m = &minute{start: now}
		b.clients[key] = m
	}
	if now.Sub(m.start) >= time.Minute {
		m.start, m.lines = now, 0
	}
	if m.lines >= linesPerMinute {
		m.skipped++
		return false, 0
	}
	m.lines++
	skipped, m.skipped = m.skipped, 0
	return true, skipped
}

// clientKey groups addresses as the relay's limits do: an IPv4 address, an IPv6 client's /64.
func clientKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if ap, err := netip.ParseAddrPort(addr); err == nil {
			ip = ap.Addr()
		} else {
			return addr
		}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
