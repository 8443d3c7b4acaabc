package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckRoute: the page's exercises are judged at POST /api/check, with
// one verdict for each check of the lesson's exercise.
func TestCheckRoute(t *testing.T) {
	s, err := New(&Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()

	l := s.Lessons[0]
	ex := l.Exercises[0]
	body, _ := json.Marshal(map[string]any{"lesson": l.Slug, "exercise": ex.Name, "output": "", "exit": nil, "events": []any{}})
	resp, err := http.Post(ts.URL+"/api/check", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			OK     bool
			Detail string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /api/check = %d, %v", resp.StatusCode, err)
	}
	if len(out.Results) != len(ex.Checks) {
		t.Fatalf("%d verdicts for %d checks", len(out.Results), len(ex.Checks))
	}
	for i, r := range out.Results {
		if r.OK || r.Detail == "" {
			t.Errorf("%q on a run that did nothing = %+v, want a failure that says why", ex.Checks[i].Text, r)
		}
	}

	resp, err = http.Post(ts.URL+"/api/check", "text/plain", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain run = %d, want 415", resp.StatusCode)
	}
}
