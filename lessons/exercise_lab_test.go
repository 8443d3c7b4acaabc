package lessons_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"socketlab/internal/runner"
	"socketlab/lessons"
	"socketlab/lessons/grade"
)

// Every exercise has two programs in testdata/exercises/SLUG/: NAME.go, a correct solution,
// and NAME.wrong.go, a typical mistake. The wrong one says which checks it fails and what
// each failure must say, one line each:
//
//	// fails: received exactly 4 bytes from time.lab:37 => received 5 bytes
//
// (the check as the lesson writes it, then text its detail must contain).
const exercisesDir = "testdata/exercises"

// wantFails reads the "// fails:" lines of a wrong solution.
func wantFails(src string) (map[string]string, error) {
	want := map[string]string{}
	for _, line := range strings.Split(src, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "// fails:")
		if !ok {
			continue
		}
		check, detail, ok := strings.Cut(rest, "=>")
		if !ok {
			return nil, fmt.Errorf("%q: write // fails: CHECK => WHAT THE DETAIL SAYS", line)
		}
		want[strings.TrimSpace(check)] = strings.TrimSpace(detail)
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no // fails: lines: say which checks the wrong solution fails")
	}
	return want, nil
}

// runExercise runs p in place of the exercise's cell, with the exercise's arguments and
// input, together with the lesson's server or clients when the cell has them, and returns
// what p did. A server is stopped once it has finished with its clients, or, when the
// exercise checks its exit status, once it exits (or settleTimeout passes).
func (e *labEnv) runExercise(l *lessons.Lesson, ex *lessons.Exercise, p program, tag string) (grade.Outcome, error) {
	cell := l.Cell(ex.Cell)
	path, err := e.build(p)
	if err != nil {
		return grade.Outcome{}, err
	}
	learner := learnerID("ex", ex.ID, tag)
	isServer := false
	for _, id := range l.Servers() {
		isServer = isServer || id == cell.ID
	}
	switch {
	case isServer:
		srv, err := e.start(p.where, path, ex.Args, ex.Stdin, ex.Faults, learner)
		if err != nil {
			return grade.Outcome{}, err
		}
		if err := srv.ready(); err != nil {
			return srv.stop(), nil // the checks say what went wrong
		}
		for i := range l.Cells {
			c := &l.Cells[i]
			if c.With != cell.ID {
				continue
			}
			cp := cellProgram(l, c)
			cpath, err := e.build(cp)
			if err != nil {
				srv.stop()
				return grade.Outcome{}, err
			}
			r := runsOf(c)[0]
			pr, err := e.start(cp.where, cpath, r.Args, r.Stdin, r.Faults, learner)
			if err != nil {
				srv.stop()
				return grade.Outcome{}, err
			}
			if _, err := pr.finish(); err != nil {
				srv.stop()
				return grade.Outcome{}, err
			}
		}
		for _, c := range ex.Checks {
			if c.Op == "exit" {
				// The exercise expects the server to end by itself: give it the time.
				srv.WaitFor(settleTimeout, func(o *runner.Outcome) bool { return o.Exit != nil })
				return srv.stop(), nil
			}
		}
		return srv.settle(nil), nil
	case cell.With != "":
		s := l.Cell(cell.With)
		sp := cellProgram(l, s)
		spath, err := e.build(sp)
		if err != nil {
			return grade.Outcome{}, err
		}
		r := runsOf(s)[0]
		srv, err := e.start(sp.where, spath, r.Args, r.Stdin, r.Faults, learner)
		if err != nil {
			return grade.Outcome{}, err
		}
		defer srv.stop()
		if err := srv.ready(); err != nil {
			return grade.Outcome{}, err
		}
	}
	pr, err := e.start(p.where, path, ex.Args, ex.Stdin, ex.Faults, learner)
	if err != nil {
		return grade.Outcome{}, err
	}
	return pr.finish()
}

// TestExercises checks every exercise's checks against a correct solution, which must pass
// them all, and a typical wrong one, which must fail exactly the checks it names, each with
// the detail it names.
func TestExercises(t *testing.T) {
	e := startLab(t)
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, l := range ls {
		if len(l.Exercises) == 0 {
			t.Errorf("%s.md has no exercise: every lesson ends with at least one", l.Slug)
		}
		for i := range l.Exercises {
			ex := &l.Exercises[i]
			base := filepath.Join(exercisesDir, l.Slug, ex.Name)
			known[base+".go"], known[base+".wrong.go"] = true, true
			t.Run(ex.ID, func(t *testing.T) {
				t.Parallel()
				good, err := os.ReadFile(base + ".go")
				if err != nil {
					t.Fatalf("%s.md:%d: exercise %s has no correct solution: %v", l.Slug, ex.Line, ex.Name, err)
				}
				wrong, err := os.ReadFile(base + ".wrong.go")
				if err != nil {
					t.Fatalf("%s.md:%d: exercise %s has no typical wrong solution: %v", l.Slug, ex.Line, ex.Name, err)
				}
				want, err := wantFails(string(wrong))
				if err != nil {
					t.Fatalf("%s.wrong.go: %v", base, err)
				}
				for check := range want {
					found := false
					for _, c := range ex.Checks {
						found = found || c.Text == check
					}
					if !found {
						t.Errorf("%s.wrong.go names the check %q, which exercise %s does not have", base, check, ex.Name)
					}
				}

				o, err := e.runExercise(l, ex, program{where: base + ".go", source: string(good)}, "good")
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range grade.Evaluate(ex.Checks, &o) {
					if !r.OK {
						t.Errorf("%s.go fails %q: %s\nits output:\n%s", base, ex.Checks[i].Text, r.Detail, runner.Indent(o.Output))
					}
				}

				o, err = e.runExercise(l, ex, program{where: base + ".wrong.go", source: string(wrong)}, "wrong")
				if err != nil {
					t.Fatal(err)
				}
				var failed []string
				for i, r := range grade.Evaluate(ex.Checks, &o) {
					c := ex.Checks[i].Text
					detail, named := want[c]
					switch {
					case r.OK && named:
						t.Errorf("%s.wrong.go passes %q, but says it fails it", base, c)
					case !r.OK && !named:
						t.Errorf("%s.wrong.go also fails %q: %s", base, c, r.Detail)
					case !r.OK && !strings.Contains(r.Detail, detail):
						t.Errorf("%s.wrong.go fails %q saying %q, want it to say %q", base, c, r.Detail, detail)
					}
					if !r.OK {
						failed = append(failed, c)
					}
				}
				if t.Failed() {
					t.Logf("the wrong solution's output:\n%s", runner.Indent(o.Output))
				}
				sort.Strings(failed)
				t.Logf("the wrong solution fails: %q", failed)
			})
		}
	}
	// Every file under testdata/exercises belongs to an exercise.
	filepath.WalkDir(exercisesDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !known[path] {
			t.Errorf("%s belongs to no exercise (exercise names are the id: of the block)", path)
		}
		return nil
	})
}
