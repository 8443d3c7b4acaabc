package grade

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"socketlab/event"
	"socketlab/internal/jsonlist"
)

// MaxRequest bounds a posted run, in bytes. The runtime keeps only the first
// bytes of large payloads in its events, so a real run is far smaller.
const MaxRequest = 16 << 20

// MaxEvents bounds the events of a posted run: the page keeps at most 20,000
// (static/wire.js, LIMITS.events), and each costs a struct for a few bytes
// of JSON, so the count is bounded apart from the bytes.
const MaxEvents = 20000

// A Request asks for an exercise's verdict on one run: what the page posts
// when a cell's run ends.
type Request struct {
	Lesson   string `json:"lesson"`   // the lesson's slug
	Exercise string `json:"exercise"` // the exercise's name in the lesson (its id: line, or its number)
	Outcome
}

// A Response holds the verdict of each of the exercise's checks, in the
// order the lesson gives them.
type Response struct {
	Results []Result `json:"results"`
}

// A Finder returns the checks of a lesson's exercise, and false when there
// is no such exercise.
type Finder func(lesson, exercise string) ([]Check, bool)

// Handler judges runs: it takes a Request as JSON in a POST and answers
// with a Response as JSON. Errors are JSON too, {"error": "..."}: 405 for
// another method, 415 for a body that is not application/json, 413 for one
// over MaxRequest or with more than MaxEvents events, 400 for one that does not decode, 404 for an unknown
// lesson or exercise.
func Handler(find Finder) http.Handler {
	return HandlerIn(func(lesson, exercise, _ string) ([]Check, bool) { return find(lesson, exercise) })
}

// A LangFinder is a Finder that takes the language of the page that asks too ("en" or "zh"):
// a translated lesson's checks carry their words in its language.
type LangFinder func(lesson, exercise, lang string) ([]Check, bool)

// HandlerIn is Handler for pages in several languages: ?lang=zh asks for the details in
// Chinese (DetailIn) and for the checks of the lesson's Chinese translation; no lang, or
// lang=en, is English. Another lang is a 400.
func HandlerIn(find LangFinder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = "en"
		}
		if lang != "en" && lang != Chinese {
			jsonError(w, http.StatusBadRequest, "no checks in language "+strconv.Quote(lang)+": use lang=en or lang=zh (or leave it out for English)")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			jsonError(w, http.StatusMethodNotAllowed, "post the run as JSON")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			jsonError(w, http.StatusUnsupportedMediaType, "the run must be sent as application/json")
			return
		}
		// Events shadows Outcome.Events, to be decoded with a bound on their number.
		var in struct {
			Request
			Events json.RawMessage `json:"events"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRequest)).Decode(&in); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				jsonError(w, http.StatusRequestEntityTooLarge, "the run is too large to check")
				return
			}
			jsonError(w, http.StatusBadRequest, "the run could not be read: "+err.Error())
			return
		}
		req := in.Request
		if len(in.Events) > 0 {
			events, err := jsonlist.Decode[event.Event](in.Events, MaxEvents)
			if _, ok := errors.AsType[*jsonlist.TooLong](err); ok {
				jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the run has more than the %d events the page keeps", MaxEvents))
				return
			}
			if err != nil {
				jsonError(w, http.StatusBadRequest, "the run's events could not be read: "+err.Error())
				return
			}
			req.Events = events
		}
		checks, ok := find(req.Lesson, req.Exercise, lang)
		if !ok {
			jsonError(w, http.StatusNotFound, "no exercise "+req.Exercise+" in lesson "+req.Lesson)
			return
		}
		results := Evaluate(checks, &req.Outcome)
		for i := range results {
			results[i].Detail = DetailIn(results[i].Detail, lang)
		}
		writeJSON(w, http.StatusOK, Response{Results: results})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
