package gateway

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"socketlab/gateway/classroom"
	"socketlab/gateway/relay"
	"socketlab/internal/relaytest"
	"socketlab/wire"
)

// classGateway is a gateway in classroom mode with its class kept in dir, as `socketlab
// --class CODE --state DIR` starts it.
type classGateway struct {
	s     *Server
	ts    *httptest.Server
	state *classroom.Store
}

func startClass(t *testing.T, dir, code string) *classGateway {
	t.Helper()
	st, err := classroom.Open(dir, code, relay.NewCode)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&Options{CacheDir: t.TempDir(), Class: relay.NewClass(st.Code()), State: st})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return &classGateway{s: s, ts: httptest.NewServer(s), state: st}
}

func (g *classGateway) stop() {
	g.ts.CloseClientConnections()
	g.ts.Close()
	g.s.Relay.Close(context.Background())
	g.s.Close()
	g.state.Close()
}

// teacher asks the teacher's API with the key.
func (g *classGateway) teacher(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.ts.URL+path, rd)
	req.Header.Set(classroom.KeyHeader, g.s.Classroom.TeacherKey())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (g *classGateway) view(t *testing.T) classroom.View {
	t.Helper()
	code, b := g.teacher(t, "GET", "/api/teacher/view", nil)
	var v classroom.View
	if code != 200 || json.Unmarshal(b, &v) != nil {
		t.Fatalf("the teacher's view: %d %s", code, b)
	}
	return v
}

func joinAs(t *testing.T, base, code, name string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/join", url.Values{"code": {code}, "name": {name}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s joining: %v %v", name, resp.StatusCode, err)
	}
	resp.Body.Close()
	return c
}

func postJSON(t *testing.T, c *http.Client, u string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := c.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestTeacherView: learners' runs and checks reach the teacher's view, the CSV and the
// metrics; the teacher ends a learner's programs (their listener's port is free again),
// removes a learner (their cookie stops working), and after a restart with the same --state
// the roster, the progress and the join cookies are still good.
func TestTeacherView(t *testing.T) {
	dir := t.TempDir()
	g := startClass(t, dir, "tuesday")
	stopped := false
	defer func() {
		if !stopped {
			g.stop()
		}
	}()
	alice := joinAs(t, g.ts.URL, "tuesday", "alice")
	bob := joinAs(t, g.ts.URL, "tuesday", "bob")
	carol := joinAs(t, g.ts.URL, "tuesday", "carol")

	// Without the key, or with the join code as the key: refused.
	for _, key := range []string{"", "tuesday"} {
		req, _ := http.NewRequest("GET", g.ts.URL+"/api/teacher/view", nil)
		req.Header.Set(classroom.KeyHeader, key)
		resp, err := alice.Do(req)
		if err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("the teacher's view with the key %q: %v %v", key, resp.StatusCode, err)
		}
	}

	code := 0
	if status, body := postJSON(t, alice, g.ts.URL+"/api/class/run", map[string]any{"lesson": "01-time", "cell": "client", "state": "done", "exit": code,
		"code": "package main\n", "console": "ec c2 0a 80\n", "events": []map[string]any{{"kind": "recv", "stream": 1, "data": "7MIKgA=="}}}); status != 200 {
		t.Fatalf("alice's run report: %d %s", status, body)
	}
	// A report over the body cap is refused, and says so.
	if status, body := postJSON(t, alice, g.ts.URL+"/api/class/run", map[string]any{"code": strings.Repeat("x", classroom.MaxRunBody+8192)}); status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "bytes") {
		t.Errorf("a report over the cap: %d %s", status, body)
	}
	check := func(c *http.Client, output string) {
		status, body := postJSON(t, c, g.ts.URL+"/api/check", map[string]any{"lesson": "01-time", "exercise": "show-bytes", "output": output, "exit": 0, "events": []any{}})
		if status != 200 {
			t.Fatalf("a check: %d %s", status, body)
		}
	}
	for range 3 {
		check(bob, "no bytes here")
	}
	check(alice, "nope")
	if status, body := postJSON(t, alice, g.ts.URL+"/api/check", map[string]any{"lesson": "04-http-by-hand", "exercise": "location",
		"output": "Location: /docs/\nSuccess - status was 301\n", "exit": 0, "events": []any{}}); status != 200 || strings.Contains(body, "false") {
		t.Fatalf("alice's passing check: %d %s", status, body)
	}
	v := g.view(t)
	if len(v.Roster) != 3 || v.Code != "tuesday" {
		t.Fatalf("the roster: %+v", v.Roster)
	}
	if r := v.Roster[0]; r.Name != "alice" || r.Last == nil || r.Last.State != "done" || r.Lesson != "01-time" || r.Cell != "client" || !r.Connected {
		t.Errorf("alice in the roster: %+v", r)
	}
	if len(v.Feed) != 1 || v.Feed[0].Name != "alice" {
		t.Errorf("the feed: %+v", v.Feed)
	}
	var ex classroom.ExerciseRow
	for _, e := range v.Exercises {
		if e.Key() == "01-time/show-bytes" {
			ex = e
		}
	}
	if strings.Join(ex.Stuck, ",") != "bob" || strings.Join(ex.Trying, ",") != "alice" {
		t.Errorf("the progress of 01-time/show-bytes: %+v", ex)
	}
	status, b := g.teacher(t, "GET", "/api/teacher/run?name=alice", nil)
	var run struct{ Run classroom.Run }
	if status != 200 || json.Unmarshal(b, &run) != nil || run.Run.Code != "package main\n" || len(run.Run.Events) != 1 || !strings.Contains(string(run.Run.Events[0]), "7MIKgA==") {
		t.Errorf("alice's last run: %d %s", status, b)
	}

	// Bob serves on :8000; the teacher ends his programs, and the port is free again.
	listen := func(c *http.Client) *relaytest.Client {
		u, _ := url.Parse(g.ts.URL)
		h := http.Header{}
		for _, ck := range c.Jar.Cookies(u) {
			h.Add("Cookie", ck.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.ts.URL, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		rc := relaytest.Wrap(t, ws)
		rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
		rc.Recv()
		rc.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindListen, Window: 1 << 16, Network: "tcp", Local: ":8000"}.Append(nil))
		if f := rc.RecvFor(1); f.Type != wire.Connected {
			t.Fatalf("listening on :8000: %v %q", f.Type, f.Payload)
		}
		return rc
	}
	listen(bob)
	if p := g.s.Relay.Programs("bob"); p != 1 {
		t.Fatalf("bob has %d programs connected, want 1", p)
	}
	if status, b := g.teacher(t, "POST", "/api/teacher/end", map[string]string{"name": "bob"}); status != 200 || !strings.Contains(string(b), `"ended":1`) {
		t.Fatalf("ending bob's programs: %d %s", status, b)
	}
	deadline := time.Now().Add(10 * time.Second)
	for g.s.Relay.Programs("bob") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("bob's program is still connected 10s after the teacher ended it")
		}
		time.Sleep(20 * time.Millisecond)
	}
	listen(bob) // :8000 is free again

	// Carol is removed: her cookie no longer opens anything.
	if status, b := g.teacher(t, "POST", "/api/teacher/remove", map[string]string{"name": "carol"}); status != 200 {
		t.Fatalf("removing carol: %d %s", status, b)
	}
	if resp, err := carol.Get(g.ts.URL + "/api/class/notes"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("carol's notes after she was removed: %v %v", resp.StatusCode, err)
	}

	// A note reaches the learners.
	if status, b := g.teacher(t, "POST", "/api/teacher/note", map[string]string{"text": "look at line 12", "code": "package main\n"}); status != 200 {
		t.Fatalf("sending a note: %d %s", status, b)
	}
	resp, err := alice.Get(g.ts.URL + "/api/class/notes?after=0&lesson=02-sockets")
	if err != nil {
		t.Fatal(err)
	}
	var notes struct {
		Name  string
		Notes []classroom.Note
	}
	json.NewDecoder(resp.Body).Decode(&notes)
	resp.Body.Close()
	if notes.Name != "alice" || len(notes.Notes) != 1 || notes.Notes[0].Text != "look at line 12" || notes.Notes[0].Code != "package main" {
		t.Errorf("alice's notes: %+v", notes)
	}

	// The CSV holds the progress.
	status, b = g.teacher(t, "GET", "/api/teacher/progress.csv", nil)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if status != 200 || err != nil || len(rows) != 3 {
		t.Fatalf("the CSV: %d %v\n%s", status, err, b)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "01-time/show-bytes" {
			col = i
		}
	}
	if col < 0 || rows[1][0] != "alice" || rows[1][col] != "tried 1" || rows[2][0] != "bob" || rows[2][col] != "stuck" {
		t.Errorf("the CSV's progress:\n%s", b)
	}

	// The metrics counted what the teacher did.
	rec := httptest.NewRecorder()
	g.s.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range families["socketlab_teacher_actions_total"].GetMetric() {
		got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	for action, n := range map[string]float64{"end": 1, "remove": 1, "note": 1, "export": 1, "open-run": 1} {
		if got[action] != n {
			t.Errorf("socketlab_teacher_actions_total{action=%q} = %v, want %v", action, got[action], n)
		}
	}

	// A restart with the same state: the roster, the progress and the cookies are kept.
	g.stop()
	stopped = true
	g2 := startClass(t, dir, "auto")
	defer g2.stop()
	if g2.s.Classroom.TeacherKey() != g.s.Classroom.TeacherKey() {
		t.Error("the teacher's key changed with the restart")
	}
	for _, c := range []*http.Client{alice, bob} {
		resp, err := c.Get(g2.ts.URL + "/api/class/notes")
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("a learner's cookie after the restart: %v %v", resp.StatusCode, err)
		}
	}
	// Alice on another machine: a fresh join with her name, and her page learns what she passed.
	alice2 := joinAs(t, g2.ts.URL, "tuesday", "alice")
	resp, err = alice2.Get(g2.ts.URL + "/api/class/notes?after=0")
	if err != nil {
		t.Fatal(err)
	}
	var first struct{ Passed map[string][]string }
	json.NewDecoder(resp.Body).Decode(&first)
	resp.Body.Close()
	if got := first.Passed["04-http-by-hand"]; len(got) != 1 || got[0] != "location" || len(first.Passed) != 1 {
		t.Errorf("what alice passed, as her page on another machine hears it: %v", first.Passed)
	}
	v = g2.view(t)
	if len(v.Roster) != 2 || v.Roster[0].Name != "alice" || v.Roster[0].Last == nil || v.Roster[0].Lesson != "02-sockets" {
		t.Errorf("the roster after the restart: %+v", v.Roster)
	}
	for _, e := range v.Exercises {
		if e.Key() == "01-time/show-bytes" && strings.Join(e.Stuck, ",") != "bob" {
			t.Errorf("the progress after the restart: %+v", e)
		}
	}
	// Someone who was removed can join again, afresh.
	joinAs(t, g2.ts.URL, "tuesday", "carol")
}
