package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalid is wrapped by every error about input the package cannot read: a host that is
// neither an address nor a name, a malformed --allow pattern, a port or protocol out of range.
var ErrInvalid = errors.New("invalid")

// invalid is an input error: its text is the whole message, and it matches ErrInvalid.
type invalid struct{ msg string }

func (e *invalid) Error() string        { return e.msg }
func (e *invalid) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error {
	return &invalid{fmt.Sprintf(format, args...)}
}

const maxHost = 253 // the longest DNS name, without its final dot

// ParseHost reads a destination host the way the gateway does before any rule is checked.
// It returns either a name or an address, never both.
//
// IPv6 literals may be bracketed ("[::1]"). A zone ("fe80::1%eth0") is refused: it would let
// a program choose one of the gateway's network interfaces.
//
// IPv4 is read the way the C library's inet_aton reads it, which is also how browsers read
// the host of a URL: one to four parts separated by dots; a part is decimal, octal when it
// starts with 0, or hexadecimal after 0x; the last part fills all the bytes that remain. So
// "2130706433", "0177.0.0.1", "0x7f.1" and "127.1" are all 127.0.0.1, and one trailing dot is
// ignored. The gateway checks and dials the address it read, never the spelling, so no other
// program gets to read the spelling differently.
//
// Anything else must be a DNS name: labels of letters, digits, '-' and '_', separated by
// dots, no label starting or ending with '-', at most 253 characters. The name comes back in
// lower case without a trailing dot. A host whose last label is a number ("1.2.3.999",
// "example.0x10") is refused, never looked up: a C resolver would take it for an address.
//
// Every error wraps ErrInvalid.
func ParseHost(host string) (name string, addr netip.Addr, err error) {
	h := host
	bracketed := len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']'
	if bracketed {
		h = h[1 : len(h)-1]
	}
	if bracketed || strings.Contains(h, ":") {
		if strings.Contains(h, "%") {
			return "", netip.Addr{}, invalidf("%q names a network interface (the part after %%); the lab does not let programs choose the gateway's interfaces", host)
		}
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return "", netip.Addr{}, invalidf("%q is not a valid IPv6 address", host)
		}
		return "", a, nil
	}
	if h == "" {
		return "", netip.Addr{}, invalidf("the host is empty")
	}
	if len(h) > maxHost+1 {
		return "", netip.Addr{}, invalidf("the host is %d characters long; a DNS name has at most %d", len(h), maxHost)
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if endsInNumber(h[strings.LastIndexByte(h, '.')+1:]) {
		a, ok := parseIPv4(h)
		if !ok {
			return "", netip.Addr{}, invalidf("%q ends in a number, so it reads as an IPv4 address, but it is not a valid one: write one to four parts, each decimal, octal after a leading 0 or hex after 0x, and each part before the last at most 255", host)
		}
		return "", a, nil
	}
	if err := checkName(h); err != nil {
		return "", netip.Addr{}, invalidf("%q is not a valid host name: %s", host, err.Error())
	}
	return h, netip.Addr{}, nil
}

// endsInNumber reports whether the last label of a host makes it an IPv4 literal: all
// decimal digits, or 0x followed by hex digits (possibly none). label is lower case.
func endsInNumber(label string) bool {
	if label == "" {
		return false
	}
	digits, start := "0123456789", 0
	if len(label) >= 2 && label[0] == '0' && label[1] == 'x' {
		digits, start = "0123456789abcdef", 2
	}
	for i := start; i < len(label); i++ {
		if !strings.ContainsRune(digits, rune(label[i])) {
			return false
		}
	}
	return true
}

// parseIPv4 reads s (lower case, no trailing dot) as inet_aton does.
func parseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	last := len(parts) - 1
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < last {
			if n > 0xff {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-last)) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Part reads one part of an inet_aton address: 0x hex, 0 octal, else decimal.
// It fails on an empty part, a digit outside the base, or a value above 32 bits.
func parseIPv4Part(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && p[1] == 'x':
		base, p = 16, p[2:] // "0x" alone is 0, as in inet_aton
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	var n uint64
	for i := 0; i < len(p); i++ {
		d := uint64(strings.IndexByte("0123456789abcdef", p[i]))
		if d >= base { // IndexByte's -1 wraps to a huge value
			return 0, false
		}
		n = n*base + d
		if n > 0xffffffff {
			return 0, false
		}
	}
	return n, true
}

// checkName says what is wrong with a DNS name (lower case, no trailing dot), if anything.
func checkName(name string) error {
	if name == "" {
		return errors.New("it is empty")
	}
	if len(name) > maxHost {
		return fmt.Errorf("it is %d characters long; a DNS name has at most %d", len(name), maxHost)
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return errors.New("it has an empty label (two dots in a row, or a dot at the start)")
		case len(label) > 63:
			return fmt.Errorf("the label %q is longer than 63 characters", label)
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Errorf("the label %q starts or ends with '-'", label)
		}
		for _, c := range label {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%q is not allowed in a host name; use letters, digits, '-' and '_' (write international names in their xn-- form)", c)
			}
		}
	}
	return nil
}
