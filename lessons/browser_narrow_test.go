package lessons_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

// busyPeers talks to nine lab servers, one connection each, and to one of them 500 times.
const busyPeers = `package main

import (
	"fmt"
	"io"
	"net"
)

func main() {
	for _, addr := range []string{"daytime.lab:13", "time.lab:37", "echo.lab:7", "discard.lab:9", "web.lab:80",
		"count.lab:51423", "chat.lab:5000", "ftp.lab:21", "gopher.lab:70"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Println(addr, err)
			continue
		}
		switch addr {
		case "daytime.lab:13", "time.lab:37":
			b, _ := io.ReadAll(c)
			fmt.Println(addr, len(b) > 0)
		case "echo.lab:7":
			// 250 lines, each read back before the next: 500 events on this peer alone.
			ok := true
			b := make([]byte, 3)
			for i := 0; i < 250 && ok; i++ {
				c.Write([]byte("hi\n"))
				_, err := io.ReadFull(c, b)
				ok = err == nil
			}
			fmt.Println(addr, ok)
		default:
			fmt.Println(addr, "connected")
		}
		c.Close()
	}
}
`

// overflowJS lists the elements of the page that reach past the viewport's sides, but not
// those inside a box that scrolls or clips (the box itself is checked), and the page's own
// scroll width.
const overflowJS = `(() => {
	const vw = document.documentElement.clientWidth;
	const out = [];
	if (document.documentElement.scrollWidth > vw) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
	const clipped = (e) => {
		for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			if (getComputedStyle(a).overflowX !== 'visible') return true;
		}
		return false;
	};
	for (const e of document.body.querySelectorAll('*')) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || clipped(e)) continue;
		if (r.left < -0.5 || r.right > vw + 0.5) {
			out.push(e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
				' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
		}
	}
	return out.join('\n');
})()`

// narrowScreen opens lessons at 390 px wide: nothing reaches past the screen's sides, lesson
// 1's diagram shows both lanes without scrolling, and a run with nine peers and over 500
// events draws every event it had.
func narrowScreen(t *testing.T, p *page, base string, first *lessons.Lesson) {
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Do(p.ctx, chromedp.EmulateViewport(1280, 1000))
	str := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return s
	}

	p.open(base + "/lessons/" + first.Slug)
	cell := &first.Cells[0]
	c := cellSel(cell.ID)
	p.start(cell, cell.Runs[0])
	got := p.finished(cell.ID, 2*time.Minute)
	checkPageRun(t, "lesson 1 at 390 px", cell.Runs[0], got, false)
	p.wait("the diagram", c+`.querySelectorAll('.diagram .seq .item[data-event]').length === `+strconv.Itoa(len(got.Events)), 10*time.Second)
	if bad := str(overflowJS); bad != "" {
		t.Errorf("at 390 px, lesson 1 after a run reaches past the screen:\n%s", bad)
	}
	fit := str(`(() => {
		const box = ` + c + `.querySelector('.diagram');
		const b = box.getBoundingClientRect();
		const lanes = Array.from(box.querySelectorAll('.lanes .lane rect')).map((r) => r.getBoundingClientRect());
		const out = lanes.filter((r) => r.left < b.left || r.right > b.right).map((r) => Math.round(r.left) + '..' + Math.round(r.right));
		if (box.scrollWidth > box.clientWidth) out.push('the diagram scrolls: ' + box.scrollWidth + ' > ' + box.clientWidth);
		return lanes.length + ' lanes in ' + Math.round(b.left) + '..' + Math.round(b.right) + (out.length ? ': ' + out.join(', ') : '');
	})()`)
	if !strings.HasPrefix(fit, "2 lanes") || strings.Contains(fit, ":") {
		t.Errorf("at 390 px, lesson 1's diagram does not show both lanes whole: %s", fit)
	}
	p.screenshot(c+`.querySelector('.diagram')`, "narrow-lesson1.png")

	// A busy run: nine peers, every event drawn.
	p.eval(`(() => { const ta = ` + c + `.querySelector('textarea.code'); ta.value = ` + strconv.Quote(busyPeers) +
		`; ta.dispatchEvent(new Event('input', {bubbles: true})); })()`)
	p.start(cell, lessons.Run{})
	got = p.finished(cell.ID, 3*time.Minute)
	if got.Exit == nil || *got.Exit != 0 || strings.Count(got.Output, "\n") != 9 {
		t.Fatalf("the nine-peer program (%s):\n%s", got.State, got.Output)
	}
	n := strconv.Itoa(len(got.Events))
	drawn := c + `.querySelectorAll('.diagram .seq .item[data-event]').length`
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](drawn+` === `+n, chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("the run had %s events; the diagram drew %s and says %q", n, str(`String(`+drawn+`)`), str(c+`.querySelector('.wire .more').textContent`))
	}
	if more := str(c + `.querySelector('.wire .more').hidden ? '' : ` + c + `.querySelector('.wire .more').textContent`); more != "" {
		t.Errorf("the diagram of %s events says %q", n, more)
	}
	lanes := str(`Array.from(` + c + `.querySelectorAll('.diagram .lanes .lane .name')).map((e) => e.textContent).join(', ')`)
	if strings.Count(lanes, ",") != 9 {
		t.Errorf("the nine-peer run has lanes %s, want the program and nine peers", lanes)
	}
	if bad := str(overflowJS); bad != "" {
		t.Errorf("at 390 px, the nine-peer run reaches past the screen:\n%s", bad)
	}
	p.screenshot(c+`.querySelector('.diagram')`, "narrow-busy.png")

	// The other pages as they open: the index, a lesson with exercises, the longest lesson.
	for _, path := range []string{"/", "/lessons/05-line-helper", "/lessons/15-ftp"} {
		if err := chromedp.Do(p.ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		p.wait(path+" to load", `document.readyState === 'complete'`, 30*time.Second)
		if bad := str(overflowJS); bad != "" {
			t.Errorf("at 390 px, %s reaches past the screen:\n%s", path, bad)
		}
	}
}
