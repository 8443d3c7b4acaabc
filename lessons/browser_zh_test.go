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

// chineseInBrowser runs the first cell of every Chinese lesson in its page under /zh/, checks
// that the page speaks Chinese (the buttons, the status line, the bytes panel), that the
// language switch leads to the same lesson in English and back, and that the Chinese index and
// first lesson stay within the screen at desktop width and at 390 px.
func chineseInBrowser(t *testing.T, p *page, base string, ls []*lessons.Lesson) {
	str := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return s
	}
	n := 0
	for _, l := range ls {
		zh := l.In(lessons.Chinese)
		if zh == nil {
			continue
		}
		n++
		t.Run(l.Slug, func(t *testing.T) {
			p.t = t
			runFirstCell(t, p, base+"/zh/lessons/"+l.Slug, zh)
		})
	}
	p.t = t
	if n < 3 {
		t.Fatalf("only %d Chinese lessons", n)
	}

	// The page's own words, after a run of lesson 1's first cell.
	first := lessonNamed(t, ls, "01-time").In(lessons.Chinese)
	c := cellSel(first.Cells[0].ID)
	p.open(base + "/zh/lessons/01-time")
	p.start(&first.Cells[0], first.Cells[0].Runs[0])
	p.finished(first.Cells[0].ID, 2*time.Minute)
	for what, js := range map[string]string{
		"运行":       c + `.querySelector('button.run').textContent`,
		"单步":       c + `.querySelector('button.step').textContent`,
		"已退出（0）":   c + `.querySelector('.status').textContent`,
		"接收了 4 字节": `(() => { const t = ` + c + `.querySelector('.bytes').textContent; return t.includes('接收了 4 字节') ? '接收了 4 字节' : t.slice(0, 400); })()`,
	} {
		if got := str(js); got != what {
			t.Errorf("the Chinese lesson page shows %q, want %q", got, what)
		}
	}

	// Step mode in Chinese: the pause before the read and what the read returned, worded
	// by the page from the event rather than by the runtime in English.
	stepReadInChinese(t, p, base, first)

	// The switch goes to the same lesson in English, and back.
	for _, step := range []struct{ from, want string }{
		{"/zh/lessons/01-time", "/lessons/01-time"},
		{"/lessons/01-time", "/zh/lessons/01-time"},
	} {
		if err := chromedp.Do(p.ctx, chromedp.Navigate(base+step.from), chromedp.WaitReady(chromedp.CSS("a.lang-switch"))); err != nil {
			t.Fatal(err)
		}
		// Follow the switch as a click does: its link, through the redirect.
		href := str(`document.querySelector('a.lang-switch').href`)
		if err := chromedp.Do(p.ctx, chromedp.Navigate(href), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		if got := str(`location.pathname`); got != step.want {
			t.Errorf("the switch on %s leads to %s, want %s", step.from, got, step.want)
		}
	}
	// Leave the choice as a first visit has it, for the tests after this one.
	if err := chromedp.Do(p.ctx, chromedp.Navigate(base+"/lang/en?to=/")); err != nil {
		t.Fatal(err)
	}

	// Desktop width and 390 px: the index and lesson 1 stay within the screen.
	defer chromedp.Do(p.ctx, chromedp.EmulateViewport(1280, 1000))
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(width, 844)); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/zh/", "/zh/lessons/01-time"} {
			if err := chromedp.Do(p.ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
				t.Fatal(err)
			}
			p.wait(path+" to load", `document.readyState === 'complete'`, 30*time.Second)
			if bad := str(overflowJS); bad != "" {
				t.Errorf("at %d px, %s reaches past the screen:\n%s", width, path, bad)
			}
			if font := str(`getComputedStyle(document.body).fontFamily`); !containsAll(font, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC") {
				t.Errorf("%s: the body's fonts are %s, want the system's CJK fonts in the stack", path, font)
			}
			p.screenshot("document.body", "zh-"+map[int64]string{1280: "desktop", 390: "narrow"}[width]+"-"+map[string]string{"/zh/": "index", "/zh/lessons/01-time": "lesson1"}[path]+".png")
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// stepReadInChinese steps through the Chinese lesson 1's client up to its read and over it.
func stepReadInChinese(t *testing.T, p *page, base string, l *lessons.Lesson) {
	p.open(base + "/zh/lessons/" + l.Slug)
	id := l.Cells[0].ID
	c := cellSel(id)
	status := func() string {
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](c+`.querySelector('.status').textContent`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	paused := c + `.dataset.state === 'paused'`
	p.eval(c + `.querySelector('button.step').click()`)
	p.waitCell(id, "the first pause", `.dataset.state === 'paused'`, 3*time.Minute)
	var seen []string
	for !strings.HasPrefix(status(), "即将从") {
		seen = append(seen, status())
		if len(seen) == 10 {
			t.Fatalf("no pause before the read; the pauses were:\n\t%s", strings.Join(seen, "\n\t"))
		}
		p.eval(c + `.querySelector('button.step').click()`)
		p.wait("the next pause", paused+` || `+c+`.dataset.state === 'exited'`, time.Minute)
	}
	if want := []string{"即将解析 time.lab", "即将连接 time.lab:37"}; strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("the pauses before the read were %q, want %q", seen, want)
	}
	if got, want := status(), "即将从 time.lab:37 读取（最多 4 字节）"; got != want {
		t.Errorf("paused before the read, the page says %q, want %q", got, want)
	}
	p.eval(c + `.querySelector('button.step').click()`)
	p.wait("what the read returned, in Chinese", c+`.querySelector('.wire .stepped').textContent.startsWith('读取返回了 4 字节，来自 time.lab:37：')`, time.Minute)
	p.wait("the pause after the read", paused+` || `+c+`.dataset.state === 'exited'`, time.Minute)
	if ok, _ := chromedp.Run(p.ctx, chromedp.Evaluate[bool](paused)); ok {
		p.eval(c + `.querySelector('button.continue').click()`)
	}
	if got := p.finished(id, time.Minute); got.Exit == nil || *got.Exit != 0 {
		t.Errorf("the stepped program did not exit cleanly (%s):\n%s", got.State, got.Output)
	}
}

// exerciseInChinese does in the Chinese page of 05-line-helper what the English exercise test
// does: the cell as given fails the check, which says why in Chinese; the solution passes
// every check; the Chinese index then shows the lesson done.
func exerciseInChinese(t *testing.T, p *page, base string, l *lessons.Lesson) {
	ex := l.Exercises[0]
	cell := l.Cell(ex.Cell)
	panel := `document.getElementById(` + strconv.Quote("exercise-"+ex.ID) + `)`
	p.open(base + "/zh/lessons/" + l.Slug)
	// The code as the lesson gives it, not an edit an earlier test left in this browser.
	p.eval(`(() => { const b = ` + cellSel(cell.ID) + `.querySelector('button.reset'); if (b && !b.hidden) b.click(); })()`)
	p.start(cell, lessons.Run{Args: ex.Args, Faults: ex.Faults})
	p.finished(cell.ID, 2*time.Minute)
	p.wait("the checks", panel+`.dataset.state === 'failed'`, 10*time.Second)
	detail, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](panel+`.querySelector('li.check.fail .detail').textContent`))
	if want := "还没有：到 web.lab:80 的字节流上没有 fin-sent"; detail != want {
		t.Errorf("the failed check says %q, want %q", detail, want)
	}
	solution, err := os.ReadFile(filepath.Join(exercisesDir, l.Slug, ex.Name+".go"))
	if err != nil {
		t.Fatal(err)
	}
	p.eval(`(() => { const ta = ` + cellSel(cell.ID) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(string(solution)) +
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
	p.start(cell, lessons.Run{Args: ex.Args, Faults: ex.Faults})
	p.finished(cell.ID, 2*time.Minute)
	p.wait("the checks to pass", panel+`.dataset.state === 'passed'`, 10*time.Second)
	status, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](panel+`.querySelector('.exercise-status').textContent`))
	if want := fmt.Sprintf("%d 项检查全部通过：练习完成。", len(ex.Checks)); status != want {
		t.Errorf("the passed exercise says %q, want %q", status, want)
	}
	p.eval(`(() => { const b = ` + cellSel(cell.ID) + `.querySelector('button.reset'); if (b) b.click(); })()`)
	if err := chromedp.Do(p.ctx, chromedp.Navigate(base+"/zh/"), chromedp.WaitVisible(chromedp.CSS(".lesson-list"))); err != nil {
		t.Fatal(err)
	}
	progress := func(slug string) string {
		s, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('li[data-lesson=`+strconv.Quote(slug)+`] .progress').textContent`))
		return s
	}
	if got := progress(l.Slug); got != "\u2713 已完成" {
		t.Errorf("the Chinese index shows %q for %s, want \u2713 已完成", got, l.Slug)
	}
	if got := progress("02-sockets"); got != "1 个练习待完成" {
		t.Errorf("the Chinese index shows %q for 02-sockets, want 1 个练习待完成", got)
	}
}

// chinesePythonInBrowser follows the language switch of a Python page to the same Python
// lesson in English and back. Every cell and exercise of the Chinese Python lessons runs in
// its page under /zh/python/ in python-lessons (pythonTrackInPage).
func chinesePythonInBrowser(t *testing.T, p *page, base string, ls []*lessons.Lesson) {
	n := 0
	for _, l := range lessons.PythonTrack(ls) {
		if l.In(lessons.Chinese) != nil {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no Chinese lesson in the Python track (content/python/zh/)")
	}
	for _, step := range []struct{ from, want string }{
		{"/zh/python/01-time", "/python/01-time"},
		{"/python/01-time", "/zh/python/01-time"},
	} {
		if err := chromedp.Do(p.ctx, chromedp.Navigate(base+step.from), chromedp.WaitReady(chromedp.CSS("a.lang-switch"))); err != nil {
			t.Fatal(err)
		}
		href, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('a.lang-switch').href`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(p.ctx, chromedp.Navigate(href), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.pathname + ' ' + document.documentElement.lang`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, step.want+" ") {
			t.Errorf("the switch on %s leads to %s, want %s", step.from, got, step.want)
		}
	}
	// Leave the choice as a first visit has it, for the tests after this one.
	if err := chromedp.Do(p.ctx, chromedp.Navigate(base+"/lang/en?to=/")); err != nil {
		t.Fatal(err)
	}
}
