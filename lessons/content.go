package lessons

import "embed"

// Content holds the lab's lessons, lessons/*.md.
//
//go:embed *.md
var Content embed.FS

// Default loads the lessons embedded in the binary.
func Default() ([]*Lesson, error) {
	return Load(Content)
}
