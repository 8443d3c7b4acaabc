package cli

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/internal/browser"
	"socketlab/lessons"
)

var firstBuildLine = regexp.MustCompile(`compiling Go's standard library for WebAssembly, once: (\d+) of (\d+) packages`)

// rising reads "N of M packages" in each text, up to the first of another M (a later build,
// for another lesson's cell), and says whether N grew at least once and never went back or
// past M; it returns the Ns.
func rising(texts []string) (ns []int, ok bool) {
	total := -1
	ok = true
	for _, s := range texts {
		m := firstBuildLine.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		tot, _ := strconv.Atoi(m[2])
		if total >= 0 && tot != total {
			break
		}
		if n > tot || len(ns) > 0 && n < ns[len(ns)-1] {
			ok = false
		}
		total = tot
		ns = append(ns, n)
	}
	return ns, ok && len(ns) >= 2 && ns[len(ns)-1] > ns[0]
}

// TestFirstStartProgress: on a fresh machine, a gateway whose Go build cache is empty (a cache
// of its own, in a temporary directory removed after) compiles the standard library for
// WebAssembly first. A Run pressed in the first lesson as soon as the URL is printed shows in
// its status line "compiling Go's standard library for WebAssembly, once: N of M packages"
// with N rising, the terminal prints the same, and the Run then answers with the lab's time.
func TestFirstStartProgress(t *testing.T) {
	ctx := browser.New(t)
	home := cacheDir(t)
	t.Setenv("XDG_CACHE_HOME", home) // the build service's caches, under XDG_CACHE_HOME/socketlab
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}

	out := &syncBuffer{}
	sctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- serve(sctx, "127.0.0.1:0", &gateway.Options{Logger: slog.New(slog.DiscardHandler)}, out)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	url := regexp.MustCompile(`socketlab is running: open (http://\S+)/`)
	var base string
	for deadline := time.Now().Add(time.Minute); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := url.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no URL printed in a minute:\n%s", out.String())
		}
	}

	cell := `document.querySelector('section.cell')`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/lessons/"+ls[0].Slug)); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](cell+` && `+cell+`.dataset.state === 'idle'`, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the first lesson's cell: %v", err)
	}
	// The status line is read on every change, in the page.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const c = `+cell+`; window.__seen = []; window.__ran = null;
		new MutationObserver(() => { const s = c.querySelector('.status').textContent; if (window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s); })
			.observe(c.querySelector('.status'), {childList: true, characterData: true, subtree: true});
		c.addEventListener('socketlab:run-finished', (e) => { window.__ran = {state: e.detail.state, exit: e.detail.exit, output: e.detail.output}; }, {once: true});
		c.querySelector('.run').click(); })()`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("Run pressed in %s's first cell", ls[0].Slug)
	// A cold standard library build takes a minute or more on two cores, longer on a busy machine.
	rctx, rcancel := context.WithTimeout(ctx, 8*time.Minute)
	defer rcancel()
	// A build that fails ends the run before the program starts, with no run-finished event.
	ended := `window.__ran !== null || ['error', 'compile-error'].includes(` + cell + `.dataset.state)`
	if _, err := chromedp.Run(rctx, chromedp.Poll[bool](ended, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cell+`.querySelector('.status').textContent + ' | ' + `+cell+`.querySelector('.console').textContent`))
		t.Fatalf("the first lesson's Run did not answer: %v\nthe cell says: %s\nterminal:\n%s", err, status, out.String())
	}
	type ran struct {
		State  string `json:"state"`
		Exit   *int   `json:"exit"`
		Output string `json:"output"`
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[*ran](`window.__ran`))
	if err != nil {
		t.Fatal(err)
	}
	if r == nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cell+`.querySelector('.status').textContent + ' | ' + `+cell+`.querySelector('.console').textContent`))
		t.Fatalf("the first lesson's Run failed before the program started: %s\nterminal:\n%s", status, out.String())
	}
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__seen`))
	if err != nil {
		t.Fatal(err)
	}
	if r.State != "exited" || r.Exit == nil || *r.Exit != 0 || !strings.Contains(r.Output, "local clock is") {
		t.Errorf("the first lesson's Run ended %s (exit %v), printing:\n%s", r.State, r.Exit, r.Output)
	}
	page, ok := rising(seen)
	t.Logf("the page showed N = %v", page)
	if !ok {
		t.Errorf("the cell's status line did not show N of M packages rising; it said, in turn:\n%s", strings.Join(seen, "\n"))
	}
	terminal := out.String()
	var lines []string
	for l := range strings.Lines(terminal) {
		lines = append(lines, strings.TrimSpace(l))
	}
	term, ok := rising(lines)
	t.Logf("the terminal showed N = %v", term)
	if !ok {
		t.Errorf("the terminal did not show N of M packages rising:\n%s", terminal)
	}
}
