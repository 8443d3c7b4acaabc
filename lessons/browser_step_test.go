package lessons_test

import (
	"encoding/base64"
	"fmt"
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
	if got := str(c + `.querySelector('.bytes').dataset.received`); got != "4" {
		t.Errorf("after the read, data-received = %s, want 4", got)
	}
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
