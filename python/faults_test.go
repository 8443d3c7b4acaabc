package python_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"socketlab/event"
	"socketlab/internal/cli"
)

// TestFaults runs a Python program with `socketlab run --faults segment=1`: the faults reach
// the gateway (the four bytes of the time arrive one at a time), and the program's events
// tell them once, on stream 0, as labnet's do, which the exercises' "under faults" check reads.
func TestFaults(t *testing.T) {
	python3(t)
	l := startLab(t)
	prog := filepath.Join(t.TempDir(), "onerecv.py")
	src := "import socket\ns = socket.create_connection(('time.lab', 37))\nprint(len(s.recv(4)))\n"
	if err := os.WriteFile(prog, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	evFile := filepath.Join(t.TempDir(), "events.jsonl")
	var out, errb strings.Builder
	st := cli.Main([]string{"run", "--gateway", l.ws, "--faults", "segment=1", "--events", evFile, prog}, os.Getenv, strings.NewReader(""), &out, &errb)
	if st != 0 || out.String() != "1\n" {
		t.Fatalf("status %d, printed %q (want 1: one byte per piece)\n%s", st, out.String(), errb.String())
	}
	var faults []event.Event
	for _, e := range readEvents(t, evFile) {
		if e.Kind == event.Faults {
			faults = append(faults, e)
		}
	}
	if len(faults) != 1 || faults[0].Stream != 0 || !strings.HasPrefix(faults[0].Text, "segment=1") {
		t.Errorf("the faults events are %+v, want one on stream 0 saying segment=1", faults)
	}
}
