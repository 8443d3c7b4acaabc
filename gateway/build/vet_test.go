package build

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// printfBug is a learner's program with a mistake go vet finds and the compiler does not.
const printfBug = `package main

import "fmt"

func main() {
	s := "lab"
	fmt.Printf("%d\n", s)
}
`

// TestVet checks that vet finds a printf mistake at its line and column in a program that
// compiled, answers from its cache the second time, finds nothing in a sound program, and
// refuses a program that was not compiled.
func TestVet(t *testing.T) {
	s := newService(t, nil)
	ctx := context.Background()
	// A source of its own, so that the go command's cache of vet's output does not answer
	// and the CPU time logged is what vet of a new program costs.
	printfBug := printfBug + fmt.Sprintf("\n// %d\n", time.Now().UnixNano())
	if _, err := s.Vet(ctx, []byte(printfBug)); !errors.Is(err, ErrNotCompiled) {
		t.Fatalf("vet before a build: %v, want ErrNotCompiled", err)
	}
	for _, src := range []string{printfBug, hello} {
		if r, err := s.Build(ctx, []byte(src)); err != nil || !r.OK {
			t.Fatalf("build: %v %+v", err, r)
		}
	}
	compiles := s.compiles.Load()
	r, err := s.Vet(ctx, []byte(printfBug))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vet of a printf mistake: %v CPU, %+v", r.CPU, r.Diagnostics)
	if len(r.Diagnostics) != 1 || r.Cached {
		t.Fatalf("findings %+v (cached %v), want one", r.Diagnostics, r.Cached)
	}
	d := r.Diagnostics[0]
	if d.Line != 7 || d.Col != 14 || !strings.Contains(d.Msg, "fmt.Printf format %d has arg s of wrong type string") {
		t.Errorf("finding %+v, want 7:14 (the verb) fmt.Printf format %%d has arg s of wrong type string", d)
	}
	if s.compiles.Load() != compiles {
		t.Errorf("vet counted as a compile")
	}
	again, err := s.Vet(ctx, []byte(printfBug))
	if err != nil || !again.Cached || len(again.Diagnostics) != 1 || again.Diagnostics[0] != d {
		t.Errorf("second vet: %+v %v, want the same finding from the cache", again, err)
	}
	if s.directVets.Load() == 0 {
		t.Errorf("vet of a program whose imports were built before did not run the vet tool alone")
	}
	// Without the link configuration go vet answers, with the same finding.
	s.forgetLinks()
	other := strings.Replace(printfBug, `"lab"`, `"other"`, 1)
	if r, err := s.Build(ctx, []byte(other)); err != nil || !r.OK {
		t.Fatalf("build: %v %+v", err, r)
	}
	s.forgetLinks()
	direct := s.directVets.Load()
	viaGo, err := s.Vet(ctx, []byte(other))
	if err != nil || len(viaGo.Diagnostics) != 1 || viaGo.Diagnostics[0] != d || s.directVets.Load() != direct {
		t.Errorf("go vet: %+v %v (direct vets %d, before %d), want the same finding as the vet tool alone", viaGo, err, s.directVets.Load(), direct)
	}
	t.Logf("go vet of the same mistake: %v CPU", viaGo.CPU)
	clean, err := s.Vet(ctx, []byte(hello))
	if err != nil || len(clean.Diagnostics) != 0 {
		t.Errorf("vet of a sound program: %+v %v, want no findings", clean, err)
	}
	t.Logf("vet of a sound program: %v CPU", clean.CPU)
}

// TestVetBudget checks that vet's CPU time is charged to the client's compile budget and
// that a client over its budget is refused.
func TestVetBudget(t *testing.T) {
	s := newService(t, nil)
	ctx := WithClient(context.Background(), "192.0.2.7:4000")
	if r, err := s.Build(context.Background(), []byte(printfBug)); err != nil || !r.OK {
		t.Fatalf("build: %v %+v", err, r)
	}
	r, err := s.Vet(ctx, []byte(printfBug))
	if err != nil {
		t.Fatal(err)
	}
	if r.CPU <= 0 {
		t.Fatalf("vet reported no CPU time")
	}
	s.budgets.charge(clientOf("192.0.2.7:4000"), 10*s.budgets.perMinute)
	src := strings.Replace(printfBug, `"lab"`, `"other"`, 1)
	if r, err := s.Build(context.Background(), []byte(src)); err != nil || !r.OK {
		t.Fatalf("build: %v %+v", err, r)
	}
	if _, err := s.Vet(ctx, []byte(src)); !errors.Is(err, ErrBudget) {
		t.Errorf("vet over budget: %v, want ErrBudget", err)
	}
}
