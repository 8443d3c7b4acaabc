package gateway_test

import (
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/gateway/classroom"
	"socketlab/gateway/relay"
	"socketlab/internal/browser"
)

// classServer is a gateway in classroom mode with --state, on loopback.
type classServer struct {
	s     *gateway.Server
	ts    *httptest.Server
	state *classroom.Store
}

// startClassServer starts the gateway at addr ("": any free port on loopback).
func startClassServer(t *testing.T, dir, addr string) *classServer {
	t.Helper()
	st, err := classroom.Open(dir, "tuesday", relay.NewCode)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gateway.New(&gateway.Options{CacheDir: t.TempDir(), Class: relay.NewClass(st.Code()), State: st, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s)
	if addr != "" {
		// The same origin as before a restart: the pages' storage is the origin's.
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		ts.Listener.Close()
		ts.Listener = ln
	}
	ts.Start()
	if err := s.Classroom.SetJoinURL(ts.URL + "/join?code=tuesday"); err != nil {
		t.Fatal(err)
	}
	return &classServer{s: s, ts: ts, state: st}
}

func (c *classServer) stop() {
	c.ts.CloseClientConnections()
	c.ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.s.Relay.Close(ctx)
	c.s.Close()
	c.state.Close()
}

// waitIn polls cond in one browser context, with a generous timeout for a loaded machine.
func waitIn(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestTeacherViewInBrowser: a teacher and three learners, each in a browser context of their
// own. The roster fills as they join; a learner's run appears in the teacher's feed, and the
// teacher opens it and sees the same bytes in the wire view; a code cell the teacher sends
// appears on every learner's page as a cell that runs, and a learner's run of it reaches the
// teacher's feed with its console; the CSV holds the progress; and after a restart with the
// same --state the teacher's view still has the class and the learners need not join again.
func TestTeacherViewInBrowser(t *testing.T) {
	root := browser.New(t)
	dir := t.TempDir()
	g := startClassServer(t, dir, "")
	stopped := false
	defer func() {
		if !stopped {
			g.stop()
		}
	}()
	key := g.s.Classroom.TeacherKey()

	tab := func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	teacher := tab()
	if err := chromedp.Do(teacher, chromedp.Navigate(g.ts.URL+"/teacher#key="+key), chromedp.WaitVisible(chromedp.CSS("table.roster"))); err != nil {
		t.Fatal(err)
	}
	names := []string{"ada", "bob", "cy"}
	learners := map[string]context.Context{}
	for i, name := range names {
		ctx := tab()
		learners[name] = ctx
		if err := chromedp.Do(ctx, chromedp.Navigate(g.ts.URL+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS("input[name=name]"))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue("input[name=code]", "tuesday"), chromedp.SetValue("input[name=name]", name),
			chromedp.Click("button[type=submit]"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
			t.Fatal(err)
		}
		waitIn(t, ctx, name+"'s lesson page", `document.body.dataset.classmate === '`+name+`' && !!document.querySelector('.cell .run')`)
		waitIn(t, teacher, "the roster to fill", `document.querySelectorAll('table.roster tbody tr').length === `+strconv.Itoa(i+1))
	}
	waitIn(t, teacher, "the join URL's QR code", `!document.querySelector('.teacher-join').hidden && document.querySelector('.join-qr').naturalWidth > 100`)
	if got := evalString(t, teacher, `Array.from(document.querySelectorAll('table.roster tbody tr'), r => r.dataset.name + ':' + r.dataset.connected).join(' ')`); got != "ada:true bob:true cy:true" {
		t.Errorf("the roster reads %q", got)
	}

	// Ada runs the first cell; the run reaches the feed, and the teacher opens it.
	ada := learners["ada"]
	out := runCell(t, ada)
	if !strings.Contains(out, "server time is") {
		t.Fatalf("ada's run printed:\n%s", out)
	}
	waitIn(t, ada, "ada's page to report the run", `document.body.dataset.classReported === '1'`)
	waitIn(t, teacher, "ada's run in the feed", `!!document.querySelector('ol.feed li[data-name="ada"][data-state="exited"]')`)
	if err := chromedp.Do(teacher, chromedp.Click(chromedp.CSS(`ol.feed li[data-name="ada"] button.open`))); err != nil {
		t.Fatal(err)
	}
	waitIn(t, teacher, "ada's run in the wire view", `!document.querySelector('.teacher-run').hidden && document.querySelector('.teacher-run .bytes').dataset.received === '4'`)
	const dumps = `.querySelectorAll('.bytes pre')).map(p => p.textContent).join('\n---\n')`
	learnerBytes := evalString(t, ada, `Array.from(`+cellJS+dumps)
	teacherBytes := evalString(t, teacher, `Array.from(document.querySelector('.teacher-run')`+dumps)
	if learnerBytes == "" || learnerBytes != teacherBytes {
		t.Errorf("the teacher's wire view shows other bytes than the learner's:\nlearner:\n%s\nteacher:\n%s", learnerBytes, teacherBytes)
	}
	waitIn(t, teacher, "the gateway's notes on ada's bytes in the teacher's wire view", `document.querySelector('.teacher-run').dataset.annotated !== undefined`)
	learnerCode := evalString(t, ada, cellJS+`.querySelector('textarea.code').value`)
	if got := evalString(t, teacher, `document.querySelector('.teacher-run .run-code').textContent`); got != learnerCode {
		t.Errorf("the teacher sees other code than ada ran:\n%s", got)
	}
	if got := evalString(t, teacher, `document.querySelector('.teacher-run .run-console').textContent`); !strings.Contains(got, "server time is") {
		t.Errorf("the teacher sees ada's console as:\n%s", got)
	}
	screenshot(t, teacher, "teacher-view.png")

	// A code cell for everyone.
	const cellCode = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"from the teacher\") }"
	send := `(() => { const f = document.querySelector('form.note'); f.elements.text.value = 'Try this one'; f.elements.code.value = ` + strconv.Quote(cellCode) + `; f.requestSubmit(); return true; })()`
	if _, err := chromedp.Run(teacher, chromedp.Evaluate[bool](send)); err != nil {
		t.Fatal(err)
	}
	const noteCell = `document.querySelector('section.cell.class-cell')`
	for _, name := range names {
		waitIn(t, learners[name], "the teacher's cell on "+name+"'s page, ready to run", noteCell+` !== null && /^note-[0-9]+$/.test(`+noteCell+`.dataset.cell) &&
			`+noteCell+`.querySelector('textarea.code').value === `+strconv.Quote(cellCode)+` && !`+noteCell+`.querySelector('button.run').disabled &&
			`+noteCell+`.dataset.state === 'idle' && !!document.querySelector('.class-note button.class-note-go')`)
	}

	// Bob runs it from his page: the gateway compiles it, it prints, and the run with its
	// console reaches the teacher's feed as a run of the teacher's cell.
	bob := learners["bob"]
	if err := chromedp.Do(bob, chromedp.Click(chromedp.CSS(`.class-note button.class-note-go`)), chromedp.Click(chromedp.CSS(`section.cell.class-cell button.run`))); err != nil {
		t.Fatal(err)
	}
	waitIn(t, bob, "bob's run of the teacher's cell to end", noteCell+`.dataset.state === 'exited'`)
	if got := evalString(t, bob, noteCell+`.querySelector('pre.console').textContent`); !strings.Contains(got, "from the teacher") || !strings.Contains(got, "exit status 0") {
		t.Fatalf("bob's run of the teacher's cell printed:\n%s", got)
	}
	noteID := evalString(t, bob, noteCell+`.dataset.cell`)
	waitIn(t, teacher, "bob's run of the teacher's cell in the feed", `!!document.querySelector('ol.feed li[data-name="bob"][data-state="exited"][data-cell="`+noteID+`"]')`)
	if got := evalString(t, teacher, `document.querySelector('ol.feed li[data-name="bob"]').textContent`); !strings.Contains(got, "your cell (note ") {
		t.Errorf("the feed words bob's run as %q", got)
	}
	if err := chromedp.Do(teacher, chromedp.Click(chromedp.CSS(`ol.feed li[data-name="bob"] button.open`))); err != nil {
		t.Fatal(err)
	}
	waitIn(t, teacher, "bob's run opened", `document.querySelector('.teacher-run').dataset.name === 'bob' &&
		/from the teacher/.test(document.querySelector('.teacher-run .run-console').textContent)`)
	if got := evalString(t, teacher, `document.querySelector('.teacher-run .run-code').textContent`); strings.TrimRight(got, "\n") != cellCode {
		t.Errorf("the teacher sees bob ran:\n%s", got)
	}
	// The lesson's own cells stay first: the teacher's cell goes after them.
	if got := evalString(t, bob, `document.querySelector('section.cell').dataset.cell`); strings.HasPrefix(got, "note-") {
		t.Errorf("the teacher's cell came before the lesson's cells")
	}

	// The CSV holds ada's try at the lesson's exercise (her page's checks counted).
	waitIn(t, teacher, "ada's exercise try in the progress table", `document.querySelector('table.progress tr[data-exercise="01-time/show-bytes"] .trying, table.progress tr[data-exercise="01-time/show-bytes"] .passed') !== null &&
		/ada/.test(document.querySelector('table.progress tr[data-exercise="01-time/show-bytes"]').textContent)`)
	req, _ := http.NewRequest("GET", g.ts.URL+"/api/teacher/progress.csv", nil)
	req.Header.Set(classroom.KeyHeader, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("the CSV (%v):\n%s", err, body)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if r := rows[1]; r[0] != "ada" || r[col["runs"]] != "1" || r[col["last_run_state"]] != "exited" || r[col["last_run_exit"]] != "0" || r[col["01-time/show-bytes"]] == "" {
		t.Errorf("ada's row of the CSV: %q\n%s", r, body)
	}

	// Restart with the same state: the teacher's view keeps the class, and ada's page works
	// without joining again.
	g.stop()
	stopped = true
	g2 := startClassServer(t, dir, g.ts.Listener.Addr().String())
	defer g2.stop()
	if err := chromedp.Do(teacher, chromedp.Navigate(g2.ts.URL+"/teacher#key="+key)); err != nil {
		t.Fatal(err)
	}
	waitIn(t, teacher, "the roster after the restart", `document.querySelectorAll('table.roster tbody tr').length === 3 &&
		/exited, exit 0/.test(document.querySelector('table.roster tr[data-name="ada"] .last').textContent)`)
	chromedp.Run(teacher, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	if png, err := chromedp.Run(teacher, chromedp.CaptureScreenshot()); err == nil && os.Getenv("SOCKETLAB_ARTIFACTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("SOCKETLAB_ARTIFACTS"), "teacher-roster.png"), png, 0o644)
	}
	if err := chromedp.Do(ada, chromedp.Navigate(g2.ts.URL+"/lessons/01-time")); err != nil {
		t.Fatal(err)
	}
	waitIn(t, ada, "ada's page after the restart", `document.body.dataset.classmate === 'ada'`)
	// The teacher's cell is still there, kept with the class, but ada saw it already: the box
	// stays closed behind its button.
	waitIn(t, ada, "the note ada saw, behind its button", `document.querySelectorAll('section.cell.class-cell').length === 1 && document.querySelectorAll('.class-note').length === 1 &&
		document.querySelector('.class-notes').hidden && !document.querySelector('.class-notes-open').hidden`)
}
