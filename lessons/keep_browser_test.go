package lessons_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/lessons"
)

// These run inside TestLessonsInBrowser, on its browser and its build cache.

// startGateway starts a gateway on loopback keeping programs in cache; stop ends it.
func startGateway(t *testing.T, cache string) (url string, stop func()) {
	t.Helper()
	gw, err := gateway.New(&gateway.Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gw)
	return ts.URL, func() {
		ts.Close()
		gw.Close()
	}
}

// The code of a cell, and setting it as a learner's typing does (an input event).
func cellCode(id string) string { return cellSel(id) + `.querySelector('textarea.code').value` }

func setCellCode(p *page, id, code string) {
	p.t.Helper()
	p.eval(`(() => { const ta = ` + cellSel(id) + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(code) +
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
}

func setCellArgs(p *page, id, args string) {
	p.t.Helper()
	p.eval(`(() => { const a = ` + cellSel(id) + `.querySelector('input.args'); a.value = ` + strconv.Quote(args) +
		`; a.dispatchEvent(new Event('input', {bubbles: true})); })()`)
}

func evalIn[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%v\n(evaluating %s)", err, js)
	}
	return v
}

func firstCell(t *testing.T, slug string) *lessons.Cell {
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Slug == slug {
			return &l.Cells[0]
		}
	}
	t.Fatalf("no lesson %s", slug)
	return nil
}

// testKeep: an edit to a cell's code and arguments survives a reload, the cell says it is
// edited, and Reset brings the lesson's code back for good.
func testKeep(t *testing.T, p *page, cache string) {
	url, stop := startGateway(t, cache)
	defer stop()
	c := firstCell(t, "01-time")
	p.open(url + "/lessons/01-time")
	id := c.ID
	edited := strings.Replace(c.Source, "func main() {", "func main() {\n\t// my own change", 1)
	if evalIn[bool](t, p.ctx, cellSel(id)+`.dataset.edited !== undefined`) {
		t.Fatal("a fresh page says the cell is edited")
	}
	setCellCode(p, id, edited)
	setCellArgs(p, id, "-x 1")
	p.wait("the edit to be kept", `localStorage.getItem(`+strconv.Quote("socketlab.edit."+id)+`) !== null`, 5*time.Second)

	p.open(url + "/lessons/01-time")
	if got := evalIn[string](t, p.ctx, cellCode(id)); got != edited {
		t.Errorf("after a reload the cell holds:\n%s\nwant the edit:\n%s", got, edited)
	}
	if got := evalIn[string](t, p.ctx, cellSel(id)+`.querySelector('input.args').value`); got != "-x 1" {
		t.Errorf("after a reload the arguments are %q, want -x 1", got)
	}
	shown := evalIn[bool](t, p.ctx, `(() => { const c = `+cellSel(id)+`; const b = c.querySelector('.edited-badge');
		return c.dataset.edited === 'true' && b.offsetParent !== null && b.textContent === 'edited' && c.querySelector('button.reset').offsetParent !== null; })()`)
	if !shown {
		t.Error("the reloaded cell does not show that it is edited, with Reset")
	}
	// Another cell of the lesson is untouched.
	if len(evalIn[string](t, p.ctx, `Array.from(document.querySelectorAll('section.cell[data-edited]'), (c) => c.dataset.cell).join(' ')`)) != len(id) {
		t.Error("more cells than the edited one say they are edited")
	}
	p.screenshot(cellSel(id), "cell-edited.png")

	p.eval(cellSel(id) + `.querySelector('button.reset').click()`)
	if got := evalIn[string](t, p.ctx, cellCode(id)); got != strings.TrimSuffix(c.Source, "\n") {
		t.Errorf("after Reset the cell holds:\n%s\nwant the lesson's code", got)
	}
	if got := evalIn[string](t, p.ctx, cellSel(id)+`.querySelector('input.args').value`); got != joinArgs(c.Args) {
		t.Errorf("after Reset the arguments are %q, want %q", got, joinArgs(c.Args))
	}
	if evalIn[bool](t, p.ctx, cellSel(id)+`.dataset.edited !== undefined || localStorage.getItem(`+strconv.Quote("socketlab.edit."+id)+`) !== null`) {
		t.Error("after Reset the cell still says it is edited, or the edit is still kept")
	}
	p.open(url + "/lessons/01-time")
	if got := evalIn[string](t, p.ctx, cellCode(id)); got != strings.TrimSuffix(c.Source, "\n") {
		t.Errorf("after Reset and a reload the cell holds:\n%s\nwant the lesson's code", got)
	}
}

// sharedProgram prints its arguments and its whole standard input.
const sharedProgram = `package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	in, _ := io.ReadAll(os.Stdin)
	fmt.Printf("args=%s stdin=%q\n", strings.Join(os.Args[1:], ","), in)
}
`

// testShare: a link made in one browser profile opens, in a fresh profile and on a gateway
// started after the first one stopped, the lesson with the same code, arguments and input,
// and a run there prints the same.
func testShare(t *testing.T, p *page, cache string) {
	c := firstCell(t, "01-time")
	id := c.ID
	want := `args=one,two words stdin="alpha\nbeta\n"` + "\n"

	urlA, stopA := startGateway(t, cache)
	p.open(urlA + "/lessons/01-time")
	setCellCode(p, id, sharedProgram)
	p.start(c, lessons.Run{Args: []string{"one", "two words"}, Stdin: "alpha\nbeta\n"})
	if r := p.finished(id, 3*time.Minute); !strings.Contains(r.Output, want) {
		t.Fatalf("the program printed %q, want %q", r.Output, want)
	}
	p.eval(cellSel(id) + `.querySelector('button.share').click()`)
	p.wait("the link", cellSel(id)+`.querySelector('input.share-url').value !== ''`, 10*time.Second)
	link := evalIn[string](t, p.ctx, cellSel(id)+`.querySelector('input.share-url').value`)
	stopA()
	prefix := urlA + "/lessons/01-time#share=1." + id + "."
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("the link %q does not start %q", link, prefix)
	}
	if strings.Contains(link, "alpha") || strings.Contains(link, "ReadAll") {
		t.Errorf("the link %q carries the program in plain text, not compressed", link)
	}
	t.Logf("a link of %d characters for %d bytes of code", len(link), len(sharedProgram))

	// The gateway restarts (on another port, with the same lessons), and a fresh profile,
	// which has never seen the page, opens the link.
	urlB, stopB := startGateway(t, cache)
	defer stopB()
	ctx2, cancel := chromedp.NewContext(p.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	q := &page{t: t, ctx: ctx2}
	q.open(urlB + strings.TrimPrefix(link, urlA))
	q.wait("the shared code", cellCode(id)+` === `+strconv.Quote(sharedProgram), 10*time.Second)
	if got := evalIn[string](t, ctx2, cellSel(id)+`.querySelector('input.args').value`); got != `one "two words"` {
		t.Errorf("the shared arguments are %q, want %q", got, `one "two words"`)
	}
	if got := evalIn[string](t, ctx2, cellSel(id)+`.querySelector('.shared-stdin code').textContent`); got != "alpha\u21b5 beta\u21b5" {
		t.Errorf("the cell shows the shared input as %q", got)
	}
	if got := evalIn[string](t, ctx2, `location.hash`); got != "" {
		t.Errorf("after reading the link the page's fragment is %q; a reload would apply the link again", got)
	}
	if !evalIn[bool](t, ctx2, cellSel(id)+`.dataset.edited === 'true'`) {
		t.Error("the shared code does not show as an edit")
	}
	q.screenshot(cellSel(id), "cell-shared.png")
	q.eval(`delete window.__runs[` + strconv.Quote(id) + `]; ` + cellSel(id) + `.querySelector('.run').click()`)
	if r := q.finished(id, 3*time.Minute); !strings.Contains(r.Output, want) || r.Exit == nil || *r.Exit != 0 {
		t.Errorf("the shared program printed %q (exit %s), want %q", r.Output, showExit(r.Exit), want)
	}

	// A link cut short says so, and leaves the lesson's code.
	q.open(urlB + "/lessons/01-time#share=1." + id + ".q1ZKVrJSKk")
	q.wait("the complaint", `document.querySelector('.share-error') && !document.querySelector('.share-error').hidden`, 10*time.Second)
	if msg := evalIn[string](t, ctx2, `document.querySelector('.share-error').textContent`); !strings.Contains(msg, "could not be read: the link's data does not unpack") {
		t.Errorf("a broken link says %q", msg)
	}
}
