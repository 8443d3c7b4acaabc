package lessons_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

// stepThroughRead steps through lesson 1's client in the page: it pauses before the 4-byte
// read with nothing received yet, the diagram's pending arrow comes from time.lab:37, and
// after Step the page says what the read returned, the same 4 bytes the run's recv event
// holds.
func stepThroughRead(t *testing.T, p *page, base string, l *lessons.Lesson) {
	p.open(base + "/lessons/" + l.Slug)
	id := l.Cells[0].ID
	c := cellSel(id)
	str := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return s
	}
	status := func() string { return str(c + `.querySelector('.status').textContent`) }
	paused := c + `.dataset.state === 'paused'`
	p.eval(c + `.querySelector('button.step').click()`)
	p.waitCell(id, "the first pause", `.dataset.state === 'paused'`, 3*time.Minute)
	var seen []string
	for !strings.HasPrefix(status(), "about to read") {
		seen = append(seen, status())
		if len(seen) == 10 || str(`String(`+paused+`)`) != "true" {
			t.Fatalf("no pause before the read; the pauses were:\n\t%s", strings.Join(seen, "\n\t"))
		}
		p.eval(c + `.querySelector('button.step').click()`)
		p.wait("the next pause", paused+` || `+c+`.dataset.state === 'exited'`, time.Minute)
	}
	if want := []string{"about to look up time.lab", "about to connect to time.lab:37"}; strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("the pauses before the read were %q, want %q", seen, want)
	}
	if got, want := status(), "about to read from time.lab:37 (up to 4 bytes)"; got != want {
		t.Errorf("paused before the read, the page says %q, want %q", got, want)
	}
	if got := str(c + `.querySelector('.bytes').dataset.received`); got != "0" {
		t.Errorf("paused before the read, %s bytes were already read", got)
	}
	p.wait("the pending read in the diagram", c+`.querySelector('.diagram .item.pending')?.dataset.from === 'time.lab:37'`, 10*time.Second)

	p.eval(c + `.querySelector('button.step').click()`)
	p.wait("what the read returned", c+`.querySelector('.wire .stepped').textContent.startsWith('the read returned')`, time.Minute)
	said := str(c + `.querySelector('.wire .stepped').textContent`)
	p.wait("the pause after the read", paused+` || `+c+`.dataset.state === 'exited'`, time.Minute)
	// The bytes view counts the recv event when it draws, on the next frame or so.
	p.wait("the bytes view to count the 4 bytes read", c+`.querySelector('.bytes').dataset.received === '4'`, 10*time.Second)
	p.screenshot(c, "step-read.png")
	if str(`String(`+paused+`)`) == "true" {
		p.eval(c + `.querySelector('button.continue').click()`)
	}
	got := p.finished(id, time.Minute)
	if got.Exit == nil || *got.Exit != 0 {
		t.Fatalf("the stepped program did not exit cleanly (%s):\n%s", got.State, got.Output)
	}
	var data []byte
	for _, e := range got.Events {
		if e.Kind == "recv" {
			data = e.Data
		}
	}
	if len(data) != 4 {
		t.Fatalf("the run has no 4-byte recv event: %v", got.Events)
	}
	if want := fmt.Sprintf("the read returned 4 bytes from time.lab:37: % x", data); said != want {
		t.Errorf("after the read the page says %q, want %q (the recv event's bytes, %s)", said, want, base64.StdEncoding.EncodeToString(data))
	}
}

// lessonNamed finds a lesson by its slug.
func lessonNamed(t *testing.T, ls []*lessons.Lesson, slug string) *lessons.Lesson {
	t.Helper()
	for _, l := range ls {
		if l.Slug == slug {
			return l
		}
	}
	t.Fatalf("no lesson %s", slug)
	return nil
}

// stepThroughDatagram steps the UDP time client in a worker, Step at every pause: it
// pauses before it waits for the reply, and then says what the datagram was.
func stepThroughDatagram(t *testing.T, p *page, base string, l *lessons.Lesson) {
	p.open(base + "/lessons/" + l.Slug)
	js := `(async () => {
		const b = await (await fetch('/api/build', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source: ` + strconv.Quote(l.Cells[0].Source) + `})})).json();
		if (!b.ok) return 'build failed: ' + JSON.stringify(b);
		const w = new Worker(document.body.dataset.worker || '/static/worker.js', {type: 'module'});
		const log = [];
		await new Promise((resolve) => {
			w.onmessage = (e) => {
				const m = e.data;
				if (m.type === 'pause') { log.push('pause: ' + m.about.text); w.postMessage({type: 'step'}); }
				if (m.type === 'stepped') log.push('stepped: ' + m.about.text + ' (' + m.about.n + ' bytes, ' + atob(m.about.data || '').length + ' kept)');
				if (m.type === 'exit') { log.push('exit ' + m.code); resolve(); }
				if (m.type === 'error') { log.push('error ' + m.message); resolve(); }
			};
			w.postMessage({type: 'run', wasm: b.wasm, args: [], gateway: 'ws://' + location.host + '/ws?learner=stepudp1', step: true});
		});
		w.terminate();
		return log.join('\n');
	})()`
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Minute)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	want := "pause: about to send a datagram of 0 bytes to time.lab:37\n" +
		"pause: about to wait for a datagram\n" +
		"stepped: received a 4-byte datagram from time.lab:37 (4 bytes, 4 kept)\n"
	if !strings.Contains(out, want) || !strings.HasSuffix(out, "exit 0") {
		t.Errorf("stepping the UDP time client:\n%s\nwant it to hold:\n%s", out, want)
	}
}
