package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"socketlab/internal/browser"
)

// TestClassInChineseInBrowser: a class whose teacher and learner chose Chinese (the language
// switch's cookie): the join page, the teacher's view with the learner's run, and the
// teacher's note on the learner's page are all in Chinese.
func TestClassInChineseInBrowser(t *testing.T) {
	root := browser.New(t)
	g := startClassServer(t, t.TempDir(), "")
	defer g.stop()
	key := g.s.Classroom.TeacherKey()
	tab := func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "socketlab-lang", Value: "zh", URL: g.ts.URL}); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	is := func(ctx context.Context, what, js, want string) {
		t.Helper()
		if got := evalString(t, ctx, js); got != want {
			t.Errorf("%s is %q, want %q", what, got, want)
		}
	}

	teacher := tab()
	if err := chromedp.Do(teacher, chromedp.Navigate(g.ts.URL+"/teacher#key="+key), chromedp.WaitVisible(chromedp.CSS("table.roster"))); err != nil {
		t.Fatal(err)
	}
	is(teacher, "the teacher's heading", `document.querySelector('h1').textContent`, "教师视图")

	mei := tab()
	if err := chromedp.Do(mei, chromedp.Navigate(g.ts.URL+"/zh/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS("input[name=name]"))); err != nil {
		t.Fatal(err)
	}
	is(mei, "the join page's heading", `document.querySelector('h1').textContent`, "加入班级")
	is(mei, "the join button", `document.querySelector('button[type=submit]').textContent`, "加入")
	if err := chromedp.Do(mei, chromedp.SetValue("input[name=code]", "tuesday"), chromedp.SetValue("input[name=name]", "mei"),
		chromedp.Click("button[type=submit]"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	waitIn(t, mei, "mei's Chinese lesson page", `document.body.dataset.classmate === 'mei' && location.pathname === '/zh/lessons/01-time'`)
	if out := runCell(t, mei); !strings.Contains(out, "服务器时间：") {
		t.Fatalf("mei's run printed:\n%s", out)
	}
	waitIn(t, mei, "mei's page to report the run", `document.body.dataset.classReported === '1'`)

	waitIn(t, teacher, "mei's run in the feed", `!!document.querySelector('ol.feed li[data-name="mei"][data-state="exited"]')`)
	is(teacher, "the status line", `document.querySelector('.teacher-status').textContent`, "加入码 "+g.state.Code()+" · 班级共 1 人 · 1 人在线")
	is(teacher, "mei's connection", `document.querySelector('table.roster tr[data-name="mei"] .connected').textContent`, "\u25cf 在线")
	is(teacher, "mei's last run", `document.querySelector('table.roster tr[data-name="mei"] .last').textContent.replace(/^.*?：/, '')`, "已退出，退出状态 0")
	is(teacher, "the roster's buttons", `Array.from(document.querySelectorAll('table.roster tr[data-name="mei"] button'), b => b.textContent).join('|')`, "查看最近一次运行|结束程序|移出班级")
	is(teacher, "the feed's button", `document.querySelector('ol.feed li[data-name="mei"] button.open').textContent`, "查看")
	if feed := evalString(t, teacher, `document.querySelector('ol.feed li[data-name="mei"]').textContent`); !strings.Contains(feed, " · 单元 01-time-") {
		t.Errorf("the feed reads %q", feed)
	}

	const cellCode = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"老师给的程序\") }"
	send := `(() => { const f = document.querySelector('form.note'); f.elements.text.value = '试试这个'; f.elements.code.value = ` + strconv.Quote(cellCode) + `; f.requestSubmit(); return true; })()`
	if _, err := chromedp.Run(teacher, chromedp.Evaluate[bool](send)); err != nil {
		t.Fatal(err)
	}
	waitIn(t, teacher, "the note sent", `document.querySelector('form.note .sent').textContent.startsWith('已于 ')`)
	waitIn(t, mei, "the teacher's note on mei's page", `!!document.querySelector('.class-note-go')`)
	is(mei, "the notes' heading", `document.querySelector('.class-notes-head strong').textContent`, "老师发来的消息")
	is(mei, "the button to the teacher's cell", `document.querySelector('.class-note-go').textContent`, "转到这个单元")
	is(mei, "the teacher's cells' heading", `document.querySelector('.class-cells h2').textContent`, "老师发来的单元")
	waitIn(t, mei, "the teacher's cell made runnable", `!!document.querySelector('[id^="cell-note-"] button.run')`)
	is(mei, "the teacher's cell's Run button", `document.querySelector('[id^="cell-note-"] button.run').textContent`, "运行")
	if when := evalString(t, mei, `document.querySelector('.class-note-when').textContent`); !strings.HasPrefix(when, "老师发来的消息，") {
		t.Errorf("the note is headed %q", when)
	}
}
