// Package browser starts headless Chromium for the browser tests.
//
// Tests call New; it finds Debian's chromium and starts it with a fresh profile. When no
// browser is installed the test is skipped with a message saying how to install one, except
// in CI (CI=true), where a missing browser fails the test: browser tests must never be skipped
// there.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the browser commands tried in order; $CHROMIUM overrides them.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium-family browser, or "".
func Find() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for t and returns a chromedp context for one tab; the
// browser stops when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not run with -short")
	}
	path := Find()
	if path == "" {
		const msg = "no Chromium found: install it with `apt-get install chromium` (or set $CHROMIUM)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; browser tests must run in CI")
		}
		t.Skip(msg)
	}
	start := time.Now()
	ctx, stop, err := Start(path, t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started %s in %s", path, time.Since(start).Round(time.Millisecond))
	t.Cleanup(stop)
	return ctx
}

// Start starts the headless browser at path with its profile in dir (which must be empty or
// hold an earlier profile) and returns a chromedp context for one tab and a function that
// stops the browser. Programs that are not tests (the benchmark) use it; logf receives
// chromedp's messages.
func Start(path, dir string, logf func(string, ...any)) (context.Context, func(), error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(logf))
	stop := func() {
		cancel()
		cancelAlloc()
	}
	// Start the browser now, on a context without a deadline (see chromedp.Run).
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("starting %s: %w", path, err)
	}
	return ctx, stop, nil
}
