package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientAddr: the client's address is read from the proxies' headers only when the peer is
// a trusted proxy, and then from the rightmost hop that is not one.
func TestClientAddr(t *testing.T) {
	var trusted Prefixes
	if err := trusted.Set("10.0.0.0/8, 127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := new(Prefixes).Set("10.0.0.0/33"); err == nil || !strings.Contains(err.Error(), "CIDR") {
		t.Errorf("a bad prefix: %v", err)
	}
	for _, c := range []struct {
		peer, xff, real, want string
	}{
		{"198.51.100.7:4000", "203.0.113.9", "", "198.51.100.7:4000"},    // not a proxy: spoofed header ignored
		{"10.1.2.3:4000", "203.0.113.9", "", "203.0.113.9:0"},            // the controller says who
		{"10.1.2.3:4000", "1.2.3.4, 203.0.113.9", "", "203.0.113.9:0"},   // what the client wrote is left of its hop
		{"10.1.2.3:4000", "203.0.113.9, 10.9.9.9", "", "203.0.113.9:0"},  // two proxies of ours
		{"10.1.2.3:4000", "", "203.0.113.5", "203.0.113.5:0"},            // X-Real-IP
		{"10.1.2.3:4000", "not-an-address", "", "10.1.2.3:4000"},         // garbage: the peer
		{"10.1.2.3:4000", "", "", "10.1.2.3:4000"},                       // no header
		{"127.0.0.1:5000", "2001:db8::1", "", "[2001:db8::1]:0"},         // IPv6 client
		{"[::ffff:127.0.0.1]:5000", "192.0.2.1:1234", "", "192.0.2.1:0"}, // mapped peer, hop with a port
		{"127.0.0.2:5000", "192.0.2.1", "", "127.0.0.2:5000"},            // only 127.0.0.1 is trusted
		{"10.1.2.3:4000", "10.5.5.5", "", "10.5.5.5:0"},                  // every hop trusted: the first
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.real != "" {
			r.Header.Set("X-Real-IP", c.real)
		}
		if got := trusted.ClientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q, X-Real-IP %q: %s, want %s", c.peer, c.xff, c.real, got, c.want)
		}
	}
}

// TestTrustedProxyLimits, on real sockets: a spoofed X-Forwarded-For from a peer that is not a
// trusted proxy does not buy another address's rate; from the trusted proxy each client is
// held to its own.
func TestTrustedProxyLimits(t *testing.T) {
	var trusted Prefixes
	trusted.Set("127.0.0.1/32")
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: 6, TrustedProxies: trusted}})
	annotate := func(local, xff string) int {
		var extra []string
		if xff != "" {
			extra = append(extra, "X-Forwarded-For: "+xff)
		}
		status, _ := rawRequest(t, addr, local, post("/api/annotate", addr, "application/json", "", `{"events":[]}`, extra...))
		return status
	}
	// 127.0.0.2 is no proxy: each request claims another client, and all count as its own.
	limited := 0
	for i := range 6 {
		if annotate("127.0.0.2", "192.0.2."+string(rune('1'+i))) == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 3 {
		t.Errorf("a spoofing peer: %d of 6 refused beyond a burst of 3, want 3 (the header must be ignored)", limited)
	}
	// Through the proxy, one client spends its burst, and the next client still has its own.
	for i := range 4 {
		status := annotate("127.0.0.1", "198.51.100.1")
		if want := http.StatusOK; i == 3 {
			if status != http.StatusTooManyRequests {
				t.Errorf("the fourth annotation of one client behind the proxy: %d, want 429", status)
			}
		} else if status != want {
			t.Errorf("annotation %d of one client behind the proxy: %d", i, status)
		}
	}
	if status := annotate("127.0.0.1", "198.51.100.2"); status != http.StatusOK {
		t.Errorf("another client behind the same proxy: %d, want 200 (its own budget)", status)
	}
}
