package policy

import (
	"net/netip"
)

// A special range is address space that no pattern but an explicit CIDR may open: the
// gateway's own machine, networks behind it, and addresses that are not meant to be reached
// on the public internet at all. what completes the sentence "<prefix> is ...".
type special struct {
	prefix netip.Prefix
	what   string
}

// specials lists every special range. When ranges nest, the narrowest one containing an
// address is the one that counts (::1/128 inside ::/96 inside ::/3).
//
// IPv4-mapped addresses (::ffff:a.b.c.d) are not here: they are the IPv4 address itself
// (a socket to one is a socket to a.b.c.d), so the policy unmaps them before any check and
// they meet the IPv4 ranges below.
var specials = []special{
	{pfx("0.0.0.0/8"), `reserved for "this network"`},
	{pfx("0.0.0.0/32"), "the unspecified address, which reaches the gateway machine itself"},
	{pfx("10.0.0.0/8"), "a private network"},
	{pfx("100.64.0.0/10"), "shared address space (carrier-grade NAT)"},
	{pfx("127.0.0.0/8"), "loopback, the gateway machine itself"},
	{pfx("169.254.0.0/16"), "link-local"},
	{pfx("169.254.169.254/32"), "the cloud metadata service"},
	{pfx("172.16.0.0/12"), "a private network"},
	{pfx("192.0.0.0/24"), "reserved for IETF protocol assignments"},
	{pfx("192.0.2.0/24"), "reserved for documentation"},
	{pfx("192.88.99.0/24"), "the 6to4 relay anycast block"},
	{pfx("192.168.0.0/16"), "a private network"},
	{pfx("198.18.0.0/15"), "reserved for benchmarking"},
	{pfx("198.51.100.0/24"), "reserved for documentation"},
	{pfx("203.0.113.0/24"), "reserved for documentation"},
	{pfx("224.0.0.0/4"), "multicast"},
	{pfx("240.0.0.0/4"), "reserved"},
	{pfx("255.255.255.255/32"), "the broadcast address"},

	// Global unicast IPv6 is 2000::/3; everything outside it is reserved or local, and the
	// three entries for that space catch what the narrower ones below do not name.
	{pfx("::/3"), "reserved IPv6 space (outside global unicast, 2000::/3)"},
	{pfx("4000::/2"), "reserved IPv6 space (outside global unicast, 2000::/3)"},
	{pfx("8000::/1"), "reserved IPv6 space (outside global unicast, 2000::/3)"},
	{pfx("::/128"), "the unspecified address, which reaches the gateway machine itself"},
	{pfx("::1/128"), "loopback, the gateway machine itself"},
	{pfx("::/96"), "the deprecated IPv4-compatible block"},
	{pfx("64:ff9b::/96"), "the NAT64 prefix, which reaches IPv4 through a translator"},
	{pfx("64:ff9b:1::/48"), "the local-use NAT64 prefix, which reaches IPv4 through a translator"},
	{pfx("100::/64"), "the discard-only block"},
	{pfx("2001::/32"), "Teredo tunnelling"},
	{pfx("2001:2::/48"), "reserved for benchmarking"},
	{pfx("2001:db8::/32"), "reserved for documentation"},
	{pfx("3fff::/20"), "reserved for documentation"},
	{pfx("fc00::/7"), "a private network (unique local addresses)"},
	{pfx("fe80::/10"), "link-local"},
	{pfx("fec0::/10"), "the deprecated site-local block"},
	{pfx("ff00::/8"), "multicast"},
}

const ownWhat = "this gateway's own address"

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// specialFor returns the narrowest special range holding a (already unmapped).
//
// The gateway's own addresses count as one-address ranges, narrower than any listed range,
// since a connection from the machine to its own address never leaves it and may pass
// firewalls that guard that address from outside: --allow 192.168.1.0/24:80 does not open
// the gateway's own 192.168.1.5 unless 192.168.1.5/32 is named too. Loopback addresses are
// the exception: all of 127.0.0.0/8 is this machine already, so --allow 127.0.0.0/8:9000
// opens 127.0.0.1 as well as 127.0.0.2.
func specialFor(a netip.Addr, own []netip.Addr) (special, bool) {
	if !a.IsLoopback() {
		for _, o := range own {
			if o == a {
				return special{netip.PrefixFrom(a, a.BitLen()), ownWhat}, true
			}
		}
	}
	var best special
	found := false
	for _, s := range specials {
		if s.prefix.Contains(a) && (!found || s.prefix.Bits() > best.prefix.Bits()) {
			best, found = s, true
		}
	}
	return best, found
}

var (
	nat64Prefix  = pfx("64:ff9b::/96")
	nat64Local   = pfx("64:ff9b:1::/48")
	v4Compatible = pfx("::/96")
	sixToFour    = pfx("2002::/16")
	teredo       = pfx("2001::/32")
)

// embedded returns the IPv4 addresses an IPv6 address stands for when it is only a way to
// reach IPv4: NAT64 (the last 32 bits), IPv4-compatible (the last 32 bits), 6to4 (bits 16 to
// 47) and Teredo (the server in bits 32 to 63 and the client, inverted, in the last 32).
// The local-use NAT64 prefix may be cut at any length from /48; the common /96 layout is
// assumed. a is unmapped; for an IPv4 address embedded returns nothing.
func embedded(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	last := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	switch {
	case nat64Prefix.Contains(a), nat64Local.Contains(a):
		return []netip.Addr{last}
	case v4Compatible.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		return []netip.Addr{last}
	case sixToFour.Contains(a):
		return []netip.Addr{netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})}
	case teredo.Contains(a):
		server := netip.AddrFrom4([4]byte{b[4], b[5], b[6], b[7]})
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{server, client}
	}
	return nil
}
