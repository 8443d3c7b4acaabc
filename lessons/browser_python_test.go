package lessons_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/internal/check"
	"socketlab/lessons"
	"socketlab/lessons/grade"
)

// pythonNotInPage lists the Python cells that cannot run in a page, each with the reason
// (docs/python.md says what Pyodide lacks). It should stay empty: a cell that teaches something
// the page cannot do is rewritten so that it runs in both.
var pythonNotInPage = map[string]string{}

// pythonExercisesNotInPage lists the Python exercises whose solutions are not run in the page,
// each with the reason; their checks run natively (TestExercises).
var pythonExercisesNotInPage = map[string]string{}

// pythonTrackInPage opens each lesson of the Python track at /python/SLUG, and its Chinese
// version at /zh/python/SLUG, once each, and in that page runs every cell with every run its output blocks describe, as internal/check runs them
// natively (a server first, with the cells that need it; stopped after them), and every
// exercise against its typical wrong solution (the checks fail as the solution's "# fails:"
// lines say) and its correct one (they all pass). Two lessons run at a time, each in a tab of
// its own browser context: two learners, so their servers' ports do not meet.
func pythonTrackInPage(t *testing.T, p *page, base string, ls []*lessons.Lesson) {
	py := lessons.PythonTrack(ls)
	if len(py) == 0 {
		t.Fatal("no Python track")
	}
	known := map[string]bool{}
	for _, l := range py {
		for _, c := range l.Cells {
			known[c.ID] = true
		}
		for _, ex := range l.Exercises {
			known[ex.ID] = true
		}
	}
	for _, m := range []map[string]string{pythonNotInPage, pythonExercisesNotInPage} {
		for id := range m {
			if !known[id] {
				t.Errorf("%s, left out of the page's runs, is no cell or exercise of the Python track: take it off the list", id)
			}
		}
	}
	other, cancel := chromedp.NewContext(p.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(other); err != nil {
		t.Fatal(err)
	}
	tabs := make(chan *page, 2)
	tabs <- &page{ctx: p.ctx}
	tabs <- &page{ctx: other}
	// Each lesson in English at /python/SLUG, and in Chinese at /zh/python/SLUG with the
	// Chinese solutions where its cell reads differently (as TestChineseExercises judges them).
	type lessonPage struct {
		name, path, solutions string
		l                     *lessons.Lesson
	}
	var pages []lessonPage
	for _, l := range py {
		pages = append(pages, lessonPage{l.Slug, "/python/" + l.Slug, exercisesDir, l})
	}
	for _, l := range py {
		if zh := l.In(lessons.Chinese); zh != nil {
			pages = append(pages, lessonPage{"zh/" + l.Slug, "/zh/python/" + l.Slug, exercisesZhDir, zh})
		}
	}
	for _, lp := range pages {
		l := lp.l
		t.Run(lp.name, func(t *testing.T) {
			t.Parallel()
			tab := <-tabs
			defer func() { tabs <- tab }()
			// Each lesson in a new tab of the learner's browser context, closed after it: the
			// Python workers of one lesson end with their tab rather than with a navigation.
			ctx, cancel := chromedp.NewContext(tab.ctx)
			defer cancel()
			p := &page{t: t, ctx: ctx}
			p.watchCrash()
			start := time.Now()
			p.openPython(base + lp.path)
			cells, runs := pythonCellsInPage(t, p, l)
			for i := range l.Exercises {
				ex := &l.Exercises[i]
				if why, ok := pythonExercisesNotInPage[ex.ID]; ok {
					t.Logf("exercise %s: not run in the page: %s", ex.ID, why)
					continue
				}
				dir := exercisesDir
				if good, _ := check.SolutionFiles(l, ex, lp.solutions); fileExists(good) {
					dir = lp.solutions
				}
				t.Run("exercise-"+ex.Name, func(t *testing.T) {
					p.t = t
					pythonExerciseInPage(t, p, l, ex, dir)
				})
				p.t = t
			}
			t.Logf("%s: %d cells, %d runs, %d exercises in %s", lp.path, cells, runs, len(l.Exercises), time.Since(start).Round(time.Second))
		})
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pythonReady waits until the page has two pairs of Python workers ready, as a page with
// a server and its clients keeps them (static/python-run.js): the server takes one and its
// client starts at once with the other, as a learner's does once the page has settled.
func (p *page) pythonReady() {
	p.t.Helper()
	p.wait("two pairs of Python workers", `Number(document.body.dataset.pythonReady || 0) >= 2`, 2*time.Minute)
}

// pyRunsOf is what to run a cell with: its output blocks, or its own settings when it has none
// (as internal/check does).
func pyRunsOf(c *lessons.Cell) []lessons.Run {
	if len(c.Runs) > 0 {
		return c.Runs
	}
	return []lessons.Run{{Args: c.Args, Stdin: c.Stdin, Exit: c.Exit, Faults: c.Faults, Output: "...\n", Match: true, Line: c.Line}}
}

// pythonCellsInPage runs every cell of l in the open page and returns how many cells and runs
// it ran.
func pythonCellsInPage(t *testing.T, p *page, l *lessons.Lesson) (cells, runs int) {
	servers := l.Servers()
	where := func(c *lessons.Cell, j int, r lessons.Run) string {
		return fmt.Sprintf("%s:%d (cell %s, run %d, args %q, faults %q)", l.File(), c.Line, c.ID, j+1, r.Args, r.Faults)
	}
	for i := range l.Cells {
		c := &l.Cells[i]
		if c.Lang != lessons.Python {
			t.Errorf("%s:%d: cell %s is %q, not Python", l.File(), c.Line, c.ID, c.Lang)
			continue
		}
		if why, ok := pythonNotInPage[c.ID]; ok {
			t.Logf("%s: not run in the page: %s", c.ID, why)
			continue
		}
		switch {
		case c.With != "":
			continue // runs with its server
		case slices.Contains(servers, c.ID):
			rs := pyRunsOf(c)
			p.pythonReady()
			p.start(c, rs[0])
			p.listening(c.ID)
			cells++
			runs++
			for k := range l.Cells {
				cl := &l.Cells[k]
				if cl.With != c.ID {
					continue
				}
				if why, ok := pythonNotInPage[cl.ID]; ok {
					t.Logf("%s: not run in the page: %s", cl.ID, why)
					continue
				}
				cells++
				for j, r := range pyRunsOf(cl) {
					runs++
					p.start(cl, r)
					checkPageRun(t, where(cl, j, r), r, p.finished(cl.ID, 2*time.Minute), false)
				}
			}
			p.consoleMatches(c.ID, rs[0], 10*time.Second)
			p.stop(c.ID)
			got := p.finished(c.ID, time.Minute)
			checkPageRun(t, where(c, 0, rs[0]), rs[0], got, got.State == "stopped")
			for j, r := range rs[1:] {
				runs++
				p.start(c, r)
				checkPageRun(t, where(c, j+1, r), r, p.finished(c.ID, 2*time.Minute), false)
			}
		default:
			cells++
			for j, r := range pyRunsOf(c) {
				runs++
				p.start(c, r)
				checkPageRun(t, where(c, j, r), r, p.finished(c.ID, 2*time.Minute), false)
			}
		}
	}
	return cells, runs
}

// openPython opens a Python lesson's page as open does, but gives the page two minutes to
// show its cells, then tries once more: with two tabs at work a navigation can hang for good,
// and the second try tells a stuck browser from a broken page.
func (p *page) openPython(url string) {
	p.t.Helper()
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Minute)
		err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("section.cell .run")))
		cancel()
		if err == nil {
			break
		}
		if try == 2 {
			p.t.Fatalf("opening %s: %v", url, err)
		}
		p.t.Logf("opening %s: %v; trying once more", url, err)
	}
	p.eval(`window.__runs = {}; for (const c of document.querySelectorAll('section.cell'))
		c.addEventListener('socketlab:run-finished', (e) => { window.__runs[c.dataset.cell] = e.detail; })`)
}

// ended waits up to d for a cell's run to end, and says whether it did.
func (p *page) ended(id string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`window.__runs[`+strconv.Quote(id)+`] !== undefined`, chromedp.WithPollingTimeout(0)))
	return err == nil
}

// setCode puts src in a cell's editor, as typed.
func (p *page) setCode(id, src string) {
	p.eval(`(() => { const ta = ` + cellSel(id) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(src) +
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
}

// pythonExerciseInPage runs exercise ex's typical wrong solution in its cell, then its correct
// one (from the folder solutions), as a learner would in the page: the cell's server first when the cell needs one, the
// cells that need the cell when it is a server. The wrong one fails exactly the checks its
// "# fails:" lines name; the correct one passes them all.
func pythonExerciseInPage(t *testing.T, p *page, l *lessons.Lesson, ex *lessons.Exercise, solutions string) {
	cell := l.Cell(ex.Cell)
	panel := `document.getElementById(` + strconv.Quote("exercise-"+ex.ID) + `)`
	good, wrong := check.SolutionFiles(l, ex, solutions)
	defer p.eval(`(() => { const b = ` + cellSel(cell.ID) + `.querySelector('button.reset'); if (b) b.click(); })()`)
	for _, try := range []struct{ file, state string }{{wrong, "failed"}, {good, "passed"}} {
		src, err := os.ReadFile(try.file)
		if err != nil {
			t.Fatal(err)
		}
		p.setCode(cell.ID, string(src))
		// The panel shows the verdict on the cell's last run, and the lesson's own runs of the
		// cell came first: clear it, so that the wait below is for this run's verdict.
		p.eval(panel + `.dataset.state = 'checking'`)
		got := pythonExerciseRun(p, l, ex, cell)
		p.wait(try.file+"'s verdict", `['failed', 'passed'].includes(`+panel+`.dataset.state)`, 30*time.Second)
		state, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](panel+`.dataset.state + ': ' + `+panel+`.querySelector('.exercise-status').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		fails, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`Array.from(`+panel+`.querySelectorAll('li.check'), (li) => li.classList.contains('fail') ? li.querySelector('.detail').textContent : null)`))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		if try.state == "failed" {
			if want, err = check.WantFails(string(src)); err != nil {
				t.Fatalf("%s: %v", try.file, err)
			}
		}
		var failed, details []string
		for i, detail := range fails {
			if detail == "" || i >= len(ex.Checks) {
				continue
			}
			name := ex.Checks[i].Text
			failed = append(failed, name)
			details = append(details, fmt.Sprintf("%s: %s", name, detail))
			if w, ok := want[name]; ok && !saysDetail(l.Lang, detail, w) {
				t.Errorf("%s in the page: the check %q says %q, want it to say %q", try.file, name, detail, w)
			}
		}
		var wantNames []string
		for name := range want {
			wantNames = append(wantNames, name)
		}
		sort.Strings(failed)
		sort.Strings(wantNames)
		if !strings.HasPrefix(state, try.state+":") || !slices.Equal(failed, wantNames) {
			t.Errorf("%s in the page: %s; it fails the checks %q, want %q.\n%s\nOutput (exit %s):\n%s\nSocket events:\n%s",
				try.file, state, failed, wantNames, strings.Join(details, "\n"), showExit(got.Exit), got.Output, check.ShowEvents(got.Events))
		}
	}
}

// saysDetail says whether a failed check's detail in the page says what a wrong solution's
// "# fails:" line wants, which is written in English. A Chinese page says it in Chinese: there
// the detail must be a Chinese "not yet" with every quoted text of the English one in it (the
// bytes, outputs and addresses the check looked for).
func saysDetail(lang, detail, want string) bool {
	if lang != lessons.Chinese {
		return strings.Contains(detail, want)
	}
	if !strings.HasPrefix(detail, "还没有：") {
		return false
	}
	parts := strings.Split(want, `"`)
	for i := 1; i+1 < len(parts); i += 2 {
		if !strings.Contains(detail, `"`+parts[i]+`"`) {
			return false
		}
	}
	return true
}

// pythonExerciseRun runs the exercise's cell as it now reads, with the exercise's arguments,
// input and faults, and returns the cell's run (the one the exercise's checks judge).
func pythonExerciseRun(p *page, l *lessons.Lesson, ex *lessons.Exercise, cell *lessons.Cell) pageRun {
	run := lessons.Run{Args: ex.Args, Stdin: ex.Stdin, Faults: ex.Faults}
	switch {
	case slices.Contains(l.Servers(), cell.ID):
		p.pythonReady()
		p.start(cell, run)
		p.listening(cell.ID)
		for i := range l.Cells {
			if c := &l.Cells[i]; c.With == cell.ID {
				p.start(c, pyRunsOf(c)[0])
				p.finished(c.ID, 2*time.Minute)
			}
		}
		if slices.ContainsFunc(ex.Checks, func(c grade.Check) bool { return c.Op == "exit" }) {
			// The exercise expects the server to end by itself: give it the time (a little more
			// than the native check's 10 s, for a busy browser), then stop it.
			p.ended(cell.ID, 15*time.Second)
		} else {
			time.Sleep(time.Second) // the server's last lines and events, as the native check's settle gives them time
		}
		p.stop(cell.ID)
		return p.finished(cell.ID, time.Minute)
	case cell.With != "":
		s := l.Cell(cell.With)
		p.start(s, pyRunsOf(s)[0])
		p.listening(s.ID)
		defer func() {
			p.stop(s.ID)
			p.finished(s.ID, time.Minute)
		}()
	}
	p.start(cell, run)
	return p.finished(cell.ID, 2*time.Minute)
}
