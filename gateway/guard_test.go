package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Hostile requests against a gateway served as the command serves it (NewHTTPServer), on
// real loopback sockets.

func serveGuarded(t *testing.T, opts *Options) (*Server, string) {
	t.Helper()
	opts.CacheDir = t.TempDir()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewHTTPServer(ctx)
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		srv.Close()
		<-done
		s.Close()
	})
	return s, ln.Addr().String()
}

// rawRequest sends req as bytes from a connection of its own, from local (an address in
// 127/8, or "" for any), and returns the status and body.
func rawRequest(t *testing.T, addr, local, req string) (int, string) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", strings.SplitN(req, "\r\n", 2)[0], err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	return resp.StatusCode, string(b)
}

func post(path, host, ctype, origin, body string, extra ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	if ctype != "" {
		h += "Content-Type: " + ctype + "\r\n"
	}
	if origin != "" {
		h += "Origin: " + origin + "\r\n"
	}
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n" + body
}

func get(path, host string, extra ...string) string {
	h := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

const wsUpgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="

// DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends its own
// name as the Host. No route answers it, WebSockets least of all.
func TestHostileRebindingHost(t *testing.T) {
	_, addr := serveGuarded(t, &Options{})
	_, port, _ := net.SplitHostPort(addr)
	evil := "evil.example:" + port
	for _, req := range []string{
		get("/", evil),
		get("/ws", evil, "Origin: http://"+evil, wsUpgrade),
		get("/websockify?port=7", evil, "Origin: http://"+evil, wsUpgrade),
		get("/labs.json", evil),
		post("/api/build", evil, "application/json", "http://"+evil, `{"source":"package main\n"}`),
		post("/api/export.pcapng", evil, "application/json", "http://"+evil, `{"events":[]}`),
		post("/api/check", evil, "application/json", "http://"+evil, `{}`),
	} {
		status, body := rawRequest(t, addr, "", req)
		if status != http.StatusMisdirectedRequest || !strings.Contains(body, "--host") {
			t.Errorf("%q: %d %q; want 421 naming --host", strings.SplitN(req, "\r\n", 2)[0], status, body)
		}
	}
	// Loopback names are the gateway's own.
	for _, host := range []string{addr, "localhost:" + port, "[::1]:" + port, "LOCALHOST.:" + port} {
		if status, _ := rawRequest(t, addr, "", get("/healthz", host)); status != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, status)
		}
	}
	// With --host, a name of this machine is.
	_, addr2 := serveGuarded(t, &Options{HTTP: HTTPLimits{Hosts: []string{"lab.example.org"}}})
	if status, _ := rawRequest(t, addr2, "", get("/healthz", "lab.example.org")); status != http.StatusOK {
		t.Errorf("Host named by --host: %d, want 200", status)
	}
}

// A page of another site may not make the gateway compile, export or check: not by a form
// or a text/plain fetch (which need no preflight), nor by JSON from its own origin.
func TestHostileCrossOriginPosts(t *testing.T) {
	_, addr := serveGuarded(t, &Options{})
	src := `{"source":"package main\n\nfunc main() {}\n"}`
	for _, tc := range []struct {
		name, path, ctype, origin string
		extra                     []string
		status                    int
	}{
		{"text/plain build", "/api/build", "text/plain", "", nil, http.StatusUnsupportedMediaType},
		{"text/plain export", "/api/export.pcapng", "text/plain;charset=UTF-8", "", nil, http.StatusUnsupportedMediaType},
		{"form export", "/api/export.pcapng", "application/x-www-form-urlencoded", "", nil, http.StatusUnsupportedMediaType},
		{"cross-origin text/plain build", "/api/build", "text/plain", "http://evil.example", []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
		{"cross-origin JSON export", "/api/export.pcapng", "application/json", "http://evil.example", nil, http.StatusForbidden},
		{"cross-site by fetch metadata", "/api/annotate", "application/json", "", []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
		{"same-site, another port", "/api/check", "application/json", "http://127.0.0.1:1", []string{"Sec-Fetch-Site: same-site"}, http.StatusForbidden},
		{"opaque origin", "/api/build", "application/json", "null", nil, http.StatusForbidden},
	} {
		status, body := rawRequest(t, addr, "", post(tc.path, addr, tc.ctype, tc.origin, src, tc.extra...))
		var e struct{ Error string }
		if status != tc.status || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %q; want %d with a JSON error", tc.name, status, body, tc.status)
		}
	}
	// The page's own request: same origin, JSON.
	status, body := rawRequest(t, addr, "", post("/api/annotate", addr, "application/json", "http://"+addr, `{"events":[]}`, "Sec-Fetch-Site: same-origin"))
	if status != http.StatusOK {
		t.Errorf("the page's own annotate: %d %q", status, body)
	}
}

// Bodies past each endpoint's cap are refused, and a forged export (a few hundred bytes
// claiming a gigabyte a payload) does not make the gateway allocate what it claims.
func TestHostileBodiesAndClaims(t *testing.T) {
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: -1}, Compile: CompileLimits{PerMinute: -1}})
	huge := strings.Repeat("x", maxRunJSON+8192)
	for _, tc := range []struct{ path, body string }{
		{"/api/build", `{"source":"` + strings.Repeat("x", 6*(256<<10)+9000) + `"}`},
		{"/api/annotate", `{"events":[],"pad":"` + huge + `"}`},
		{"/api/export.pcapng", `{"events":[],"pad":"` + huge + `"}`},
		{"/api/check", `{"lesson":"x","pad":"` + huge + `"}`},
		// Three bytes an event: small as bodies go, too many events to hold.
		{"/api/export.pcapng", `{"events":[` + strings.Repeat("{},", 2*maxRunEvents) + `{}]}`},
		{"/api/check", `{"lesson":"x","events":[` + strings.Repeat("{},", 2*maxRunEvents) + `{}]}`},
	} {
		status, body := rawRequest(t, addr, "", post(tc.path, addr, "application/json", "", tc.body))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"error"`) {
			t.Errorf("%s with %d bytes: %d %.200q; want 413 with a JSON error", tc.path, len(tc.body), status, body)
		}
	}

	forged := `{"events":[{"stream":1,"kind":"connected","local":"10.10.1.2:4000","remote":"10.10.0.80:80"},` +
		`{"stream":1,"kind":"send","n":1073741824,"data":"R0VU"},{"stream":1,"kind":"recv","n":1073741824,"data":"SFQ="}]}`
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, body := rawRequest(t, addr, "", post("/api/export.pcapng", addr, "application/json", "", forged))
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d-byte export claiming 2 GiB: %d, %d bytes back, %.1f MiB allocated", len(forged), status, len(body), float64(grew)/(1<<20))
	if status != http.StatusOK || !strings.Contains(body, "this capture stands for at most") {
		t.Errorf("forged export: %d, %d bytes; want a capture that says it was cut", status, len(body))
	}
	if grew > 128<<20 || len(body) > 16<<20 {
		t.Errorf("a %d-byte export allocated %d MiB and answered %d bytes", len(forged), grew>>20, len(body))
	}
}

// A body whose Content-Length is past the endpoint's cap is refused at once, before any of
// it is sent: the gateway neither waits for it nor reads 16 MiB of it to find out.
func TestHostileBodyLengthRefusedUnread(t *testing.T) {
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: -1}, Compile: CompileLimits{PerMinute: -1}})
	for _, path := range []string{"/api/annotate", "/api/export.pcapng", "/api/build", "/api/check"} {
		req := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 33554432\r\n\r\n{\"events\":["
		start := time.Now()
		status, body := rawRequest(t, addr, "", req)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"error"`) {
			t.Errorf("%s claiming 32 MiB, 12 bytes sent: %d %.200q; want 413 with a JSON error", path, status, body)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("%s: the refusal took %v: the gateway waited for the body", path, waited)
		}
	}
}

// Each endpoint that does work is rate-limited per address, with 429, Retry-After and a
// JSON error that says what to do; another address is not held back.
func TestHostileRates(t *testing.T) {
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: 6}})
	limited := 0
	for i := range 10 {
		status, body := rawRequest(t, addr, "127.0.0.1", post("/api/annotate", addr, "application/json", "", `{"events":[]}`))
		if status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(body, "--api-rate") || !strings.Contains(body, "wait") {
				t.Errorf("429 without advice: %q", body)
			}
			continue
		}
		if status != http.StatusOK || i >= 3 {
			t.Errorf("annotate %d: %d %q", i, status, body)
		}
	}
	if limited != 7 {
		t.Errorf("%d of 10 annotations beyond a burst of 3 were refused, want 7", limited)
	}
	if status, body := rawRequest(t, addr, "127.0.0.2", post("/api/annotate", addr, "application/json", "", `{"events":[]}`)); status != http.StatusOK {
		t.Errorf("another address: %d %q", status, body)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, post("/api/check", addr, "application/json", "", `{}`))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("check over the rate: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
}

// One address opens 3,000 connections and lets them idle or trickle: it is held to its
// share, the ones it holds are closed by the timeouts, and another address is served all
// along.
func TestHostileConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 3,000 connections")
	}
	const share = 40
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{ConnsPerClient: share, IdleTimeout: time.Second, ReadTimeout: 2 * time.Second}})
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	refused := 0
	for i := range 3000 {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		if i < share {
			continue
		}
		// Past the share, the gateway answers at once and closes.
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(c)
		c.Close()
		if strings.Contains(string(b), "429 Too Many Requests") && strings.Contains(string(b), "--max-conns-per-client") {
			refused++
		}
	}
	if refused != 3000-share {
		t.Errorf("%d of the %d connections past the share were refused", refused, 3000-share)
	}
	// Another address is served meanwhile.
	if status, _ := rawRequest(t, addr, "127.0.0.2", get("/healthz", addr)); status != http.StatusOK {
		t.Errorf("another address while one holds its share: %d", status)
	}
	// Of the held ones, half make a keep-alive request and then idle, half trickle a body:
	// the idle and read timeouts close them all.
	start := time.Now()
	for i, c := range conns[:share] {
		if i%2 == 0 {
			io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
		} else {
			io.WriteString(c, "POST /api/annotate HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
		}
	}
	for i, c := range conns[:share] {
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err := io.Copy(io.Discard, c) // until the gateway closes it
		if err != nil {
			t.Errorf("connection %d was not closed by the gateway: %v", i, err)
		}
	}
	t.Logf("the held connections were closed within %s", time.Since(start).Round(time.Millisecond))
	// With them gone, the first address is served again.
	var status int
	for range 50 {
		if status, _ = rawRequest(t, addr, "127.0.0.1", get("/healthz", addr)); status == http.StatusOK {
			break
		}
	}
	if status != http.StatusOK {
		t.Errorf("after its connections closed, the address got %d", status)
	}
}
