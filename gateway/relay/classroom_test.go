package relay

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/wire"
)

// TestJoinCode: codes come from crypto/rand with at least 40 bits, read in groups, and are
// accepted as typed (case, spaces and dashes aside).
func TestJoinCode(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		code := NewClass("").Code()
		n := normalCode(code)
		if len(n) != codeLen || strings.Trim(n, codeLetters) != "" || seen[n] {
			t.Fatalf("code %q: want %d distinct letters of %q", code, codeLen, codeLetters)
		}
		seen[n] = true
	}
	// 31 letters, 9 of them: log2(31^9) > 44.
	bits := 0.0
	for v := 1.0; v < pow(len(codeLetters), codeLen); v *= 2 {
		bits++
	}
	if bits < 40 {
		t.Errorf("a join code has %v bits, want at least 40", bits)
	}
	g := startGateway(t, Limits{}, NewClass("k7m-qx2-r9d"))
	if got := postJoin(t, g, "127.0.0.1", " K7M QX2R9D ", "ann"); got != http.StatusSeeOther {
		t.Errorf("the code as typed: status %d, want 303", got)
	}
}

func pow(b, e int) float64 {
	v := 1.0
	for range e {
		v *= float64(b)
	}
	return v
}

func postJoin(t *testing.T, g *testGateway, from, code, name string) int {
	t.Helper()
	c := httpFrom(from)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(g.base+"/join", url.Values{"code": {code}, "name": {name}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestJoinRateLimited: 1,000 wrong codes from one address are turned away after a burst of
// tries, and another address can still join.
func TestJoinRateLimited(t *testing.T) {
	class := NewClass("")
	g := startGateway(t, Limits{}, class)
	statuses := map[int]int{}
	for i := range 1000 {
		statuses[postJoin(t, g, "127.0.0.2", "wrong-"+string(rune('a'+i%26)), "mallory")]++
	}
	if statuses[http.StatusForbidden] > joinBurst+1 || statuses[http.StatusTooManyRequests] < 1000-joinBurst-1 {
		t.Errorf("1,000 wrong codes: %v; want at most %d tries, the rest 429", statuses, joinBurst+1)
	}
	if got := postJoin(t, g, "127.0.0.1", class.Code(), "ann"); got != http.StatusSeeOther {
		t.Errorf("another address joining: status %d, want 303", got)
	}
}

// TestClassroom: in a class every endpoint acts as the joined learner; a classmate's
// connections cost the classmate; a loopback listener is its learner's only; classmates
// reach each other by NAME.lab and see each other by lab address.
func TestClassroom(t *testing.T) {
	const quota = 64
	g := startGateway(t, Limits{SocketsPerLearner: quota}, NewClass(""))
	bob, hello := g.session(t, "127.0.0.1", "", "bob")
	if hello.Type != wire.Hello {
		t.Fatalf("bob: %v", hello.Type)
	}
	bob.listen(1, ":9000")
	bob.listen(2, "127.0.0.1:9001")
	alice, _ := g.session(t, "127.0.0.2", "class-bob", "alice") // learner= is not who she is
	aliceAddr := learnerAddr(classLearnerID("alice")).String()

	t.Run("NAME.lab by name, peers by lab address", func(t *testing.T) {
		alice.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 16, Network: "tcp", Remote: "bob.lab:9000"}.Append(nil))
		if f := alice.RecvFor(1); f.Type != wire.Connected {
			t.Fatalf("alice dials bob.lab:9000: %v %q", f.Type, f.Payload)
		}
		f := bob.RecvFor(1)
		var acc wire.AcceptMsg
		if f.Type != wire.Accept || acc.Unmarshal(f.Payload) != nil {
			t.Fatalf("bob's listener: %v", f.Type)
		}
		if !strings.HasPrefix(acc.Remote, aliceAddr+":") {
			t.Errorf("bob sees alice as %q, want her lab address %s", acc.Remote, aliceAddr)
		}
	})

	t.Run("loopback listener", func(t *testing.T) {
		for _, target := range []string{"bob.lab:9001", learnerAddr(classLearnerID("bob")).String() + ":9001"} {
			if f := alice.Dial(2, 1<<16, target); f.Type != wire.Close {
				t.Errorf("alice reached bob's loopback listener at %s: %v", target, f.Type)
			}
		}
		bob.Send(wire.Connect, 3, wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 16, Network: "tcp", Remote: "localhost:9001"}.Append(nil))
		bob.acceptAndConnected(2, 3)
	})

	// Before alice fills her quota below: the bridge needs a socket of hers to be refused
	// for its target rather than for her quota.
	t.Run("websockify as the joined learner", func(t *testing.T) {
		// Alice asks for bob's localhost:9000 as learner class-bob: she is alice, and
		// nothing of hers listens there.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h := http.Header{"Cookie": {joinCookie(g.r.Class, "alice")}}
		u := "ws" + strings.TrimPrefix(g.base, "http") + "/websockify?target=localhost:9000&learner=class-bob"
		c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: httpFrom("127.0.0.2"), HTTPHeader: h})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		_, _, err = c.Read(ctx)
		if st := websocket.CloseStatus(err); st != 4000+websocket.StatusCode(wire.CodeRefused) {
			t.Errorf("websockify with learner=class-bob: %v, want refused (4000+%d)", err, wire.CodeRefused)
		}
		// Without a join cookie there is no bridge at all.
		resp, err := http.Get(g.base + "/websockify?target=echo.lab:7&learner=class-bob")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("websockify without joining: %d, want 401", resp.StatusCode)
		}
	})

	t.Run("a classmate's 256 connections", func(t *testing.T) {
		alice.dialMany(100, 256, "bob.lab:9000")
		// Each connection costs alice both ends, and she holds no more than her quota.
		sockets := func(name string) int {
			l := g.r.learners.byAddr(learnerAddr(classLearnerID(name)))
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.sockets
		}
		if n := sockets("alice"); n > quota {
			t.Errorf("alice holds %d sockets, beyond her quota of %d", n, quota)
		}
		// Bob's quota is his: his listeners and his own connection, not alice's.
		held := sockets("bob")
		if held > 4 {
			t.Errorf("alice's connections cost bob: he holds %d sockets", held)
		}
		if o, r := bob.dialMany(1000, quota-held, "echo.lab:7"); o != quota-held {
			t.Errorf("bob could open %d of %d: %v", o, quota-held, r)
		}
	})

}

// TestRejoinElsewhere: a name in use from one address is refused from another while its
// programs run (Busy), and moves to the other address when none do (a learner changed
// machine); a removed name's cookie stops working, and a restored name is free to take.
func TestRejoinElsewhere(t *testing.T) {
	class := NewClass("monday")
	var busy atomic.Bool
	busy.Store(true)
	class.Busy = func(name string) bool { return name == "ann" && busy.Load() }
	var mu sync.Mutex
	var joined []string
	class.OnJoin = func(name string) {
		mu.Lock()
		joined = append(joined, name)
		mu.Unlock()
	}
	g := startGateway(t, Limits{}, class)
	if got := postJoin(t, g, "127.0.0.2", "monday", "ann"); got != http.StatusSeeOther {
		t.Fatalf("ann joining: %d", got)
	}
	if got := postJoin(t, g, "127.0.0.3", "monday", "ann"); got != http.StatusConflict {
		t.Errorf("ann's name from another address while her programs run: %d, want 409", got)
	}
	busy.Store(false)
	if got := postJoin(t, g, "127.0.0.3", "monday", "ann"); got != http.StatusSeeOther {
		t.Errorf("ann's name from another address with no program running: %d, want 303", got)
	}
	mu.Lock()
	if strings.Join(joined, ",") != "ann,ann" {
		t.Errorf("OnJoin heard %v", joined)
	}
	mu.Unlock()

	req, _ := http.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: classCookie, Value: "ann.9999999999." + class.sign("ann", 9999999999)})
	if _, ok := class.Identify(req); !ok {
		t.Fatal("ann's cookie is not good")
	}
	class.Remove("ann")
	if _, ok := class.Identify(req); ok {
		t.Error("ann's cookie still works after she was removed")
	}

	// A class restored with its key: the old cookie is good again, and the name free to take.
	again := NewClass("monday")
	again.Restore(class.Key(), []string{"ann", "Not A Name"})
	if _, ok := again.Identify(req); !ok {
		t.Error("ann's cookie is not good in the restored class")
	}
	if n := again.Names(); len(n) != 1 || n[0] != "ann" {
		t.Errorf("restored names: %v", n)
	}
}
