package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// hostKind says what the host part of a rule matches.
type hostKind uint8

const (
	anyPublic hostKind = iota + 1 // "*": every address outside the special ranges
	exactName                     // "example.org"
	subdomain                     // "*.example.org": names below example.org, not example.org itself
	cidr                          // "203.0.113.0/24", "[2001:db8::/32]", or one address
)

// Rule is one --allow pattern, parsed: HOST:PORTS[/PROTO].
//
// HOST is "*" (every public address), a DNS name ("example.org"), "*." and a name (its
// subdomains, not the name itself), or a CIDR prefix. A lone address is the prefix of that
// one address (10.1.2.3 is 10.1.2.3/32). IPv6 goes in brackets: "[2001:db8::/32]". IPv4 must
// be written in plain dotted decimal. PORTS is one port, a range "1000-2000", or "*". PROTO
// is "tcp" or "udp"; without it the rule covers both.
//
// Only a CIDR rule can open a special range (loopback, private networks, the gateway's own
// addresses, ...; see docs/security.md), and only when its prefix lies wholly inside that
// range. Names and "*" never reach special addresses.
//
// The zero Rule matches nothing. Rules are comparable with ==.
type Rule struct {
	kind     hostKind
	name     string       // exactName: the name; subdomain: the parent ("example.org")
	prefix   netip.Prefix // cidr
	lo, hi   uint16       // ports, inclusive
	tcp, udp bool
}

const maxRule = 1024

// ParseRule reads one --allow pattern, for example "example.org:80",
// "203.0.113.0/24:1-1024/tcp", "*:80", "127.0.0.1/32:9000" or "[2001:db8::/32]:443/udp".
// Surrounding spaces are ignored. Errors wrap ErrInvalid and say how to write the pattern.
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rule{}, invalidf("the pattern is empty; write HOST:PORT, such as example.org:80")
	}
	if len(s) > maxRule {
		return Rule{}, invalidf("the pattern is %d characters long; the limit is %d", len(s), maxRule)
	}
	var host, rest string
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Rule{}, invalidf("%q opens a bracket that does not close: write [2001:db8::/32]:443", s)
		}
		host, rest = s[:end+1], s[end+1:]
		if rest == "" {
			return Rule{}, noPort(s, host)
		}
		if rest[0] != ':' {
			return Rule{}, invalidf("%q: expected ':' and a port after %s", s, host)
		}
		rest = rest[1:]
	} else {
		var ok bool
		host, rest, ok = strings.Cut(s, ":")
		if !ok {
			return Rule{}, noPort(s, host)
		}
		if strings.Contains(rest, ":") {
			return Rule{}, invalidf("%q: put an IPv6 address or prefix in brackets, such as [2001:db8::/32]:443", s)
		}
	}
	var r Rule
	if err := r.parseHost(s, host); err != nil {
		return Rule{}, err
	}
	ports, proto, hasProto := strings.Cut(rest, "/")
	if err := r.parsePorts(s, ports); err != nil {
		return Rule{}, err
	}
	switch p := strings.ToLower(proto); {
	case !hasProto:
		r.tcp, r.udp = true, true
	case p == "tcp":
		r.tcp = true
	case p == "udp":
		r.udp = true
	default:
		return Rule{}, invalidf("%q: the protocol must be tcp or udp, not %q; leave it out to allow both", s, proto)
	}
	return r, nil
}

func noPort(s, host string) error {
	return invalidf("%q has no port: write %s:80 for one port, %[2]s:8000-8100 for a range, or %[2]s:* for every port", s, host)
}

func (r *Rule) parseHost(s, host string) error {
	switch {
	case host == "":
		return invalidf("%q has no host before the ':'; use * for every public address", s)
	case host == "*":
		r.kind = anyPublic
		return nil
	case host[0] == '[':
		inner := host[1 : len(host)-1]
		if strings.Contains(inner, "%") {
			return invalidf("%q: an address with a zone (%%) names a network interface; patterns cannot", s)
		}
		p, err := parsePrefix(inner)
		if err != nil || !strings.Contains(inner, ":") {
			return invalidf("%q: %s is not an IPv6 address or prefix; brackets are for IPv6 only", s, host)
		}
		return r.setPrefix(s, p)
	case strings.HasPrefix(host, "*."):
		parent := strings.TrimSuffix(strings.ToLower(host[2:]), ".")
		if err := r.checkPatternName(s, parent); err != nil {
			return err
		}
		r.kind, r.name = subdomain, parent
		return nil
	case strings.Contains(host, "*"):
		return invalidf("%q: '*' is either the whole host or the first label, as in *.example.org", s)
	case strings.Contains(host, "/"):
		p, err := parsePrefix(host)
		if err != nil || !p.Addr().Is4() {
			return invalidf("%q: %s is not an IPv4 prefix; write it as 203.0.113.0/24", s, host)
		}
		return r.setPrefix(s, p)
	}
	name, addr, err := ParseHost(host)
	switch {
	case err != nil && strings.Contains(host, "%"):
		return invalidf("%q: an address with a zone (%%) names a network interface; patterns cannot", s)
	case err != nil:
		return invalidf("%q: %s", s, err.Error())
	case addr.IsValid():
		strict, err := netip.ParseAddr(host)
		if err != nil || strict != addr {
			return invalidf("%q: %s is an unusual spelling of %s; write %[3]s", s, host, addr)
		}
		return r.setPrefix(s, netip.PrefixFrom(addr, addr.BitLen()))
	}
	r.kind, r.name = exactName, name
	return nil
}

func (r *Rule) checkPatternName(s, name string) error {
	if strings.Contains(name, "*") {
		return invalidf("%q: '*' is either the whole host or the first label, as in *.example.org", s)
	}
	if err := checkName(name); err != nil {
		return invalidf("%q: %s is not a valid name: %s", s, name, err.Error())
	}
	if endsInNumber(name[strings.LastIndexByte(name, '.')+1:]) {
		return invalidf("%q: %s ends in a number, so it is no DNS name; use a CIDR for addresses", s, name)
	}
	return nil
}

// parsePrefix reads a prefix, or a lone address as the prefix of that one address. An
// IPv4-mapped IPv6 prefix is turned into the IPv4 prefix it stands for, since destinations
// are unmapped before they are checked.
func parsePrefix(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, err
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

func (r *Rule) setPrefix(s string, p netip.Prefix) error {
	if m := p.Masked(); m != p {
		return invalidf("%q: %s has bits set beyond its /%d prefix; write %s for the whole network or %s for one address",
			s, p, p.Bits(), m, netip.PrefixFrom(p.Addr(), p.Addr().BitLen()))
	}
	r.kind, r.prefix = cidr, p
	return nil
}

func (r *Rule) parsePorts(s, ports string) error {
	if ports == "*" {
		r.lo, r.hi = 1, 65535
		return nil
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	a, err := parsePort(s, lo)
	if err != nil {
		return err
	}
	b, err := parsePort(s, hi)
	if err != nil {
		return err
	}
	if a > b {
		return invalidf("%q: the port range %s runs backwards; write %d-%d", s, ports, b, a)
	}
	r.lo, r.hi = a, b
	return nil
}

func parsePort(s, p string) (uint16, error) {
	if p == "" {
		return 0, invalidf("%q: a port is missing; write a number from 1 to 65535, a range such as 8000-8100, or *", s)
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, invalidf("%q: %q is not a port; write a number from 1 to 65535, a range such as 8000-8100, or *", s, p)
		}
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return 0, invalidf("%q: port %s is out of range; ports run from 1 to 65535", s, p)
	}
	return uint16(n), nil
}

// String writes the rule back as a pattern that ParseRule reads as the same Rule: a lone
// address as a /32 or /128 prefix, every port as *, no protocol when both are allowed.
func (r Rule) String() string {
	var b strings.Builder
	switch r.kind {
	case anyPublic:
		b.WriteString("*")
	case exactName:
		b.WriteString(r.name)
	case subdomain:
		b.WriteString("*." + r.name)
	case cidr:
		if r.prefix.Addr().Is6() {
			b.WriteString("[" + r.prefix.String() + "]")
		} else {
			b.WriteString(r.prefix.String())
		}
	default:
		return "(no rule)"
	}
	b.WriteByte(':')
	switch {
	case r.lo == 1 && r.hi == 65535:
		b.WriteString("*")
	case r.lo == r.hi:
		b.WriteString(strconv.Itoa(int(r.lo)))
	default:
		b.WriteString(strconv.Itoa(int(r.lo)) + "-" + strconv.Itoa(int(r.hi)))
	}
	switch {
	case r.tcp && !r.udp:
		b.WriteString("/tcp")
	case r.udp && !r.tcp:
		b.WriteString("/udp")
	}
	return b.String()
}

// covers reports whether the rule's protocol and ports include proto and port.
func (r *Rule) covers(proto string, port int) bool {
	if port < int(r.lo) || port > int(r.hi) {
		return false
	}
	return proto == "tcp" && r.tcp || proto == "udp" && r.udp
}

// mayMatchName reports whether the rule could allow some address of name: a name pattern
// for it, "*", or any CIDR (the name may resolve into it).
func (r *Rule) mayMatchName(name string) bool {
	return r.kind == anyPublic || r.kind == cidr || r.matchesName(name)
}

func (r *Rule) matchesName(name string) bool {
	switch r.kind {
	case exactName:
		return name == r.name
	case subdomain:
		return strings.HasSuffix(name, "."+r.name)
	}
	return false
}

// allowsPublic reports whether the rule allows a, an address outside every special range,
// reached as name ("" for a literal).
func (r *Rule) allowsPublic(name string, a netip.Addr) bool {
	switch r.kind {
	case anyPublic:
		return true
	case cidr:
		return r.prefix.Contains(a)
	}
	return name != "" && r.matchesName(name)
}

// opens reports whether the rule opens a, which lies in the special range sp: the rule is a
// CIDR holding a that lies wholly inside sp.
func (r *Rule) opens(a netip.Addr, sp netip.Prefix) bool {
	return r.kind == cidr && r.prefix.Contains(a) &&
		r.prefix.Bits() >= sp.Bits() && sp.Contains(r.prefix.Addr())
}

// Flag collects --allow patterns; it implements flag.Value:
//
//	var allow policy.Flag
//	fl.Var(&allow, "allow", "allow an outside destination: HOST:PORTS[/tcp|/udp] (repeatable)")
//	...
//	p := policy.New(allow, nil)
//
// Each use of the flag adds one pattern, or several separated by commas.
type Flag []Rule

// String lists the patterns, separated by commas.
func (f *Flag) String() string {
	if f == nil {
		return ""
	}
	s := make([]string, len(*f))
	for i, r := range *f {
		s[i] = r.String()
	}
	return strings.Join(s, ",")
}

// Set parses one or more comma-separated patterns and adds them. On error nothing is added.
func (f *Flag) Set(s string) error {
	var add []Rule
	for part := range strings.SplitSeq(s, ",") {
		r, err := ParseRule(part)
		if err != nil {
			return err
		}
		add = append(add, r)
	}
	*f = append(*f, add...)
	return nil
}
