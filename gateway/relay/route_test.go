package relay

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
	"socketlab/internal/relaytest"
	"socketlab/wire"
)

// stubDNS answers from a table, each name's answers in turn; it never touches the network.
type stubDNS struct {
	mu      sync.Mutex
	answers map[string][]string
	calls   map[string]int
}

func (d *stubDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	list := d.answers[host]
	if len(list) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	a := list[min(d.calls[host], len(list)-1)]
	d.calls[host]++
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// TestRoutePolicy: outside the lab only what the policy allows is reached, an address is
// dialed only if it is one the policy checked, and loopback services of the gateway host stay
// closed unless a CIDR names them. Every connection here stays on loopback.
func TestRoutePolicy(t *testing.T) {
	svc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	go func() {
		for {
			c, err := svc.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("host service\n"))
			c.Close()
		}
	}()
	port := svc.Addr().(*net.TCPAddr).Port
	ps := strconv.Itoa(port)

	dns := &stubDNS{calls: map[string]int{}, answers: map[string][]string{
		"svc.test.":    {"127.0.0.1"},
		"rebind.test.": {"127.0.0.1", "127.0.0.2"},
	}}
	var rules policy.Flag
	// 127.0.0.2 is allowed too, so that rebind.test's second answer passes the policy and
	// only the change of address stops the dial.
	if err := rules.Set("127.0.0.1/32:" + ps + ",127.0.0.2/32:" + ps); err != nil {
		t.Fatal(err)
	}
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	open := httptest.NewServer(&Relay{Lab: ln, Policy: policy.New(rules, &policy.Options{Resolver: dns})})
	defer open.Close()
	closed := httptest.NewServer(&Relay{Lab: ln})
	defer closed.Close()
	wsURL := func(s *httptest.Server) string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws" }

	// Without a rule the gateway host's own services are out of reach.
	rc := connect(t, wsURL(closed))
	if f := rc.Dial(1, 1<<16, "127.0.0.1:"+ps); f.Type != wire.Close {
		t.Errorf("loopback service without a rule: %v", f.Type)
	} else if m := relaytest.CloseMsg(t, f); m.Code != wire.CodeRefused {
		t.Errorf("loopback service without a rule: %v %q", m.Code, m.Reason)
	}
	rc.Send(wire.Lookup, 3, wire.LookupMsg{Network: "ip", Host: "svc.test"}.Append(nil))
	if m := rc.ExpectClose(3); m.Code != wire.CodeNoHost || !strings.Contains(m.Reason, "outside hosts are not reachable") {
		t.Errorf("outside lookup without a rule: %v %q", m.Code, m.Reason)
	}

	// With --allow 127.0.0.1/32:PORT that one port opens, by address and by a name that
	// resolves to it.
	rc = connect(t, wsURL(open))
	if f := rc.Dial(1, 1<<16, "127.0.0.1:"+ps); f.Type != wire.Connected {
		t.Fatalf("allowed loopback port: %v %q", f.Type, f.Payload)
	}
	if f := rc.Dial(3, 1<<16, "127.0.0.1:"+strconv.Itoa(port+1)); f.Type != wire.Close || relaytest.CloseMsg(t, f).Code != wire.CodeRefused {
		t.Errorf("the next port is not allowed: %v", f.Type)
	}
	rc.Send(wire.Lookup, 5, wire.LookupMsg{Network: "ip", Host: "svc.test"}.Append(nil))
	if f := rc.RecvFor(5); f.Type != wire.Answer {
		t.Fatalf("lookup of an allowed name: %v", f.Type)
	}
	if f := rc.Dial(7, 1<<16, "127.0.0.1:"+ps); f.Type != wire.Connected {
		t.Errorf("dial of a looked-up allowed address: %v", f.Type)
	}
	if f := rc.Dial(9, 1<<16, "192.0.2.1:80"); f.Type != wire.Close {
		t.Errorf("documentation address: %v", f.Type)
	} else if m := relaytest.CloseMsg(t, f); m.Code != wire.CodePolicy || !strings.Contains(m.Reason, "blocked by lab policy") {
		t.Errorf("documentation address: %v %q", m.Code, m.Reason)
	}

	// A name whose answer changes after the program looked it up: the address it got is not
	// the one the policy sees now, so nothing is dialed.
	rc.Send(wire.Lookup, 11, wire.LookupMsg{Network: "ip", Host: "rebind.test"}.Append(nil))
	if f := rc.RecvFor(11); f.Type != wire.Answer {
		t.Fatalf("lookup of rebind.test: %v", f.Type)
	}
	if f := rc.Dial(13, 1<<16, "127.0.0.1:"+ps); f.Type != wire.Close {
		t.Errorf("dial after the name changed: %v", f.Type)
	} else if m := relaytest.CloseMsg(t, f); m.Code != wire.CodePolicy || !strings.Contains(m.Reason, "no longer resolves") {
		t.Errorf("dial after the name changed: %v %q", m.Code, m.Reason)
	}
}

// TestNoBlockedDestinationIsDialed sends programs' dials and datagrams to destinations in
// every special range, with a policy as open as an operator might make it (--allow '*:80' and
// '*:53'). Every one must be refused before the gateway touches the network: the test sees
// each address the gateway really connects to or sends to, and fails on anything but the lab.
func TestNoBlockedDestinationIsDialed(t *testing.T) {
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	labAddrs := map[string]bool{}
	for _, s := range ln.Services() {
		labAddrs[s.Listen] = true
	}
	var mu sync.Mutex
	var touched []string
	dns := &stubDNS{calls: map[string]int{}, answers: map[string][]string{
		"private.test.": {"10.0.0.5"},
		"meta.test.":    {"169.254.169.254"},
		"loop.test.":    {"127.0.0.1"},
		"mapped.test.":  {"::ffff:192.168.1.1"},
		"nat64.test.":   {"64:ff9b::a9fe:a9fe"},
	}}
	var rules policy.Flag
	rules.Set("*:80")
	rules.Set("*:53")
	r := &Relay{Lab: ln, Policy: policy.New(rules, &policy.Options{Resolver: dns})}
	r.connectHook = func(network, address string) error {
		mu.Lock()
		defer mu.Unlock()
		touched = append(touched, address)
		if !labAddrs[address] {
			t.Errorf("the gateway tried to reach %s %s", network, address)
			return fmt.Errorf("the test refuses %s", address)
		}
		return nil
	}
	srv := httptest.NewServer(r)
	defer srv.Close()
	rc := connect(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws")

	blocked := []string{
		"10.1.2.3:80", "172.16.0.1:80", "192.168.0.1:80", "100.64.0.1:80", "169.254.169.254:80",
		"127.0.0.1:80", "127.1.2.3:80", "0.0.0.0:80", "224.0.0.1:80", "255.255.255.255:80",
		"240.0.0.1:80", "192.0.2.1:80", "198.51.100.7:80", "203.0.113.9:80", "198.18.0.1:80",
		"192.0.0.8:80", "0x7f.1:80", "2130706433:80", "0177.0.0.1:80", "10.1:80",
		"[::1]:80", "[::]:80", "[fe80::1]:80", "[fc00::1]:80", "[fd12::1]:80", "[ff02::1]:80",
		"[::ffff:10.0.0.1]:80", "[::ffff:127.0.0.1]:80", "[64:ff9b::a00:1]:80", "[2001:db8::1]:80",
		"[2001::1]:80", "[100::1]:80", "[fec0::1]:80",
		"private.test:80", "meta.test:80", "loop.test:80", "mapped.test:80", "nat64.test:80",
		"example.org:443", "10.10.0.37:38",
	}
	id := uint32(1)
	for _, dst := range blocked {
		f := rc.Dial(id, 1<<16, dst)
		if f.Type != wire.Close {
			t.Errorf("dial %s: %v, want a refusal", dst, f.Type)
		} else if m := relaytest.CloseMsg(t, f); m.Code != wire.CodePolicy && m.Code != wire.CodeRefused && m.Code != wire.CodeInvalid {
			t.Errorf("dial %s: %v %q", dst, m.Code, m.Reason)
		}
		id += 2
	}
	// Datagrams too: an unconnected UDP socket sends each to its own address.
	rc.Send(wire.Connect, id, wire.ConnectMsg{Kind: wire.KindUDP, Network: "udp"}.Append(nil))
	if f := rc.RecvFor(id); f.Type != wire.Connected {
		t.Fatalf("udp socket: %v", f.Type)
	}
	for _, dst := range []string{"10.0.0.1:53", "169.254.169.254:53", "[::1]:53", "192.168.1.1:53", "224.0.0.251:53"} {
		rc.Send(wire.Datagram, id, wire.DatagramMsg{Addr: dst, Data: []byte("x")}.Append(nil))
		if f := rc.RecvFor(id); f.Type != wire.Error {
			t.Errorf("datagram to %s: %v, want an ERROR frame", dst, f.Type)
		}
	}
	// The lab itself is reached, through the same hook.
	if f := rc.Dial(id+2, 1<<16, "10.10.0.37:37"); f.Type != wire.Connected {
		t.Errorf("time.lab: %v", f.Type)
	}
	// A dial may try a second local port for the same destination (the portable build picks
	// its own, and one can be taken): what counts is which destinations were reached.
	mu.Lock()
	defer mu.Unlock()
	if slices.Sort(touched); len(slices.Compact(touched)) != 1 {
		t.Errorf("the gateway reached %v; want only time.lab's server", touched)
	}
}

// A lab server that greets at once already knows whose a dialed connection is: the relay
// registers it before it connects (rawio_linux.go binds in the socket's Control, the
// portable build dials from a port it chose). count.lab welcomes the program's lab address.
func TestDialRegistersBeforeConnect(t *testing.T) {
	_, url := startRelay(t, Limits{})
	rc := connect(t, url)
	for id := uint32(1); id <= 20; id++ {
		if f := rc.Dial(id, 1<<20, "10.10.0.51:51423"); f.Type != wire.Connected {
			t.Fatalf("dial count.lab: %v", f.Type)
		}
		var got []byte
		for !bytes.Contains(got, []byte("\r\n")) {
			f := rc.RecvFor(id)
			if f.Type != wire.Data {
				t.Fatalf("count.lab sent %v before its welcome", f.Type)
			}
			got = append(got, f.Payload...)
		}
		if !bytes.HasPrefix(got, []byte("Welcome, 10.10.")) {
			t.Fatalf("try %d: count.lab said %q; want the program's lab address", id, got)
		}
		rc.Send(wire.Close, id, wire.CloseMsg{Code: wire.CodeReset}.Append(nil))
	}
}
