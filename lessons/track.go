package lessons

import (
	"errors"
	"io/fs"
	"path"
)

// Python names the Python track: a lessons folder's python/ folder holds the same lessons
// with their programs written in Python 3, each file named as the Go lesson it mirrors
// (python/01-time.md beside 01-time.md), its cells "python run" blocks. They are served at
// /python/SLUG, each linked from its Go lesson and back. Their translations go in
// python/zh/, as the Go lessons' go in zh/. It is also a cell's Lang for Python.
const Python = "python"

// loadPython reads the Python track of fsys, if it has one, and hangs each lesson on the Go
// lesson in ls it mirrors. A Python lesson without one is an error naming its file.
func loadPython(fsys fs.FS, dir string, ls []*Lesson) error {
	st, err := fs.Stat(fsys, Python)
	if err != nil || !st.IsDir() {
		return nil
	}
	sub, err := fs.Sub(fsys, Python)
	if err != nil {
		return err
	}
	py, err := loadTrack(sub, path.Join(dir, Python), Python)
	if err != nil {
		return err
	}
	bySlug := map[string]*Lesson{}
	for _, l := range ls {
		bySlug[l.Slug] = l
	}
	var errs []error
	for _, p := range py {
		g := bySlug[p.Slug]
		if g == nil {
			errs = append(errs, errorf(path.Join(dir, Python, p.Slug+".md"), 1, "there is no %s.md beside the %s/ folder: a lesson of the Python track mirrors the Go lesson with the same file name", p.Slug, Python))
			continue
		}
		p.Order = g.Order
		g.InPython, p.InGo = p, g
		for _, t := range p.Translated {
			t.InGo = g.In(t.Lang)
			if t.InGo == nil {
				t.InGo = g
			}
		}
	}
	return errors.Join(errs...)
}

// PythonTrack lists the Python track's lessons of ls, in the order of their Go lessons.
func PythonTrack(ls []*Lesson) []*Lesson {
	var out []*Lesson
	for _, l := range ls {
		if l.InPython != nil {
			out = append(out, l.InPython)
		}
	}
	return out
}

// WithPython is ls followed by its Python track: every lesson whose cells are to be run or
// whose exercises are to be checked.
func WithPython(ls []*Lesson) []*Lesson {
	return append(append([]*Lesson(nil), ls...), PythonTrack(ls)...)
}

// File is the lesson's file in its lessons folder, for messages: SLUG.md, or python/SLUG.md
// in the Python track (zh/SLUG.md, python/zh/SLUG.md for a translation).
func (l *Lesson) File() string {
	f := l.Slug + ".md"
	if l.Lang != "" && l.Lang != English {
		f = l.Lang + "/" + f
	}
	if l.Track != "" {
		f = l.Track + "/" + f
	}
	return f
}
