package relay

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
	"socketlab/wire"
)

// ports is a learner's sockets for route: "tcp/8000" → the real address.
type ports map[string]string

func (p ports) lookupPort(proto string, port int) (string, bool) {
	real, ok := p[proto+"/"+strconv.Itoa(port)]
	return real, ok
}

// mates is a class for route: a classmate's lab address → their sockets.
type mates map[netip.Addr]ports

func (m mates) mate(a netip.Addr) (portTable, bool) {
	p, ok := m[a]
	return p, ok
}

// class is a class for route: mates, and their addresses by name.
type class struct {
	mates
	byName map[string]netip.Addr
}

func (c class) named(name string) (netip.Addr, bool) {
	a, ok := c.byName[name]
	return a, ok
}

// names is what a program looked up for route: an address → the name.
type names map[string]string

func (n names) lookedUp(addr string) (string, bool) {
	name, ok := n[addr]
	return name, ok
}

// TestRouteDecides runs route on its own, with made-up facts: every kind of decision, each
// refusal with its code.
func TestRouteDecides(t *testing.T) {
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	echo, _, _ := ln.Resolve("tcp", "echo.lab", 7)
	dns := &stubDNS{calls: map[string]int{}, answers: map[string][]string{
		"example.test.": {"93.184.216.34"},
	}}
	var rules policy.Flag
	if err := rules.Set("example.test:80,127.0.0.1/32:9999"); err != nil {
		t.Fatal(err)
	}
	pol := policy.New(rules, &policy.Options{Resolver: dns})
	self := netip.MustParseAddr("10.10.7.7")
	bob := netip.MustParseAddr("10.10.8.8")
	base := routeFacts{
		lab:    ln,
		policy: pol,
		self:   self,
		own:    ports{"tcp/8000": "127.0.0.1:41000", "udp/9000": "127.0.0.1:41001"},
		names:  names{"93.184.216.34": "example.test"},
	}
	inClass := base
	inClass.class = class{mates{bob: {"tcp/8000": "127.0.0.1:42000"}}, map[string]netip.Addr{"bob": bob}}
	noLab := base
	noLab.lab, noLab.policy = nil, nil

	tests := []struct {
		facts   *routeFacts
		proto   string
		dest    string
		where   where
		targets []string
		code    wire.Code
	}{
		{&base, "tcp", "echo.lab:7", labServer, []string{echo}, 0},
		{&base, "tcp", "10.10.0.7:7", labServer, []string{echo}, 0},
		{&base, "tcp", "echo.lab:8", nowhere, nil, wire.CodeRefused},
		{&base, "tcp", "localhost:8000", ownSocket, []string{"127.0.0.1:41000"}, 0},
		{&base, "tcp", "127.0.0.1:8000", ownSocket, []string{"127.0.0.1:41000"}, 0},
		{&base, "tcp", "10.10.7.7:8000", ownSocket, []string{"127.0.0.1:41000"}, 0},
		{&base, "udp", "[::1]:9000", ownSocket, []string{"127.0.0.1:41001"}, 0},
		{&base, "tcp", "localhost:8001", nowhere, nil, wire.CodeRefused},
		{&base, "tcp", "127.0.0.1:9999", outside, []string{"127.0.0.1:9999"}, 0},
		{&base, "tcp", "10.10.8.8:8000", nowhere, nil, wire.CodeRefused},
		{&inClass, "tcp", "10.10.8.8:8000", classmate, []string{"127.0.0.1:42000"}, 0},
		{&inClass, "tcp", "10.10.8.8:8001", nowhere, nil, wire.CodeRefused},
		{&inClass, "tcp", "bob.lab:8000", classmate, []string{"127.0.0.1:42000"}, 0},
		{&inClass, "tcp", "Bob.lab.:8000", classmate, []string{"127.0.0.1:42000"}, 0},
		{&inClass, "tcp", "bob.lab:8001", nowhere, nil, wire.CodeRefused},
		{&inClass, "tcp", "carol.lab:8000", nowhere, nil, wire.CodeNoHost},
		{&inClass, "tcp", "echo.lab:7", labServer, []string{echo}, 0},
		{&inClass, "tcp", "10.10.9.9:8000", nowhere, nil, wire.CodeRefused},
		{&base, "tcp", "93.184.216.34:80", outside, []string{"93.184.216.34:80"}, 0},
		{&base, "tcp", "93.184.216.34:81", nowhere, nil, wire.CodePolicy},
		{&base, "tcp", "93.184.216.35:80", nowhere, nil, wire.CodePolicy},
		{&base, "tcp", "nohost", nowhere, nil, wire.CodeInvalid},
		{&base, "tcp", "echo.lab:0", nowhere, nil, wire.CodeInvalid},
		{&base, "tcp", "echo.lab:http", nowhere, nil, wire.CodeInvalid},
		{&noLab, "tcp", "echo.lab:7", nowhere, nil, wire.CodePolicy},
		{&noLab, "tcp", "localhost:8000", ownSocket, []string{"127.0.0.1:41000"}, 0},
	}
	for _, tt := range tests {
		d := route(context.Background(), tt.facts, tt.proto, tt.dest)
		if d.where != tt.where || !slices.Equal(d.targets, tt.targets) || d.code != tt.code || d.ok() != (tt.where != nowhere) {
			t.Errorf("route %s %s = %v %q %v %q; want %v %q %v", tt.proto, tt.dest, d.where, d.targets, d.code, d.reason, tt.where, tt.targets, tt.code)
		}
		if !d.ok() && d.reason == "" {
			t.Errorf("route %s %s: a refusal without a reason", tt.proto, tt.dest)
		}
	}
}
