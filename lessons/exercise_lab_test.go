package lessons_test

import (
	"os"
	"path/filepath"
	"testing"

	"socketlab/internal/check"
	"socketlab/lessons"
)

// Every exercise has two programs in testdata/exercises/SLUG/: NAME.go, a correct solution,
// and NAME.wrong.go, a typical mistake (NAME.py and NAME.wrong.py for the Python track's). The wrong one says which checks it fails and what
// each failure must say, one line each:
//
//	// fails: received exactly 4 bytes from time.lab:37 => received 5 bytes
//
// (the check as the lesson writes it, then text its detail must contain).
const exercisesDir = "testdata/exercises"

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
	for _, l := range lessons.WithPython(ls) {
		if len(l.Exercises) == 0 {
			t.Errorf("%s.md (%s) has no exercise: every lesson ends with at least one", l.Slug, l.Key())
		}
		for i := range l.Exercises {
			ex := &l.Exercises[i]
			good, wrong := check.SolutionFiles(l, ex, exercisesDir)
			known[good], known[wrong] = true, true
			t.Run(ex.ID, func(t *testing.T) {
				t.Parallel()
				r := e.Solutions(l, ex, exercisesDir, true)
				for _, err := range r.Errs {
					t.Error(err)
				}
				t.Logf("the wrong solution fails: %q", r.Failed)
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
