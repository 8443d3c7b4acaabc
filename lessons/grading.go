package lessons

import (
	"net/http"

	"socketlab/lessons/grade"
)

// CheckHandler judges the runs of the lessons' exercises: the page posts a
// grade.Request (the lesson's slug, the exercise's name and the run) when a
// cell finishes, and gets the verdict of each check back. A Chinese page asks
// with ?lang=zh and is judged by the translation's checks (the same checks, with
// their words in Chinese), its details in Chinese. A page of the Python track names its
// lesson by its Key, py-SLUG. See grade.HandlerIn.
func CheckHandler(ls []*Lesson) http.Handler {
	type key struct{ lesson, exercise, lang string }
	exercises := map[key][]grade.Check{}
	for _, l := range WithPython(ls) {
		for _, e := range l.Exercises {
			exercises[key{l.Key(), e.Name, English}] = e.Checks
			exercises[key{l.Key(), e.Name, Chinese}] = e.Checks
		}
		if zh := l.Translated[Chinese]; zh != nil {
			for _, e := range zh.Exercises {
				exercises[key{l.Key(), e.Name, Chinese}] = e.Checks
			}
		}
	}
	return grade.HandlerIn(func(lesson, exercise, lang string) ([]grade.Check, bool) {
		checks, ok := exercises[key{lesson, exercise, lang}]
		return checks, ok
	})
}
