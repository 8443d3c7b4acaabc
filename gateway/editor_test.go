package gateway_test

import (
	"context"
	"encoding/json"
	"go/format"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"socketlab/gateway"
	"socketlab/internal/browser"
	"socketlab/lessons"
)

// edJS evaluates to the interface of the first cell's editor (static/editor.js).
const edJS = cellJS + `.querySelector('.cm-editor').socketlabEditor`

// TestEditorInBrowser drives a cell's editor (CodeMirror, static/editor.js) with the keyboard
// and the mouse: indentation as a program is typed, a compile error underlined at its column
// with its message on hover and in the list, Format, Ctrl+Enter, Escape then Tab, and the
// page at a phone's width.
func TestEditorInBrowser(t *testing.T) {
	ctx := browser.New(t)
	_, url := startGateway(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
		t.Fatal(err)
	}
	// Style violations from here on are collected: the page's CSP allows no inline styles.
	evalString(t, ctx, `(() => { window.__csp = []; document.addEventListener('securitypolicyviolation',
		(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''))); return ''; })()`)
	ev := func(js string) string { t.Helper(); return evalString(t, ctx, js) }
	keys := func(k string, opts ...chromedp.KeyOption) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.KeyEvent(k, opts...)); err != nil {
			t.Fatal(err)
		}
	}
	// typeText types text; each newline is an Enter key of its own, without the character
	// event that KeyEvent sends after it (which the editor, having handled the key, would see
	// as a second line break).
	typeText := func(text string) {
		t.Helper()
		for i, line := range strings.Split(text, "\n") {
			if i > 0 {
				if err := chromedp.Do(ctx, pressEnter); err != nil {
					t.Fatal(err)
				}
			}
			if line != "" {
				keys(line)
			}
		}
	}
	focus := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .cm-content"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the editor to have focus", cellJS+`.querySelector('.cm-editor').contains(document.activeElement)`)
	}

	// CodeMirror's own styles are in force (a constructed style sheet, which the CSP
	// allows), the textarea is hidden, and the editor shows the lesson's code.
	if got := ev(`getComputedStyle(` + cellJS + `.querySelector('.cm-editor')).display + ' ' + ` + cellJS + `.querySelector('textarea.code').hidden`); got != "flex true" {
		t.Errorf("editor display and textarea hidden: %q, want \"flex true\"", got)
	}
	if got := ev(edJS + `.getValue() === ` + cellJS + `.querySelector('textarea.code').defaultValue ? 'same' : 'different'`); got != "same" {
		t.Errorf("the editor's text and the lesson's code are %s", got)
	}
	if got := ev(cellJS + `.querySelector('.cm-content .tok-keyword').textContent`); got != "package" {
		t.Errorf("the first highlighted keyword is %q, want package", got)
	}

	t.Run("typing indents", func(t *testing.T) {
		setCode(t, ctx, "")
		focus()
		typeText("package main\n\nfunc main() {\nfor {\nbreak")
		want := "package main\n\nfunc main() {\n\tfor {\n\t\tbreak\n\t}\n}"
		if got := ev(edJS + `.getValue()`); got != want {
			t.Errorf("typed text is\n%q\nwant\n%q", got, want)
		}
		if got := ev(cellJS + `.querySelector('textarea.code').value`); got != want {
			t.Errorf("the textarea mirrors %q", got)
		}
		// Undo belongs to the cell: it takes back what was typed here.
		keys("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		if got := ev(edJS + `.getValue()`); got == want {
			t.Errorf("Ctrl+Z undid nothing")
		}
	})

	t.Run("compile error", func(t *testing.T) {
		src := "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(undefinedName)\n\tfmt.Println(\"two\")\n}\n"
		setCode(t, ctx, src)
		runCell(t, ctx)
		waitFor(t, ctx, "the error list", cellJS+`.querySelector('ul.diagnostics:not([hidden]) li') !== null`)
		if got := ev(cellJS + `.querySelector('.cm-error').textContent`); got != "undefinedName" {
			t.Errorf("underlined %q, want undefinedName (line 6, column 14)", got)
		}
		if got := ev(cellJS + `.querySelector('ul.diagnostics li').textContent`); got != "6:14 undefined: undefinedName" {
			t.Errorf("the list says %q", got)
		}
		// Hovering the underline shows the message.
		ev(cellJS + `.querySelector('.cm-error').scrollIntoView({block: 'center'}), ''`)
		rect, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y float64 }](`(() => { const r = `+cellJS+`.querySelector('.cm-error').getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, rect.X-5, rect.Y), chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, rect.X, rect.Y)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the message on hover", `(document.querySelector('.cm-tooltip .cm-error-tooltip') || {}).textContent === 'undefined: undefinedName'`)
		screenshot(t, ctx, "editor-error.png")
		// An edit of another line keeps the error; an edit of its line clears it.
		ev(`(() => { const v = ` + edJS + `.view; v.dispatch({changes: {from: v.state.doc.line(7).to, insert: " // two"}}); return ''; })()`)
		if got := ev(cellJS + `.querySelectorAll('.cm-error').length + ' ' + ` + cellJS + `.querySelector('ul.diagnostics').hidden`); got != "1 false" {
			t.Errorf("after an edit of line 7: underlines and list hidden %q, want \"1 false\"", got)
		}
		ev(`(() => { const v = ` + edJS + `.view; v.dispatch({changes: {from: v.state.doc.line(6).to, insert: " "}}); return ''; })()`)
		if got := ev(cellJS + `.querySelectorAll('.cm-error').length + ' ' + ` + cellJS + `.querySelector('ul.diagnostics').hidden`); got != "0 true" {
			t.Errorf("after an edit of line 6: underlines and list hidden %q, want \"0 true\"", got)
		}
	})

	t.Run("vet", func(t *testing.T) {
		// The compiler takes this program; go vet, run after the build while the program
		// runs, finds its mistake, which is shown as a compile error is.
		src := "package main\n\nimport \"fmt\"\n\nfunc main() {\n\ts := \"lab\"\n\tfmt.Printf(\"%d\\n\", s)\n}\n"
		setCode(t, ctx, src)
		runCell(t, ctx)
		waitFor(t, ctx, "vet's finding in the list", cellJS+`.querySelector('ul.diagnostics:not([hidden]) li') !== null`)
		want := "7:14 vet: fmt.Printf format %d has arg s of wrong type string"
		if got := ev(cellJS + `.querySelector('ul.diagnostics li').textContent`); got != want {
			t.Errorf("the list says %q, want %q", got, want)
		}
		// Underlined at line 7, column 14: the verb %d.
		got := ev(`(() => { const v = ` + edJS + `.view, e = ` + cellJS + `.querySelector('.cm-error');
			const pos = v.posAtDOM(e, 0), line = v.state.doc.lineAt(pos);
			return line.number + ':' + (pos - line.from + 1) + ' ' + e.textContent; })()`)
		if got != "7:14 %" {
			t.Errorf("underlined at %q, want 7:14 %% (the verb)", got)
		}
		if !strings.Contains(ev(cellJS+`.querySelector('.console').textContent`), "exit status 0") {
			t.Errorf("the program did not run to its end beside vet")
		}
		// An edit of its line clears it.
		ev(`(() => { const v = ` + edJS + `.view; v.dispatch({changes: {from: v.state.doc.line(7).to, insert: " "}}); return ''; })()`)
		if got := ev(cellJS + `.querySelectorAll('.cm-error').length + ' ' + ` + cellJS + `.querySelector('ul.diagnostics').hidden`); got != "0 true" {
			t.Errorf("after an edit of line 7: underlines and list hidden %q, want \"0 true\"", got)
		}
	})

	t.Run("format", func(t *testing.T) {
		bad := "package main\nimport \"fmt\"\nfunc main(){\nfmt.Println(\"hi\")\n  if true {\nx:=1\n_ = x\n}\n}\n"
		want, err := format.Source([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		setCode(t, ctx, bad)
		// The cursor after "Println": it stays after "Println" in the formatted code.
		at := strings.Index(bad, "Println") + len("Println")
		ev(`(() => { ` + edJS + `.view.dispatch({selection: {anchor: ` + strconv.Itoa(at) + `}}); return ''; })()`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell button.format"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the formatted code", edJS+`.getValue() === `+strconv.Quote(string(want)))
		if got := ev(`(() => { const v = ` + edJS + `.view, h = v.state.selection.main.head; return v.state.doc.sliceString(h - 7, h + 2); })()`); got != `Println("` {
			t.Errorf("after Format the cursor is before %q, want after Println", got)
		}
		// Shift+Alt+F does the same; code that does not parse is marked, not changed.
		broken := "package main\n\nfunc main() {\n\tx := (1 +\n}\n"
		setCode(t, ctx, broken)
		focus()
		keys("f", chromedp.KeyModifiers(chromedp.ModifierShift, chromedp.ModifierAlt))
		waitFor(t, ctx, "the parse error", cellJS+`.querySelector('ul.diagnostics:not([hidden]) li') !== null`)
		if got := ev(cellJS + `.querySelector('ul.diagnostics li .at').textContent`); got != "5:1" || ev(edJS+`.getValue()`) != broken {
			t.Errorf("Format of code that does not parse: error at %q, code %q", got, ev(edJS+`.getValue()`))
		}
	})

	t.Run("python", func(t *testing.T) {
		// No lesson holds Python yet: an editor made in the page loads the Python bundle,
		// which takes CodeMirror from the bundle the page has loaded already.
		js := `(async () => {
			const { createEditor, loadCodeMirror } = await import('/static/editor.js');
			loadCodeMirror();
			const ta = document.createElement('textarea');
			ta.className = 'py-test';
			ta.value = 'def main():';
			document.querySelector('main').prepend(ta);
			const ed = createEditor(ta, { lang: 'python' });
			await ed.ready;
			ed.view.dispatch({ selection: { anchor: ta.value.length } });
			ed.view.focus();
			for (let i = 0; i < 100 && !ed.view.dom.querySelector('.tok-keyword'); i++) await new Promise((r) => setTimeout(r, 50));
			return ed.view.dom.querySelector('.tok-keyword') ? ed.view.dom.querySelector('.tok-keyword').textContent : 'none';
		})()`
		kw, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil || kw != "def" {
			t.Fatalf("the Python editor highlights %q (%v), want def", kw, err)
		}
		if err := chromedp.Do(ctx, pressEnter); err != nil {
			t.Fatal(err)
		}
		keys("return 1")
		if got := ev(`document.querySelector('textarea.py-test').value`); got != "def main():\n    return 1" {
			t.Errorf("typed Python is %q, want four spaces of indentation", got)
		}
		ev(`document.querySelector('textarea.py-test').nextElementSibling.remove(), document.querySelector('textarea.py-test').remove(), ''`)
	})

	t.Run("Ctrl+Enter runs", func(t *testing.T) {
		orig := ev(cellJS + `.querySelector('textarea.code').defaultValue`)
		setCode(t, ctx, orig)
		ev(cellJS + `.querySelector('.console').textContent = '', ''`)
		focus()
		keys("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		waitFor(t, ctx, "the run to end", cellJS+`.querySelector('.console').textContent.includes('exit status 0')`)
		if got := ev(edJS + `.getValue()`); got != orig {
			t.Errorf("Ctrl+Enter changed the code to %q", got)
		}
	})

	t.Run("Escape then Tab leaves", func(t *testing.T) {
		focus()
		before := ev(edJS + `.getValue()`)
		keys(kb.Tab)
		if ev(edJS+`.getValue()`) == before || ev(cellJS+`.querySelector('.cm-editor').contains(document.activeElement) + ''`) != "true" {
			t.Errorf("Tab alone should indent and keep the focus in the editor")
		}
		keys(kb.Escape)
		keys(kb.Tab)
		after := ev(edJS + `.getValue()`)
		if ev(cellJS+`.querySelector('.cm-editor').contains(document.activeElement) + ''`) != "false" {
			t.Errorf("after Escape then Tab the focus is still in the editor")
		}
		if strings.Count(after, "\t") != strings.Count(before, "\t")+1 {
			t.Errorf("Escape then Tab inserted a tab")
		}
	})

	if got := ev(`window.__csp.join('\n')`); got != "" {
		t.Errorf("the page broke its Content Security Policy:\n%s", got)
	}

	// Read-only code keeps the server's highlighting, in the editor's colours.
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/15-ftp"), chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
		t.Fatal(err)
	}
	colours := ev(`['.hl-num', '.cell .tok-number', '.hl-str', '.cell .tok-string', '.hl-com', '.cell .tok-comment'].map((s) => {
		const e = document.querySelector(s); return e ? getComputedStyle(e).color : 'none: ' + s; }).join(' | ')`)
	if c := strings.Split(colours, " | "); len(c) != 6 || c[0] != c[1] || c[2] != c[3] || c[4] != c[5] || strings.Contains(colours, "none") {
		t.Errorf("read-only and editor colours (number, string, comment in pairs): %s", colours)
	}

	t.Run("390px", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(url+"/lessons/01-time"),
			chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
			t.Fatal(err)
		}
		got := ev(`(() => { const r = ` + cellJS + `.querySelector('.cm-editor').getBoundingClientRect();
			return [document.documentElement.scrollWidth, Math.round(r.left) >= 0 && Math.round(r.right) <= 390, r.height > 50].join(' '); })()`)
		if got != "390 true true" {
			t.Errorf("at 390 px: page width, editor inside, editor tall: %q", got)
		}
		focus()
		typeText("\n// typed on a phone")
		if !strings.Contains(ev(edJS+`.getValue()`), "// typed on a phone") {
			t.Errorf("typing at 390 px did not reach the editor")
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err == nil {
			dir := os.Getenv("SOCKETLAB_ARTIFACTS")
			if dir == "" {
				dir = t.TempDir()
			}
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "editor-390px.png"), png, 0o644)
		}
	})

	t.Run("edits survive a reload", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url+"/lessons/01-time"),
			chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
			t.Fatal(err)
		}
		focus()
		ev(`(() => { const v = ` + edJS + `.view; v.dispatch({selection: {anchor: v.state.doc.length}}); return ''; })()`)
		typeText("\n// kept across a reload")
		typed := ev(edJS + `.getValue()`)
		if !strings.HasSuffix(typed, "// kept across a reload") {
			t.Fatalf("typed text is %q", typed)
		}
		id := ev(cellJS + `.dataset.cell`)
		waitFor(t, ctx, "the edit to be kept", `localStorage.getItem(`+strconv.Quote("socketlab.edit."+id)+`) !== null`)
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
			t.Fatal(err)
		}
		if got := ev(edJS + `.getValue()`); got != typed {
			t.Errorf("after a reload the editor holds\n%q\nwant\n%q", got, typed)
		}
		if got := ev(cellJS + `.querySelector('.cm-content').textContent`); !strings.Contains(got, "// kept across a reload") {
			t.Errorf("after a reload the editor shows %q", got)
		}
		ev(`(() => { localStorage.clear(); return ''; })()`)
	})

}

// pressEnter presses and releases Enter.
var pressEnter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
	up := down
	up.Type = input.DispatchKeyEventTypeKeyUp
	for _, p := range []input.DispatchKeyEventParams{down, up} {
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
			return err
		}
	}
	return nil
})

// TestPythonCellEditor checks a lesson's Python cell: Python's highlighting, four spaces of
// indentation, bracket matching and closing, no Format, and a syntax error that a run printed
// (real Python 3.13 output, from static/test/python_errors.json) underlined and listed when
// the run ends, as the page's Python runtime will end it.
func TestPythonCellEditor(t *testing.T) {
	ctx := browser.New(t)
	ls, err := lessons.Load(fstest.MapFS{"py.md": {Data: []byte("---\ntitle: Python\norder: 1\n---\nA Python cell.\n\n```python run\nimport socket\n\nprint(socket.gethostname())\n```\n")}})
	if err != nil {
		t.Fatal(err)
	}
	_, url := serveGateway(t, &gateway.Options{Lessons: ls, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/lessons/py"), chromedp.WaitVisible(chromedp.CSS(".cell .cm-editor .cm-content"))); err != nil {
		t.Fatal(err)
	}
	ev := func(js string) string { t.Helper(); return evalString(t, ctx, js) }
	waitFor(t, ctx, "Python's highlighting", cellJS+`.querySelector('.cm-content .tok-keyword') !== null`)
	if got := ev(cellJS + `.querySelector('.cm-content .tok-keyword').textContent`); got != "import" {
		t.Errorf("the first highlighted keyword is %q, want import", got)
	}
	if got := ev(cellJS + `.dataset.lang + ' ' + ` + edJS + `.lang`); got != "python python" {
		t.Errorf("cell and editor language: %q", got)
	}

	// Typing: four spaces after a colon, brackets closed as they open, and matched.
	setCode(t, ctx, "def main():")
	ev(`(() => { const v = ` + edJS + `.view; v.dispatch({selection: {anchor: v.state.doc.length}}); v.focus(); return ''; })()`)
	if err := chromedp.Do(ctx, pressEnter, chromedp.KeyEvent("print(")); err != nil {
		t.Fatal(err)
	}
	if got := ev(edJS + `.getValue()`); got != "def main():\n    print()" {
		t.Errorf("typed Python is %q, want four spaces of indentation and the bracket closed", got)
	}
	if got := ev(cellJS + `.querySelectorAll('.cm-matchingBracket').length + ''`); got != "2" {
		t.Errorf("%s brackets marked as matching beside the cursor, want 2", got)
	}

	// No Format for Python: the button is there, disabled, and says why.
	if got := ev(`(() => { const b = ` + cellJS + `.querySelector('button.format'); return b.disabled + ' ' + b.title; })()`); !strings.HasPrefix(got, "true ") || !strings.Contains(got, "indentation") {
		t.Errorf("the Format button of a Python cell: %q, want disabled with a title saying why", got)
	}

	// A syntax error printed by a run: the console fed as the runtime feeds it, then the
	// run's end.
	b, err := os.ReadFile("../static/test/python_errors.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct{ Name, Source string }
		Runs  []struct{ Python, Case, Stderr string }
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	var src, stderr string
	for _, c := range fx.Cases {
		if c.Name == "through exec" {
			src = c.Source
		}
	}
	for _, r := range fx.Runs {
		if r.Case == "through exec" && strings.HasPrefix(r.Python, "3.13") {
			stderr = r.Stderr
		}
	}
	if src == "" || stderr == "" {
		t.Fatal("no Python 3.13 run of \"through exec\" in static/test/python_errors.json")
	}
	setCode(t, ctx, src)
	ev(`(() => { const c = ` + cellJS + `, pre = c.querySelector('pre.console');
		pre.textContent = ''; const s = document.createElement('span'); s.className = 'stderr'; s.textContent = ` + strconv.Quote(stderr) + `; pre.append(s);
		c.dispatchEvent(new CustomEvent('socketlab:run-ended', {detail: {state: 'exited'}})); return ''; })()`)
	waitFor(t, ctx, "the error list", cellJS+`.querySelector('ul.diagnostics:not([hidden]) li') !== null`)
	if got := ev(cellJS + `.querySelector('ul.diagnostics li').textContent`); got != "3:18 SyntaxError: '(' was never closed" {
		t.Errorf("the list says %q", got)
	}
	got := ev(`(() => { const v = ` + edJS + `.view, e = ` + cellJS + `.querySelector('.cm-error');
		const pos = v.posAtDOM(e, 0), line = v.state.doc.lineAt(pos);
		return line.number + ':' + (pos - line.from + 1) + ' ' + e.textContent; })()`)
	if got != "3:18 (" {
		t.Errorf("underlined %q, want 3:18 ( (the bracket never closed)", got)
	}
	// The same through the exported function, which returns what it marked.
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => { const m = await import('/static/editor.js');
		const d = await m.markPythonErrors(`+cellJS+`, `+strconv.Quote(stderr)+`); return d.line + ':' + d.col + '-' + d.endCol; })()`, chromedp.EvalAwaitPromise))
	if err != nil || marked != "3:18-19" {
		t.Errorf("markPythonErrors returned %q (%v), want 3:18-19", marked, err)
	}
	ev(`(() => { const v = ` + edJS + `.view; v.dispatch({changes: {from: v.state.doc.line(3).to, insert: ")"}}); return ''; })()`)
	if got := ev(cellJS + `.querySelectorAll('.cm-error').length + ' ' + ` + cellJS + `.querySelector('ul.diagnostics').hidden`); got != "0 true" {
		t.Errorf("after an edit of line 3: underlines and list hidden %q, want \"0 true\"", got)
	}
}
