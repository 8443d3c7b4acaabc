package lessons_test

import (
	"os"
	"path/filepath"
	"testing"

	"socketlab/lessons"
)

// exercisesZhDir holds the solutions of the Chinese lessons' exercises where the Chinese
// cell prints other text than the English one (and the checks look for it); an exercise with
// no file here is judged with the English solutions in testdata/exercises.
const exercisesZhDir = "testdata/exercises-zh"

// notYetInChinese are the lessons with no Chinese translation yet: the Chinese site shows
// them in English, with a note. Take a lesson off the list when its translation lands.
var notYetInChinese = []string{}

// chinese returns the built-in lessons that have a Chinese translation, as translations.
func chinese(t *testing.T) []*lessons.Lesson {
	t.Helper()
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	var out []*lessons.Lesson
	for _, l := range ls {
		if zh := l.In(lessons.Chinese); zh != nil {
			out = append(out, zh)
		}
	}
	return out
}

// TestChineseCoverage: every English lesson has a Chinese one or is listed as not yet
// translated, and a listed one is not translated after all.
func TestChineseCoverage(t *testing.T) {
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range notYetInChinese {
		listed[s] = true
	}
	known := map[string]bool{}
	for _, l := range ls {
		known[l.Slug] = true
		zh := l.In(lessons.Chinese)
		switch {
		case zh == nil && !listed[l.Slug]:
			t.Errorf("%s.md has no Chinese translation (content/zh/%s.md) and is not in notYetInChinese", l.Slug, l.Slug)
		case zh != nil && listed[l.Slug]:
			t.Errorf("content/zh/%s.md exists: take %s off notYetInChinese", l.Slug, l.Slug)
		}
		if zh == nil {
			continue
		}
		// The same cells with the same ids, the same exercises on the same cells (Load
		// refuses a translation that differs; this says so for the built-in lessons).
		if len(zh.Cells) != len(l.Cells) || len(zh.Exercises) != len(l.Exercises) {
			t.Errorf("zh/%s.md: %d cells and %d exercises, the English lesson %d and %d", l.Slug, len(zh.Cells), len(zh.Exercises), len(l.Cells), len(l.Exercises))
			continue
		}
		for i := range l.Cells {
			if zh.Cells[i].ID != l.Cells[i].ID || zh.Cells[i].With != l.Cells[i].With {
				t.Errorf("zh/%s.md:%d: cell %s (with %q), the English lesson's is %s (with %q)", l.Slug, zh.Cells[i].Line, zh.Cells[i].ID, zh.Cells[i].With, l.Cells[i].ID, l.Cells[i].With)
			}
		}
		for i := range l.Exercises {
			if zh.Exercises[i].ID != l.Exercises[i].ID || len(zh.Exercises[i].Checks) != len(l.Exercises[i].Checks) {
				t.Errorf("zh/%s.md:%d: exercise %s with %d checks, the English lesson's is %s with %d", l.Slug, zh.Exercises[i].Line, zh.Exercises[i].ID, len(zh.Exercises[i].Checks), l.Exercises[i].ID, len(l.Exercises[i].Checks))
			}
		}
	}
	for s := range listed {
		if !known[s] {
			t.Errorf("notYetInChinese lists %s, which is no lesson", s)
		}
	}
}

// TestChineseLessonCells runs every cell of every Chinese lesson, as TestLessonCells does the
// English ones.
func TestChineseLessonCells(t *testing.T) {
	e := startLab(t)
	for _, l := range chinese(t) {
		t.Run(l.Slug, func(t *testing.T) {
			t.Parallel()
			for _, err := range e.Errors(l) {
				t.Errorf("zh/%v", err)
			}
		})
	}
}

// TestChineseExercises judges every Chinese exercise against a correct and a wrong solution,
// as TestExercises does the English ones: from testdata/exercises-zh when the Chinese cell's
// text differs, else the English solutions.
func TestChineseExercises(t *testing.T) {
	e := startLab(t)
	known := map[string]bool{}
	for _, l := range chinese(t) {
		for i := range l.Exercises {
			ex := &l.Exercises[i]
			dir := exercisesDir
			base := filepath.Join(exercisesZhDir, l.Slug, ex.Name)
			if _, err := os.Stat(base + ".go"); err == nil {
				dir = exercisesZhDir
				known[base+".go"], known[base+".wrong.go"] = true, true
			}
			t.Run(ex.ID, func(t *testing.T) {
				t.Parallel()
				r := e.Solutions(l, ex, dir, true)
				for _, err := range r.Errs {
					t.Errorf("zh/%v", err)
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
