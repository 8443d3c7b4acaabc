package relay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
)

// These tests use a websockify-style client (coder/websocket, binary messages, one WebSocket
// per connection) against the real endpoint, real lab servers and a real loopback server.

// startWebsockify serves /websockify for a relay on a fresh lab and returns its ws:// base URL.
func startWebsockify(t *testing.T, r *Relay) string {
	t.Helper()
	ln, err := lab.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Lab = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET /websockify", r.ServeWebsockify)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/websockify"
}

func dialWebsockify(t *testing.T, base, target string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, base+"?target="+target, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		t.Fatalf("dial %s: %v", target, err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// echoServer is a loopback TCP echo server outside the lab.
func echoServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// readN reads messages until n bytes have come back.
func readN(t *testing.T, c *websocket.Conn, n int) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []byte
	for len(got) < n {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", len(got), n, err)
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("got a %v message, want binary", typ)
		}
		got = append(got, b...)
	}
	return got
}

// closeStatus reads until the bridge closes the WebSocket and returns its status and reason.
func closeStatus(t *testing.T, c *websocket.Conn) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		if err != nil {
			t.Fatalf("want a Close frame, got %v", err)
		}
	}
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func TestWebsockifyEcho(t *testing.T) {
	port := echoServer(t)
	var rules policy.Flag
	if err := rules.Set("127.0.0.1/32:" + strconv.Itoa(port)); err != nil {
		t.Fatal(err)
	}
	base := startWebsockify(t, &Relay{Policy: policy.New(rules, nil)})
	for _, target := range []string{"echo.lab:7", "10.10.0.7:7", "127.0.0.1:" + strconv.Itoa(port)} {
		t.Run(target, func(t *testing.T) {
			c := dialWebsockify(t, base, target)
			if c.Subprotocol() != "binary" {
				t.Errorf("subprotocol %q, want binary", c.Subprotocol())
			}
			ctx := context.Background()
			// Sizes around the header forms (7, 16 and 64 bits) and past the relay's buffer.
			for _, n := range []int{1, 125, 126, 65535, 65536, 200_000} {
				want := pattern(n)
				if err := c.Write(ctx, websocket.MessageBinary, want); err != nil {
					t.Fatal(err)
				}
				if got := readN(t, c, n); !bytes.Equal(got, want) {
					t.Fatalf("%d bytes: the echo differs", n)
				}
			}
			// One message in several frames (continuations).
			w, err := c.Writer(ctx, websocket.MessageBinary)
			if err != nil {
				t.Fatal(err)
			}
			want := []byte("one message, three frames")
			for _, part := range [][]byte{want[:4], want[4:13], want[13:]} {
				if _, err := w.Write(part); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readN(t, c, len(want)); !bytes.Equal(got, want) {
				t.Fatalf("fragmented message: got %q", got)
			}
			// A ping is answered (the pending Read takes the pong), and data flows after it.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			done := make(chan []byte, 1)
			go func() {
				_, b, _ := c.Read(pctx)
				done <- b
			}()
			if err := c.Ping(pctx); err != nil {
				t.Fatalf("ping: %v", err)
			}
			if err := c.Write(ctx, websocket.MessageBinary, []byte("ping-time")); err != nil {
				t.Fatal(err)
			}
			if b := <-done; string(b) != "ping-time" {
				t.Errorf("after the ping: %q", b)
			}
			if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}

// TestWebsockifyServerCloses: when the server ends the connection, the client gets its bytes
// and then a normal close.
func TestWebsockifyServerCloses(t *testing.T) {
	base := startWebsockify(t, &Relay{})
	c := dialWebsockify(t, base, "daytime.lab:13")
	line := readN(t, c, 1)
	if !bytes.HasSuffix(line, []byte("\n")) {
		line = append(line, readN(t, c, 1)...)
	}
	if code, reason := closeStatus(t, c); code != websocket.StatusNormalClosure || !strings.Contains(reason, "server closed") {
		t.Errorf("close %v %q, want 1000 and a reason", code, reason)
	}
}

func TestWebsockifyRefused(t *testing.T) {
	port := echoServer(t)
	cases := []struct {
		name, target string
		lim          Limits
		code         websocket.StatusCode
		reason       string
	}{
		{"no target", "", Limits{}, 4011, "target=HOST:PORT"},
		{"not host:port", "echo.lab", Limits{}, 4011, "not a host:port"},
		{"lab port with no server", "time.lab:38", Limits{}, 4001, "time.lab"},
		{"loopback without a rule", "127.0.0.1:" + strconv.Itoa(port), Limits{}, 4001, "nothing of yours is listening"},
		{"outside host", "192.0.2.1:80", Limits{}, 4008, "blocked by lab policy"},
		{"idle", "echo.lab:7", Limits{IdleTimeout: 100 * time.Millisecond}, 4003, "--idle-timeout"},
		{"bytes", "echo.lab:7?", Limits{BytesPerSession: 10}, 4010, "--max-bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := startWebsockify(t, &Relay{Limits: tc.lim})
			c := dialWebsockify(t, base, strings.TrimSuffix(tc.target, "?"))
			if strings.HasSuffix(tc.target, "?") {
				c.Write(context.Background(), websocket.MessageBinary, []byte("more than ten bytes"))
			}
			code, reason := closeStatus(t, c)
			if code != tc.code || !strings.Contains(reason, tc.reason) {
				t.Errorf("close %d %q, want %d and a reason with %q", code, reason, tc.code, tc.reason)
			}
		})
	}
}

func TestWebsockifyLimits(t *testing.T) {
	r := &Relay{Limits: Limits{SessionsPerClient: 1}}
	base := startWebsockify(t, r)
	first := dialWebsockify(t, base, "echo.lab:7")
	first.Write(context.Background(), websocket.MessageBinary, []byte("x"))
	readN(t, first, 1) // the first bridge is up
	second := dialWebsockify(t, base, "echo.lab:7")
	if code, reason := closeStatus(t, second); code != 4010 || !strings.Contains(reason, "--max-sessions-per-client") {
		t.Errorf("second connection: %d %q", code, reason)
	}

	// A text message is refused: the bridge carries bytes.
	first.Write(context.Background(), websocket.MessageText, []byte("hello"))
	if code, _ := closeStatus(t, first); code != websocket.StatusUnsupportedData {
		t.Errorf("text message: close %d, want 1003", code)
	}
}

func TestWebsockifyHandshake(t *testing.T) {
	base := startWebsockify(t, &Relay{})
	httpURL := "http" + strings.TrimPrefix(base, "ws") + "?target=echo.lab:7"
	resp, err := http.Get(httpURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(string(body), "WebSocket endpoint") {
		t.Errorf("plain GET: %d %q", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err = websocket.Dial(ctx, base+"?target=echo.lab:7", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://elsewhere.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("another site's page: %v %v", resp, err)
	}
}

func TestMaskBytes(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for _, n := range []int{0, 1, 3, 7, 8, 31, 32, 33, 100} {
		for start := range 4 {
			p := pattern(n)
			want := make([]byte, n)
			for i := range p {
				want[i] = p[i] ^ key[(start+i)&3]
			}
			if end := maskBytes(key, start, p); end != (start+n)&3 || !bytes.Equal(p, want) {
				t.Errorf("n=%d start=%d: wrong result", n, start)
			}
		}
	}
}
