package relay

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/faults"
	"socketlab/gateway/lab"
	"socketlab/wire"
)

// startFaultyRelay is startRelay with the gateway's default faults and a dial timeout.
func startFaultyRelay(t *testing.T, spec string, dialTimeout time.Duration) string {
	t.Helper()
	sp, err := faults.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&Relay{Lab: ln, Faults: sp, DialTimeout: dialTimeout})
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// hello opens a session on url and returns the gateway's first frame.
func hello(t *testing.T, url string) (*rawClient, wire.Frame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := wrap(t, c)
	rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "test"}.Append(nil))
	return rc, rc.Recv()
}

// TestFaultsInHello: a session's faults are the gateway's with the run's added, the harsher
// value holding, and the HELLO says them with their seed; a spec the gateway cannot read ends
// the session with the reason.
func TestFaultsInHello(t *testing.T) {
	url := startFaultyRelay(t, "segment=4,loss=0.2", 0)
	faultsOf := func(query string) string {
		t.Helper()
		_, f := hello(t, url+query)
		var h wire.HelloMsg
		if f.Type != wire.Hello || h.Unmarshal(f.Payload) != nil {
			t.Fatalf("%s: first frame %v, want HELLO", query, f.Type)
		}
		return h.Faults
	}
	if got := faultsOf("?faults=" + "segment=1,delay=5ms,loss=0.1,seed=9"); got != "segment=1,delay=5ms,loss=0.2,seed=9" {
		t.Errorf("HELLO faults %q, want the run's segment and delay, the gateway's higher loss, the run's seed", got)
	}
	if got := faultsOf(""); !regexp.MustCompile(`^segment=4,loss=0\.2,seed=\d+$`).MatchString(got) {
		t.Errorf("HELLO faults %q, want the gateway's with a seed it picked", got)
	}

	_, f := hello(t, url+"?faults=loss%3D1.5")
	if f.Type != wire.Close || f.Stream != 0 {
		t.Fatalf("a bad spec: first frame %v on stream %d, want CLOSE on stream 0", f.Type, f.Stream)
	}
	if m := closeMsg(t, f); m.Code != wire.CodeProtocol || !strings.Contains(m.Reason, "loss=1.5: a probability between 0 and 1, such as loss=0.3") {
		t.Errorf("a bad spec: CLOSE %v %q, want the protocol code and what to write", m.Code, m.Reason)
	}

	clean := startFaultyRelay(t, "", 0)
	_, f = hello(t, clean)
	var h wire.HelloMsg
	if h.Unmarshal(f.Payload); h.Faults != "" {
		t.Errorf("a clean gateway's HELLO says faults %q", h.Faults)
	}
}

func closeMsg(t *testing.T, f wire.Frame) wire.CloseMsg {
	t.Helper()
	var m wire.CloseMsg
	if err := m.Unmarshal(f.Payload); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSegmentFrames: under segment=1 the peer's bytes come as one DATA frame per byte, which
// the runtime keeps apart.
func TestSegmentFrames(t *testing.T) {
	rc, _ := hello(t, startFaultyRelay(t, "segment=1", 0))
	if f := rc.Dial(1, 1<<18, "10.10.0.37:37"); f.Type != wire.Connected {
		t.Fatalf("dial time.lab: %v", f.Type)
	}
	var sizes []int
	for {
		f := rc.RecvFor(1)
		if f.Type != wire.Data {
			break
		}
		sizes = append(sizes, len(f.Payload))
	}
	if len(sizes) != 4 || sizes[0] != 1 || sizes[3] != 1 {
		t.Errorf("DATA frames of %v bytes, want 4 of 1", sizes)
	}
}

// TestBlackhole: a dial under blackhole gets no answer until the dial timeout, then ETIMEDOUT
// with the reason.
func TestBlackhole(t *testing.T) {
	rc, _ := hello(t, startFaultyRelay(t, "blackhole", 300*time.Millisecond))
	start := time.Now()
	f := rc.Dial(1, 1<<18, "10.10.0.7:7")
	if f.Type != wire.Close {
		t.Fatalf("dial under blackhole: %v, want CLOSE", f.Type)
	}
	m := closeMsg(t, f)
	if m.Code != wire.CodeTimeout || !strings.Contains(m.Reason, "blackhole") {
		t.Errorf("CLOSE %v %q, want a timeout that names the blackhole", m.Code, m.Reason)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the blackholed dial ended after %v, before the dial timeout", d)
	}
}
