package lessons

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
)

// content holds the lab's lessons, content/*.md.
//
//go:embed content/*.md content/zh/*.md content/python/*.md content/python/zh/*.md
var content embed.FS

// Content returns the lessons embedded in the binary: one NAME.md file per
// lesson at the top of the file system. Other folders in it (a translation's,
// say) are not lessons of their own; Load reads only the top.
func Content() fs.FS {
	sub, err := fs.Sub(content, "content")
	if err != nil {
		panic(err) // "content" is a valid path; fs.Sub cannot fail on it
	}
	return sub
}

// Default loads the lessons embedded in the binary.
func Default() ([]*Lesson, error) {
	return Load(Content())
}

// Builtin is the name that stands for the built-in lessons where folders of lessons are
// listed (socketlab --lessons builtin --lessons DIR).
const Builtin = "builtin"

// LoadAll loads lessons from each source in turn: the word Builtin for the lessons embedded
// in the binary, anything else a folder (LoadDir). The lessons of the first source come
// first, each source's in their own order; no two lessons may share a slug, since the slug
// is the page's address. No source at all means the built-in lessons.
func LoadAll(sources []string) ([]*Lesson, error) {
	if len(sources) == 0 {
		return Default()
	}
	var (
		all  []*Lesson
		errs []error
		from = map[string]string{}
	)
	for _, src := range sources {
		var (
			ls  []*Lesson
			err error
		)
		if src == Builtin {
			ls, err = Default()
		} else {
			ls, err = LoadDir(src)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range ls {
			if other, dup := from[l.Slug]; dup {
				errs = append(errs, fmt.Errorf("%s: lesson %s.md is also in %s; the page /lessons/%s can show only one (rename one file)", src, l.Slug, other, l.Slug))
				continue
			}
			from[l.Slug] = src
			all = append(all, l)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return all, nil
}
