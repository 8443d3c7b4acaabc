package policy

import (
	"errors"
	"flag"
	"io"
	"net/netip"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in   string
		want string // Rule.String of the result
		err  string // part of the error, when the pattern is bad
	}{
		{in: "example.org:80", want: "example.org:80"},
		{in: "Example.ORG.:80/TCP", want: "example.org:80/tcp"},
		{in: "*.example.org:443/tcp", want: "*.example.org:443/tcp"},
		{in: "*:80", want: "*:80"},
		{in: "*:*", want: "*:*"},
		{in: "*:1-65535/udp", want: "*:*/udp"},
		{in: "203.0.113.0/24:1-1024/tcp", want: "203.0.113.0/24:1-1024/tcp"},
		{in: "127.0.0.1/32:9000", want: "127.0.0.1/32:9000"},
		{in: "127.0.0.1:9000", want: "127.0.0.1/32:9000"},
		{in: "0.0.0.0/0:80", want: "0.0.0.0/0:80"},
		{in: "[2001:db8::/32]:443/udp", want: "[2001:db8::/32]:443/udp"},
		{in: "[2001:DB8:0::1]:443", want: "[2001:db8::1/128]:443"},
		{in: "[::1]:9000", want: "[::1/128]:9000"},
		{in: "[::/0]:80", want: "[::/0]:80"},
		{in: "[::ffff:10.0.0.0/104]:80", want: "10.0.0.0/8:80"},
		{in: "[::ffff:10.1.2.3]:80", want: "10.1.2.3/32:80"},
		{in: "  example.org:8000-8100  ", want: "example.org:8000-8100"},
		{in: "example.org:80-80", want: "example.org:80"},
		{in: "example.org:0080", want: "example.org:80"},
		{in: "_srv.example.org:53/udp", want: "_srv.example.org:53/udp"},
		{in: "localhost:80", want: "localhost:80"},

		{in: "", err: "the pattern is empty"},
		{in: "   ", err: "the pattern is empty"},
		{in: "example.org", err: `"example.org" has no port: write example.org:80 for one port, example.org:8000-8100 for a range, or example.org:* for every port`},
		{in: "10.0.0.0/8", err: "has no port"},
		{in: "[::1]", err: "has no port"},
		{in: ":80", err: "no host before the ':'"},
		{in: "example.org:", err: "a port is missing"},
		{in: "example.org:/tcp", err: "a port is missing"},
		{in: "example.org:0", err: "port 0 is out of range"},
		{in: "example.org:65536", err: "port 65536 is out of range"},
		{in: "example.org:99999999999999999999", err: "out of range"},
		{in: "example.org:http", err: `"http" is not a port`},
		{in: "example.org:+80", err: `"+80" is not a port`},
		{in: "example.org:-80", err: "a port is missing"},
		{in: "example.org:1024-1", err: "the port range 1024-1 runs backwards; write 1-1024"},
		{in: "example.org:1-2-3", err: `"2-3" is not a port`},
		{in: "example.org:80/icmp", err: `the protocol must be tcp or udp, not "icmp"`},
		{in: "example.org:80/", err: "the protocol must be tcp or udp"},
		{in: "example.org:80/tcp/udp", err: "the protocol must be tcp or udp"},
		{in: "example.org:80:90", err: "put an IPv6 address or prefix in brackets"},
		{in: "2001:db8::1:80", err: "put an IPv6 address or prefix in brackets, such as [2001:db8::/32]:443"},
		{in: "[2001:db8::1:80", err: "opens a bracket that does not close"},
		{in: "[2001:db8::1]80", err: "expected ':' and a port after [2001:db8::1]"},
		{in: "[example.org]:80", err: "brackets are for IPv6 only"},
		{in: "[10.0.0.0/8]:80", err: "brackets are for IPv6 only"},
		{in: "[2001:db8::/129]:80", err: "not an IPv6 address or prefix"},
		{in: "[fe80::1%eth0]:80", err: "names a network interface"},
		{in: "10.1.2.3/8:80", err: "10.1.2.3/8 has bits set beyond its /8 prefix; write 10.0.0.0/8 for the whole network or 10.1.2.3/32 for one address"},
		{in: "[2001:db8::1/32]:80", err: "write 2001:db8::/32 for the whole network"},
		{in: "10.0.0.0/33:80", err: "not an IPv4 prefix"},
		{in: "10.0.0/8:80", err: "not an IPv4 prefix"},
		{in: "0177.0.0.1:80", err: "0177.0.0.1 is an unusual spelling of 127.0.0.1; write 127.0.0.1"},
		{in: "127.1:80", err: "127.1 is an unusual spelling of 127.0.0.1"},
		{in: "2130706433:80", err: "2130706433 is an unusual spelling of 127.0.0.1"},
		{in: "0x7f.1:80", err: "unusual spelling"},
		{in: "1.2.3.999:80", err: "ends in a number"},
		{in: "example.123:80", err: "ends in a number"},
		{in: "*.example.123:80", err: "example.123 ends in a number"},
		{in: "*.*.example.org:80", err: "'*' is either the whole host or the first label"},
		{in: "foo*.example.org:80", err: "'*' is either the whole host or the first label"},
		{in: "*example.org:80", err: "'*' is either the whole host or the first label"},
		{in: "**:80", err: "'*' is either the whole host or the first label"},
		{in: "*.:80", err: "is not a valid name: it is empty"},
		{in: "exa mple.org:80", err: `' ' is not allowed in a host name`},
		{in: "exämple.org:80", err: "xn-- form"},
		{in: "example..org:80", err: "empty label"},
		{in: "-example.org:80", err: "starts or ends with '-'"},
		{in: strings.Repeat("a", 64) + ".org:80", err: "longer than 63 characters"},
		{in: strings.Repeat("x", 2000) + ":80", err: "the limit is 1024"},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseRule(%q) = %v, %v; want an ErrInvalid containing %q", tt.in, r, err, tt.err)
			}
			continue
		}
		if err != nil || r.String() != tt.want {
			t.Errorf("ParseRule(%q) = %q, %v; want %q", tt.in, r, err, tt.want)
			continue
		}
		if again, err := ParseRule(r.String()); err != nil || again != r {
			t.Errorf("ParseRule(%q) = %v, %v; want the rule %q back", r.String(), again, err, r)
		}
	}
}

func TestRuleMatching(t *testing.T) {
	pub := netip.MustParseAddr("93.184.216.34")
	tests := []struct {
		rule  string
		proto string
		port  int
		name  string
		addr  netip.Addr
		want  bool
	}{
		{"example.org:80", "tcp", 80, "example.org", pub, true},
		{"example.org:80", "udp", 80, "example.org", pub, true},
		{"example.org:80/tcp", "udp", 80, "example.org", pub, false},
		{"example.org:80", "tcp", 81, "example.org", pub, false},
		{"example.org:80", "tcp", 80, "www.example.org", pub, false},
		{"example.org:80", "tcp", 80, "", pub, false},
		{"*.example.org:*", "tcp", 1, "a.b.example.org", pub, true},
		{"*.example.org:*", "tcp", 65535, "www.example.org", pub, true},
		{"*.example.org:*", "tcp", 80, "example.org", pub, false},
		{"*.example.org:*", "tcp", 80, "badexample.org", pub, false},
		{"*:8000-8100", "tcp", 7999, "", pub, false},
		{"*:8000-8100", "tcp", 8000, "", pub, true},
		{"*:8000-8100", "tcp", 8100, "example.org", pub, true},
		{"*:8000-8100", "tcp", 8101, "", pub, false},
		{"93.184.216.0/24:80", "tcp", 80, "", pub, true},
		{"93.184.216.0/24:80", "tcp", 80, "example.org", pub, true},
		{"93.184.217.0/24:80", "tcp", 80, "", pub, false},
		{"[::/0]:80", "tcp", 80, "", pub, false},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.rule)
		if err != nil {
			t.Fatal(err)
		}
		got := r.covers(tt.proto, tt.port) && r.allowsPublic(tt.name, tt.addr)
		if got != tt.want {
			t.Errorf("%s allows %s %s (%v) port %d = %v, want %v", tt.rule, tt.proto, tt.name, tt.addr, tt.port, got, tt.want)
		}
	}
}

func TestZeroRuleMatchesNothing(t *testing.T) {
	var r Rule
	if r.covers("tcp", 80) || r.mayMatchName("example.org") || r.opens(netip.MustParseAddr("10.0.0.1"), pfx("10.0.0.0/8")) {
		t.Fatal("the zero Rule matches something")
	}
	if r.String() != "(no rule)" {
		t.Fatalf("String = %q", r.String())
	}
}

// TestFlag uses Flag as the command line does.
func TestFlag(t *testing.T) {
	var allow Flag
	fl := flag.NewFlagSet("socketlab", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.Var(&allow, "allow", "allow an outside destination")
	err := fl.Parse([]string{"--allow", "example.org:80", "--allow=*:443/tcp,127.0.0.1/32:9000", "-allow", "[2001:db8::/32]:443/udp"})
	if err != nil {
		t.Fatal(err)
	}
	want := "example.org:80,*:443/tcp,127.0.0.1/32:9000,[2001:db8::/32]:443/udp"
	if allow.String() != want || len(allow) != 4 {
		t.Fatalf("rules = %q (%d), want %q", allow.String(), len(allow), want)
	}

	err = fl.Parse([]string{"--allow", "ok.example:80,10.1.2.3/8:80"})
	if err == nil || !strings.Contains(err.Error(), "10.1.2.3/8 has bits set") {
		t.Fatalf("bad pattern: err = %v", err)
	}
	if len(allow) != 4 {
		t.Fatalf("a bad value added rules: %q", allow.String())
	}
	if (*Flag)(nil).String() != "" {
		t.Fatal("nil Flag String is not empty")
	}
}
