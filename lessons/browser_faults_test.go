package lessons_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

// faultRunsInPage runs, in the page, every run of l's cells that goes under faults (cells
// that need no server), and holds each to its output block as the native test does: the same
// faults with the same seed give the same run in the browser. Under segment=N the bytes
// panel marks what the lab split. A Chinese lesson (l.Lang zh) runs in its page under /zh/.
func faultRunsInPage(t *testing.T, p *page, base string, l *lessons.Lesson) {
	p.open(base + lessonPath(l))
	ran := 0
	for i := range l.Cells {
		c := &l.Cells[i]
		if c.With != "" {
			continue
		}
		for j, r := range c.Runs {
			if r.Faults == "" {
				continue
			}
			ran++
			where := fmt.Sprintf("%s.md:%d (cell %s, run %d, faults %s)", l.Slug, c.Line, c.ID, j+1, r.Faults)
			p.start(c, r)
			checkPageRun(t, where, r, p.finished(c.ID, 2*time.Minute), false)
			seg, ok := strings.CutPrefix(r.Faults, "segment=")
			if !ok {
				continue
			}
			want := "split into " + seg + "-byte segments by the lab"
			if l.Lang == lessons.Chinese {
				want = "被实验网络拆成了 " + seg + " 字节的报文段"
			}
			heads, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`Array.from(`+cellSel(c.ID)+
				`.querySelectorAll('.bytes .head .what')).map(e => e.textContent).join('\n')`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(heads, want) {
				t.Errorf("%s: the bytes panel does not say %q:\n%s", where, want, heads)
			}
		}
	}
	if ran == 0 {
		t.Errorf("%s has no run under faults", l.Slug)
	}
}

// exerciseUnderFaults runs an exercise's typical wrong solution, then its correct one, in
// the page under the exercise's faults (the learner's cell left as the lesson gives it may
// wait for ever, as 09-udp's does): the wrong one fails the checks and the correct one
// passes them all.
func exerciseUnderFaults(t *testing.T, p *page, base string, l *lessons.Lesson, id string) {
	var ex *lessons.Exercise
	for i := range l.Exercises {
		if l.Exercises[i].Name == id {
			ex = &l.Exercises[i]
		}
	}
	if ex == nil {
		t.Fatalf("%s has no exercise %s", l.Slug, id)
	}
	if ex.Faults == "" {
		t.Fatalf("exercise %s runs on a clean network; this test is for exercises under faults", ex.ID)
	}
	cell := l.Cell(ex.Cell)
	panel := `document.getElementById(` + strconv.Quote("exercise-"+ex.ID) + `)`
	p.open(base + lessonPath(l))
	dir := exercisesDir
	if _, err := os.Stat(filepath.Join(exercisesZhDir, l.Slug, ex.Name+".go")); err == nil && l.Lang == lessons.Chinese {
		dir = exercisesZhDir
	}
	for _, try := range []struct{ file, state string }{{ex.Name + ".wrong.go", "failed"}, {ex.Name + ".go", "passed"}} {
		src, err := os.ReadFile(filepath.Join(dir, l.Slug, try.file))
		if err != nil {
			t.Fatal(err)
		}
		p.eval(`(() => { const ta = ` + cellSel(cell.ID) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(string(src)) +
			`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
		p.start(cell, lessons.Run{Args: ex.Args, Faults: ex.Faults})
		got := p.finished(cell.ID, 2*time.Minute)
		p.wait(try.file+" to have the checks "+try.state, panel+`.dataset.state === '`+try.state+`'`, 10*time.Second)
		if try.state == "passed" && (got.Exit == nil || *got.Exit != 0) {
			t.Errorf("%s in the page under %s: exit %v, output:\n%s", try.file, ex.Faults, showExit(got.Exit), got.Output)
		}
	}
	// Put the lesson's code back, so that later tests find the cell as the lesson has it.
	p.eval(`(() => { const b = ` + cellSel(cell.ID) + `.querySelector('button.reset'); if (b) b.click(); })()`)
}

// lessonPath is a lesson's page: /lessons/SLUG, or /zh/lessons/SLUG for a Chinese one.
func lessonPath(l *lessons.Lesson) string {
	if l.Lang == lessons.Chinese {
		return "/zh/lessons/" + l.Slug
	}
	return "/lessons/" + l.Slug
}
