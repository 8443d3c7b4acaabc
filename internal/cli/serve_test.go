package cli

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"socketlab/gateway"
)

// TestWarmLogsOneLine compiles the first lesson's cells twice with the same cache: each time
// the log has one line for them all, saying how many were compiled and how many came from
// the cache, and none per cell.
func TestWarmLogsOneLine(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cache := t.TempDir()
	ready := regexp.MustCompile(`msg="lesson cells ready" cells=(\d+) compiled=(\d+) from_cache=(\d+) failed=0 took=\S+`)
	for i, want := range []struct{ compiled, cached bool }{{true, false}, {false, true}} {
		s, err := gateway.New(&gateway.Options{CacheDir: cache, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		s.Lessons = s.Lessons[:1]
		cells := len(s.Cells())
		logs.take()
		warmCells(context.Background(), s, io.Discard, log)
		s.Close()
		out := logs.take()
		var lines []string
		for l := range strings.Lines(out) {
			if strings.Contains(l, "cell") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		if len(lines) != 2 || !strings.Contains(lines[0], "compiling the lesson cells") {
			t.Fatalf("start %d: %d lines about cells for %d cells, want the start and the summary:\n%s", i+1, len(lines), cells, out)
		}
		m := ready.FindStringSubmatch(lines[1])
		if m == nil {
			t.Fatalf("start %d: the summary line is %q", i+1, lines[1])
		}
		compiled, cached := "0", "0"
		if want.compiled {
			compiled = m[1]
		}
		if want.cached {
			cached = m[1]
		}
		if m[1] != strconv.Itoa(cells) || m[2] != compiled || m[3] != cached {
			t.Errorf("start %d: %q; want %d cells, compiled %s, from the cache %s", i+1, lines[1], cells, compiled, cached)
		}
	}
}
