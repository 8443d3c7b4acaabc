package main

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"
)

// The storm's programs are valid Go, all different, and half of them use net/http.
func TestStormPrograms(t *testing.T) {
	seen := map[string]bool{}
	httpN := 0
	for r := range 3 {
		for n := range 60 {
			src := stormProgram("mark", n, r)
			if seen[src] {
				t.Fatalf("learner %d, round %d: the same program as another", n, r)
			}
			seen[src] = true
			f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, 0)
			if err != nil {
				t.Fatalf("learner %d, round %d: %v\n%s", n, r, err, src)
			}
			for _, imp := range f.Imports {
				if imp.Path.Value == `"net/http"` {
					httpN++
				}
			}
		}
	}
	if httpN != 90 {
		t.Errorf("%d of 180 programs use net/http; want half", httpN)
	}
	if stormProgram("a", 1, 0) == stormProgram("b", 1, 0) {
		t.Error("the run's mark does not change the program")
	}
}

// The targets are judged from the figures: throughput against go build, the slowest
// learner against the round's median, the precompiled cell against 300 ms.
func TestStormTargets(t *testing.T) {
	at := time.Now()
	round := func(waits ...float64) stormRound {
		var r stormRound
		for i, w := range waits {
			sub := at.Add(time.Duration(i) * time.Second)
			d := time.Duration(w * float64(time.Second))
			r.runs = append(r.runs, stormRun{learner: i, submit: sub, built: sub.Add(d - 100*time.Millisecond), first: sub.Add(d)})
		}
		return r
	}
	res := &stormResult{cfg: stormConfig{learners: 3, rounds: 1, within: 5 * time.Second, jobs: 2},
		gateway: []stormRound{round(2, 2, 4)}, plain: []stormRound{round(1, 1, 1)}, cell: []float64{50, 120}}
	var b strings.Builder
	printStorm(&b, res)
	out := b.String()
	for _, want := range []string{
		"| gateway throughput ≥ 0.9× plain go build | 0.49× (median of rounds; worst 0.49×) | NOT met |",
		"| no learner's wait above 1.5× the round's median | worst 2.00× | NOT met |",
		"| precompiled cell during the storm ≤ 300 ms | max 120 ms | met |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}
