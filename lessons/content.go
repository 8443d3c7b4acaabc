package lessons

import (
	"embed"
	"io/fs"
)

// content holds the lab's lessons, content/*.md.
//
//go:embed content/*.md
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
