package relay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/lab"
	"socketlab/internal/relaytest"
	"socketlab/wire"
)

// These tests speak the wire protocol by hand, as a hostile or broken page could, against a
// real relay and real lab servers. Whatever arrives, the gateway answers with a clear reason,
// keeps serving everyone else, and gives back what it took.

// rawClient is the hand-spoken client of internal/relaytest, with the relay tests' own steps.
type rawClient struct{ *relaytest.Client }

func startRelay(t *testing.T, lim Limits) (*Relay, string) {
	t.Helper()
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{Lab: ln, Limits: lim}
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
	})
	return r, "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

func connect(t *testing.T, url string) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := wrap(t, c)
	rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "test"}.Append(nil))
	if f := rc.Recv(); f.Type != wire.Hello {
		t.Fatalf("first frame is %v, want HELLO", f.Type)
	}
	return rc
}

// wrap starts reading frames from an open WebSocket; the caller says HELLO.
func wrap(t *testing.T, c *websocket.Conn) *rawClient { return &rawClient{relaytest.Wrap(t, c)} }

// healthy checks that a session still works: a lookup answers.
func (rc *rawClient) healthy(id uint32) {
	rc.T.Helper()
	rc.Send(wire.Lookup, id, wire.LookupMsg{Network: "ip", Host: "time.lab"}.Append(nil))
	for {
		f := rc.Recv()
		if f.Stream == id {
			if f.Type != wire.Answer {
				rc.T.Fatalf("lookup on a healthy session: got %v", f.Type)
			}
			return
		}
	}
}

// waitGoroutines waits until the goroutine count is back to at most base.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want at most %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHostileFrames(t *testing.T) {
	_, url := startRelay(t, Limits{})
	bystander := connect(t, url)
	base := runtime.NumGoroutine()

	tests := []struct {
		name string
		msg  []byte
		want string // in the reason
	}{
		{"short frame", []byte{4, 0, 0}, "shorter than a frame header"},
		{"unknown type", []byte{0x7e, 0, 0, 0, 1}, "unknown type"},
		{"truncated connect", wire.Append(nil, wire.Connect, 1, []byte{1, 0, 0}), "payload ends inside"},
		{"gateway stream id", wire.Append(nil, wire.Connect, wire.GatewayStream|1, wire.ConnectMsg{Kind: wire.KindDial, Network: "tcp", Remote: "10.10.0.7:7"}.Append(nil)), "gateway's range"},
		{"accept from a program", wire.Append(nil, wire.Accept, 1, wire.AcceptMsg{}.Append(nil)), "may not send ACCEPT"},
		{"data on stream 0", wire.Append(nil, wire.Data, 0, []byte("x")), "not allowed on stream 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := connect(t, url)
			rc.SendRaw(tt.msg)
			m := rc.ExpectClose(0)
			if m.Code != wire.CodeProtocol || !strings.Contains(m.Reason, tt.want) {
				t.Errorf("CLOSE = %v %q, want protocol error mentioning %q", m.Code, m.Reason, tt.want)
			}
			if _, err := rc.TryRecv(5 * time.Second); err == nil || err == relaytest.ErrQuiet {
				t.Errorf("the session stayed open after a protocol error (%v)", err)
			}
		})
	}
	// Frames for streams that do not exist are ignored: they may have crossed a CLOSE.
	rc := connect(t, url)
	rc.Send(wire.Data, 77, []byte("nobody"))
	rc.Send(wire.Continue, 79, wire.Credit(nil, 5))
	rc.Send(wire.Fin, 81, nil)
	rc.Send(wire.Close, 83, wire.CloseMsg{}.Append(nil))
	rc.healthy(85)

	bystander.healthy(1)
	rc.C.CloseNow()
	waitGoroutines(t, base)
}

func TestHostileStreams(t *testing.T) {
	_, url := startRelay(t, Limits{SocketsPerLearner: 20})
	rc := connect(t, url)

	if f := rc.Dial(1, 1<<16, "10.10.0.9:9"); f.Type != wire.Connected {
		t.Fatalf("dial discard: %v", f.Type)
	}
	// A flood of opens: beyond the learner's socket limit each gets a clear refusal.
	var limited int
	for id := uint32(3); id < 3+2*40; id += 2 {
		f := rc.Dial(id, 1<<16, "10.10.0.9:9")
		if f.Type == wire.Close {
			var m wire.CloseMsg
			m.Unmarshal(f.Payload)
			if m.Code != wire.CodeLimit || !strings.Contains(m.Reason, "--max-sockets") {
				t.Fatalf("over the limit: %v %q", m.Code, m.Reason)
			}
			limited++
		}
	}
	if limited != 40-19 {
		t.Errorf("%d dials refused for the limit, want %d", limited, 40-19)
	}
}

// TestWindowEnforced: a program may send no more than the window plus the credit returned.
// The stream here has no socket yet, so no credit comes back and the limit is exact.
func TestWindowEnforced(t *testing.T) {
	s := &session{relay: &Relay{}}
	st := newStream(s, 1, 1<<16)
	big := make([]byte, wire.MaxData)
	for sent := 0; sent < int(st.window); sent += len(big) {
		if err := st.fromProgram(wire.Frame{Type: wire.Data, Stream: 1, Payload: big}); err != nil {
			t.Fatalf("within the window, after %d bytes: %v", sent, err)
		}
	}
	err := st.fromProgram(wire.Frame{Type: wire.Data, Stream: 1, Payload: []byte{1}})
	var pe protocolError
	if !errors.As(err, &pe) || !strings.Contains(pe.reason, "past its window") {
		t.Errorf("one byte past the window: err = %v, want a protocol error", err)
	}
}

// TestSlowReader: a page that never grants more credit gets no more than its window, however
// much the server sends, and the gateway stops reading from the server meanwhile.
func TestSlowReader(t *testing.T) {
	_, url := startRelay(t, Limits{})
	rc := connect(t, url)
	const window = 8 << 10
	if f := rc.Dial(1, window, "10.10.0.7:7"); f.Type != wire.Connected {
		t.Fatalf("dial echo: %v", f.Type)
	}
	chunk := make([]byte, 4<<10)
	for i := 0; i < 32; i++ { // 128 KiB to echo, sixteen times the window
		rc.Send(wire.Data, 1, chunk)
	}
	got := 0
	for got < window {
		if f := rc.Recv(); f.Type == wire.Data {
			got += len(f.Payload)
		}
	}
	// The window is used up: whatever else the server sends stays at the gateway. (Proving
	// that nothing more comes needs a pause; anything arriving in it is a failure.)
	for {
		f, err := rc.TryRecv(300 * time.Millisecond)
		if err == relaytest.ErrQuiet {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == wire.Data {
			got += len(f.Payload)
		}
	}
	if got != window {
		t.Fatalf("received %d bytes without granting credit, want exactly the window of %d", got, window)
	}
	// Granting credit lets the rest through: nothing was lost.
	rc.Send(wire.Continue, 1, wire.Credit(nil, 1<<20))
	for got < 32*len(chunk) {
		f := rc.Recv()
		if f.Type == wire.Data {
			got += len(f.Payload)
		}
	}
}

func TestTinyWritesAndDisconnect(t *testing.T) {
	_, url := startRelay(t, Limits{})
	base := runtime.NumGoroutine()
	baseFDs := openFDs(t)
	rc := connect(t, url)
	if f := rc.Dial(1, 1<<20, "10.10.0.7:7"); f.Type != wire.Connected {
		t.Fatalf("dial echo: %v", f.Type)
	}
	for i := 0; i < 10000; i++ {
		rc.Send(wire.Data, 1, []byte{byte(i)})
	}
	got := 0
	for got < 10000 {
		f := rc.Recv()
		switch f.Type {
		case wire.Data:
			got += len(f.Payload)
		case wire.Close:
			t.Fatalf("closed after %d bytes", got)
		}
	}
	// Vanish mid-transfer: the gateway cleans up the session and its sockets.
	for i := 0; i < 100; i++ {
		rc.Send(wire.Data, 1, make([]byte, 1000))
	}
	rc.C.CloseNow()
	waitGoroutines(t, base)
	// And its sockets: descriptors return to where they were. A busy stream may have given
	// its splice pipe (two descriptors) back to the pool, which lets go of it only at a
	// collection: collect while waiting.
	deadline := time.Now().Add(10 * time.Second)
	for openFDs(t) > baseFDs {
		if time.Now().After(deadline) {
			t.Fatalf("open descriptors: %d, were %d", openFDs(t), baseFDs)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(entries)
}

func TestSessionLimits(t *testing.T) {
	_, url := startRelay(t, Limits{SessionsPerClient: 2, LookupsPerSecond: 2, IdleTimeout: 300 * time.Millisecond, MaxDatagram: 100})
	a := connect(t, url)
	connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, msg, err := c.Read(ctx)
	f, _ := wire.Decode(msg)
	var m wire.CloseMsg
	if err != nil || f.Type != wire.Close || m.Unmarshal(f.Payload) != nil || m.Code != wire.CodeLimit || !strings.Contains(m.Reason, "--max-sessions-per-client") {
		t.Errorf("third session: %v %v %q", err, f.Type, m.Reason)
	}

	// Lookups beyond the rate (burst of twice the rate) are refused with the reason.
	var refused string
	for id := uint32(1); id < 20 && refused == ""; id += 2 {
		a.Send(wire.Lookup, id, wire.LookupMsg{Network: "ip", Host: "time.lab"}.Append(nil))
		if f := a.Recv(); f.Type == wire.Close {
			var m wire.CloseMsg
			m.Unmarshal(f.Payload)
			refused = m.Reason
		}
	}
	if !strings.Contains(refused, "--lookup-rate") {
		t.Errorf("lookups over the rate: %q", refused)
	}

	// A connection idle both ways is closed with a timeout.
	if f := a.Dial(101, 1<<16, "10.10.0.9:9"); f.Type != wire.Connected {
		t.Fatalf("dial discard: %v", f.Type)
	}
	if m := a.ExpectClose(101); m.Code != wire.CodeTimeout || !strings.Contains(m.Reason, "--idle-timeout") {
		t.Errorf("idle connection: %v %q", m.Code, m.Reason)
	}

	// A datagram over the limit is refused; the socket stays usable.
	a.Send(wire.Connect, 103, wire.ConnectMsg{Kind: wire.KindUDP, Network: "udp"}.Append(nil))
	if f := a.Recv(); f.Type != wire.Connected {
		t.Fatalf("udp socket: %v", f.Type)
	}
	a.Send(wire.Datagram, 103, wire.DatagramMsg{Addr: "10.10.0.7:7", Data: make([]byte, 101)}.Append(nil))
	if f := a.Recv(); f.Type != wire.Error || !strings.Contains(string(f.Payload), "--max-datagram") {
		t.Errorf("big datagram: %v %q", f.Type, f.Payload)
	}
	a.Send(wire.Datagram, 103, wire.DatagramMsg{Addr: "10.10.0.7:7", Data: []byte("small")}.Append(nil))
	if f := a.Recv(); f.Type != wire.Datagram {
		t.Errorf("small datagram after a refused one: %v", f.Type)
	}
}

// TestOriginCheck: a page of another site cannot open sessions; --origin adds sites.
func TestOriginCheck(t *testing.T) {
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := httptest.NewServer(&Relay{Lab: ln, Origins: []string{"lab.example.org"}})
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	for _, tt := range []struct {
		origin string
		ok     bool
	}{
		{"", true}, // not a browser: no page to protect
		{srv.URL, true},
		{"http://lab.example.org", true},
		{"http://evil.example", false},
		{"http://lab.example.org.evil.example", false},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
		cancel()
		if (err == nil) != tt.ok {
			t.Errorf("Origin %q: err = %v, want ok=%v", tt.origin, err, tt.ok)
		}
		if err != nil && resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("Origin %q: status %d, want 403", tt.origin, resp.StatusCode)
		}
		if c != nil {
			c.CloseNow()
		}
	}
}

// Closing the relay (the gateway shutting down) ends every session and waits for them, though
// the HTTP server no longer holds their connections.
func TestRelayCloseEndsSessions(t *testing.T) {
	r, url := startRelay(t, Limits{})
	rc := connect(t, url)
	if f := rc.Dial(1, 1<<16, "echo.lab:7"); f.Type != wire.Connected {
		t.Fatalf("dial echo.lab: %v", f.Type)
	}
	rc.Send(wire.Data, 1, []byte("hello"))
	if f := rc.RecvFor(1); f.Type != wire.Data || string(f.Payload) != "hello" {
		t.Fatalf("echo: %v %q", f.Type, f.Payload)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatalf("Close: %v (sessions still running)", err)
	}
	for {
		if _, err := rc.TryRecv(5 * time.Second); err != nil {
			if err == relaytest.ErrQuiet {
				t.Fatal("the session stayed open after the relay closed")
			}
			break
		}
	}
}
