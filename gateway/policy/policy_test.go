package policy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeDNS answers from a fixed table and counts every lookup. A name may have several
// answers: the first lookup gets the first, the next the second, and the last repeats.
// It never sends a packet anywhere.
type fakeDNS struct {
	t       *testing.T
	answers map[string][][]string

	mu    sync.Mutex
	calls map[string]int
}

func newDNS(t *testing.T) *fakeDNS {
	return &fakeDNS{t: t, answers: testAnswers, calls: map[string]int{}}
}

var testAnswers = map[string][][]string{
	"example.org.":       {{"93.184.216.34", "2606:2800:220:1:248:1893:25c7:1946"}},
	"www.example.org.":   {{"93.184.216.34"}},
	"www.cdn.example.":   {{"151.101.1.1"}},
	"cdn.example.":       {{"151.101.2.2"}},
	"localhost.":         {{"127.0.0.1", "::1"}},
	"mixed.example.":     {{"10.0.0.5", "93.184.216.35", "127.0.0.1"}},
	"private.example.":   {{"192.168.0.10", "fd00::10"}},
	"meta.example.":      {{"169.254.169.254"}},
	"nat64.example.":     {{"64:ff9b::a9fe:a9fe"}},
	"mapped.example.":    {{"::ffff:127.0.0.1"}},
	"mappedpub.example.": {{"::ffff:93.184.216.34", "93.184.216.34"}},
	"self.example.":      {{"46.4.0.10"}},
	"zone.example.":      {{"fe80::1%eth0"}},
	"empty.example.":     {{}},
	// An attacker's name: public when checked, loopback a moment later.
	"rebind.example.": {{"93.184.216.36"}, {"127.0.0.1"}},
}

func (f *fakeDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if network != "ip" || !strings.HasSuffix(host, ".") {
		f.t.Errorf("LookupNetIP(%q, %q): want network ip and a fully qualified name", network, host)
	}
	f.mu.Lock()
	n := f.calls[host]
	f.calls[host]++
	f.mu.Unlock()
	answers, ok := f.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range answers[min(n, len(answers)-1)] {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func (f *fakeDNS) lookups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// testOwn stands for the gateway machine's interfaces: loopback, a LAN address, a public
// IPv4 and IPv6 address and a link-local one.
var testOwn = []netip.Addr{
	netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1"),
	netip.MustParseAddr("192.168.1.5"), netip.MustParseAddr("46.4.0.10"),
	netip.MustParseAddr("2a01:4f8::10"), netip.MustParseAddr("fe80::5"),
}

func newTestPolicy(t *testing.T, patterns []string, dns *fakeDNS) *Policy {
	t.Helper()
	var rules Flag
	for _, p := range patterns {
		if err := rules.Set(p); err != nil {
			t.Fatalf("pattern %q: %v", p, err)
		}
	}
	return New(rules, &Options{Resolver: dns, OwnAddrs: func() ([]netip.Addr, error) { return testOwn, nil }})
}

// Rule sets used by the table.
var (
	none    []string
	star80  = []string{"*:80"}
	names   = []string{"example.org:80", "*.cdn.example:443/tcp"}
	local   = []string{"127.0.0.1/32:9000"}
	wide    = []string{"0.0.0.0/0:80", "[::/0]:80"}
	lan     = []string{"192.168.1.0/24:80"}
	private = []string{"10.0.0.0/8:80"}
	wider   = []string{"10.0.0.0/7:80"}
	linkloc = []string{"169.254.0.0/16:80"}
	nat64   = []string{"[64:ff9b::/96]:*", "*:*"}
	nat64p  = []string{"[64:ff9b::/96]:*", "10.0.0.0/8:*"}
	lo8     = []string{"127.0.0.0/8:9000"}
)

const (
	pub4 = "93.184.216.34"
	pub6 = "2606:2800:220:1:248:1893:25c7:1946"
)

type destCase struct {
	rules   []string
	proto   string
	host    string
	port    int
	allowed []string // the addresses to dial, without port; nil means refused
	rule    string   // the rule reported when allowed
	reason  string   // must appear in Reason (refused, or allowed with skipped addresses)
	err     string   // Decide must fail with an error containing this
	lookups int      // how many lookups Decide may make
}

var destinations = []destCase{
	// Nothing outside the lab by default, and names no rule could allow are never looked up.
	{rules: none, host: "example.org", port: 80, reason: "blocked by lab policy: example.org is outside the lab network; the operator can allow it with --allow example.org:80/tcp"},
	{rules: none, proto: "udp", host: "8.8.8.8", port: 53, reason: "blocked by lab policy: 8.8.8.8 is outside the lab network; the operator can allow it with --allow 8.8.8.8/32:53/udp"},
	{rules: none, host: "10.1.2.3", port: 80, reason: "blocked by lab policy: 10.0.0.0/8 is a private network; the operator can allow it with --allow 10.1.2.3/32:80/tcp"},
	{rules: none, host: pub6, port: 443, reason: pub6 + " is outside the lab network"},
	{rules: none, host: "localhost", port: 80, reason: "localhost is outside the lab network"},

	// "*" matches every public address, and no special one.
	{rules: star80, host: "example.org", port: 80, allowed: []string{pub4, pub6}, rule: "*:80", lookups: 1},
	{rules: star80, proto: "udp", host: "example.org", port: 80, allowed: []string{pub4, pub6}, rule: "*:80", lookups: 1},
	{rules: star80, host: "example.org", port: 443, reason: "example.org is outside the lab network"},
	{rules: star80, host: "EXAMPLE.Org.", port: 80, allowed: []string{pub4, pub6}, rule: "*:80", lookups: 1},
	{rules: star80, host: "8.8.8.8", port: 80, allowed: []string{"8.8.8.8"}, rule: "*:80"},
	{rules: star80, host: pub6, port: 80, allowed: []string{pub6}, rule: "*:80"},
	{rules: star80, host: "[" + pub6 + "]", port: 80, allowed: []string{pub6}, rule: "*:80"},
	{rules: star80, host: "10.1.2.3", port: 80, reason: "blocked by lab policy: 10.0.0.0/8 is a private network; the operator can allow it with --allow 10.1.2.3/32:80/tcp"},
	{rules: star80, host: "10.10.0.37", port: 80, reason: "10.0.0.0/8 is a private network"},
	{rules: star80, host: "172.16.5.4", port: 80, reason: "172.16.0.0/12 is a private network"},
	{rules: star80, host: "172.31.255.255", port: 80, reason: "172.16.0.0/12 is a private network"},
	{rules: star80, host: "172.32.0.1", port: 80, allowed: []string{"172.32.0.1"}, rule: "*:80"},
	{rules: star80, host: "192.168.1.1", port: 80, reason: "192.168.0.0/16 is a private network"},
	{rules: star80, host: "100.64.0.1", port: 80, reason: "100.64.0.0/10 is shared address space"},
	{rules: star80, host: "100.127.255.255", port: 80, reason: "100.64.0.0/10 is shared address space"},
	{rules: star80, host: "100.128.0.1", port: 80, allowed: []string{"100.128.0.1"}, rule: "*:80"},
	{rules: star80, host: "127.0.0.1", port: 80, reason: "127.0.0.0/8 is loopback"},
	{rules: star80, host: "127.255.255.254", port: 80, reason: "127.0.0.0/8 is loopback"},
	{rules: star80, host: "0.0.0.0", port: 80, reason: "0.0.0.0 is the unspecified address, which reaches the gateway machine itself"},
	{rules: star80, host: "0.1.2.3", port: 80, reason: `0.0.0.0/8 is reserved for "this network"`},
	{rules: star80, host: "169.254.1.1", port: 80, reason: "169.254.0.0/16 is link-local"},
	{rules: star80, host: "169.254.169.254", port: 80, reason: "blocked by lab policy: 169.254.169.254 is the cloud metadata service; the operator can allow it with --allow 169.254.169.254/32:80/tcp"},
	{rules: star80, host: "224.0.0.1", port: 80, reason: "224.0.0.0/4 is multicast"},
	{rules: star80, proto: "udp", host: "239.255.255.250", port: 80, reason: "224.0.0.0/4 is multicast"},
	{rules: star80, proto: "udp", host: "255.255.255.255", port: 80, reason: "255.255.255.255 is the broadcast address"},
	{rules: star80, host: "240.0.0.1", port: 80, reason: "240.0.0.0/4 is reserved"},
	{rules: star80, host: "192.0.2.1", port: 80, reason: "192.0.2.0/24 is reserved for documentation"},
	{rules: star80, host: "198.51.100.1", port: 80, reason: "198.51.100.0/24 is reserved for documentation"},
	{rules: star80, host: "203.0.113.1", port: 80, reason: "203.0.113.0/24 is reserved for documentation"},
	{rules: star80, host: "198.19.255.255", port: 80, reason: "198.18.0.0/15 is reserved for benchmarking"},
	{rules: star80, host: "192.0.0.9", port: 80, reason: "192.0.0.0/24 is reserved for IETF protocol assignments"},
	{rules: star80, host: "192.88.99.1", port: 80, reason: "192.88.99.0/24 is the 6to4 relay anycast block"},
	{rules: star80, host: "::1", port: 80, reason: "blocked by lab policy: ::1 is loopback, the gateway machine itself; the operator can allow it with --allow [::1/128]:80/tcp"},
	{rules: star80, host: "[::1]", port: 80, reason: "::1 is loopback"},
	{rules: star80, host: "0:0:0:0:0:0:0:1", port: 80, reason: "0:0:0:0:0:0:0:1 reads as ::1, and ::1 is loopback"},
	{rules: star80, host: "::", port: 80, reason: ":: is the unspecified address"},
	{rules: star80, host: "fc00::1", port: 80, reason: "fc00::/7 is a private network (unique local addresses)"},
	{rules: star80, host: "fd12:3456::1", port: 80, reason: "fc00::/7 is a private network"},
	{rules: star80, host: "fe80::1", port: 80, reason: "fe80::/10 is link-local"},
	{rules: star80, host: "fec0::1", port: 80, reason: "fec0::/10 is the deprecated site-local block"},
	{rules: star80, proto: "udp", host: "ff02::1", port: 80, reason: "ff00::/8 is multicast"},
	{rules: star80, host: "2001:db8::1", port: 80, reason: "2001:db8::/32 is reserved for documentation"},
	{rules: star80, host: "3fff::1", port: 80, reason: "3fff::/20 is reserved for documentation"},
	{rules: star80, host: "100::1", port: 80, reason: "100::/64 is the discard-only block"},
	{rules: star80, host: "2001:2::1", port: 80, reason: "2001:2::/48 is reserved for benchmarking"},
	{rules: star80, host: "::1:2:3:4", port: 80, reason: "::/3 is reserved IPv6 space"},
	{rules: star80, host: "4000::1", port: 80, reason: "4000::/2 is reserved IPv6 space"},

	// IPv4-mapped addresses are their IPv4 address, in any IPv6 spelling.
	{rules: star80, host: "::ffff:127.0.0.1", port: 80, reason: "::ffff:127.0.0.1 reads as 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "[::ffff:7f00:1]", port: 80, reason: "::ffff:7f00:1 reads as 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "::FFFF:10.0.0.1", port: 80, reason: "reads as 10.0.0.1, and 10.0.0.0/8 is a private network; the operator can allow it with --allow 10.0.0.1/32:80/tcp"},
	{rules: star80, host: "::ffff:169.254.169.254", port: 80, reason: "169.254.169.254 is the cloud metadata service"},
	{rules: star80, host: "::ffff:" + pub4, port: 80, allowed: []string{pub4}, rule: "*:80"},

	// IPv6 forms that lead to IPv4: blocked as ranges, and their IPv4 is checked too.
	{rules: star80, host: "::127.0.0.1", port: 80, reason: "::/96 is the deprecated IPv4-compatible block; the operator can allow it with --allow [::7f00:1/128]:80/tcp and --allow 127.0.0.1/32:80/tcp"},
	{rules: star80, host: "64:ff9b::7f00:1", port: 80, reason: "64:ff9b::/96 is the NAT64 prefix, which reaches IPv4 through a translator; the operator can allow it with --allow [64:ff9b::7f00:1/128]:80/tcp and --allow 127.0.0.1/32:80/tcp"},
	{rules: star80, host: "64:ff9b::808:808", port: 80, reason: "64:ff9b::/96 is the NAT64 prefix"},
	{rules: star80, host: "64:ff9b:1::a00:1", port: 80, reason: "64:ff9b:1::/48 is the local-use NAT64 prefix"},
	{rules: star80, host: "2001:0:4136:e378:8000:63bf:3fff:fdd2", port: 80, reason: "2001::/32 is Teredo tunnelling"},
	{rules: star80, host: "2002:c0a8:101::1", port: 80, reason: "2002:c0a8:101::1 carries 192.168.1.1, and 192.168.0.0/16 is a private network; the operator can allow it with --allow 192.168.1.1/32:80/tcp"},
	{rules: star80, host: "2002:5db8:d822::1", port: 80, allowed: []string{"2002:5db8:d822::1"}, rule: "*:80"},
	{rules: nat64, host: "64:ff9b::808:808", port: 53, allowed: []string{"64:ff9b::808:808"}, rule: "[64:ff9b::/96]:*"},
	{rules: nat64, host: "64:ff9b::a00:1", port: 80, reason: "64:ff9b::a00:1 carries 10.0.0.1, and 10.0.0.0/8 is a private network; the operator can allow it with --allow 10.0.0.1/32:80/tcp"},
	{rules: nat64, host: "64:ff9b::a9fe:a9fe", port: 80, reason: "carries 169.254.169.254, and 169.254.169.254 is the cloud metadata service"},
	{rules: nat64p, host: "64:ff9b::a00:1", port: 80, allowed: []string{"64:ff9b::a00:1"}, rule: "[64:ff9b::/96]:*"},

	// IPv4 in the spellings a C resolver accepts: read as it reads them, then checked.
	{rules: star80, host: "2130706433", port: 80, reason: "blocked by lab policy: 2130706433 reads as 127.0.0.1, and 127.0.0.0/8 is loopback, the gateway machine itself; the operator can allow it with --allow 127.0.0.1/32:80/tcp"},
	{rules: star80, host: "0177.0.0.1", port: 80, reason: "0177.0.0.1 reads as 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "0x7f.1", port: 80, reason: "0x7f.1 reads as 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "127.1", port: 80, reason: "127.1 reads as 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "0X7F000001", port: 80, reason: "0X7F000001 reads as 127.0.0.1"},
	{rules: star80, host: "017700000001", port: 80, reason: "017700000001 reads as 127.0.0.1"},
	{rules: star80, host: "127.0.0.1.", port: 80, reason: "127.0.0.1. reads as 127.0.0.1"},
	{rules: star80, host: "10.1", port: 80, reason: "10.1 reads as 10.0.0.1, and 10.0.0.0/8 is a private network"},
	{rules: star80, host: "0xa.0.0.1", port: 80, reason: "0xa.0.0.1 reads as 10.0.0.1"},
	{rules: star80, host: "3232235777", port: 80, reason: "3232235777 reads as 192.168.1.1, and 192.168.0.0/16 is a private network"},
	{rules: star80, host: "0xa9.0xfe.0xa9.0xfe", port: 80, reason: "reads as 169.254.169.254, and 169.254.169.254 is the cloud metadata service"},
	{rules: star80, host: "0", port: 80, reason: "0 reads as 0.0.0.0, and 0.0.0.0 is the unspecified address"},
	{rules: star80, host: "134744072", port: 80, allowed: []string{"8.8.8.8"}, rule: "*:80"},
	{rules: star80, host: "010.010.010.010", port: 80, allowed: []string{"8.8.8.8"}, rule: "*:80"}, // octal: not 10.10.10.10
	{rules: star80, host: "0x08.0x08.0x08.0x08", port: 80, allowed: []string{"8.8.8.8"}, rule: "*:80"},
	{rules: star80, host: "1.2.3.999", port: 80, err: "ends in a number, so it reads as an IPv4 address"},
	{rules: star80, host: "08.1.1.1", port: 80, err: "not a valid one"},
	{rules: star80, host: "4294967296", port: 80, err: "not a valid one"},
	{rules: star80, host: "0x100000000", port: 80, err: "not a valid one"},
	{rules: star80, host: "1.2.3.4.5", port: 80, err: "not a valid one"},
	{rules: star80, host: "example.123", port: 80, err: "not a valid one"},
	{rules: star80, host: "fe80::1%eth0", port: 80, err: "names a network interface"},
	{rules: star80, host: "exa mple.org", port: 80, err: "is not a valid host name"},
	{rules: star80, host: "", port: 80, err: "the host is empty"},

	// Names: every address of the answer is checked, and only allowed ones are returned.
	{rules: star80, host: "mixed.example", port: 80, allowed: []string{"93.184.216.35"}, rule: "*:80", lookups: 1,
		reason: "skipped 10.0.0.5: 10.0.0.0/8 is a private network; skipped 127.0.0.1: 127.0.0.0/8 is loopback"},
	{rules: star80, host: "private.example", port: 80, lookups: 1,
		reason: "blocked by lab policy: private.example resolves to 192.168.0.10, and 192.168.0.0/16 is a private network; the operator can allow it with --allow 192.168.0.10/32:80/tcp"},
	{rules: star80, host: "meta.example", port: 80, lookups: 1, reason: "meta.example resolves to 169.254.169.254, and 169.254.169.254 is the cloud metadata service"},
	{rules: star80, host: "nat64.example", port: 80, lookups: 1, reason: "nat64.example resolves to 64:ff9b::a9fe:a9fe, and 64:ff9b::/96 is the NAT64 prefix"},
	{rules: nat64, host: "nat64.example", port: 80, lookups: 1, reason: "nat64.example resolves to 64:ff9b::a9fe:a9fe, which carries 169.254.169.254, and 169.254.169.254 is the cloud metadata service"},
	{rules: star80, host: "mapped.example", port: 80, lookups: 1, reason: "mapped.example resolves to 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "mappedpub.example", port: 80, lookups: 1, allowed: []string{pub4}, rule: "*:80"},
	{rules: star80, host: "zone.example", port: 80, lookups: 1, reason: "zone.example resolves to fe80::1, and fe80::/10 is link-local"},
	{rules: star80, host: "self.example", port: 80, lookups: 1, reason: "self.example resolves to 46.4.0.10, and 46.4.0.10 is this gateway's own address"},
	{rules: star80, host: "rebind.example", port: 80, lookups: 1, allowed: []string{"93.184.216.36"}, rule: "*:80"},
	{rules: star80, host: "localhost", port: 80, lookups: 1, reason: "localhost resolves to 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: star80, host: "empty.example", port: 80, lookups: 1, err: "no addresses"},
	{rules: star80, host: "nosuch.example", port: 80, lookups: 1, err: "no such host"},

	// The gateway's own addresses, even inside an opened range.
	{rules: star80, host: "46.4.0.10", port: 80, reason: "blocked by lab policy: 46.4.0.10 is this gateway's own address; the operator can allow it with --allow 46.4.0.10/32:80/tcp"},
	{rules: star80, host: "2a01:4f8::10", port: 80, reason: "2a01:4f8::10 is this gateway's own address"},
	{rules: lan, host: "192.168.1.5", port: 80, reason: "192.168.1.5 is this gateway's own address"},
	{rules: lan, host: "192.168.1.6", port: 80, allowed: []string{"192.168.1.6"}, rule: "192.168.1.0/24:80"},
	{rules: lo8, host: "127.0.0.1", port: 9000, allowed: []string{"127.0.0.1"}, rule: "127.0.0.0/8:9000"},

	// Name patterns: exact names, subdomains, ports and protocols.
	{rules: names, host: "example.org", port: 80, allowed: []string{pub4, pub6}, rule: "example.org:80", lookups: 1},
	{rules: names, host: "www.example.org", port: 80, reason: "www.example.org is outside the lab network"},
	{rules: names, host: "www.cdn.example", port: 443, allowed: []string{"151.101.1.1"}, rule: "*.cdn.example:443/tcp", lookups: 1},
	{rules: names, host: "cdn.example", port: 443, reason: "cdn.example is outside the lab network"},
	{rules: names, proto: "udp", host: "www.cdn.example", port: 443, reason: "www.cdn.example is outside the lab network"},
	{rules: names, host: pub4, port: 80, reason: pub4 + " is outside the lab network"},
	{rules: []string{"mixed.example:80"}, host: "mixed.example", port: 80, allowed: []string{"93.184.216.35"}, rule: "mixed.example:80", lookups: 1, reason: "skipped 10.0.0.5"},
	{rules: []string{"localhost:80"}, host: "localhost", port: 80, lookups: 1, reason: "localhost resolves to 127.0.0.1, and 127.0.0.0/8 is loopback"},
	{rules: []string{"93.184.216.0/24:80"}, host: "mixed.example", port: 80, allowed: []string{"93.184.216.35"}, rule: "93.184.216.0/24:80", lookups: 1, reason: "skipped 10.0.0.5"},
	{rules: []string{"93.184.216.0/24:80"}, host: "www.cdn.example", port: 80, lookups: 1, reason: "www.cdn.example is outside the lab network"},

	// Only a CIDR inside a special range opens it.
	{rules: local, host: "127.0.0.1", port: 9000, allowed: []string{"127.0.0.1"}, rule: "127.0.0.1/32:9000"},
	{rules: local, proto: "udp", host: "127.0.0.1", port: 9000, allowed: []string{"127.0.0.1"}, rule: "127.0.0.1/32:9000"},
	{rules: local, host: "0x7f.1", port: 9000, allowed: []string{"127.0.0.1"}, rule: "127.0.0.1/32:9000"},
	{rules: local, host: "::ffff:127.0.0.1", port: 9000, allowed: []string{"127.0.0.1"}, rule: "127.0.0.1/32:9000"},
	{rules: local, host: "127.0.0.1", port: 9001, reason: "127.0.0.0/8 is loopback"},
	{rules: local, host: "127.0.0.2", port: 9000, reason: "127.0.0.0/8 is loopback"},
	{rules: local, host: "::1", port: 9000, reason: "::1 is loopback"},
	{rules: wide, host: "127.0.0.1", port: 80, reason: "127.0.0.0/8 is loopback"},
	{rules: wide, host: "10.1.2.3", port: 80, reason: "10.0.0.0/8 is a private network"},
	{rules: wide, host: "::1", port: 80, reason: "::1 is loopback"},
	{rules: wide, host: "fd00::1", port: 80, reason: "fc00::/7 is a private network"},
	{rules: wide, host: "8.8.8.8", port: 80, allowed: []string{"8.8.8.8"}, rule: "0.0.0.0/0:80"},
	{rules: wide, host: pub6, port: 80, allowed: []string{pub6}, rule: "[::/0]:80"},
	{rules: wide, host: "example.org", port: 80, allowed: []string{pub4, pub6}, rule: "0.0.0.0/0:80", lookups: 1},
	{rules: private, host: "10.1.2.3", port: 80, allowed: []string{"10.1.2.3"}, rule: "10.0.0.0/8:80"},
	{rules: private, host: "private.example", port: 80, lookups: 1, reason: "192.168.0.0/16 is a private network"},
	{rules: wider, host: "10.1.2.3", port: 80, reason: "10.0.0.0/8 is a private network"},
	{rules: wider, host: "11.0.0.1", port: 80, allowed: []string{"11.0.0.1"}, rule: "10.0.0.0/7:80"},
	{rules: linkloc, host: "169.254.1.1", port: 80, allowed: []string{"169.254.1.1"}, rule: "169.254.0.0/16:80"},
	{rules: linkloc, host: "169.254.169.254", port: 80, reason: "169.254.169.254 is the cloud metadata service"},

	// Arguments the policy cannot judge.
	{rules: star80, proto: "sctp", host: pub4, port: 80, err: "tcp or udp"},
	{rules: star80, host: pub4, port: 0, err: "out of range"},
	{rules: star80, host: pub4, port: 65536, err: "out of range"},
}

func (c destCase) name() string {
	proto := c.proto
	if proto == "" {
		proto = "tcp"
	}
	return fmt.Sprintf("%s %s:%d with %q", proto, c.host, c.port, c.rules)
}

// TestDecide runs every destination of the table against its rules with a fresh resolver.
func TestDecide(t *testing.T) {
	if len(destinations) < 60 {
		t.Fatalf("the table has %d destinations; keep at least 60", len(destinations))
	}
	for _, c := range destinations {
		t.Run(c.name(), func(t *testing.T) {
			dns := newDNS(t)
			p := newTestPolicy(t, c.rules, dns)
			proto := c.proto
			if proto == "" {
				proto = "tcp"
			}
			d, err := p.Decide(context.Background(), proto, c.host, c.port)
			if got := dns.lookups(); got != c.lookups {
				t.Errorf("made %d lookups, want %d", got, c.lookups)
			}
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Decide = %+v, %v; want an error containing %q", d, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if c.reason != "" && !strings.Contains(d.Reason, c.reason) {
				t.Errorf("Reason = %q\nwant it to contain %q", d.Reason, c.reason)
			}
			checkSafe(t, p, d)
			if c.allowed == nil {
				if d.Allowed || len(d.Addrs) > 0 || d.Rule != "" {
					t.Fatalf("Decide = %+v, want a refusal", d)
				}
				if !strings.HasPrefix(d.Reason, "blocked by lab policy: ") {
					t.Errorf("Reason = %q, want it to start with %q", d.Reason, "blocked by lab policy: ")
				}
				return
			}
			var want []netip.AddrPort
			for _, a := range c.allowed {
				want = append(want, netip.AddrPortFrom(netip.MustParseAddr(a), uint16(c.port)))
			}
			if !d.Allowed || !slices.Equal(d.Addrs, want) || d.Rule != c.rule {
				t.Fatalf("Decide = %+v\nwant allowed %v by rule %q", d, want, c.rule)
			}
			if c.reason == "" && d.Reason != "" {
				t.Errorf("Reason = %q, want none", d.Reason)
			}
		})
	}
}

// checkSafe holds the policy to an oracle of its own: the standard library's address
// classes. Unless the operator wrote a CIDR pattern, no returned address may be loopback,
// private, link-local, multicast or unspecified, in IPv4 or IPv4-mapped form.
func checkSafe(t *testing.T, p *Policy, d Decision) {
	t.Helper()
	if !d.Allowed {
		return
	}
	if len(d.Addrs) == 0 {
		t.Fatalf("allowed with no address to dial: %+v", d)
	}
	for _, r := range p.Rules() {
		if r.kind == cidr {
			return
		}
	}
	for _, ap := range d.Addrs {
		a := ap.Addr()
		if a.Is4In6() || a.Zone() != "" {
			t.Errorf("returned %v: want addresses unmapped and without zones", a)
		}
		a = a.Unmap()
		if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() || !a.IsGlobalUnicast() {
			t.Errorf("returned %v, which only an explicit CIDR may open: %+v", a, d)
		}
	}
}

var allowPattern = regexp.MustCompile(`--allow ([^\s]+?)(?:\s|$|,| and)`)

// TestReasonsOpenTheWay follows the advice in every refusal of the table: adding the
// suggested --allow patterns must, within a few rounds, allow the destination, and each
// suggestion names one address or one name, one port and one protocol, never more.
func TestReasonsOpenTheWay(t *testing.T) {
	for _, c := range destinations {
		if c.allowed != nil || c.err != "" {
			continue
		}
		t.Run(c.name(), func(t *testing.T) {
			proto := c.proto
			if proto == "" {
				proto = "tcp"
			}
			rules := slices.Clone(c.rules)
			for round := 0; ; round++ {
				p := newTestPolicy(t, rules, newDNS(t))
				d, err := p.Decide(context.Background(), proto, c.host, c.port)
				if err != nil {
					t.Fatalf("Decide with %q: %v", rules, err)
				}
				if d.Allowed {
					return
				}
				if round == 3 {
					t.Fatalf("still refused after %d rounds of advice: %q", round, d.Reason)
				}
				advice := allowPattern.FindAllStringSubmatch(d.Reason, -1)
				if len(advice) == 0 {
					t.Fatalf("Reason %q suggests no --allow pattern", d.Reason)
				}
				for _, m := range advice {
					r, err := ParseRule(m[1])
					if err != nil {
						t.Fatalf("suggested pattern %q does not parse: %v", m[1], err)
					}
					narrow := r.kind == exactName || r.kind == cidr && r.prefix.IsSingleIP()
					if !narrow || r.lo != r.hi || r.lo != uint16(c.port) || r.tcp == r.udp {
						t.Errorf("suggested pattern %q opens more than this destination", m[1])
					}
					rules = append(rules, m[1])
				}
			}
		})
	}
}

// TestDecideResolvesOnce shows why the caller dials Decision.Addrs and never the name: a
// name whose answer turns from public to loopback is checked and returned as it was when
// looked up, one lookup per decision, and the next decision sees, and refuses, the new answer.
func TestDecideResolvesOnce(t *testing.T) {
	dns := newDNS(t)
	p := newTestPolicy(t, star80, dns)
	first, err := p.Decide(context.Background(), "tcp", "rebind.example", 80)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("93.184.216.36:80")}
	if !first.Allowed || !slices.Equal(first.Addrs, want) {
		t.Fatalf("first decision = %+v, want allowed %v", first, want)
	}
	if n := dns.calls["rebind.example."]; n != 1 {
		t.Fatalf("first decision looked the name up %d times, want once", n)
	}
	second, err := p.Decide(context.Background(), "tcp", "rebind.example", 80)
	if err != nil {
		t.Fatal(err)
	}
	if second.Allowed || !strings.Contains(second.Reason, "rebind.example resolves to 127.0.0.1, and 127.0.0.0/8 is loopback") {
		t.Fatalf("second decision = %+v, want the loopback answer refused", second)
	}
	if n := dns.calls["rebind.example."]; n != 2 {
		t.Fatalf("two decisions looked the name up %d times, want twice", n)
	}
	// The first decision is a value: the new answer does not reach it.
	if !slices.Equal(first.Addrs, want) {
		t.Fatalf("first decision changed to %v", first.Addrs)
	}
}

// TestDecideErrors checks that errors say what failed and can be told apart.
func TestDecideErrors(t *testing.T) {
	dns := newDNS(t)
	p := newTestPolicy(t, star80, dns)
	ctx := context.Background()

	_, err := p.Decide(ctx, "tcp", "0x7g.1", 80)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("bad host: err = %v, want ErrInvalid", err)
	}
	_, err = p.Decide(ctx, "tcp", "nosuch.example", 80)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || errors.Is(err, ErrInvalid) {
		t.Errorf("unknown name: err = %v, want a not-found *net.DNSError", err)
	}
	_, err = p.Decide(ctx, "tcp", "empty.example", 80)
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("empty answer: err = %v, want a not-found *net.DNSError", err)
	}

	broken := New(Flag{mustRule(t, "*:80")}, &Options{Resolver: dns, OwnAddrs: func() ([]netip.Addr, error) {
		return nil, errors.New("netlink said no")
	}})
	_, err = broken.Decide(ctx, "tcp", "8.8.8.8", 80)
	if err == nil || !strings.Contains(err.Error(), "own addresses") || !strings.Contains(err.Error(), "netlink said no") {
		t.Errorf("own addresses unknown: err = %v, want Decide to fail closed", err)
	}

	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	slow := New(Flag{mustRule(t, "*:80")}, &Options{Resolver: ctxResolver{}, OwnAddrs: func() ([]netip.Addr, error) { return nil, nil }})
	if _, err := slow.Decide(ctxDone, "tcp", "example.org", 80); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled lookup: err = %v, want context.Canceled", err)
	}
}

type ctxResolver struct{}

func (ctxResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func mustRule(t *testing.T, s string) Rule {
	t.Helper()
	r, err := ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNilPolicy: a nil policy is the default, allowing nothing outside the lab.
func TestNilPolicy(t *testing.T) {
	var p *Policy
	d, err := p.Decide(context.Background(), "tcp", "example.org", 80)
	if err != nil || d.Allowed || !strings.Contains(d.Reason, "example.org is outside the lab network") {
		t.Fatalf("nil policy: %+v, %v", d, err)
	}
	if p.Rules() != nil {
		t.Fatalf("nil policy has rules %v", p.Rules())
	}
}

// TestDefaultOwnAddrs uses the real interfaces of the test machine (nothing is sent): each
// of them that no other range covers is refused as the gateway's own address, and every
// other one still falls in a special range, even under --allow '*:*'.
func TestDefaultOwnAddrs(t *testing.T) {
	own, err := interfaceAddrs()
	if err != nil {
		t.Skipf("cannot list interfaces here: %v", err)
	}
	if len(own) == 0 {
		t.Skip("this machine has no interface addresses")
	}
	p := New(Flag{mustRule(t, "*:*")}, &Options{Resolver: newDNS(t)})
	for _, a := range own {
		d, err := p.Decide(context.Background(), "tcp", a.WithZone("").String(), 80)
		if err != nil {
			t.Fatalf("%v: %v", a, err)
		}
		if d.Allowed {
			t.Errorf("%v, an address of this machine, was allowed by *:*: %+v", a, d)
		}
	}
}

// TestSpecialsAreSound checks the table of ranges itself: every prefix is canonical, no
// range is listed twice, and every range refuses its first and last address under *:*.
func TestSpecialsAreSound(t *testing.T) {
	p := newTestPolicy(t, []string{"*:*"}, newDNS(t))
	seen := map[netip.Prefix]bool{}
	for _, s := range specials {
		if s.prefix != s.prefix.Masked() {
			t.Errorf("%v is not canonical", s.prefix)
		}
		if seen[s.prefix] {
			t.Errorf("%v is listed twice", s.prefix)
		}
		seen[s.prefix] = true
		for _, a := range []netip.Addr{s.prefix.Addr(), lastAddr(s.prefix)} {
			d, err := p.Decide(context.Background(), "tcp", a.String(), 80)
			if err != nil || d.Allowed {
				t.Errorf("%v (in %v): %+v, %v; want a refusal", a, s.prefix, d, err)
			}
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// TestLookup: a program's own lookup resolves a name only when some rule could allow it, and
// allows nothing by itself.
func TestLookup(t *testing.T) {
	tests := []struct {
		rules  []string
		name   string
		ok     bool
		addrs  int
		lookup int
	}{
		{nil, "example.org", false, 0, 0},
		{[]string{"www.example.org:443"}, "example.org", false, 0, 0},
		{[]string{"example.org:80"}, "example.org", true, 2, 1},
		{[]string{"*:80"}, "EXAMPLE.org.", true, 2, 1},
		{[]string{"*.example.org:80"}, "www.example.org", true, 1, 1},
		{[]string{"192.168.0.0/16:80"}, "private.example", true, 2, 1}, // a CIDR rule may match any name
		{[]string{"*:80"}, "93.184.216.34", false, 0, 0},
	}
	for _, tt := range tests {
		dns := newDNS(t)
		p := newTestPolicy(t, tt.rules, dns)
		addrs, ok, err := p.Lookup(context.Background(), tt.name)
		if err != nil || ok != tt.ok || len(addrs) != tt.addrs || dns.lookups() != tt.lookup {
			t.Errorf("%v Lookup(%q) = %v, %v, %v with %d lookups; want ok=%v, %d addresses, %d lookups",
				tt.rules, tt.name, addrs, ok, err, dns.lookups(), tt.ok, tt.addrs, tt.lookup)
		}
	}
}

// TestRefusedLabel: a refusal names what refused it in a word fit for a metric's label, from
// a small set: no rule, the gateway's own address, or a special range.
func TestRefusedLabel(t *testing.T) {
	dns := &fakeDNS{t: t, answers: testAnswers, calls: map[string]int{}}
	p := newTestPolicy(t, []string{"*.example.org:80", "46.4.0.0/16:80"}, dns)
	for _, c := range []struct {
		host string
		port int
		want string
	}{
		{"www.example.org", 80, ""},                   // allowed
		{"example.com", 443, "no-rule"},               // a name no pattern allows, never looked up
		{"93.184.216.34", 443, "no-rule"},             // a public address on no allowed port
		{"192.168.1.77", 80, "192.168.0.0/16"},        // a private network
		{"169.254.169.254", 80, "169.254.169.254/32"}, // the narrowest range counts
		{"46.4.0.10", 80, "gateway-address"},          // the gateway's own, inside an allowed range
		{"[::ffff:127.0.0.1]", 80, "127.0.0.0/8"},     // unmapped first
	} {
		d, err := p.Decide(context.Background(), "tcp", c.host, c.port)
		if err != nil {
			t.Errorf("Decide(%s:%d): %v", c.host, c.port, err)
			continue
		}
		if d.Refused != c.want || d.Allowed != (c.want == "") {
			t.Errorf("Decide(%s:%d): allowed %v, refused by %q; want %q", c.host, c.port, d.Allowed, d.Refused, c.want)
		}
	}
}
