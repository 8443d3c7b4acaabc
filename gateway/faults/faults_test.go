package faults

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
		str  string
	}{
		{"", Spec{}, ""},
		{"  ", Spec{}, ""},
		{"segment=1", Spec{Segment: 1}, "segment=1"},
		{"delay=200ms, segment=3", Spec{Segment: 3, Delay: 200 * time.Millisecond}, "segment=3,delay=200ms"},
		{"rate=1000", Spec{Rate: 1000}, "rate=1000"},
		{"rate=1", Spec{Rate: MinRate}, "rate=10"},
		{"reset-after=0", Spec{Reset: true}, "reset-after=0"},
		{"reset-after=100", Spec{Reset: true, ResetAfter: 100}, "reset-after=100"},
		{"loss=0.5,dup=0.1,reorder=1", Spec{Loss: 0.5, Dup: 0.1, Reorder: 1}, "loss=0.5,dup=0.1,reorder=1"},
		{"blackhole", Spec{Blackhole: true}, "blackhole"},
		{"seed=7", Spec{Seed: 7, Seeded: true}, "seed=7"},
		{"seed=0", Spec{Seeded: true}, "seed=0"},
		{"segment=999999999", Spec{Segment: MaxSegment}, "segment=65536"},
		{"delay=1h", Spec{Delay: MaxDelay}, "delay=10s"},
		{"reset-after=99999999999", Spec{Reset: true, ResetAfter: MaxResetAfter}, "reset-after=1073741824"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got.String() != tt.str {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
		back, err := Parse(got.String())
		if err != nil || back != got {
			t.Errorf("Parse(%q) does not read its own String %q back: %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"loss=1.5", "loss=1.5: a probability between 0 and 1, such as loss=0.3"},
		{"dup=-0.1", "dup=-0.1: a probability between 0 and 1, such as dup=0.3"},
		{"reorder=NaN", "reorder=NaN: a probability between 0 and 1"},
		{"loss=half", "loss=half: a probability between 0 and 1"},
		{"segment=0", "segment=0: a whole number of at least 1, such as segment=1"},
		{"segment=-3", "segment=-3: a whole number of at least 1"},
		{"segment=1.5", "segment=1.5: a whole number"},
		{"rate=0", "rate=0: a whole number of at least 1, such as rate=1000"},
		{"reset-after=-1", "reset-after=-1: a whole number of at least 0"},
		{"delay=200", "delay=200: a duration with its unit, such as delay=200ms"},
		{"delay=-1s", "delay=-1s: a duration with its unit"},
		{"seed=x", "seed=x: a whole number from 0"},
		{"segment", "segment needs a value, such as segment=1"},
		{"loss=", "loss needs a value, such as loss=0.3"},
		{"blackhole=yes", "blackhole takes no value"},
		{"jitter=5ms", `"jitter" is not a fault; the faults are segment=N`},
		{"segment=1,,loss=0.1", "has an empty term: separate faults with single commas"},
		{"segment=1,segment=2", "segment is given twice"},
		{strings.Repeat("segment=1,", 30), "at most 256"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = no error, want %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestAdd(t *testing.T) {
	base, _ := Parse("segment=10,delay=100ms,rate=5000,reset-after=500,loss=0.2,seed=1")
	more, _ := Parse("segment=1,delay=50ms,rate=0000100,reset-after=1000,loss=0.1,dup=0.5,blackhole,seed=9")
	got := Add(base, more)
	want := "segment=1,delay=100ms,rate=100,reset-after=500,loss=0.2,dup=0.5,blackhole,seed=9"
	if got.String() != want {
		t.Errorf("Add = %q, want %q", got, want)
	}
	if got := Add(base, Spec{}); got != base {
		t.Errorf("adding nothing changed the spec: %q, want %q", got, base)
	}
	if got := Add(Spec{}, more); got != more {
		t.Errorf("adding to a clean network: %q, want %q", got, more)
	}
	// A run cannot take the gateway's faults away: zero values add nothing.
	less, _ := Parse("loss=0,seed=2")
	if got := Add(base, less); got.Loss != 0.2 || got.Seed != 2 {
		t.Errorf("loss=0 lowered the gateway's loss: %q", got)
	}
}

func TestClean(t *testing.T) {
	for in, clean := range map[string]bool{"": true, "seed=3": true, "loss=0": true, "segment=1": false, "blackhole": false, "reset-after=0": false} {
		sp, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Clean() != clean {
			t.Errorf("Parse(%q).Clean() = %v, want %v", in, sp.Clean(), clean)
		}
	}
	sp, _ := Parse("segment=2")
	if !sp.Streams() || sp.Datagrams() {
		t.Errorf("segment: Streams %v Datagrams %v, want true false", sp.Streams(), sp.Datagrams())
	}
	sp, _ = Parse("loss=0.5")
	if sp.Streams() || !sp.Datagrams() {
		t.Errorf("loss: Streams %v Datagrams %v, want false true", sp.Streams(), sp.Datagrams())
	}
}

func TestRandReproducible(t *testing.T) {
	sp := Spec{}.WithSeed(42)
	draw := func(key uint32, d Dir) []float64 {
		r := sp.Rand(key, d)
		var f []float64
		for range 20 {
			f = append(f, r.Float64())
		}
		return f
	}
	a, b := draw(1, ToProgram), draw(1, ToProgram)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("the same seed, socket and direction drew %v then %v", a, b)
		}
	}
	c, d := draw(1, FromProgram), draw(3, ToProgram)
	if a[0] == c[0] && a[1] == c[1] || a[0] == d[0] && a[1] == d[1] {
		t.Errorf("different directions or sockets drew the same numbers: %v %v %v", a[:2], c[:2], d[:2])
	}
	if other := (Spec{}).WithSeed(43).Rand(1, ToProgram).Float64(); other == a[0] {
		t.Errorf("seeds 42 and 43 drew the same first number %v", other)
	}
	if got := sp.WithSeed(7).Seed; got != 42 {
		t.Errorf("WithSeed replaced a given seed: %d", got)
	}
}
