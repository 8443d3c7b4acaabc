package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		in   string
		name string // want this name
		addr string // or this address
		err  string // or an error containing this
	}{
		{in: "example.org", name: "example.org"},
		{in: "WWW.Example.ORG.", name: "www.example.org"},
		{in: "_dmarc.example.org", name: "_dmarc.example.org"},
		{in: "xn--bcher-kva.example", name: "xn--bcher-kva.example"},
		{in: "1.2.3.4.example", name: "1.2.3.4.example"},
		{in: "example.0xg", name: "example.0xg"},
		{in: "intranet", name: "intranet"},

		// IPv4, read as inet_aton reads it.
		{in: "127.0.0.1", addr: "127.0.0.1"},
		{in: "2130706433", addr: "127.0.0.1"},
		{in: "0177.0.0.1", addr: "127.0.0.1"},
		{in: "0x7f.1", addr: "127.0.0.1"},
		{in: "0x7F.0.0.1", addr: "127.0.0.1"},
		{in: "127.1", addr: "127.0.0.1"},
		{in: "127.0.1", addr: "127.0.0.1"},
		{in: "0x7f000001", addr: "127.0.0.1"},
		{in: "017700000001", addr: "127.0.0.1"},
		{in: "127.0.0.1.", addr: "127.0.0.1"},
		{in: "192.168.257", addr: "192.168.1.1"},
		{in: "10.0x10203", addr: "10.1.2.3"},
		{in: "0x.0x.0x.0x", addr: "0.0.0.0"},
		{in: "00000000000000000000000000010.1", addr: "8.0.0.1"},
		{in: "0", addr: "0.0.0.0"},
		{in: "4294967295", addr: "255.255.255.255"},
		{in: "255.16777215", addr: "255.255.255.255"},
		{in: "255.255.65535", addr: "255.255.255.255"},
		{in: "1.2.3.999", err: "not a valid one"},
		{in: "256.0.0.1", err: "not a valid one"},
		{in: "1.256.1", err: "not a valid one"},
		{in: "1.2.65536", err: "not a valid one"},
		{in: "1.16777216", err: "not a valid one"},
		{in: "4294967296", err: "not a valid one"},
		{in: "08", err: "not a valid one"},
		{in: "0x1g.1", err: "not a valid one"}, // the last label is a number
		{in: "1.2.3.4.5", err: "not a valid one"},
		{in: "1..2", err: "not a valid one"},
		{in: ".1", err: "not a valid one"},
		{in: "example.123", err: "not a valid one"},
		{in: "1.2.3.4..", err: "empty label"},
		{in: "+1", err: "not allowed in a host name"},

		// IPv6.
		{in: "::1", addr: "::1"},
		{in: "[::1]", addr: "::1"},
		{in: "::ffff:127.0.0.1", addr: "::ffff:127.0.0.1"},
		{in: "2001:DB8::1", addr: "2001:db8::1"},
		{in: "fe80::1%eth0", err: "names a network interface"},
		{in: "[fe80::1%25eth0]", err: "names a network interface"},
		{in: "[127.0.0.1]", err: "not a valid IPv6 address"},
		{in: "::ffff:0177.0.0.1", err: "not a valid IPv6 address"},
		{in: "1:2", err: "not a valid IPv6 address"},
		{in: "[]", err: "not a valid IPv6 address"},

		{in: "", err: "the host is empty"},
		{in: ".", err: "empty"},
		{in: "a b", err: "' ' is not allowed"},
		{in: "-a.example", err: "starts or ends with '-'"},
		{in: "a-.example", err: "starts or ends with '-'"},
		{in: "a*.example", err: "'*' is not allowed"},
		{in: strings.Repeat("a.", 127) + "aa", err: "a DNS name has at most 253"},
	}
	for _, tt := range tests {
		name, addr, err := ParseHost(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseHost(%q) = %q, %v, %v; want an ErrInvalid containing %q", tt.in, name, addr, err, tt.err)
			}
		case err != nil:
			t.Errorf("ParseHost(%q): %v", tt.in, err)
		case tt.name != "" && (name != tt.name || addr.IsValid()):
			t.Errorf("ParseHost(%q) = %q, %v; want the name %q", tt.in, name, addr, tt.name)
		case tt.addr != "" && (name != "" || addr.String() != tt.addr):
			t.Errorf("ParseHost(%q) = %q, %v; want the address %s", tt.in, name, addr, tt.addr)
		}
	}
}
