package policy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var ruleSeeds = []string{
	"example.org:80", "*.example.org:443/tcp", "*:80", "*:*", "203.0.113.0/24:1-1024/tcp",
	"127.0.0.1/32:9000", "[2001:db8::/32]:443/udp", "[::ffff:10.0.0.0/104]:80", "[::1]:9000",
	"10.1.2.3/8:80", "0177.0.0.1:80", "2001:db8::1:80", "[fe80::1%eth0]:80", "example.org:1024-1",
	"*.:80", "example.org:80/icmp", "[", "[]:80", ":", "*:0", "a:1-", "x:*/udp", "[::]:1",
}

// FuzzParseRule: no input panics; a refused pattern is ErrInvalid; an accepted one is a
// sensible rule that String writes back in a form ParseRule reads as the same rule.
func FuzzParseRule(f *testing.F) {
	for _, s := range ruleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseRule(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if r.kind == 0 || r.lo == 0 || r.lo > r.hi || !r.tcp && !r.udp {
			t.Fatalf("ParseRule(%q) = %#v: not a sensible rule", s, r)
		}
		if r.kind == cidr && (r.prefix != r.prefix.Masked() || r.prefix.Addr().Zone() != "") {
			t.Fatalf("ParseRule(%q) = %v: prefix not canonical", s, r)
		}
		out := r.String()
		again, err := ParseRule(out)
		if err != nil || again != r || again.String() != out {
			t.Fatalf("ParseRule(%q) = %q, which reads back as %q, %v", s, out, again, err)
		}
		if !strings.Contains(s, ",") {
			var fl Flag
			if err := fl.Set(s); err != nil || len(fl) != 1 || fl[0] != r {
				t.Fatalf("Flag.Set(%q) = %v, %v; want the rule %q", s, fl, err, r)
			}
		}
	})
}

var hostSeeds = []string{
	"example.org", "EXAMPLE.org.", "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "127.1",
	"0x7f000001", "017700000001", "127.0.0.1.", "1.2.3.999", "08.1.1.1", "0x", "0x.0x", "0.0",
	"4294967296", "::1", "[::1]", "::ffff:127.0.0.1", "fe80::1%eth0", "64:ff9b::a00:1",
	"example.123", "1.2.3.4.5", "a..b", "-a", "_a", "", ".", "[", "]", "[]", "0x100000000",
}

// ipv4Part is one part of an inet_aton address, as a regular expression.
var ipv4Part = regexp.MustCompile(`^(0x[0-9a-f]*|[0-9]+)$`)

// refIPv4 reads s as inet_aton does, written independently of parseIPv4 with strconv's
// base prefixes. ok is false when s is not such an address.
func refIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums []uint64
	for _, p := range parts {
		if !ipv4Part.MatchString(p) {
			return netip.Addr{}, false
		}
		if p == "0x" {
			p = "0"
		}
		n, err := strconv.ParseUint(p, 0, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v += n << (24 - 8*i)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(32-8*(len(nums)-1)) {
		return netip.Addr{}, false
	}
	v += last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// FuzzParseHost: no input panics; the result is a name or an address, never both; names
// come back normalised and can never be read as an address; addresses agree with Go's
// strict parser wherever it accepts the input, agree with an independent inet_aton reading
// (an over-long host may be refused instead),
// and read back the same from their other spellings.
func FuzzParseHost(f *testing.F) {
	for _, s := range hostSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, addr, err := ParseHost(s)
		inner := s
		if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
			inner = s[1 : len(s)-1]
		}
		if strict, serr := netip.ParseAddr(inner); serr == nil && strict.Zone() == "" && (inner == s || strict.Is6()) {
			if err != nil || addr != strict {
				t.Fatalf("ParseHost(%q) = %v, %v; Go reads %v", s, addr, err, strict)
			}
		}
		if !strings.ContainsAny(s, ":[]") {
			ref, ok := refIPv4(s)
			if ok && (err != nil && len(s) <= maxHost+1 || err == nil && addr != ref) {
				t.Fatalf("ParseHost(%q) = %v, %v; inet_aton reads %v", s, addr, err, ref)
			}
			if !ok && addr.IsValid() {
				t.Fatalf("ParseHost(%q) = %v; inet_aton reads no address", s, addr)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) || name != "" || addr.IsValid() {
				t.Fatalf("ParseHost(%q) = %q, %v, %v: want only an ErrInvalid", s, name, addr, err)
			}
			return
		}
		if (name != "") == addr.IsValid() {
			t.Fatalf("ParseHost(%q) = %q, %v: want a name or an address", s, name, addr)
		}
		if name != "" {
			if name != strings.ToLower(name) || strings.HasSuffix(name, ".") || strings.ContainsAny(name, ":[]%") ||
				endsInNumber(name[strings.LastIndexByte(name, '.')+1:]) {
				t.Fatalf("ParseHost(%q) = name %q, not normalised", s, name)
			}
			if _, ok := refIPv4(name); ok {
				t.Fatalf("ParseHost(%q) = name %q, which inet_aton reads as an address", s, name)
			}
			if again, a, err := ParseHost(name); again != name || a.IsValid() || err != nil {
				t.Fatalf("ParseHost(%q) = %q, %v, %v; want the name back", name, again, a, err)
			}
			return
		}
		if addr.Zone() != "" {
			t.Fatalf("ParseHost(%q) = %v, with a zone", s, addr)
		}
		spellings := []string{addr.String(), "[" + addr.String() + "]"}
		if addr.Is4() {
			v := uint64(addr.As4()[0])<<24 | uint64(addr.As4()[1])<<16 | uint64(addr.As4()[2])<<8 | uint64(addr.As4()[3])
			b := addr.As4()
			spellings = append(spellings[:1], strconv.FormatUint(v, 10), fmt.Sprintf("0x%x", v), fmt.Sprintf("0%o", v),
				fmt.Sprintf("%d.%d", b[0], v&0xffffff), fmt.Sprintf("%d.%d.%d", b[0], b[1], v&0xffff), addr.String()+".")
		}
		for _, sp := range spellings {
			if _, again, err := ParseHost(sp); again != addr || err != nil {
				t.Fatalf("%v spelled %q reads back as %v, %v", addr, sp, again, err)
			}
		}
	})
}

// FuzzDecide: under *:* no host, whatever its spelling, yields an address that the
// standard library's classes call loopback, private, link-local, multicast or unspecified.
func FuzzDecide(f *testing.F) {
	for _, s := range hostSeeds {
		f.Add(s, uint16(80))
	}
	for _, c := range destinations {
		f.Add(c.host, uint16(c.port))
	}
	f.Fuzz(func(t *testing.T, host string, port uint16) {
		p := newTestPolicy(t, []string{"*:*"}, newDNS(t))
		d, err := p.Decide(context.Background(), "tcp", host, int(port))
		if err != nil {
			return
		}
		if !d.Allowed && !strings.HasPrefix(d.Reason, "blocked by lab policy: ") {
			t.Fatalf("Decide(%q) refused with reason %q", host, d.Reason)
		}
		checkSafe(t, p, d)
	})
}
