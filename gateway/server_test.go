package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"socketlab/lessons"
)

func TestServerRoutes(t *testing.T) {
	s, err := New(&Options{CacheDir: t.TempDir(), Compile: CompileLimits{PerMinute: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "time.lab") {
		t.Errorf("GET / = %d, want the index listing the lab", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'wasm-unsafe-eval'") {
		t.Errorf("CSP %q lacks 'wasm-unsafe-eval'", csp)
	}
	resp, body = get("/labs.json")
	var labs []struct{ Name, Proto, Listen string }
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &labs) != nil || len(labs) < 10 {
		t.Errorf("GET /labs.json = %d %q", resp.StatusCode, body)
	}
	if resp, _ = get("/static/wasm_exec.js"); resp.StatusCode != 200 {
		t.Errorf("GET /static/wasm_exec.js = %d", resp.StatusCode)
	}

	// The compile rate is per client: a burst of two, then a clear refusal.
	for i := 0; i < 3; i++ {
		resp, err := http.Post(ts.URL+"/api/build", "application/json", strings.NewReader(`{"source": "package main\n\nfunc main() {}\n"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if i < 2 && resp.StatusCode != 200 {
			t.Errorf("compile %d: %d %s", i, resp.StatusCode, b)
		}
		if i == 2 && (resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "--compile-rate")) {
			t.Errorf("compile over the rate: %d %s", resp.StatusCode, b)
		}
	}
}

// TestAuthorLessons serves an author's folder (the one socketlab check's test uses) beside
// the built-in lessons, then instead of them: the pages, the index and the exercises' checks
// follow.
func TestAuthorLessons(t *testing.T) {
	for _, tt := range []struct {
		sources []string
		builtin bool
	}{
		{[]string{"builtin", "../internal/cli/testdata/check"}, true},
		{[]string{"../internal/cli/testdata/check"}, false},
	} {
		ls, err := lessons.LoadAll(tt.sources)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(&Options{CacheDir: t.TempDir(), Lessons: ls})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(s)
		status := func(path string) (int, string) {
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		if code, body := status("/lessons/greet"); code != 200 || !strings.Contains(body, "Talking to the echo server") || !strings.Contains(body, `data-cell="greet-1"`) {
			t.Errorf("%q: GET /lessons/greet = %d, want the author's lesson with its cell", tt.sources, code)
		}
		code, index := status("/")
		if code != 200 || !strings.Contains(index, "/lessons/shout") {
			t.Errorf("%q: the index (%d) does not list the author's lessons", tt.sources, code)
		}
		if got := strings.Contains(index, "/lessons/01-time"); got != tt.builtin {
			t.Errorf("%q: the index lists 01-time: %v, want %v", tt.sources, got, tt.builtin)
		}
		if code, _ := status("/lessons/01-time"); (code == 200) != tt.builtin {
			t.Errorf("%q: GET /lessons/01-time = %d", tt.sources, code)
		}
		resp, err := http.Post(ts.URL+"/api/check", "application/json", strings.NewReader(`{"lesson":"shout","exercise":"loud","output":"HELLO!\n","exit":0}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Count(string(b), `"ok":true`) != 2 {
			t.Errorf("%q: checking the author's exercise: %d %s", tt.sources, resp.StatusCode, b)
		}
		ts.Close()
		s.Close()
	}
}

// TestWarmStages: Warm compiles the first lesson's first cell alone, then the rest of the
// first lesson (in every language), then the other lessons' cells, so that on a fresh machine
// the whole first lesson runs before the later lessons' packages are compiled.
func TestWarmStages(t *testing.T) {
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Lessons: ls}
	cells := s.Cells()
	stages := s.warmStages(cells)
	if len(stages) != 3 {
		t.Fatalf("%d stages, want 3", len(stages))
	}
	l := ls[0]
	var rest []string
	for _, c := range l.Cells[1:] {
		rest = append(rest, c.Source)
	}
	for _, lang := range lessons.Translations {
		if tr := l.Translated[lang]; tr != nil {
			for _, c := range tr.Cells {
				rest = append(rest, c.Source)
			}
		}
	}
	if len(stages[0]) != 1 || string(stages[0][0]) != l.Cells[0].Source {
		t.Errorf("the first stage is %d cells, want the first lesson's first cell alone", len(stages[0]))
	}
	if len(stages[1]) != len(rest) || len(rest) == 0 {
		t.Fatalf("the second stage is %d cells, want the first lesson's other %d", len(stages[1]), len(rest))
	}
	for i, src := range stages[1] {
		if string(src) != rest[i] {
			t.Errorf("the second stage's cell %d is not the first lesson's", i)
		}
	}
	if n := len(stages[0]) + len(stages[1]) + len(stages[2]); n != len(cells) {
		t.Errorf("the stages hold %d cells of %d", n, len(cells))
	}
	// One cell, or none: no empty stage.
	if got := s.warmStages(cells[:1]); len(got) != 1 {
		t.Errorf("one cell makes %d stages", len(got))
	}
	if got := (&Server{}).warmStages(nil); len(got) != 0 {
		t.Errorf("no cells make %d stages", len(got))
	}
}
