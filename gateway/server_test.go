package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
