package lessons

import (
	"errors"
	"io/fs"
	"path"
	"slices"
)

// The languages of the lessons and their pages. English is the first language: a lessons
// folder holds the English lessons at its top, and each translation in a folder named by its
// code (zh/ for Chinese) with the same file names. A translated lesson has the same cells,
// with the same ids, and the same exercises as its original, so that a learner's progress,
// the compiled programs' checks and a teacher's view are the same in either language.
const (
	English = "en"
	Chinese = "zh"
)

// Translations are the languages a lessons folder may hold besides English.
var Translations = []string{Chinese}

// In returns the lesson in the language lang, or nil when it is not translated into lang.
func (l *Lesson) In(lang string) *Lesson {
	if lang == l.Lang || (lang == English && l.Lang == "") {
		return l
	}
	return l.Translated[lang]
}

// loadTranslations reads the translations' folders of fsys (zh/ and so on) and hangs each
// translated lesson on its original in ls. A translation without an original, or whose cells
// or exercises differ from the original's, is an error naming its file.
func loadTranslations(fsys fs.FS, dir string, ls []*Lesson, track string) error {
	bySlug := map[string]*Lesson{}
	for _, l := range ls {
		bySlug[l.Slug] = l
	}
	var errs []error
	for _, lang := range Translations {
		st, err := fs.Stat(fsys, lang)
		if err != nil || !st.IsDir() {
			continue
		}
		sub, err := fs.Sub(fsys, lang)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tr, err := loadLang(sub, path.Join(dir, lang), lang, track)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range tr {
			name := path.Join(dir, lang, t.Slug+".md")
			orig := bySlug[t.Slug]
			if orig == nil {
				errs = append(errs, errorf(name, 1, "there is no %s.md beside the %s/ folder: a translated lesson needs its English original with the same file name", t.Slug, lang))
				continue
			}
			if err := sameShape(name, orig, t); err != nil {
				errs = append(errs, err)
				continue
			}
			t.Order = orig.Order
			if orig.Translated == nil {
				orig.Translated = map[string]*Lesson{}
			}
			orig.Translated[lang] = t
		}
	}
	return errors.Join(errs...)
}

// sameShape checks that a translation t has the cells and exercises of its original.
func sameShape(name string, orig, t *Lesson) error {
	ids := func(l *Lesson) (cells, exercises []string) {
		for _, c := range l.Cells {
			cells = append(cells, c.ID)
		}
		for _, e := range l.Exercises {
			exercises = append(exercises, e.ID+"→"+e.Cell)
		}
		return
	}
	oc, oe := ids(orig)
	tc, te := ids(t)
	if !slices.Equal(oc, tc) {
		return errorf(name, 1, "the cells are %q but the English lesson's are %q: a translation keeps the same cells, with the same ids, in the same order", tc, oc)
	}
	if !slices.Equal(oe, te) {
		return errorf(name, 1, "the exercises (id→cell) are %q but the English lesson's are %q: a translation keeps the same exercises", te, oe)
	}
	return nil
}
