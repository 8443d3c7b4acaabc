package gateway_test

import (
	"context"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

// These run inside TestEmbedInBrowser, on its browser, gateway and host site.

// keepProgram prints its arguments and its whole standard input.
const keepProgram = `package main

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

// keepPage is a host page with two cells: "echo" (keepProgram) and "segs", the first
// lesson's client under the fault segment=1.
func keepPage(t *testing.T, gw string) string {
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	client := ls[0].Cells[0].Source
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kept</title>
<script src="` + gw + `/embed.js" defer></script></head><body>
<h1>Edits that stay</h1>
<pre data-socketlab data-id="echo">
` + html.EscapeString(keepProgram) + `</pre>
<p>The same client as ever, on a network that splits every TCP segment into bytes:</p>
<socketlab-cell id="segs" faults="segment=1">` + html.EscapeString(client) + `</socketlab-cell>
</body></html>`
}

// embCellID evaluates to the section of the embedded cell with the given id.
func embCellID(id string) string {
	return `document.getElementById(` + strconv.Quote("socketlab-"+id) + `)?.shadowRoot?.querySelector('.cell')`
}

// openEmbedded opens a host page and waits for its cells to be interactive.
func openEmbedded(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cells to be interactive", `performance.getEntriesByName('socketlab:interactive').length > 0`)
}

// runEmbeddedCell presses Run in the cell, types stdin (lines, then Ctrl-D) when it is not
// empty, and returns the console once the program has exited.
func runEmbeddedCell(t *testing.T, ctx context.Context, id, stdin string) string {
	t.Helper()
	c := embCellID(id)
	evalString(t, ctx, `(() => { const c = `+c+`; window.__ended = false;
		c.addEventListener('socketlab:run-finished', () => { window.__ended = true; }, {once: true});
		c.querySelector('.run').click(); return ''; })()`)
	if stdin != "" {
		wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](c+`.dataset.state === 'running'`, chromedp.WithPollingTimeout(0))); err != nil {
			t.Fatalf("waiting for %s to run: %v", id, err)
		}
		var js strings.Builder
		js.WriteString(`(() => { const in_ = ` + c + `.querySelector('input.stdin');`)
		for _, line := range strings.SplitAfter(stdin, "\n") {
			if text, enter := strings.CutSuffix(line, "\n"); enter {
				js.WriteString(`in_.value = ` + strconv.Quote(text) + `; in_.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));`)
			}
		}
		js.WriteString(`in_.dispatchEvent(new KeyboardEvent('keydown', {key: 'd', ctrlKey: true, bubbles: true})); return ''; })()`)
		evalString(t, ctx, js.String())
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](`window.__ended`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for %s to exit: %v\nconsole: %s", id, err, evalString(t, ctx, c+`.querySelector('.console').textContent`))
	}
	return evalString(t, ctx, c+`.querySelector('.console').textContent`)
}

// setEmbeddedCode types code and arguments into an embedded cell, as a reader would.
func setEmbeddedCode(t *testing.T, ctx context.Context, id, code, args string) {
	t.Helper()
	c := embCellID(id)
	evalString(t, ctx, `(() => { const ta = `+c+`.querySelector('textarea.code'); ta.value = `+strconv.Quote(code)+
		`; ta.dispatchEvent(new Event('input', {bubbles: true}));
		const a = `+c+`.querySelector('input.args'); a.value = `+strconv.Quote(args)+
		`; a.dispatchEvent(new Event('input', {bubbles: true})); return ''; })()`)
}

// testEmbedKeep: a reader's edit to an embedded cell survives a reload of the host page,
// kept by the gateway's frame for that page alone; the cell says it is edited; Reset brings
// back the author's code for good.
func testEmbedKeep(t *testing.T, ctx context.Context, page string) {
	echo := embCellID("echo")
	openEmbedded(t, ctx, page+"/keep")
	if evalString(t, ctx, `String(`+echo+`.dataset.edited)`) != "undefined" {
		t.Fatal("a fresh page says the cell is edited")
	}
	edited := strings.Replace(keepProgram, "func main() {", "func main() {\n\t// my own change", 1)
	setEmbeddedCode(t, ctx, "echo", edited, "-x 1")
	waitFor(t, ctx, "the edited mark", echo+`.dataset.edited === 'true'`)
	// The edit is saved 300 ms after the last keystroke, through the frame.
	time.Sleep(time.Second)

	openEmbedded(t, ctx, page+"/keep")
	waitFor(t, ctx, "the kept edit", echo+`.querySelector('textarea.code').value === `+strconv.Quote(edited))
	if got := evalString(t, ctx, echo+`.querySelector('input.args').value`); got != "-x 1" {
		t.Errorf("after a reload the arguments are %q, want -x 1", got)
	}
	shown := evalString(t, ctx, `String((() => { const c = `+echo+`; const b = c.querySelector('.edited-badge');
		return c.dataset.edited === 'true' && b.offsetParent !== null && b.textContent === 'edited' && c.querySelector('button.reset').offsetParent !== null; })())`)
	if shown != "true" {
		t.Error("the reloaded cell does not show that it is edited, with Reset")
	}
	if e := evalString(t, ctx, `String(`+embCellID("segs")+`.dataset.edited)`); e != "undefined" {
		t.Errorf("the other cell says edited=%s", e)
	}
	// Another page of the same site, with a cell of the same id, has an edit of its own.
	openEmbedded(t, ctx, page+"/keep-too")
	if got := evalString(t, ctx, echo+`.querySelector('textarea.code').value`); got != strings.TrimSuffix(keepProgram, "\n") {
		t.Errorf("another page's cell holds:\n%s\nwant the author's code", got)
	}

	openEmbedded(t, ctx, page+"/keep")
	waitFor(t, ctx, "the kept edit", echo+`.querySelector('textarea.code').value === `+strconv.Quote(edited))
	evalString(t, ctx, `(() => { `+echo+`.querySelector('button.reset').click(); return ''; })()`)
	if got := evalString(t, ctx, echo+`.querySelector('textarea.code').value`); got != strings.TrimSuffix(keepProgram, "\n") {
		t.Errorf("after Reset the cell holds:\n%s\nwant the author's code", got)
	}
	if got := evalString(t, ctx, echo+`.querySelector('input.args').value + '|' + String(`+echo+`.dataset.edited)`); got != "|undefined" {
		t.Errorf("after Reset the arguments and edited mark are %q, want none", got)
	}
	time.Sleep(500 * time.Millisecond) // the frame forgets the edit
	openEmbedded(t, ctx, page+"/keep")
	if got := evalString(t, ctx, echo+`.querySelector('textarea.code').value`); got != strings.TrimSuffix(keepProgram, "\n") {
		t.Errorf("after Reset and a reload the cell holds:\n%s\nwant the author's code", got)
	}
}

// testEmbedShare: Share in an embedded cell gives a link to the host page with the cell's
// code, arguments and input compressed in the fragment; a fresh browser profile opening it
// gets them in that cell, and a run there prints the same.
func testEmbedShare(t *testing.T, ctx context.Context, page, gw string) {
	echo := embCellID("echo")
	openEmbedded(t, ctx, page+"/keep")
	shared := strings.Replace(keepProgram, "args=%s", "shared args=%s", 1)
	setEmbeddedCode(t, ctx, "echo", shared, `one "two words"`)
	want := `shared args=one,two words stdin="alpha\nbeta\n"`
	if out := runEmbeddedCell(t, ctx, "echo", "alpha\nbeta\n"); !strings.Contains(out, want) {
		t.Fatalf("the program printed %q, want %q", out, want)
	}
	evalString(t, ctx, `(() => { `+echo+`.querySelector('button.share').click(); return ''; })()`)
	waitFor(t, ctx, "the link", echo+`.querySelector('input.share-url').value !== ''`)
	link := evalString(t, ctx, echo+`.querySelector('input.share-url').value`)
	if prefix := page + "/keep#share=1.echo."; !strings.HasPrefix(link, prefix) {
		t.Fatalf("the link %q does not start %q", link, prefix)
	}
	if strings.Contains(link, "alpha") || strings.Contains(link, "ReadAll") {
		t.Errorf("the link %q carries the program in plain text, not compressed", link)
	}
	t.Logf("a link of %d characters for %d bytes of code", len(link), len(shared))
	// Reset here, so that what the other profile shows can only have come from the link.
	evalString(t, ctx, `(() => { `+echo+`.querySelector('button.reset').click(); return ''; })()`)

	ctx2, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	openEmbedded(t, ctx2, link)
	waitFor(t, ctx2, "the shared code", echo+`.querySelector('textarea.code').value === `+strconv.Quote(shared))
	if got := evalString(t, ctx2, echo+`.querySelector('input.args').value`); got != `one "two words"` {
		t.Errorf("the shared arguments are %q", got)
	}
	if got := evalString(t, ctx2, echo+`.querySelector('.shared-stdin code').textContent`); got != "alpha\u21b5 beta\u21b5" {
		t.Errorf("the cell shows the shared input as %q", got)
	}
	if got := evalString(t, ctx2, `location.hash`); got != "" {
		t.Errorf("after reading the link the page's fragment is %q", got)
	}
	if got := evalString(t, ctx2, `String(`+echo+`.dataset.edited)`); got != "true" {
		t.Error("the shared code does not show as an edit")
	}
	if out := runEmbeddedCell(t, ctx2, "echo", ""); !strings.Contains(out, want) || !strings.Contains(out, "exit status 0") {
		t.Errorf("the shared program printed %q, want %q", out, want)
	}
	// The shared edit is kept in that profile: a reload shows it still.
	time.Sleep(time.Second)
	openEmbedded(t, ctx2, page+"/keep")
	waitFor(t, ctx2, "the kept shared code", echo+`.querySelector('textarea.code').value === `+strconv.Quote(shared))

	// The iframe form's Share links to the same /embed/cell address.
	u := gw + "/embed/cell?" + url.Values{"code": {keepProgram}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cell", cellJS+` && `+cellJS+`.dataset.state === 'idle'`)
	evalString(t, ctx, `(() => { const ta = `+cellJS+`.querySelector('textarea.code'); ta.value = `+strconv.Quote(shared)+`; ta.dispatchEvent(new Event('input', {bubbles: true})); `+cellJS+`.querySelector('button.share').click(); return ''; })()`)
	waitFor(t, ctx, "the link", cellJS+`.querySelector('input.share-url').value !== ''`)
	if link := evalString(t, ctx, cellJS+`.querySelector('input.share-url').value`); !strings.HasPrefix(link, u+"#share=1.embed.") {
		t.Errorf("the iframe form's link %q does not start %q", link, u+"#share=1.embed.")
	}
}

// testEmbedFaults: an embedded cell with faults="segment=1" shows it in its Faults field, and
// the first lesson's client run there gets its four bytes in four 1-byte segments; the iframe
// form takes faults= from its query.
func testEmbedFaults(t *testing.T, ctx context.Context, page, gw string) {
	segs := embCellID("segs")
	openEmbedded(t, ctx, page+"/keep")
	if got := evalString(t, ctx, segs+`.querySelector('input.faults').value + ' | ' + `+segs+`.querySelector('input.faults').closest('label').textContent.trim()`); got != "segment=1 | Faults" {
		t.Errorf("the cell's Faults field says %q, want segment=1 under the label Faults", got)
	}
	if out := runEmbeddedCell(t, ctx, "segs", ""); !offsetLine.MatchString(out) || !strings.Contains(out, "exit status 0") {
		t.Fatalf("lesson 1's client under segment=1:\n%s", out)
	}
	waitFor(t, ctx, "the bytes panel", segs+`.querySelectorAll('.bytes .head .what').length >= 4`)
	heads := evalString(t, ctx, `Array.from(`+segs+`.querySelectorAll('.bytes .head .what')).map(e => e.textContent).join('\n')`)
	if n := strings.Count(heads, "split into 1-byte segments by the lab"); n != 4 {
		t.Errorf("the bytes panel says %d times that the lab split the bytes, want 4:\n%s", n, heads)
	}

	u := gw + "/embed/cell?lesson=01-time&cell=1&faults=segment%3D1"
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cell", cellJS+` && `+cellJS+`.dataset.state === 'idle'`)
	if got := evalString(t, ctx, cellJS+`.querySelector('input.faults').value`); got != "segment=1" {
		t.Errorf("the iframe form's Faults field says %q, want segment=1", got)
	}
}
