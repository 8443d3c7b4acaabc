package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/event"
	"socketlab/gateway"
	"socketlab/internal/browser"
)

// TestExportTimesInBrowser runs the first lesson in the page and saves the run as pcapng with
// the page's button: every packet carries the time of the run's event it comes from (the run's
// start, which the page knows, plus the event's t), within the run, not the time of the export.
// tshark reads the times.
func TestExportTimesInBrowser(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark is missing; .ci/run installs it (apt-get install tshark)")
		}
		t.Skip("no tshark: apt-get install tshark to check the capture")
	}
	ctx := browser.New(t)
	s, err := gateway.New(&gateway.Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/01-time"), chromedp.WaitVisible(chromedp.CSS(".cell .run"))); err != nil {
		t.Fatal(err)
	}
	// Keep what the page posts to the export endpoint and what it gets back.
	evalString(t, ctx, `(() => {
		const f = window.fetch;
		window.fetch = async (url, init) => {
			const resp = await f(url, init);
			if (String(url).includes('/api/export.pcapng')) {
				window.exportBody = init.body;
				const b = new Uint8Array(await resp.clone().arrayBuffer());
				let s = '';
				for (const x of b) s += String.fromCharCode(x);
				window.exportFile = btoa(s);
			}
			return resp;
		};
		return 'ok';
	})()`)

	before := time.Now()
	if out := runCell(t, ctx); !strings.Contains(out, "exit status 0") {
		t.Fatalf("the lesson's client failed:\n%s", out)
	}
	after := time.Now()
	waitFor(t, ctx, "the run's annotations", cellJS+`.dataset.annotated === 'true'`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".cell .wire-bar button.pcapng"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the capture", `typeof window.exportFile === 'string'`)

	var run struct {
		Events []event.Event `json:"events"`
		Start  float64       `json:"start"`
	}
	if err := json.Unmarshal([]byte(evalString(t, ctx, `window.exportBody`)), &run); err != nil {
		t.Fatal(err)
	}
	start := time.UnixMicro(int64(run.Start * 1000))
	if start.Before(before.Add(-time.Second)) || start.After(after) {
		t.Errorf("the page says the run started at %v; it ran from %v to %v", start, before, after)
	}
	capture, err := base64.StdEncoding.DecodeString(evalString(t, ctx, `window.exportFile`))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "run.pcapng")
	os.WriteFile(file, capture, 0o644)
	out, err := exec.Command(tshark, "-r", file, "-T", "fields", "-e", "frame.time_epoch", "-e", "tcp.len").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	// The times the run's events give, in seconds since 1970.
	var want []float64
	var recvAt float64
	for _, e := range run.Events {
		at := (run.Start + e.T) / 1000
		want = append(want, at)
		if e.Kind == event.Recv {
			recvAt = at
		}
	}
	frames, withData := 0, 0
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		f := strings.Fields(line)
		sec, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			t.Fatalf("tshark line %q: %v", line, err)
		}
		frames++
		at := time.UnixMicro(int64(math.Round(sec * 1e6)))
		if at.Before(before.Add(-time.Second)) || at.After(after) {
			t.Errorf("a packet at %v, outside the run (%v to %v)", at, before, after)
		}
		near := math.Inf(1)
		for _, w := range want {
			near = min(near, math.Abs(w-sec))
		}
		if near > 2e-6 {
			t.Errorf("a packet at %.6f is at no event's time (%s)", sec, fmt.Sprint(want))
		}
		if len(f) > 1 && f[1] == "4" {
			withData++
			if math.Abs(sec-recvAt) > 2e-6 {
				t.Errorf("the 4 bytes from time.lab are at %.6f, the recv event at %.6f", sec, recvAt)
			}
		}
	}
	if frames < 4 || withData != 1 {
		t.Errorf("tshark shows %d packets, %d with the 4 bytes:\n%s", frames, withData, out)
	}
}
