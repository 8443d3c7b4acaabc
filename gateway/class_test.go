package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/relay"
	"socketlab/internal/relaytest"
	"socketlab/wire"
)

// TestClassroom: without the join code only the join page answers; people who join are
// learners by their names, and a classmate's server is reachable at NAME.lab.
func TestClassroom(t *testing.T) {
	class := relay.NewClass("tuesday")
	s, err := New(&Options{CacheDir: t.TempDir(), Class: class})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws"

	noRedirect := func(jar http.CookieJar) *http.Client {
		return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	stranger := noRedirect(nil)
	resp, err := stranger.Get(ts.URL + "/lessons/01-time")
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/join") {
		t.Fatalf("a stranger's page request: %v %v, want a redirect to /join", resp.StatusCode, err)
	}
	for _, path := range []string{"/api/build", "/ws", "/labs.json"} {
		resp, err := stranger.Get(ts.URL + path)
		if err != nil || (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusSeeOther) {
			t.Errorf("a stranger's GET %s: %d %v", path, resp.StatusCode, err)
		}
	}
	if _, _, err := websocket.Dial(context.Background(), wsURL, nil); err == nil {
		t.Error("a session opened without joining")
	}

	join := func(code, name string) (*http.Client, int, string) {
		jar, _ := cookiejar.New(nil)
		c := noRedirect(jar)
		resp, err := c.PostForm(ts.URL+"/join", url.Values{"code": {code}, "name": {name}, "next": {"/lessons/01-time"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return c, resp.StatusCode, string(b)
	}
	if _, status, body := join("monday", "alice"); status != http.StatusForbidden || !strings.Contains(body, "not this class") {
		t.Errorf("wrong code: %d %s", status, body)
	}
	if _, status, body := join("tuesday", "time"); status != http.StatusConflict || !strings.Contains(body, "lab server") {
		t.Errorf("a lab host's name: %d %s", status, body)
	}
	if _, status, _ := join("tuesday", "X!"); status != http.StatusBadRequest {
		t.Errorf("a bad name: %d", status)
	}
	alice, status, _ := join("tuesday", "alice")
	bob, status2, _ := join("tuesday", "bob")
	if status != http.StatusSeeOther || status2 != http.StatusSeeOther {
		t.Fatalf("joining: %d %d", status, status2)
	}
	if resp, err := alice.Get(ts.URL + "/lessons/01-time"); err != nil || resp.StatusCode != 200 {
		t.Errorf("alice's page: %v %v", resp.StatusCode, err)
	}

	session := func(c *http.Client) *relaytest.Client {
		u, _ := url.Parse(ts.URL)
		h := http.Header{}
		for _, ck := range c.Jar.Cookies(u) {
			h.Add("Cookie", ck.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			t.Fatal(err)
		}
		rc := relaytest.Wrap(t, ws)
		t.Cleanup(func() { ws.CloseNow() })
		rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
		rc.Recv()
		return rc
	}
	// Bob serves; Alice looks bob.lab up and connects to his server.
	b := session(bob)
	b.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindListen, Window: 1 << 16, Network: "tcp", Local: ":8000"}.Append(nil))
	if f := b.RecvFor(1); f.Type != wire.Connected {
		t.Fatalf("bob's listener: %v", f.Type)
	}
	a := session(alice)
	a.Send(wire.Lookup, 1, wire.LookupMsg{Network: "ip", Host: "bob.lab"}.Append(nil))
	f := a.RecvFor(1)
	var ans wire.AnswerMsg
	if f.Type != wire.Answer || ans.Unmarshal(f.Payload) != nil || len(ans.Addrs) != 1 {
		t.Fatalf("lookup of bob.lab: %v", f.Type)
	}
	if f := a.Dial(3, 1<<16, ans.Addrs[0]+":8000"); f.Type != wire.Connected {
		t.Fatalf("alice dialing bob.lab:8000: %v %q", f.Type, f.Payload)
	}
	if f := b.RecvFor(1); f.Type != wire.Accept {
		t.Errorf("bob's listener saw %v, want ACCEPT", f.Type)
	}
	if f := a.Dial(5, 1<<16, ans.Addrs[0]+":8001"); f.Type != wire.Close || relaytest.CloseMsg(t, f).Code != wire.CodeRefused {
		t.Errorf("a port bob does not serve: %v", f.Type)
	}
	a.Send(wire.Lookup, 7, wire.LookupMsg{Network: "ip", Host: "carol.lab"}.Append(nil))
	if m := a.ExpectClose(7); m.Code != wire.CodeNoHost {
		t.Errorf("lookup of someone not in the class: %v %q", m.Code, m.Reason)
	}
}
