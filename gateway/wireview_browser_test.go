package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
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
	openLesson(t, ctx, &gateway.Options{}, "01-time")
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

// TestFTPNotesInBrowser runs the FTP lesson's first cell in the page: in the bytes panel every
// reply code and command note sits on the bytes it names, in whatever reads the program's
// replies came.
func TestFTPNotesInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openLesson(t, ctx, &gateway.Options{}, "15-ftp")
	// Keep the events the page posts for annotation.
	evalString(t, ctx, `(() => {
		const f = window.fetch;
		window.fetch = (url, init) => {
			if (String(url).includes('/api/annotate')) window.annotateBody = init.body;
			return f(url, init);
		};
		return 'ok';
	})()`)
	if out := runCell(t, ctx); !strings.Contains(out, "exit status 0") {
		t.Fatalf("the lesson's client failed:\n%s", out)
	}
	waitFor(t, ctx, "the run's annotations", cellJS+`.dataset.annotated === 'true'`)
	var run struct {
		Events []event.Event `json:"events"`
	}
	if err := json.Unmarshal([]byte(evalString(t, ctx, `window.annotateBody`)), &run); err != nil {
		t.Fatal(err)
	}
	var notes []struct {
		Event             int
		At, Label, Detail string
	}
	js := `JSON.stringify(Array.from(` + cellJS + `.querySelectorAll('.bytes .block[data-event]')).flatMap(b =>
		Array.from(b.querySelectorAll('.notes .ann')).map(a => ({Event: Number(b.dataset.event),
			At: a.querySelector('.at').textContent, Label: a.querySelector('.label').textContent,
			Detail: a.querySelector('.detail')?.textContent ?? ''}))))`
	if err := json.Unmarshal([]byte(evalString(t, ctx, js)), &notes); err != nil {
		t.Fatal(err)
	}
	codes, commands := 0, 0
	for _, n := range notes {
		from, to, _ := strings.Cut(n.At, "\u2013")
		a, err1 := strconv.Atoi(from)
		b, err2 := strconv.Atoi(to)
		if to == "" {
			b, err2 = a-1, nil
		}
		data := run.Events[n.Event].Data
		if err1 != nil || err2 != nil || a < 0 || b+1 < a || b >= len(data) {
			t.Errorf("block %d: note %q at %q, outside its %d bytes", n.Event, n.Label, n.At, len(data))
			continue
		}
		marked := string(data[a : b+1])
		switch n.Label {
		case "reply code":
			codes++
			if !strings.HasPrefix(n.Detail, marked) || len(marked) != 3 {
				t.Errorf("block %d: the reply code note %q marks %q", n.Event, n.Detail, marked)
			}
		case "command":
			commands++
			if !strings.HasPrefix(n.Detail, strings.ToUpper(marked)+":") {
				t.Errorf("block %d: the command note %q marks %q", n.Event, n.Detail, marked)
			}
		}
	}
	if codes < 6 || commands < 5 {
		t.Errorf("%d reply code and %d command notes in the bytes panel, want the whole session's:\n%+v", codes, commands, notes)
	}
}
