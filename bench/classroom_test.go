package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"socketlab/internal/runner"
)

// TestClassroomUnits runs two of the classroom's units as one learner, against a gateway on
// loopback: a cell alone and a server cell with its clients. Every run must pass its lesson
// and give latencies, and no program may be left counted as running.
func TestClassroomUnits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs lesson programs; skipped with -short")
	}
	all, err := classUnits()
	if err != nil {
		t.Fatal(err)
	}
	var units []*classUnit
	for _, want := range []func(u *classUnit) bool{
		func(u *classUnit) bool { return u.server == nil && strings.HasPrefix(u.name, "01-time") },
		func(u *classUnit) bool { return u.server != nil && len(u.clients) > 0 },
	} {
		for _, u := range all {
			if want(u) {
				units = append(units, u)
				break
			}
		}
	}
	if len(units) != 2 {
		t.Fatalf("found %d of the 2 kinds of unit among %d", len(units), len(all))
	}
	if err := compileUnits(units, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	ws, shutdown, err := runner.ServeLocal(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown()
	stats := &classStats{ops: map[string][]float64{}, slowest: map[string]float64{}}
	runs := 0
	for _, u := range units {
		runUnit(u, ws, "classroom-test", t.TempDir(), stats)
		runs += len(u.clients)
		if u.server != nil {
			runs++
		}
	}
	stats.mu.Lock()
	defer stats.mu.Unlock()
	if stats.failed > 0 {
		t.Errorf("%d runs failed: %q", stats.failed, stats.failures)
	}
	if stats.units != 2 || stats.runs != runs || len(stats.ops["connect"]) == 0 {
		t.Errorf("%d units, %d runs, %d connects; want 2, %d and some", stats.units, stats.runs, len(stats.ops["connect"]), runs)
	}
	for deadline := time.Now().Add(10 * time.Second); stats.running > 0 && time.Now().Before(deadline); {
		stats.mu.Unlock()
		time.Sleep(10 * time.Millisecond) // the count drops when the harness has read a program's end
		stats.mu.Lock()
	}
	if stats.running != 0 || stats.peak < 2 {
		t.Errorf("%d programs still counted as running, %d at most; want 0 and at least 2 (a server and its client)", stats.running, stats.peak)
	}
}
