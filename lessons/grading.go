package lessons

import (
	"net/http"

	"socketlab/lessons/grade"
)

// CheckHandler judges the runs of the lessons' exercises: the page posts a
// grade.Request (the lesson's slug, the exercise's name and the run) when a
// cell finishes, and gets the verdict of each check back. See grade.Handler.
func CheckHandler(ls []*Lesson) http.Handler {
	exercises := map[[2]string][]grade.Check{}
	for _, l := range ls {
		for _, e := range l.Exercises {
			exercises[[2]string{l.Slug, e.Name}] = e.Checks
		}
	}
	return grade.Handler(func(lesson, exercise string) ([]grade.Check, bool) {
		checks, ok := exercises[[2]string{lesson, exercise}]
		return checks, ok
	})
}
