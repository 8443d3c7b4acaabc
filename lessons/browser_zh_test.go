package lessons_test

import (
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
