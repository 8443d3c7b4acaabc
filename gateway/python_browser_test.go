package gateway_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/internal/browser"
	"socketlab/lessons"
)

// Python cells in the page: Pyodide in a worker, the lab's socket module over the rings to a
// network worker, and the same gateway as Go cells (docs/python.md).

// openPython serves the Python test lessons (testdata/python-lessons) and opens their page.
func openPython(t *testing.T, ctx context.Context) (*gateway.Server, string) {
	t.Helper()
	ls, err := lessons.LoadDir("testdata/python-lessons")
	if err != nil {
		t.Fatal(err)
	}
	return openLesson(t, ctx, &gateway.Options{Lessons: ls, Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}, "python")
}

// runPython clicks Run on cell n and waits, up to limit, for the run to end; it returns the
// console's text.
func runPython(t *testing.T, ctx context.Context, n int, limit time.Duration) string {
	t.Helper()
	cell := cellN(n)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cell+`.querySelector('.run').click() || true`)); err != nil {
		t.Fatal(err)
	}
	done := cell + `.querySelector('.run').disabled === false && ['exited', 'error', 'stopped'].includes(` + cell + `.dataset.state)`
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](done, chromedp.WithPollingTimeout(0))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](cell+`.querySelector('.console').textContent`))
		t.Fatalf("waiting for the Python run to end: %v (console: %q)", err, text)
	}
	return evalString(t, ctx, cell+`.querySelector('.console').textContent`)
}

func TestPythonTimeClientInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openPython(t, ctx)
	if got := evalString(t, ctx, `String(self.crossOriginIsolated)`); got != "true" {
		t.Fatalf("the lesson page is not cross-origin isolated (crossOriginIsolated = %s)", got)
	}
	out := runPython(t, ctx, 0, 120*time.Second)
	if !strings.Contains(out, "server time is") || !offsetLine.MatchString(out) || !strings.Contains(out, "exit status 0") {
		t.Fatalf("the Python time client printed:\n%s", out)
	}
	out = runPython(t, ctx, 1, 60*time.Second)
	if !strings.Contains(out, "hello, echo\n") || !strings.Contains(out, "exit status 0") {
		t.Fatalf("the Python echo client printed:\n%s", out)
	}
}
