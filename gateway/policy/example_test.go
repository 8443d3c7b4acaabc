package policy_test

import (
	"context"
	"flag"
	"fmt"
	"net/netip"

	"socketlab/gateway/policy"
)

// cannedDNS answers from a table, so the example needs no network.
type cannedDNS map[string][]netip.Addr

func (c cannedDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return c[host], nil
}

// The relay's view: read the operator's --allow flags, then ask about each destination and
// dial exactly the addresses the decision returns.
func Example() {
	var allow policy.Flag
	fl := flag.NewFlagSet("socketlab", flag.ContinueOnError)
	fl.Var(&allow, "allow", "allow an outside destination: HOST:PORTS[/tcp|/udp]")
	if err := fl.Parse([]string{"--allow", "*:80", "--allow", "127.0.0.1/32:9000"}); err != nil {
		fmt.Println(err)
		return
	}
	p := policy.New(allow, &policy.Options{
		Resolver: cannedDNS{"example.org.": {
			netip.MustParseAddr("93.184.216.34"),
			netip.MustParseAddr("10.0.0.5"), // a private address in a public answer
		}},
		OwnAddrs: func() ([]netip.Addr, error) { return nil, nil },
	})

	ctx := context.Background()
	for _, dest := range []struct {
		host string
		port int
	}{{"example.org", 80}, {"10.1.2.3", 80}, {"0x7f.1", 9000}, {"example.org", 443}} {
		d, err := p.Decide(ctx, "tcp", dest.host, dest.port)
		switch {
		case err != nil:
			fmt.Println(err)
		case d.Allowed:
			fmt.Printf("%s:%d: dial %v (rule %s)\n", dest.host, dest.port, d.Addrs, d.Rule)
		default:
			fmt.Printf("%s:%d: %s\n", dest.host, dest.port, d.Reason)
		}
	}
	// Output:
	// example.org:80: dial [93.184.216.34:80] (rule *:80)
	// 10.1.2.3:80: blocked by lab policy: 10.0.0.0/8 is a private network; the operator can allow it with --allow 10.1.2.3/32:80/tcp
	// 0x7f.1:9000: dial [127.0.0.1:9000] (rule 127.0.0.1/32:9000)
	// example.org:443: blocked by lab policy: example.org is outside the lab network; the operator can allow it with --allow example.org:443/tcp
}

func ExampleParseRule() {
	for _, s := range []string{"203.0.113.0/24:1-1024/tcp", "[2001:db8::1]:443", "10.1.2.3/8:80"} {
		r, err := policy.ParseRule(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(r)
	}
	// Output:
	// 203.0.113.0/24:1-1024/tcp
	// [2001:db8::1/128]:443
	// error: "10.1.2.3/8:80": 10.1.2.3/8 has bits set beyond its /8 prefix; write 10.0.0.0/8 for the whole network or 10.1.2.3/32 for one address
}

func ExampleParseHost() {
	for _, h := range []string{"2130706433", "0x7f.1", "010.010.010.010", "Example.ORG.", "1.2.3.999"} {
		name, addr, err := policy.ParseHost(h)
		switch {
		case err != nil:
			fmt.Println("error:", err)
		case addr.IsValid():
			fmt.Println(h, "is the address", addr)
		default:
			fmt.Println(h, "is the name", name)
		}
	}
	// Output:
	// 2130706433 is the address 127.0.0.1
	// 0x7f.1 is the address 127.0.0.1
	// 010.010.010.010 is the address 8.8.8.8
	// Example.ORG. is the name example.org
	// error: "1.2.3.999" ends in a number, so it reads as an IPv4 address, but it is not a valid one: write one to four parts, each decimal, octal after a leading 0 or hex after 0x, and each part before the last at most 255
}
