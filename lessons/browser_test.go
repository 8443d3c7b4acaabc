package lessons_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/chromedp"

	"socketlab/event"
	"socketlab/gateway"
	"socketlab/internal/browser"
	"socketlab/internal/runner"
	"socketlab/lessons"
)

// pageRun is what lesson.js reports when a run ends (the socketlab:run-finished event).
type pageRun struct {
	Output string        `json:"output"`
	Exit   *int          `json:"exit"`
	State  string        `json:"state"`
	Events []event.Event `json:"events"`
}

// page drives one lesson page in the browser.
type page struct {
	t       *testing.T
	ctx     context.Context
	crashed *atomic.Bool // set when the tab's renderer crashed (watchCrash)
}

// watchCrash notes in p.crashed when the tab's renderer crashes: every later call to the
// tab would wait for an answer that never comes.
func (p *page) watchCrash() {
	p.crashed = new(atomic.Bool)
	crashed := p.crashed
	chromedp.Listen(p.ctx, func(ev any) {
		if _, ok := ev.(*inspector.EventTargetCrashed); ok {
			crashed.Store(true)
		}
	})
}

func (p *page) eval(js string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		p.t.Fatalf("%v\n(evaluating %s)", err, js)
	}
}

func (p *page) wait(what, cond string, d time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
		p.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitCell waits for cond (an expression that follows the cell element) on a cell; on
// failure it shows the cell's console and bytes panel.
func (p *page) waitCell(id, what, cond string, d time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cellSel(id)+cond, chromedp.WithPollingTimeout(0))); err != nil {
		// A page that does not answer (its renderer hung or gone) must not hang the test too.
		look, cancel := context.WithTimeout(p.ctx, 15*time.Second)
		defer cancel()
		text, lookErr := chromedp.Run(look, chromedp.Evaluate[string](cellSel(id)+`.dataset.state + ' (' + `+cellSel(id)+`.querySelector('.status').textContent + ')\n--- console ---\n' + `+
			cellSel(id)+`.querySelector('pre.console').textContent + '\n--- bytes ---\n' + `+cellSel(id)+`.querySelector('.bytes').textContent`))
		if lookErr != nil {
			text = "the page does not answer: " + lookErr.Error()
		}
		if p.crashed != nil && p.crashed.Load() {
			text = "the tab crashed: its renderer is gone"
		}
		p.t.Fatalf("waiting for %s %s: %v\nstate: %s", id, what, err, text)
	}
}

// listening waits for a server cell to be ready for its clients: every server in the lessons
// prints its first line once it listens (or has ended: the run's check says why). What the
// test typed is echoed in the console too (span.stdin), before the server says anything: it
// is not the server's first line.
func (p *page) listening(id string) {
	p.t.Helper()
	p.waitCell(id, "to listen", `.querySelector('pre.console').textContent.length > Array.from(`+cellSel(id)+`.querySelectorAll('pre.console span.stdin')).reduce((n, s) => n + s.textContent.length, 0)`+
		` || ['exited', 'error', 'stopped'].includes(`+cellSel(id)+`.dataset.state)`, time.Minute)
}

// open loads a lesson page and records every cell's finished runs in window.__runs.
func (p *page) open(url string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("section.cell .run"))); err != nil {
		p.t.Fatal(err)
	}
	p.eval(`window.__runs = {}; for (const c of document.querySelectorAll('section.cell'))
		c.addEventListener('socketlab:run-finished', (e) => { window.__runs[c.dataset.cell] = e.detail; })`)
}

func cellSel(id string) string { return `document.getElementById(` + strconv.Quote("cell-"+id) + `)` }

// start sets a cell's arguments, presses Run, and types stdin into its console (ending the
// input after it, as a native run's stdin ends).
func (p *page) start(c *lessons.Cell, r lessons.Run) {
	p.t.Helper()
	p.eval(`delete window.__runs[` + strconv.Quote(c.ID) + `]; ` + cellSel(c.ID) + `.querySelector('input.args').value = ` + strconv.Quote(joinArgs(r.Args)) +
		`; ` + cellSel(c.ID) + `.querySelector('input.faults').value = ` + strconv.Quote(r.Faults) +
		`; ` + cellSel(c.ID) + `.querySelector('.run').click()`)
	p.wait(c.ID+" to start", cellSel(c.ID)+`.dataset.state !== 'compiling' && `+cellSel(c.ID)+`.dataset.state !== 'idle'`, 3*time.Minute)
	if r.Stdin == "" {
		return
	}
	var js strings.Builder
	js.WriteString(`(() => { const in_ = ` + cellSel(c.ID) + `.querySelector('input.stdin');`)
	for _, line := range strings.SplitAfter(r.Stdin, "\n") {
		if line == "" {
			continue
		}
		text, enter := strings.CutSuffix(line, "\n")
		js.WriteString(`in_.value = ` + strconv.Quote(text) + `;`)
		if enter {
			js.WriteString(`in_.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));`)
		}
	}
	js.WriteString(`in_.dispatchEvent(new KeyboardEvent('keydown', {key: 'd', ctrlKey: true, bubbles: true})); })()`)
	p.eval(js.String())
}

// finished waits for a cell's run to end and returns what lesson.js reported.
func (p *page) finished(id string, d time.Duration) pageRun {
	p.t.Helper()
	p.waitCell(id, "to finish", ` && window.__runs[`+strconv.Quote(id)+`] !== undefined`, d)
	js, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify(window.__runs[`+strconv.Quote(id)+`])`))
	if err != nil {
		p.t.Fatal(err)
	}
	var r pageRun
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		p.t.Fatal(err)
	}
	return r
}

// stop presses Stop on a cell if it still runs.
func (p *page) stop(id string) {
	p.eval(`(() => { const b = ` + cellSel(id) + `.querySelector('.stop'); if (!b.disabled) b.click(); })()`)
}

// screenshot saves what the learner sees around the element el, for people to look at, in
// $SOCKETLAB_ARTIFACTS when that is set.
func (p *page) screenshot(el, name string) {
	dir := os.Getenv("SOCKETLAB_ARTIFACTS")
	if dir == "" {
		return
	}
	p.eval(el + `.scrollIntoView({block: 'center'})`)
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Logf("screenshot: %v", err)
		return
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err == nil {
		p.t.Logf("screenshot: %s", filepath.Join(dir, name))
	}
}

// joinArgs writes arguments back as the Arguments field reads them.
func joinArgs(args []string) string {
	var out []string
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t") {
			a = `"` + a + `"`
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}

// consoleMatches waits until a running cell's program output fits r, as the native test's
// settle does; it gives up after d.
func (p *page) consoleMatches(id string, r lessons.Run, d time.Duration) {
	deadline := time.Now().Add(d)
	js := `Array.from(` + cellSel(id) + `.querySelector('pre.console').childNodes)
		.filter((n) => n.nodeType === 3 || n.classList.contains('stderr')).map((n) => n.textContent).join('')`
	for time.Now().Before(deadline) {
		text, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			return
		}
		if ok, _ := r.Matches(text); ok {
			return
		}
		time.Sleep(100 * time.Millisecond) // polling the page: it has no event for "output changed"
	}
}

func checkPageRun(t *testing.T, where string, r lessons.Run, got pageRun, stopped bool) {
	t.Helper()
	if !stopped && (got.Exit == nil || *got.Exit != r.Exit) {
		t.Errorf("%s in the browser: state %s, exit %v, want %d. Output:\n%s", where, got.State, showExit(got.Exit), r.Exit, runner.Indent(got.Output))
	}
	if ok, why := r.Matches(got.Output); !ok {
		t.Errorf("%s in the browser: %s\n--- got ---\n%s\n--- want ---\n%s", where, why, runner.Indent(got.Output), runner.Indent(r.Output))
	}
}

// TestLessonsInBrowser opens every lesson page in headless Chromium and runs its first cell
// (a server with its first client), comparing what the page reports with the lesson's
// output block. Then it completes one exercise end to end and sees the progress on the
// index page.
func TestLessonsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	cache := t.TempDir()
	gw, err := gateway.New(&gateway.Options{CacheDir: cache, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, ctx: ctx}

	for _, l := range ls {
		t.Run(l.Slug, func(t *testing.T) {
			p.t = t
			runFirstCell(t, p, ts.URL+"/lessons/"+l.Slug, l)
		})
	}

	t.Run("chinese", func(t *testing.T) {
		p.t = t
		chineseInBrowser(t, p, ts.URL, ls)
	})

	t.Run("chinese-python", func(t *testing.T) {
		p.t = t
		chinesePythonInBrowser(t, p, ts.URL, ls)
	})

	t.Run("python-track", func(t *testing.T) {
		p.t = t
		pythonTrackInBrowser(t, p, ts.URL, ls)
	})

	// Every cell and exercise of the Python track (browser_python_test.go).
	t.Run("python-lessons", func(t *testing.T) {
		p.t = t
		pythonTrackInPage(t, p, ts.URL, ls)
	})

	t.Run("step-read", func(t *testing.T) {
		p.t = t
		stepThroughRead(t, p, ts.URL, lessonNamed(t, ls, "01-time"))
	})

	t.Run("step-datagram", func(t *testing.T) {
		p.t = t
		stepThroughDatagram(t, p, ts.URL, lessonNamed(t, ls, "09-udp"))
	})

	t.Run("files", func(t *testing.T) {
		p.t = t
		filesInPage(t, p, ts.URL, lessonNamed(t, ls, "15-ftp"))
	})

	t.Run("narrow", func(t *testing.T) {
		p.t = t
		narrowScreen(t, p, ts.URL, lessonNamed(t, ls, "01-time"))
	})

	// The lessons on faults: their faulty runs, and their exercises under faults.
	for _, slug := range []string{"08b-byte-stream", "09-udp"} {
		t.Run("faults/"+slug, func(t *testing.T) {
			p.t = t
			faultRunsInPage(t, p, ts.URL, lessonNamed(t, ls, slug))
		})
	}
	t.Run("exercise-segment", func(t *testing.T) {
		p.t = t
		exerciseUnderFaults(t, p, ts.URL, lessonNamed(t, ls, "08b-byte-stream"), "whole-line")
	})
	t.Run("exercise-loss", func(t *testing.T) {
		p.t = t
		exerciseUnderFaults(t, p, ts.URL, lessonNamed(t, ls, "09-udp"), "lossy")
	})
	// The same in Chinese: the faulty runs' Chinese output blocks and marks, and the Chinese
	// exercises under faults with their Chinese solutions.
	for _, slug := range []string{"08b-byte-stream", "09-udp"} {
		t.Run("faults/zh/"+slug, func(t *testing.T) {
			p.t = t
			faultRunsInPage(t, p, ts.URL, lessonNamed(t, ls, slug).In(lessons.Chinese))
		})
	}
	t.Run("exercise-segment/zh", func(t *testing.T) {
		p.t = t
		exerciseUnderFaults(t, p, ts.URL, lessonNamed(t, ls, "08b-byte-stream").In(lessons.Chinese), "whole-line")
	})
	t.Run("exercise-loss/zh", func(t *testing.T) {
		p.t = t
		exerciseUnderFaults(t, p, ts.URL, lessonNamed(t, ls, "09-udp").In(lessons.Chinese), "lossy")
	})

	t.Run("exercise", func(t *testing.T) {
		p.t = t
		var l *lessons.Lesson
		for _, x := range ls {
			if x.Slug == "05-line-helper" {
				l = x
			}
		}
		if l == nil {
			t.Fatal("no lesson 05-line-helper")
		}
		ex := l.Exercises[0]
		cell := l.Cell(ex.Cell)
		panel := `document.getElementById(` + strconv.Quote("exercise-"+ex.ID) + `)`
		p.open(ts.URL + "/lessons/" + l.Slug)

		// The cell as given does not half-close: the check says so.
		p.start(cell, lessons.Run{Args: ex.Args, Faults: ex.Faults})
		p.finished(cell.ID, 2*time.Minute)
		p.wait("the checks", panel+`.dataset.state === 'failed'`, 10*time.Second)
		p.screenshot(panel, "exercise-failed.png")
		detail, _ := chromedp.Run(ctx, chromedp.Evaluate[string](panel+`.querySelector('li.check.fail .detail').textContent`))
		if want := "not yet: there was no fin-sent on the stream to web.lab:80"; detail != want {
			t.Errorf("the failed check says %q, want %q", detail, want)
		}

		// The solution passes every check, and the exercise is recorded.
		solution, err := os.ReadFile(filepath.Join(exercisesDir, l.Slug, ex.Name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		p.eval(`(() => { const ta = ` + cellSel(cell.ID) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(string(solution)) +
			`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
		p.start(cell, lessons.Run{Args: ex.Args, Faults: ex.Faults})
		p.finished(cell.ID, 2*time.Minute)
		p.wait("the checks to pass", panel+`.dataset.state === 'passed'`, 10*time.Second)
		passed, _ := chromedp.Run(ctx, chromedp.Evaluate[int](panel+`.querySelectorAll('li.check.pass').length`))
		if passed != len(ex.Checks) {
			t.Errorf("%d checks marked passed, want %d", passed, len(ex.Checks))
		}

		p.screenshot(panel, "exercise-passed.png")

		// The index page shows the lesson done, and the others still to do.
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".lesson-list"))); err != nil {
			t.Fatal(err)
		}
		progress := func(slug string) string {
			s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('li[data-lesson=`+strconv.Quote(slug)+`] .progress').textContent`))
			return s
		}
		if got := progress(l.Slug); got != "\u2713 done" {
			t.Errorf("index shows %q for %s, want \u2713 done", got, l.Slug)
		}
		if got := progress("02-sockets"); got != "1 exercise to do" {
			t.Errorf("index shows %q for 02-sockets, want 1 exercise to do", got)
		}
	})

	t.Run("exercise/zh", func(t *testing.T) {
		p.t = t
		exerciseInChinese(t, p, ts.URL, lessonNamed(t, ls, "05-line-helper").In(lessons.Chinese))
	})

	// Keep and Share (static/keep.js), in keep_browser_test.go.
	t.Run("keep", func(t *testing.T) { p.t = t; testKeep(t, p, cache) })
	t.Run("share", func(t *testing.T) { p.t = t; testShare(t, p, cache) })
}

// runFirstCell opens the lesson page at url and runs l's first cell (a server with its first
// client), comparing what the page reports with the lesson's output blocks.
func runFirstCell(t *testing.T, p *page, url string, l *lessons.Lesson) {
	p.open(url)
	first := &l.Cells[0]
	r := first.Runs[0]
	where := fmt.Sprintf("%s.md:%d (cell %s)", l.Slug, first.Line, first.ID)
	var client *lessons.Cell
	for i := range l.Cells {
		if l.Cells[i].With == first.ID {
			client = &l.Cells[i]
			break
		}
	}
	if client == nil {
		p.start(first, r)
		checkPageRun(t, where, r, p.finished(first.ID, 2*time.Minute), false)
		return
	}
	// A server: run it, wait for it to listen, run its first client, then stop it.
	p.start(first, r)
	p.listening(first.ID)
	cr := client.Runs[0]
	p.start(client, cr)
	checkPageRun(t, fmt.Sprintf("%s.md:%d (cell %s)", l.Slug, client.Line, client.ID), cr, p.finished(client.ID, 2*time.Minute), false)
	p.consoleMatches(first.ID, r, 10*time.Second)
	p.stop(first.ID)
	got := p.finished(first.ID, time.Minute)
	checkPageRun(t, where, r, got, got.State == "stopped")
}

// pythonTrackInBrowser follows "This lesson in Python" from a Go lesson and "This lesson in
// Go" back, as a learner clicks them, and lists the Python track's index: each Python page
// has only Python cells, keyed py-SLUG for the page's scripts.
func pythonTrackInBrowser(t *testing.T, p *page, base string, ls []*lessons.Lesson) {
	py := lessons.PythonTrack(ls)
	if len(py) == 0 {
		t.Fatal("no Python track")
	}
	l := py[0]
	link := chromedp.CSS("p.track-link a")
	if err := chromedp.Do(p.ctx, chromedp.Navigate(base+"/lessons/"+l.Slug), chromedp.WaitVisible(link), chromedp.Click(link)); err != nil {
		t.Fatal(err)
	}
	arrive := func(sel, path string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
			t.Fatalf("waiting for %s: %v", sel, err)
		}
		if got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string]("location.pathname")); err != nil || got != path {
			t.Fatalf("the link led to %q (%v), want %s", got, err, path)
		}
	}
	arrive(`main.lesson[data-lesson="py-`+l.Slug+`"] section.cell`, "/python/"+l.Slug)
	langs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('section.cell')].map(c => c.dataset.lang + ' ' + c.dataset.cell)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(langs) != len(l.Cells) {
		t.Errorf("the Python page shows %d cells, want %d: %q", len(langs), len(l.Cells), langs)
	}
	for _, x := range langs {
		if !strings.HasPrefix(x, "python py-"+l.Slug+"-") {
			t.Errorf("a cell of the Python page is %q", x)
		}
	}
	if err := chromedp.Do(p.ctx, chromedp.Click(link)); err != nil {
		t.Fatal(err)
	}
	arrive(`main.lesson[data-lesson="`+l.Slug+`"] section.cell:not([data-lang="python"])`, "/lessons/"+l.Slug)

	if err := chromedp.Do(p.ctx, chromedp.Navigate(base+"/python/"), chromedp.WaitVisible(chromedp.CSS("ol.lesson-list"))); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll('li[data-lesson^="py-"] a[href^="/python/"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(py) {
		t.Errorf("/python/ lists %d lessons, want %d", n, len(py))
	}
}
