package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/gateway/build"
	"socketlab/internal/browser"
)

// TestCompileQueueInBrowser: with one compiler busy with another learner's edits, a Run on
// the page shows its place in line, then runs the edited program.
func TestCompileQueueInBrowser(t *testing.T) {
	ctx := browser.New(t)
	s, url := openLesson(t, ctx, &gateway.Options{Compile: gateway.CompileLimits{Jobs: 1, Budget: -1}}, "01-time")
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('textarea.code').value`))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(src, `"server time is"`, `"queued, then the time is"`, 1)
	if edited == src {
		t.Fatal(`the cell has no "server time is" to edit`)
	}
	setCode(t, ctx, edited)

	// Another learner's three edits of a net/http program: one compiles, two wait.
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusTeapot, %d, %d) }\n", i, time.Now().UnixNano())
			if r, err := s.Build.Build(build.WithLearner(context.Background(), "other"), []byte(src)); err != nil || !r.OK {
				t.Errorf("the other learner's edit %d: %v %+v", i, err, r)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for value(scrape(t, url), "socketlab_compiles_waiting", "") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the other learner's edits never queued")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	status := cellJS + `.querySelector('.status').textContent`
	shown, err := chromedp.Run(wctx, chromedp.Poll[string](`(() => { const s = `+status+`; return s.startsWith('waiting for a compiler') ? s : null; })()`, chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("the page never showed its place in line: %v", err)
	}
	if !strings.Contains(shown, "ahead") && !strings.Contains(shown, "next in line") {
		t.Errorf("the place in line reads %q", shown)
	}
	t.Logf("the page showed %q", shown)
	done := cellJS + `.querySelector('.run').disabled === false && ` + cellJS + `.querySelector('.console').textContent.includes('exit status')`
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](done, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the queued run to end: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](cellJS+`.querySelector('.console').textContent`))
	if err != nil || !strings.Contains(out, "queued, then the time is") || !strings.Contains(out, "exit status 0") {
		t.Errorf("the queued run printed (%v):\n%s", err, out)
	}
}
