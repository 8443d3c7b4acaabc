package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"socketlab/gateway"
	"socketlab/internal/browser"
)

// Programs that show the lab's faults in the page, each edited into lesson 1's first cell.

// slowFaultClient echoes 400 bytes through echo.lab and prints, in tenths of a second, how
// long the connect and the whole exchange took.
const slowFaultClient = `package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

func main() {
	start := time.Now()
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	connected := time.Since(start)
	fmt.Fprint(conn, strings.Repeat("x", 400))
	conn.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(conn)
	fmt.Println(len(b), err, connected.Milliseconds()/100, time.Since(start).Milliseconds()/100)
}
`

// resetFaultClient sends 11 bytes to echo.lab and reads the echo until the connection ends.
const resetFaultClient = `package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

func main() {
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	fmt.Fprint(conn, "hello, lab\n")
	b, err := io.ReadAll(conn)
	fmt.Printf("%q %v\n", b, err)
	fmt.Println("reset:", errors.Is(err, syscall.ECONNRESET))
}
`

// timeoutFaultClient dials echo.lab with a timeout of two seconds.
const timeoutFaultClient = `package main

import (
	"fmt"
	"net"
	"time"
)

func main() {
	start := time.Now()
	_, err := net.DialTimeout("tcp", "echo.lab:7", 2*time.Second)
	fmt.Println(err)
	ne, ok := err.(net.Error)
	fmt.Println("timeout:", ok && ne.Timeout(), "waited two seconds:", time.Since(start) >= 2*time.Second)
}
`

// udpFaultClient sends the datagrams 0 to 5 to echo.lab at once, then prints the answers in
// the order they came, until none comes for a second.
const udpFaultClient = `package main

import (
	"fmt"
	"net"
	"strings"
	"time"
)

func main() {
	c, err := net.Dial("udp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	for i := 0; i < 6; i++ {
		fmt.Fprintf(c, "%d", i)
	}
	var got []string
	buf := make([]byte, 64)
	for {
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:n]))
	}
	fmt.Println("got", strings.Join(got, " "))
}
`

// TestFaultsInBrowser runs programs under each of the lab's faults in Chromium, set in the
// cell's Faults field, and checks what the program printed and what the wire view drew.
func TestFaultsInBrowser(t *testing.T) {
	ctx := browser.New(t)
	openLesson(t, ctx, &gateway.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}, "01-time")
	setFaults := func(t *testing.T, spec string) {
		t.Helper()
		evalString(t, ctx, `(() => { `+cellJS+`.querySelector('input.faults').value = `+strconv.Quote(spec)+`; return ''; })()`)
	}
	lesson := evalString(t, ctx, cellJS+`.querySelector('textarea.code').defaultValue`)

	t.Run("segment=1", func(t *testing.T) {
		// Lesson 1's client: io.ReadFull still gets the four bytes, which came as four 1-byte
		// segments, and the wire view says the lab split them.
		setCode(t, ctx, lesson)
		setFaults(t, "segment=1")
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
	})

	t.Run("loss=1", func(t *testing.T) {
		// A UDP client's one datagram is drawn as dropped by the lab.
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
		setFaults(t, "loss=1")
		if out := runCell(t, ctx); !strings.Contains(out, "answer: false") {
			t.Fatalf("a UDP client under loss=1:\n%s", out)
		}
		waitFor(t, ctx, "the diagram to show the drop", cellJS+`.querySelector('.diagram .seq .item.drop') !== null`)
		diagram := evalString(t, ctx, diagramJS)
		if findRow(diagram, diagramRow{"drop", "your program", "echo.lab:7", "4 bytes dropped by the lab"}) == "" {
			t.Errorf("the diagram has no datagram to echo.lab:7 dropped by the lab:\n%s", diagram)
		}
		screenshot(t, ctx, "faults-loss.png")
	})

	t.Run("delay=300ms", func(t *testing.T) {
		// The connect waits a delay each way, the echo two more: the program measures it,
		// and the diagram's times spread over the delays.
		setCode(t, ctx, slowFaultClient)
		setFaults(t, "delay=300ms")
		out := runCell(t, ctx)
		var conn, total int
		if _, err := fmt.Sscanf(out, "400 <nil> %d %d", &conn, &total); err != nil || conn < 6 || total < 12 {
			t.Fatalf("under delay=300ms the program printed %q; want 400 bytes, a connect of 0.6s or more and 1.2s in all", out)
		}
		waitFor(t, ctx, "the diagram to show both FINs", finsJS)
		if first, last := diagramTimes(t, ctx); last-first < 600 {
			t.Errorf("the diagram's times run from %.0f ms to %.0f ms; under delay=300ms the connect alone spans 600 ms", first, last)
		}
		screenshot(t, ctx, "faults-delay.png")
	})

	t.Run("rate=1000", func(t *testing.T) {
		// 400 bytes at 1000 bytes a second take 0.4s or more, in the program and in the diagram.
		setCode(t, ctx, slowFaultClient)
		setFaults(t, "rate=1000")
		out := runCell(t, ctx)
		var conn, total int
		if _, err := fmt.Sscanf(out, "400 <nil> %d %d", &conn, &total); err != nil || total < 4 {
			t.Fatalf("under rate=1000 the program printed %q; want 400 bytes taking 0.4s or more", out)
		}
		waitFor(t, ctx, "the diagram to show both FINs", finsJS)
		if first, last := diagramTimes(t, ctx); last-first < 400 {
			t.Errorf("the diagram's times run from %.0f ms to %.0f ms; 400 bytes at 1000 bytes a second take 400 ms", first, last)
		}
	})

	t.Run("reset-after=15", func(t *testing.T) {
		// 11 bytes go out, so the lab resets the connection after 4 bytes of the echo.
		setCode(t, ctx, resetFaultClient)
		setFaults(t, "reset-after=15")
		out := runCell(t, ctx)
		if !strings.HasPrefix(out, `"hell" `) || !strings.Contains(out, "connection reset by peer") || !strings.Contains(out, "reset: true") {
			t.Fatalf("under reset-after=15 the program printed:\n%s\nwant the first 4 bytes of the echo, then connection reset by peer", out)
		}
		waitFor(t, ctx, "the diagram to show the reset", cellJS+`.querySelector('.diagram .seq .item.rst') !== null`)
		diagram := evalString(t, ctx, diagramJS)
		if findRow(diagram, diagramRow{"rst", "echo.lab:7", "your program", "RST: connection reset by peer: the lab reset it after 15 bytes"}) == "" {
			t.Errorf("the diagram has no reset from echo.lab:7 that says the lab did it:\n%s", diagram)
		}
		screenshot(t, ctx, "faults-reset.png")
	})

	t.Run("blackhole", func(t *testing.T) {
		// The dial is never answered: the program's two-second timeout ends it.
		setCode(t, ctx, timeoutFaultClient)
		setFaults(t, "blackhole")
		if out := runCell(t, ctx); !strings.Contains(out, "timeout: true waited two seconds: true") {
			t.Fatalf("under blackhole the program printed:\n%s\nwant a dial timeout after its two seconds", out)
		}
		waitFor(t, ctx, "the diagram to show the connect", cellJS+`.querySelector('.diagram .seq .item.ctl') !== null`)
		diagram := evalString(t, ctx, diagramJS)
		if findRow(diagram, diagramRow{"ctl", "your program", "echo.lab:7", "connect"}) == "" || findRow(diagram, diagramRow{"ctl", "echo.lab:7", "your program", "connected"}) != "" {
			t.Errorf("under blackhole the diagram should show a connect and no answer:\n%s", diagram)
		}
	})

	// udp runs udpFaultClient under spec and returns the answers it printed and the payloads
	// of the datagrams the diagram draws from echo.lab:7, in order.
	udp := func(t *testing.T, spec string) (printed, drawn []string) {
		t.Helper()
		setCode(t, ctx, udpFaultClient)
		setFaults(t, spec)
		out := runCell(t, ctx)
		line, _, ok := strings.Cut(out, "\n")
		if !ok || !strings.HasPrefix(line, "got") {
			t.Fatalf("under %s the program printed:\n%s", spec, out)
		}
		printed = strings.Fields(strings.TrimPrefix(line, "got"))
		// The diagram draws the last events on the next frame.
		waitFor(t, ctx, "the diagram to show every answer", `Array.from(`+cellJS+`.querySelectorAll('.diagram .seq .item.recv')).length >= `+strconv.Itoa(len(printed)))
		for _, row := range strings.Split(evalString(t, ctx, diagramJS), "\n") {
			f := strings.Split(row, " | ")
			if len(f) == 4 && slices.Contains(strings.Fields(f[0]), "recv") && f[1] == "echo.lab:7" {
				_, payload, _ := strings.Cut(f[3], ": ")
				drawn = append(drawn, strings.Trim(payload, `"`))
			}
		}
		return printed, drawn
	}

	t.Run("dup=1", func(t *testing.T) {
		// Every datagram is doubled on the way out and again on the way back.
		printed, drawn := udp(t, "dup=1")
		for i := range 6 {
			n := 0
			for _, p := range printed {
				if p == strconv.Itoa(i) {
					n++
				}
			}
			if n < 2 {
				t.Errorf("under dup=1 the answer %d came fewer than twice: %v", i, printed)
			}
		}
		if !slices.Equal(printed, drawn) {
			t.Errorf("the program read %v, the diagram draws %v", printed, drawn)
		}
		screenshot(t, ctx, "faults-dup.png")
	})

	t.Run("reorder=0.5,seed=6", func(t *testing.T) {
		// With this seed the lab holds some datagrams back behind later ones.
		printed, drawn := udp(t, "reorder=0.5,seed=6")
		sorted := slices.Clone(printed)
		slices.Sort(sorted)
		if !slices.Equal(sorted, []string{"0", "1", "2", "3", "4", "5"}) || slices.Equal(sorted, printed) {
			t.Errorf("under reorder=0.5,seed=6 the program read %v; want all six answers, out of order", printed)
		}
		if !slices.Equal(printed, drawn) {
			t.Errorf("the program read %v, the diagram draws %v in another order", printed, drawn)
		}
		screenshot(t, ctx, "faults-reorder.png")
	})

	t.Run("seed=4", func(t *testing.T) {
		// The same seed, the same run: the same datagrams lost, the same drawn.
		const spec = "loss=0.5,seed=4"
		runs := [2]struct{ printed, out, in []string }{}
		for i := range runs {
			runs[i].printed, _ = udp(t, spec)
			waitFor(t, ctx, "the diagram to show the drops", cellJS+`.querySelector('.diagram .seq .item.drop') !== null`)
			// Each direction's rows in order; how the two interleave is the real network's timing.
			for _, row := range strings.Split(evalString(t, ctx, diagramJS), "\n") {
				if f := strings.Split(row, " | "); len(f) == 4 && f[1] == "your program" {
					runs[i].out = append(runs[i].out, row)
				} else if len(f) == 4 && f[2] == "your program" {
					runs[i].in = append(runs[i].in, row)
				}
			}
		}
		if len(runs[0].printed) == 0 || len(runs[0].printed) == 6 {
			t.Errorf("under %s the program read %v: the faults dropped nothing or everything", spec, runs[0].printed)
		}
		if !slices.Equal(runs[0].printed, runs[1].printed) {
			t.Errorf("two runs under %s read %v and %v", spec, runs[0].printed, runs[1].printed)
		}
		if !slices.Equal(runs[0].out, runs[1].out) || !slices.Equal(runs[0].in, runs[1].in) {
			t.Errorf("two runs under %s drew different rows:\n%s\n%s\nand\n%s\n%s", spec,
				strings.Join(runs[0].out, "\n"), strings.Join(runs[0].in, "\n"), strings.Join(runs[1].out, "\n"), strings.Join(runs[1].in, "\n"))
		}
		screenshot(t, ctx, "faults-seed.png")
	})
}

// finsJS holds when the first cell's diagram shows a FIN each way.
const finsJS = cellJS + `.querySelectorAll('.diagram .seq .item.fin').length >= 2`

// diagramTimes returns the times, in milliseconds since the run started, of the first cell's
// first and last timed diagram rows.
func diagramTimes(t *testing.T, ctx context.Context) (first, last float64) {
	t.Helper()
	s := evalString(t, ctx, `Array.from(`+cellJS+`.querySelectorAll('.diagram .seq .item .time')).map(e => e.textContent).join('\n')`)
	var times []float64
	for _, text := range strings.Split(s, "\n") {
		v, unit, _ := strings.Cut(text, " ")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		if unit == "s" {
			f *= 1000
		}
		times = append(times, f)
	}
	if len(times) < 2 {
		t.Fatalf("the diagram has %d timed rows: %q", len(times), s)
	}
	return slices.Min(times), slices.Max(times)
}
