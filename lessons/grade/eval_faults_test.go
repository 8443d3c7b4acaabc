package grade

import (
	"strings"
	"testing"

	"socketlab/event"
	"socketlab/gateway/faults"
)

// TestFaultsCheck: an exercise under faults passes only a run that had them (or harsher), and
// a run without them is told what to put in the Faults field.
func TestFaultsCheck(t *testing.T) {
	sp, err := faults.Parse("loss=0.5,seed=8")
	if err != nil {
		t.Fatal(err)
	}
	c := FaultsCheck(sp)
	if c.Text != "under faults loss=0.5,seed=8" || c.Op != "faults" || !strings.Contains(c.Says, "loss=0.5,seed=8") {
		t.Fatalf("FaultsCheck = %+v", c)
	}
	run := func(evs ...event.Event) *Outcome { return &Outcome{Events: evs} }
	had := func(spec string) event.Event { return event.Event{Kind: event.Faults, Text: spec} }
	for _, tt := range []struct {
		o      *Outcome
		ok     bool
		detail string
	}{
		{run(had("loss=0.5,seed=8")), true, ""},
		{run(had("segment=1,loss=0.6,seed=8")), true, ""}, // harsher, and more
		{run(), false, "the run had no faults: put loss=0.5,seed=8 in the Faults field"},
		{run(had("loss=0.5,seed=9")), false, "the run had the faults loss=0.5,seed=9, not loss=0.5,seed=8"},
		{run(had("loss=0.3,seed=8")), false, "not loss=0.5,seed=8"},
	} {
		r := c.Eval(tt.o)
		if r.OK != tt.ok || !strings.Contains(r.Detail, tt.detail) {
			t.Errorf("%v: got %+v, want ok %v with %q", tt.o.Events, r, tt.ok, tt.detail)
		}
	}
	for _, bad := range []string{"under faults", `under faults "segment=1"`, "under faults loss=2", "under segment=1"} {
		if _, err := ParseCheck(bad); err == nil {
			t.Errorf("ParseCheck(%q) took it", bad)
		}
	}
}
