package lessons_test

import (
	"os"
	"path/filepath"
	"testing"

	"socketlab/internal/check"
	"socketlab/lessons"
)

// exercisesZhDir holds the solutions of the Chinese lessons' exercises where the Chinese
// cell prints other text than the English one (and the checks look for it); an exercise with
// no file here is judged with the English solutions in testdata/exercises. As there, a Go
// lesson's are SLUG/NAME.go and NAME.wrong.go, a Python lesson's SLUG/NAME.py and
// NAME.wrong.py.
const exercisesZhDir = "testdata/exercises-zh"

// notYetInChinese are the lessons with no Chinese translation yet: the Chinese site shows
// them in English, with a note. Take a lesson off the list when its translation lands.
var notYetInChinese = []string{}

// notYetInChinesePython are the lessons of the Python track with no Chinese translation yet
// (content/python/zh/SLUG.md): /zh/python/SLUG shows them in English, with a note. Take a
// lesson off the list when its translation lands.
var notYetInChinesePython = []string{}

// chinese returns the built-in lessons that have a Chinese translation, as translations: the
// Go track's, then the Python track's (keyed py-SLUG).
func chinese(t *testing.T) []*lessons.Lesson {
	t.Helper()
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	var out []*lessons.Lesson
	for _, l := range lessons.WithPython(ls) {
		if zh := l.In(lessons.Chinese); zh != nil {
			out = append(out, zh)
		}
	}
	return out
}

// TestChineseCoverage: every English lesson, of the Go track and of the Python track, has a
// Chinese one or is listed as not yet translated, and a listed one is not translated after
// all; a Chinese lesson has its original's cells, with the same ids, and its exercises.
func TestChineseCoverage(t *testing.T) {
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("go", func(t *testing.T) { coveredInChinese(t, ls, "content/zh/", "notYetInChinese", notYetInChinese) })
	py := lessons.PythonTrack(ls)
	if len(py) == 0 {
		t.Fatal("the built-in lessons have no Python track")
	}
	t.Run("python", func(t *testing.T) {
		coveredInChinese(t, py, "content/python/zh/", "notYetInChinesePython", notYetInChinesePython)
	})
}

// coveredInChinese checks the lessons ls of one track against their Chinese folder and the
// list (named list) of those not yet translated.
func coveredInChinese(t *testing.T, ls []*lessons.Lesson, folder, list string, notYet []string) {
	listed := map[string]bool{}
	for _, s := range notYet {
		listed[s] = true
	}
	known := map[string]bool{}
	for _, l := range ls {
		known[l.Slug] = true
		zh := l.In(lessons.Chinese)
		switch {
		case zh == nil && !listed[l.Slug]:
			t.Errorf("%s has no Chinese translation (%s%s.md) and is not in %s", l.File(), folder, l.Slug, list)
		case zh != nil && listed[l.Slug]:
			t.Errorf("%s%s.md exists: take %s off %s", folder, l.Slug, l.Slug, list)
		}
		if zh == nil {
			continue
		}
		// The same cells with the same ids, the same exercises on the same cells (Load
		// refuses a translation that differs; this says so for the built-in lessons).
		if len(zh.Cells) != len(l.Cells) || len(zh.Exercises) != len(l.Exercises) {
			t.Errorf("%s: %d cells and %d exercises, the English lesson %d and %d", zh.File(), len(zh.Cells), len(zh.Exercises), len(l.Cells), len(l.Exercises))
			continue
		}
		for i := range l.Cells {
			if zh.Cells[i].ID != l.Cells[i].ID || zh.Cells[i].With != l.Cells[i].With || zh.Cells[i].Lang != l.Cells[i].Lang {
				t.Errorf("%s:%d: cell %s (%s, with %q), the English lesson's is %s (%s, with %q)", zh.File(), zh.Cells[i].Line, zh.Cells[i].ID, zh.Cells[i].Lang, zh.Cells[i].With, l.Cells[i].ID, l.Cells[i].Lang, l.Cells[i].With)
			}
		}
		for i := range l.Exercises {
			if zh.Exercises[i].ID != l.Exercises[i].ID || len(zh.Exercises[i].Checks) != len(l.Exercises[i].Checks) {
				t.Errorf("%s:%d: exercise %s with %d checks, the English lesson's is %s with %d", zh.File(), zh.Exercises[i].Line, zh.Exercises[i].ID, len(zh.Exercises[i].Checks), l.Exercises[i].ID, len(l.Exercises[i].Checks))
			}
		}
		if zh.Key() != l.Key() {
			t.Errorf("%s is keyed %q, its original %q: progress and checks would differ", zh.File(), zh.Key(), l.Key())
		}
	}
	for s := range listed {
		if !known[s] {
			t.Errorf("%s lists %s, which is no lesson", list, s)
		}
	}
}

// TestChineseLessonCells runs every cell of every Chinese lesson, the Python track's too
// (their subtests are py-SLUG), as TestLessonCells does the English ones.
func TestChineseLessonCells(t *testing.T) {
	e := startLab(t)
	for _, l := range chinese(t) {
		t.Run(l.Key(), func(t *testing.T) {
			t.Parallel()
			for _, err := range e.Errors(l) {
				t.Errorf("zh: %v", err)
			}
		})
	}
}

// TestChineseExercises judges every Chinese exercise, the Python track's too, against a
// correct and a wrong solution, as TestExercises does the English ones: from
// testdata/exercises-zh when the Chinese cell's text differs, else the English solutions.
func TestChineseExercises(t *testing.T) {
	e := startLab(t)
	known := map[string]bool{}
	for _, l := range chinese(t) {
		for i := range l.Exercises {
			ex := &l.Exercises[i]
			dir := exercisesDir
			good, wrong := check.SolutionFiles(l, ex, exercisesZhDir)
			if _, err := os.Stat(good); err == nil {
				dir = exercisesZhDir
				known[good], known[wrong] = true, true
			}
			t.Run(ex.ID, func(t *testing.T) {
				t.Parallel()
				r := e.Solutions(l, ex, dir, true)
				for _, err := range r.Errs {
					t.Errorf("zh: %v", err)
				}
				t.Logf("the wrong solution fails: %q", r.Failed)
			})
		}
	}
	filepath.WalkDir(exercisesZhDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !known[path] {
			t.Errorf("%s belongs to no Chinese exercise", path)
		}
		return nil
	})
}
