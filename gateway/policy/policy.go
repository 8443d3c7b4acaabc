package policy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Resolver looks up the addresses of a name. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Policy. A nil *Options means all defaults.
type Options struct {
	// Resolver looks up names that some rule could allow; a name that no rule could allow
	// is never looked up. It is asked for network "ip" and the fully qualified name, with a
	// final dot, so that no search domain changes which name is looked up.
	// Defaults to net.DefaultResolver.
	Resolver Resolver

	// OwnAddrs lists the gateway machine's own addresses. Decide calls it every time, since
	// interfaces come and go, and fails rather than guess when it returns an error.
	// Defaults to the addresses of every network interface (net.InterfaceAddrs).
	OwnAddrs func() ([]netip.Addr, error)
}

// Policy decides which destinations outside the lab a program may reach. It holds no state
// between calls and is safe for concurrent use. A nil *Policy allows nothing outside the lab.
type Policy struct {
	rules    []Rule
	resolver Resolver
	ownAddrs func() ([]netip.Addr, error)
}

// New returns a policy that allows what rules allow, in order: when several rules match, the
// first one is reported. With no rules nothing outside the lab is reachable.
func New(rules []Rule, opts *Options) *Policy {
	if opts == nil {
		opts = &Options{}
	}
	p := &Policy{rules: slices.Clone(rules), resolver: opts.Resolver, ownAddrs: opts.OwnAddrs}
	if p.resolver == nil {
		p.resolver = net.DefaultResolver
	}
	if p.ownAddrs == nil {
		p.ownAddrs = cachedInterfaceAddrs
	}
	return p
}

// Rules returns the policy's rules, in order.
func (p *Policy) Rules() []Rule {
	if p == nil {
		return nil
	}
	return slices.Clone(p.rules)
}

// Decision is the policy's verdict on one destination.
type Decision struct {
	// Allowed says whether the destination may be reached.
	Allowed bool

	// Addrs are the addresses to dial, in the order the resolver gave them, with the port;
	// empty unless Allowed. They are exactly the addresses that were checked: the caller
	// dials these and never resolves the name again.
	Addrs []netip.AddrPort

	// Rule is the pattern that allowed Addrs[0], as Rule.String writes it.
	Rule string

	// Reason explains a refusal to the learner, naming the range that refused it and the
	// --allow pattern that would open it. When the destination is allowed but some of its
	// addresses were dropped, Reason says which and why; otherwise it is empty.
	Reason string

	// Refused names what refused a destination that is not Allowed, in a word fit for a
	// metric's label: "no-rule" when no pattern allows it, "gateway-address" for one of this
	// machine's own addresses, or the special range that holds it ("10.0.0.0/8",
	// "169.254.169.254/32"). Empty when Allowed.
	Refused string
}

// Decide says whether proto ("tcp" or "udp") may reach host:port. host is a name or an IP
// literal in any spelling that ParseHost reads.
//
// A name is resolved once, and only when some rule could allow it. Every address of the
// answer is checked; the allowed ones are returned in Decision.Addrs, and if none remain the
// refusal names the range of the first refused one. An IPv4-mapped IPv6 address
// (::ffff:10.0.0.1) is checked and returned as the IPv4 address it stands for.
//
// The error is non-nil only when no verdict could be reached: bad arguments (wrapping
// ErrInvalid), a failed lookup (the resolver's error, a *net.DNSError for a name that does
// not exist), or own addresses that could not be listed.
func (p *Policy) Decide(ctx context.Context, proto, host string, port int) (Decision, error) {
	if p == nil {
		p = New(nil, nil)
	}
	if proto != "tcp" && proto != "udp" {
		return Decision{}, invalidf("the protocol must be tcp or udp, not %q", proto)
	}
	if port < 1 || port > 65535 {
		return Decision{}, invalidf("port %d is out of range; ports run from 1 to 65535", port)
	}
	name, lit, err := ParseHost(host)
	if err != nil {
		return Decision{}, err
	}
	var rules []*Rule
	for i := range p.rules {
		if p.rules[i].covers(proto, port) {
			rules = append(rules, &p.rules[i])
		}
	}
	q := query{proto: proto, port: port, host: host, name: name}

	var addrs []netip.Addr
	if name != "" {
		if !slices.ContainsFunc(rules, func(r *Rule) bool { return r.mayMatchName(name) }) {
			return Decision{Reason: q.outside(), Refused: noRule}, nil
		}
		answer, err := p.resolver.LookupNetIP(ctx, "ip", name+".")
		if err != nil {
			return Decision{}, err
		}
		addrs = canonical(answer)
		if len(addrs) == 0 {
			return Decision{}, &net.DNSError{Err: "no addresses", Name: name, IsNotFound: true}
		}
	} else {
		addrs = []netip.Addr{lit.Unmap()}
	}
	own, err := p.ownAddrs()
	if err != nil {
		return Decision{}, fmt.Errorf("cannot list the gateway's own addresses, so no destination can be checked: %w", err)
	}
	own = canonical(own)

	var d Decision
	var refused []refusal
	for _, a := range addrs {
		r, why := check(rules, name, a, own)
		if r == nil {
			refused = append(refused, why)
			continue
		}
		if !d.Allowed {
			d.Allowed, d.Rule = true, r.String()
		}
		d.Addrs = append(d.Addrs, netip.AddrPortFrom(a, uint16(port)))
	}
	switch {
	case !d.Allowed:
		d.Reason, d.Refused = q.reason(refused[0]), refused[0].label()
	case len(refused) > 0:
		notes := make([]string, len(refused))
		for i, why := range refused {
			notes[i] = q.skipped(why)
		}
		d.Reason = strings.Join(notes, "; ")
	}
	return d, nil
}

// canonical unmaps addresses, drops zones and invalid ones, and removes repeats.
func canonical(in []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(in))
	for _, a := range in {
		a = a.Unmap().WithZone("")
		if a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// A failed check: addr lies in the special range sp, or, with sp zero, no rule allows addr.
type failed struct {
	addr netip.Addr
	sp   special
}

// refusal says why one address was refused: fails[0] is the reason, the rest are further
// embedded addresses that would need opening too.
type refusal struct {
	addr  netip.Addr // the address checked
	fails []failed
}

// check finds the first rule that allows a, reached as name ("" for a literal), and checks
// every IPv4 address that a carries. rules already cover the protocol and port.
func check(rules []*Rule, name string, a netip.Addr, own []netip.Addr) (*Rule, refusal) {
	why := refusal{addr: a}
	sp, isSpecial := specialFor(a, own)
	var allow *Rule
	for _, r := range rules {
		if isSpecial && r.opens(a, sp.prefix) || !isSpecial && r.allowsPublic(name, a) {
			allow = r
			break
		}
	}
	if allow == nil {
		why.fails = append(why.fails, failed{a, sp})
		if !isSpecial {
			return nil, why
		}
	}
	// Only special embedded addresses need opening: the translator or tunnel will carry the
	// connection to them, but a public one is no more than the destination already is.
	for _, e := range embedded(a) {
		esp, ok := specialFor(e, own)
		if ok && !slices.ContainsFunc(rules, func(r *Rule) bool { return r.opens(e, esp.prefix) }) {
			why.fails = append(why.fails, failed{e, esp})
		}
	}
	if len(why.fails) > 0 {
		return nil, why
	}
	return allow, why
}

// noRule is Decision.Refused for a destination that no pattern allows.
const noRule = "no-rule"

// label is Decision.Refused for a refusal.
func (why refusal) label() string {
	sp := why.fails[0].sp
	switch {
	case !sp.prefix.IsValid():
		return noRule
	case sp.what == ownWhat:
		return "gateway-address"
	}
	return sp.prefix.String()
}

// query is one Decide call, for wording its reasons.
type query struct {
	proto string
	port  int
	host  string // as the program wrote it
	name  string // "" for a literal
}

func (q query) rule(kind hostKind, name string, a netip.Addr) string {
	r := Rule{kind: kind, name: name, lo: uint16(q.port), hi: uint16(q.port), tcp: q.proto == "tcp", udp: q.proto == "udp"}
	if kind == cidr {
		r.prefix = netip.PrefixFrom(a, a.BitLen())
	}
	return "--allow " + r.String()
}

const blocked = "blocked by lab policy: "

// outside is the reason for a destination that no rule allows and no special range holds.
func (q query) outside() string {
	if q.name != "" {
		return blocked + q.name + " is outside the lab network; the operator can allow it with " + q.rule(exactName, q.name, netip.Addr{})
	}
	a := q.literal()
	return blocked + a.String() + " is outside the lab network; the operator can allow it with " + q.rule(cidr, "", a)
}

func (q query) literal() netip.Addr {
	_, a, _ := ParseHost(q.host)
	return a.Unmap()
}

func (sp special) String() string {
	if sp.prefix.IsSingleIP() {
		return sp.prefix.Addr().String() + " is " + sp.what
	}
	return sp.prefix.String() + " is " + sp.what
}

// reason words a refusal: how the program's host led to the refused address, the range
// that holds it, and the patterns that would open it.
func (q query) reason(why refusal) string {
	first := why.fails[0]
	if !first.sp.prefix.IsValid() {
		return q.outside()
	}
	var via []string
	switch h := strings.Trim(q.host, "[]"); {
	case q.name != "":
		via = append(via, q.name+" resolves to "+why.addr.String())
	case !strings.EqualFold(h, why.addr.String()):
		via = append(via, h+" reads as "+why.addr.String())
	}
	if first.addr != why.addr {
		if len(via) == 0 {
			via = append(via, why.addr.String()+" carries "+first.addr.String())
		} else {
			via = append(via, "which carries "+first.addr.String())
		}
	}
	var b strings.Builder
	b.WriteString(blocked)
	if len(via) > 0 {
		b.WriteString(strings.Join(via, ", ") + ", and ")
	}
	b.WriteString(first.sp.String())
	b.WriteString("; the operator can allow it with ")
	for i, f := range why.fails {
		if i > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(q.rule(cidr, "", f.addr))
	}
	return b.String()
}

// skipped words an address dropped from an allowed answer.
func (q query) skipped(why refusal) string {
	f := why.fails[0]
	switch {
	case !f.sp.prefix.IsValid():
		return fmt.Sprintf("skipped %s: no rule allows it", why.addr)
	case f.addr != why.addr:
		return fmt.Sprintf("skipped %s: it carries %s, and %s", why.addr, f.addr, f.sp)
	}
	return fmt.Sprintf("skipped %s: %s", why.addr, f.sp)
}

// ownAddrCache keeps the host's addresses for a moment: listing them asks the kernel over
// netlink, too slow to do on every connect, and they seldom change.
var ownAddrCache struct {
	mu    sync.Mutex
	at    time.Time
	addrs []netip.Addr
}

// cachedInterfaceAddrs is the default OwnAddrs: interfaceAddrs, at most a second old.
func cachedInterfaceAddrs() ([]netip.Addr, error) {
	c := &ownAddrCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.addrs != nil && time.Since(c.at) < time.Second {
		return c.addrs, nil
	}
	addrs, err := interfaceAddrs()
	if err != nil {
		return nil, err
	}
	c.addrs, c.at = addrs, time.Now()
	return addrs, nil
}

// interfaceAddrs lists the host's addresses.
func interfaceAddrs() ([]netip.Addr, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		var ip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			ip = a.IP
		case *net.IPAddr:
			ip = a.IP
		}
		if x, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// Lookup resolves name for a program that asked for its addresses, but only when some rule
// could allow the name on some port (ok reports that); otherwise nothing is looked up. The
// program then dials one of the addresses, and that dial is decided on its own: Lookup allows
// nothing by itself.
func (p *Policy) Lookup(ctx context.Context, name string) (addrs []netip.Addr, ok bool, err error) {
	if p == nil {
		return nil, false, nil
	}
	n, lit, err := ParseHost(name)
	if err != nil || n == "" || lit.IsValid() {
		return nil, false, err
	}
	if !slices.ContainsFunc(p.rules, func(r Rule) bool { return r.mayMatchName(n) }) {
		return nil, false, nil
	}
	answer, err := p.resolver.LookupNetIP(ctx, "ip", n+".")
	if err != nil {
		return nil, true, err
	}
	return canonical(answer), true, nil
}
