package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"socketlab/gateway/classroom"
	"socketlab/internal/browser"
	"socketlab/internal/pgtest"
	"socketlab/internal/relaytest"
	"socketlab/lessons"
	"socketlab/wire"
)

// failoverWithin is how soon every learner must be back, with their class, roster and
// progress, after their replica is killed.
const failoverWithin = 10 * time.Second

// TestFailover: three gateways share one real PostgreSQL (--state postgres://...) behind a real
// nginx configured from the chart's values, a class hashed to one of them by its code. Thirty
// learners, each from an address of its own, join through the balancer, run servers that the
// next one reaches at NAME.lab, report runs and exercise checks; one more learner is a real
// Chromium page of a lesson. The class's replica is killed (SIGKILL) mid-class. Within 10 s
// every learner is back on one surviving replica, by the same join cookie, reaching each
// other's servers again, and the teacher's view there shows the whole roster with every
// progress record made before the kill; the page says in one line what happened.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, three gateways, nginx and Chromium")
	}
	nginx := need(t, "nginx", "apt-get install nginx", "/usr/sbin/nginx")
	pg := pgtest.Start(t)
	values, err := ReadValues(chartDir + "/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildGateway(t)
	ports := freePorts(t, 4)
	var upstreams []string
	for _, p := range ports[:3] {
		upstreams = append(upstreams, "127.0.0.1:"+strconv.Itoa(p))
	}
	front := "127.0.0.1:" + strconv.Itoa(ports[3])
	startNginx(t, nginx, values, front, upstreams)

	const code = "f4w-mv8-k3p"
	gws := startGatewayProcs(t, bin, values, upstreams, "--class="+code, "--state="+pg.URL)
	host := code + "." + values.Ingress.ClassDomain
	lesson, exercise := firstExercise(t)

	// Thirty learners join, each reporting two runs and one check.
	var names []string
	var learners []*learner
	replica := ""
	servers := map[string]string{} // name → the gateway's instance, as the page sees it
	for i := range 30 {
		name := fmt.Sprintf("pupil%02d", i)
		l := newLearner(name, host, front)
		status, body, at := l.do(t, "POST", "/join", url.Values{"code": {code}, "name": {name}, "next": {"/"}})
		if status != http.StatusSeeOther {
			t.Fatalf("%s joining through the balancer: %d\n%s", name, status, body)
		}
		if replica == "" {
			replica = at
		} else if at != replica {
			t.Fatalf("%s joined on %s, the class is on %s", name, at, replica)
		}
		for run := range 2 {
			l.report(t, lesson, fmt.Sprintf("cell-%d", run))
		}
		l.check(t, lesson, exercise)
		servers[name], _ = l.notes(t)
		names, learners = append(names, name), append(learners, l)
	}
	sessions := make([]*relaytest.Client, len(learners))
	for i, l := range learners {
		sessions[i] = l.listenAt8000(t, replica)
	}
	reachEachOther(t, names, sessions)

	// One learner is a real page.
	page := learnerPage(t, front, host, code, lesson)

	// The class's replica goes away mid-class.
	var killed *gatewayProc
	for _, g := range gws {
		if g.addr == replica {
			killed = g
		}
	}
	if killed == nil {
		t.Fatalf("the class is on %s, which is none of the gateways %v", replica, upstreams)
	}
	killedAt := time.Now()
	killed.kill(t)
	t.Logf("killed the class's gateway %s (SIGKILL)", replica)

	// Every learner's program session ends with it; each reconnects, as a page's next Run
	// does, and lands with the class on one surviving replica.
	survivor := ""
	for i, l := range learners {
		select {
		case <-sessions[i].Err:
		case <-time.After(failoverWithin - time.Since(killedAt)):
			t.Fatalf("%s's program session outlived its gateway", l.name)
		}
		var got string
		sessions[i], got = l.listenAt8000Again(t, killedAt)
		if survivor == "" {
			survivor = got
		} else if got != survivor {
			t.Fatalf("%s is back on %s, the class on %s: the class is split", l.name, got, survivor)
		}
	}
	if survivor == replica || survivor == "" || !slices.Contains(upstreams, survivor) {
		t.Fatalf("the class is back on %q, the killed gateway was %s", survivor, replica)
	}
	reachEachOther(t, names, sessions)

	// Roster and progress, as the teacher sees them on the survivor, and as each page does.
	view := teacherView(t, host, front, pg.URL, code)
	lost := lostRecords(t, view, names, lesson+"/"+exercise)
	for _, l := range learners {
		server, passed := l.notes(t)
		if server == servers[l.name] || server == "" {
			t.Errorf("%s's notes still come from the gateway %q that was killed", l.name, server)
		}
		if passed == nil {
			t.Errorf("%s's page was not told what they passed on the new gateway", l.name)
		}
	}
	back := time.Since(killedAt)
	t.Logf("30 learners back on %s with their class, roster and progress %v after the kill; lost progress records: %d", survivor, back.Round(time.Millisecond), lost)
	if lost != 0 {
		t.Errorf("%d progress records lost with the gateway", lost)
	}
	if back > failoverWithin {
		t.Errorf("the class took %v to come back, more than %v", back, failoverWithin)
	}

	// The class goes on there: a run reported now counts after the ones from before.
	learners[0].report(t, lesson, "cell-after")
	if row := rosterRow(teacherView(t, host, front, pg.URL, code), learners[0].name); row == nil || row.Runs != 3 {
		t.Errorf("a run after the move: the roster says %+v, want 3 runs", row)
	}

	// The page found its class again by itself, and said so in one line.
	ctx, cancel := context.WithTimeout(page, failoverWithin-time.Since(killedAt)+time.Second)
	defer cancel()
	err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".class-moved")))
	var notice string
	if err == nil {
		notice, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".class-moved")))
	}
	if err != nil {
		t.Fatalf("the page showed no notice of the move %v after the kill: %v", time.Since(killedAt).Round(time.Millisecond), err)
	}
	if !strings.Contains(notice, "restarted") || !strings.Contains(notice, "run them again") || strings.Contains(notice, "\n") {
		t.Errorf("the page's notice: %q, want one line saying the server restarted and to run servers again", notice)
	}
	t.Logf("the page said, %v after the kill: %s", time.Since(killedAt).Round(time.Millisecond), notice)
}

// firstExercise is the first built-in lesson with an exercise, and that exercise.
func firstExercise(t *testing.T) (string, string) {
	t.Helper()
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if len(l.Exercises) > 0 {
			return l.Slug, l.Exercises[0].Name
		}
	}
	t.Fatal("no built-in lesson has an exercise")
	return "", ""
}

// postJSON posts v as JSON and returns the status and body.
func (l *learner) postJSON(t *testing.T, path string, v any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", "http://"+l.host+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatalf("%s: POST %s: %v", l.name, path, err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, body.String()
}

// report reports a finished run of a cell, as the page's classroom.js does.
func (l *learner) report(t *testing.T, lesson, cell string) {
	t.Helper()
	if status, body := l.postJSON(t, "/api/class/run", map[string]any{"lesson": lesson, "cell": cell, "state": "done", "exit": 0,
		"code": "package main\n", "console": "ok\n", "events": []any{}}); status != http.StatusOK {
		t.Fatalf("%s reporting a run: %d %s", l.name, status, body)
	}
}

// check asks for an exercise's verdict on an empty run, as the page does when a run ends: it
// fails, and counts as a try.
func (l *learner) check(t *testing.T, lesson, exercise string) {
	t.Helper()
	if status, body := l.postJSON(t, "/api/check", map[string]any{"lesson": lesson, "exercise": exercise, "output": "", "exit": nil, "events": []any{}}); status != http.StatusOK {
		t.Fatalf("%s checking %s/%s: %d %s", l.name, lesson, exercise, status, body)
	}
}

// notes asks for the teacher's notes, as the page does every few seconds: it returns the
// gateway's instance that answered and what the learner passed.
func (l *learner) notes(t *testing.T) (string, map[string][]string) {
	t.Helper()
	status, body, _ := l.do(t, "GET", "/api/class/notes?after=0&lesson=", nil)
	var answer struct {
		Server string              `json:"server"`
		Passed map[string][]string `json:"passed"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &answer) != nil {
		t.Fatalf("%s's notes: %d %s", l.name, status, body)
	}
	return answer.Server, answer.Passed
}

// listenAt8000 opens a program session on the class's replica and listens on port 8000 in it.
func (l *learner) listenAt8000(t *testing.T, replica string) *relaytest.Client {
	t.Helper()
	rc, at := l.session(t)
	if at != "" && at != replica {
		t.Fatalf("%s's program session went to %s, the class is on %s", l.name, at, replica)
	}
	l.listen(t, rc)
	return rc
}

func (l *learner) listen(t *testing.T, rc *relaytest.Client) {
	t.Helper()
	rc.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindListen, Window: 1 << 16, Network: "tcp", Local: ":8000"}.Append(nil))
	if f := rc.RecvFor(1); f.Type != wire.Connected {
		t.Fatalf("%s's server on :8000: %v %q", l.name, f.Type, f.Payload)
	}
}

// listenAt8000Again opens a new session once the balancer has one to give, and listens again.
func (l *learner) listenAt8000Again(t *testing.T, since time.Time) (*relaytest.Client, string) {
	t.Helper()
	var last error
	for time.Since(since) < failoverWithin {
		rc, at, err := l.trySession(t)
		if err == nil {
			l.listen(t, rc)
			return rc, at
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s found no gateway for the class within %v: %v", l.name, failoverWithin, last)
	return nil, ""
}

// trySession is session without failing the test: the balancer may not answer yet.
func (l *learner) trySession(t *testing.T) (*relaytest.Client, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws://"+l.host+"/ws", &websocket.DialOptions{HTTPClient: l.client})
	if err != nil {
		return nil, "", err
	}
	rc := relaytest.Wrap(t, ws)
	rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
	f, err := rc.TryRecv(5 * time.Second)
	if err != nil || f.Type != wire.Hello {
		ws.CloseNow()
		return nil, "", fmt.Errorf("HELLO answered %v %v", f.Type, err)
	}
	return rc, answered(resp.Header.Get("X-Socketlab-Replica")), nil
}

// answered is the gateway that answered, from nginx's $upstream_addr: the last of those it
// tried ("A, B" when A refused the connection).
func answered(upstreams string) string {
	if i := strings.LastIndex(upstreams, ", "); i >= 0 {
		return upstreams[i+2:]
	}
	return upstreams
}

// teacherView reads the teacher's view through the balancer, with the teacher's key as the
// class's store keeps it.
func teacherView(t *testing.T, host, front, dsn, code string) classroom.View {
	t.Helper()
	st, err := classroom.OpenPostgres(dsn, code, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := st.TeacherKey()
	st.Close()
	teacher := newLearner("teacher", host, front)
	req, _ := http.NewRequest("GET", "http://"+host+"/api/teacher/view", nil)
	req.Header.Set(classroom.KeyHeader, key)
	resp, err := teacher.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v classroom.View
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the teacher's view: %d %v", resp.StatusCode, err)
	}
	return v
}

func rosterRow(v classroom.View, name string) *classroom.Row {
	for i := range v.Roster {
		if v.Roster[i].Name == name {
			return &v.Roster[i]
		}
	}
	return nil
}

// lostRecords counts the progress records made before the kill that the view lacks: for each
// learner, being on the roster, each of the two runs, the last run's cell, and the try of the
// exercise.
func lostRecords(t *testing.T, v classroom.View, names []string, exercise string) int {
	t.Helper()
	tried := map[string]bool{}
	for _, e := range v.Exercises {
		if e.Key() == exercise {
			for _, n := range append(append(e.Trying, e.Stuck...), e.Passed...) {
				tried[n] = true
			}
		}
	}
	lost := 0
	for _, n := range names {
		row := rosterRow(v, n)
		if row == nil {
			t.Errorf("%s is not on the roster after the move", n)
			lost += 4
			continue
		}
		if row.Runs < 2 {
			t.Errorf("%s: %d runs on the roster, 2 were reported", n, row.Runs)
			lost += 2 - row.Runs
		}
		if row.Last == nil || row.Last.Cell != "cell-1" {
			t.Errorf("%s's last run after the move: %+v", n, row.Last)
			lost++
		}
		if !tried[n] {
			t.Errorf("%s's try of %s is gone", n, exercise)
			lost++
		}
	}
	return lost
}

// reachEachOther: each learner dials the next one's server at NAME.lab:8000 and they
// exchange a line each way.
func reachEachOther(t *testing.T, names []string, sessions []*relaytest.Client) {
	t.Helper()
	for i := range sessions {
		j := (i + 1) % len(sessions)
		dialer, server := sessions[i], sessions[j]
		id := uint32(1001 + 2*i)
		addr := lookup(t, dialer, id, names[j]+".lab")
		if f := dialer.Dial(id+1, 1<<16, addr+":8000"); f.Type != wire.Connected {
			t.Fatalf("%s dialing %s.lab:8000: %v %q", names[i], names[j], f.Type, f.Payload)
		}
		f := server.RecvFor(1)
		var acc wire.AcceptMsg
		if f.Type != wire.Accept || acc.Unmarshal(f.Payload) != nil {
			t.Fatalf("%s's server saw %v, want ACCEPT", names[j], f.Type)
		}
		hello := "hello " + names[j] + ", this is " + names[i]
		dialer.Send(wire.Data, id+1, []byte(hello))
		if f := server.RecvFor(acc.Stream); f.Type != wire.Data || string(f.Payload) != hello {
			t.Fatalf("%s's server read %v %q, want %q", names[j], f.Type, f.Payload, hello)
		}
	}
}

// learnerPage opens a lesson in Chromium as the learner "mei", joining through the join page,
// every name resolved to the balancer, and waits until the page knows its class.
func learnerPage(t *testing.T, front, host, code, lesson string) context.Context {
	t.Helper()
	path := browser.Find()
	if path == "" {
		const msg = "no Chromium found: install it with `apt-get install chromium` (or set $CHROMIUM)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; browser tests must run in CI")
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The class's name, as DNS would resolve it, to the balancer.
		chromedp.Flag("host-resolver-rules", "MAP "+host+" "+front),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	err := chromedp.Do(wctx,
		chromedp.Navigate("http://"+host+"/join?code="+code+"&next=/lessons/"+lesson),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="name"]`), "mei"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-classmate="mei"]`)),
	)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("the learner's page did not join the class (at %s): %v\n%s", loc, err, text)
	}
	if none, err := chromedp.Run(wctx, chromedp.Evaluate[bool](`document.querySelector(".class-moved") === null`)); err != nil || !none {
		t.Fatalf("the page says the class moved before it did: %v", err)
	}
	return ctx
}
