package gateway_test

import (
	"log/slog"
	"strings"
	"testing"

	"socketlab/gateway"
	"socketlab/internal/browser"
)

// TestFaultsInBrowser runs lesson 1's client in Chromium with segment=1 in the cell's Faults
// field: io.ReadFull still gets the four bytes, which came as four 1-byte segments, and the
// wire view says the lab split them. Then a UDP client under loss=1: its datagram is drawn as
// dropped by the lab.
func TestFaultsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openLesson(t, ctx, &gateway.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}, "01-time")
	setFaults := func(spec string) {
		t.Helper()
		evalString(t, ctx, `(() => { `+cellJS+`.querySelector('input.faults').value = '`+spec+`'; return ''; })()`)
	}

	setFaults("segment=1")
	if got := evalString(t, ctx, cellJS+`.querySelector('input.faults').closest('label').textContent.trim()`); got != "Faults" {
		t.Errorf("the Faults field's label is %q", got)
	}
	if out := runCell(t, ctx); !offsetLine.MatchString(out) || !strings.Contains(out, "exit status 0") {
		t.Fatalf("lesson 1's client under segment=1:\n%s", out)
	}
	waitFor(t, ctx, "the diagram to show the close", cellJS+`.querySelector('.diagram .seq .item.close') !== null`)
	diagram := evalString(t, ctx, diagramJS)
	if n := strings.Count(diagram, "recv | time.lab:37 | your program | 1 byte"); n != 4 {
		t.Errorf("the diagram shows %d arrows of 1 byte from time.lab:37, want 4:\n%s", n, diagram)
	}
	heads := evalString(t, ctx, `Array.from(`+cellJS+`.querySelectorAll('.bytes .head .what')).map(e => e.textContent).join('\n')`)
	if n := strings.Count(heads, "split into 1-byte segments by the lab"); n != 4 {
		t.Errorf("the bytes panel says %d times that the lab split the bytes, want 4:\n%s", n, heads)
	}
	screenshot(t, ctx, "faults-segment.png")

	setCode(t, ctx, `package main

import (
	"fmt"
	"net"
	"time"
)

func main() {
	c, err := net.Dial("udp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	c.Write([]byte("ping"))
	c.SetReadDeadline(time.Now().Add(time.Second))
	_, err = c.Read(make([]byte, 16))
	fmt.Println("answer:", err == nil)
}
`)
	setFaults("loss=1")
	if out := runCell(t, ctx); !strings.Contains(out, "answer: false") {
		t.Fatalf("a UDP client under loss=1:\n%s", out)
	}
	waitFor(t, ctx, "the diagram to show the drop", cellJS+`.querySelector('.diagram .seq .item.drop') !== null`)
	diagram = evalString(t, ctx, diagramJS)
	if findRow(diagram, diagramRow{"drop", "your program", "echo.lab:7", "4 bytes dropped by the lab"}) == "" {
		t.Errorf("the diagram has no datagram to echo.lab:7 dropped by the lab:\n%s", diagram)
	}
	screenshot(t, ctx, "faults-loss.png")
}
