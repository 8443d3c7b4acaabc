package relay

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/lab"
	"socketlab/wire"
)

// These hostile tests each reproduce an attack on the budgets and the classroom (issue 22,
// items 3, 7 and 8) against a real relay, real lab servers and real sockets on loopback, and
// assert the bound. Two client addresses are 127.0.0.1 and 127.0.0.2, both loopback.

// testGateway is a relay behind an HTTP server with /ws, /websockify and a page.
type testGateway struct {
	r    *Relay
	base string // http://127.0.0.1:PORT

	mu   sync.Mutex
	logs []string
}

func startGateway(t *testing.T, lim Limits, class *Class) *testGateway {
	t.Helper()
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &testGateway{}
	g.r = &Relay{Lab: ln, Limits: lim, Class: class, Logger: slog.New(slog.NewTextHandler(g, nil))}
	mux := http.NewServeMux()
	mux.Handle("/ws", g.r)
	mux.HandleFunc("/websockify", g.r.ServeWebsockify)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "the page") })
	var h http.Handler = mux
	if class != nil {
		h = class.Gate(mux)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		g.r.Close(context.Background())
		ln.Close()
	})
	g.base = srv.URL
	return g
}

// Write takes one log record a call, as slog's handlers write them.
func (g *testGateway) Write(p []byte) (int, error) {
	g.mu.Lock()
	g.logs = append(g.logs, string(p))
	g.mu.Unlock()
	return len(p), nil
}

// logLines counts the log lines that contain s.
func (g *testGateway) logLines(s string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, l := range g.logs {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// httpFrom is an HTTP client whose connections come from the loopback address from.
func httpFrom(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
}

// session opens a program session from the address from, with a learner id and, in a
// class, the join cookie of name. It returns the client and the first frame (HELLO, or the
// CLOSE of a refusal).
func (g *testGateway) session(t *testing.T, from, learner, name string) (*rawClient, wire.Frame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	if name != "" {
		h.Set("Cookie", joinCookie(g.r.Class, name))
	}
	u := "ws" + strings.TrimPrefix(g.base, "http") + "/ws?learner=" + url.QueryEscape(learner)
	c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: httpFrom(from), HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	rc := wrap(t, c)
	rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "test"}.Append(nil))
	return rc, rc.Recv()
}

// joinCookie is the cookie of a classmate who joined as name (and joins them).
func joinCookie(c *Class, name string) string {
	c.mu.Lock()
	c.names[name] = "127.0.0.1"
	c.mu.Unlock()
	expires := time.Now().Add(time.Hour).Unix()
	return classCookie + "=" + name + "." + strconv.FormatInt(expires, 10) + "." + c.sign(name, expires)
}

// listen opens a listener on local and returns the gateway's CONNECTED.
func (rc *rawClient) listen(id uint32, local string) wire.ConnectedMsg {
	rc.T.Helper()
	rc.Send(wire.Connect, id, wire.ConnectMsg{Kind: wire.KindListen, Window: 1 << 16, Network: "tcp", Local: local}.Append(nil))
	f := rc.RecvFor(id)
	var m wire.ConnectedMsg
	if f.Type != wire.Connected || m.Unmarshal(f.Payload) != nil {
		rc.T.Fatalf("listen on %s: %v %q", local, f.Type, f.Payload)
	}
	return m
}

// acceptAndConnected reads until the listener ln accepts and stream id is CONNECTED, in
// either order, and returns the ACCEPT.
func (rc *rawClient) acceptAndConnected(ln, id uint32) wire.AcceptMsg {
	rc.T.Helper()
	var acc wire.AcceptMsg
	accepted, connected := false, false
	for !accepted || !connected {
		f := rc.Recv()
		switch {
		case f.Stream == ln && f.Type == wire.Accept:
			if err := acc.Unmarshal(f.Payload); err != nil {
				rc.T.Fatal(err)
			}
			accepted = true
		case f.Stream == id && f.Type == wire.Connected:
			connected = true
		case f.Stream == id || f.Stream == ln:
			rc.T.Fatalf("stream %d: %v %q", f.Stream, f.Type, f.Payload)
		}
	}
	return acc
}

// dialMany sends n CONNECTs at once (ids from first) and counts the answers: open streams,
// and the refusals by reason.
func (rc *rawClient) dialMany(first uint32, n int, target string) (open int, refused map[string]int) {
	rc.T.Helper()
	refused = map[string]int{}
	for i := range n {
		rc.Send(wire.Connect, first+uint32(i), wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 16, Network: "tcp", Remote: target}.Append(nil))
	}
	for answered := 0; answered < n; {
		f := rc.Recv()
		if f.Stream < first || f.Stream >= first+uint32(n) {
			continue
		}
		switch f.Type {
		case wire.Connected:
			open++
		case wire.Close:
			var m wire.CloseMsg
			m.Unmarshal(f.Payload)
			refused[m.Reason]++
		default:
			continue
		}
		answered++
	}
	return open, refused
}

// TestOneAddressHeldToItsShare: one address opens sessions as many learners, each asking
// for many streams; it gets its address's share and no more, the refusal says which limit
// in words and is logged once, and meanwhile another address dials with no failure and the
// HTTP listener still answers.
func TestOneAddressHeldToItsShare(t *testing.T) {
	const learners, streams, share = 12, 64, 100
	g := startGateway(t, Limits{SessionsPerClient: learners, SocketsPerClient: share}, nil)
	open := 0
	refused := map[string]int{}
	for i := range learners {
		rc, hello := g.session(t, "127.0.0.2", fmt.Sprintf("attacker-%04d", i), "")
		if hello.Type != wire.Hello {
			t.Fatalf("attacker session %d refused: %q", i, hello.Payload)
		}
		o, r := rc.dialMany(1, streams, "echo.lab:7")
		open += o
		for k, v := range r {
			refused[k] += v
		}
	}
	if open != share {
		t.Errorf("the address holds %d streams, want its share of %d", open, share)
	}
	for reason, n := range refused {
		if !strings.Contains(reason, "--max-sockets-per-client") || !strings.Contains(reason, "close the ones you are done with") {
			t.Errorf("%d refusals say %q, want the limit and what to try", n, reason)
		}
	}
	if _, hello := g.session(t, "127.0.0.2", "attacker-more", ""); hello.Type != wire.Close || !strings.Contains(string(hello.Payload), "--max-sessions-per-client") {
		t.Errorf("one more session of the address: %v %q, want a refusal naming the limit", hello.Type, hello.Payload)
	}
	if n := g.logLines("127.0.0.2"); n != 1 {
		t.Errorf("the address's limits were logged %d times, want once a minute", n)
	}

	// Another address, meanwhile: every dial works, and the page answers.
	rc, _ := g.session(t, "127.0.0.1", "bystander", "")
	if o, r := rc.dialMany(1, share-10, "echo.lab:7"); o != share-10 {
		t.Errorf("another address opened %d of %d streams: %v", o, share-10, r)
	}
	resp, err := httpFrom("127.0.0.1").Get(g.base + "/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the HTTP listener: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestDescriptorReserve: sockets stop where the descriptors kept in reserve begin, for every
// address together, and the refusal says so.
func TestDescriptorReserve(t *testing.T) {
	// 100 descriptors above the reserve: the session takes 1, each stream 2.
	g := startGateway(t, Limits{files: 1100, ReserveFDs: 1000, SocketsPerClient: -1, SocketsPerLearner: -1}, nil)
	rc, _ := g.session(t, "127.0.0.2", "attacker-0000", "")
	o, refused := rc.dialMany(1, 80, "echo.lab:7")
	if o != 49 {
		t.Errorf("opened %d streams within 99 descriptors, want 49", o)
	}
	for reason := range refused {
		if !strings.Contains(reason, "--reserve-fds") {
			t.Errorf("refusal %q does not name the reserve", reason)
		}
	}
}

// TestHostPorts: a learner's port P is a lab port on a host port from --host-ports, never the
// host's P; the program sees P everywhere, the page gets the host port.
func TestHostPorts(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	// A range that does not hold P.
	first := 21000
	if p >= first && p < first+100 {
		first = 22000
	}
	g := startGateway(t, Limits{HostPorts: PortRange{first, first + 99}}, nil)
	rc, _ := g.session(t, "127.0.0.1", "learner-ports", "")
	m := rc.listen(1, ":"+strconv.Itoa(p))
	if m.Local != "[::]:"+strconv.Itoa(p) {
		t.Errorf("the program sees its listener at %q, want port %d", m.Local, p)
	}
	_, hp, _ := net.SplitHostPort(m.Host)
	host, _ := strconv.Atoi(hp)
	if host < first || host > first+99 {
		t.Errorf("the listener is on host port %d, want one in %d-%d", host, first, first+99)
	}
	// The host's own port P is still free.
	own, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("the learner's port %d took the host's: %v", p, err)
	}
	own.Close()
	// The learner's programs reach it at localhost:P and see P at both ends.
	rc.Send(wire.Connect, 2, wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 16, Network: "tcp", Remote: "localhost:" + strconv.Itoa(p)}.Append(nil))
	acc := rc.acceptAndConnected(1, 2)
	if acc.Local != m.Local || !strings.HasPrefix(acc.Remote, "127.0.0.1:") {
		t.Errorf("accepted %q from %q, want %q from 127.0.0.1", acc.Local, acc.Remote, m.Local)
	}
	// A host client (nc, curl) reaches it at the host port the page shows.
	c, err := net.Dial("tcp", m.Host)
	if err != nil {
		t.Fatalf("a host client at %s: %v", m.Host, err)
	}
	c.Close()
}
