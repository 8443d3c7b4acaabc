package gateway

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHostileCompileDirectives sends, through the whole gateway, programs that declare
// JavaScript imports without importing anything forbidden: each is refused before compiling,
// with a diagnostic at the directive.
func TestHostileCompileDirectives(t *testing.T) {
	s, err := New(&Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, directive := range []string{
		"//go:wasmimport gojs syscall/js.valueGet",
		"//go:wasmimport\tgojs syscall/js.valueGet",
		"//go:wasmimport/**/ gojs syscall/js.valueGet",
		"//go:wasmexport get",
	} {
		src := "package main\n\n" + directive + "\nfunc get(v, p uintptr) uintptr\n\nfunc main() {}\n"
		body, _ := json.Marshal(map[string]string{"source": src})
		resp, err := http.Post(ts.URL+"/api/build", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var res struct {
			OK          bool
			Diagnostics []struct {
				Line int
				Msg  string
			}
		}
		if err := json.Unmarshal(b, &res); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%q: %d %s", directive, resp.StatusCode, b)
		}
		if res.OK || len(res.Diagnostics) == 0 || res.Diagnostics[0].Line != 3 || !strings.Contains(res.Diagnostics[0].Msg, "is not available in the lab") {
			t.Errorf("%q: %s, want a refusal at line 3", directive, b)
		}
	}
}

// TestCompileLimitFlags checks that the build sandbox's flags read sizes and durations.
func TestCompileLimitFlags(t *testing.T) {
	var c CompileLimits
	fl := flag.NewFlagSet("socketlab", flag.ContinueOnError)
	c.Flags(fl)
	if c.Memory != 1<<30 || c.Budget != 30*time.Second || c.GoCacheSize != 2<<30 {
		t.Errorf("defaults: %+v", c)
	}
	err := fl.Parse([]string{"--compile-memory", "512MiB", "--compile-budget", "-1s", "--gocache-size", "-1", "--programs-size", "3GB", "--compile-cpu", "20s", "--compile-max-file", "64MiB"})
	if err != nil {
		t.Fatal(err)
	}
	want := CompileLimits{Timeout: time.Minute, MaxSource: 256 << 10, Jobs: 2, PerMinute: 30, Budget: -time.Second,
		Memory: 512 << 20, CPU: 20 * time.Second, MaxFile: 64 << 20, GoCacheSize: -1, ProgramsSize: 3e9}
	if c != want {
		t.Errorf("parsed %+v\nwant   %+v", c, want)
	}
}
