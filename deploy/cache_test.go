package deploy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"socketlab/gateway"
)

// TestSharedCache: two gateways over one cache directory, as replicas over the chart's
// cache.sharedClaim. A program compiled by one is served by the other, and the other's own
// build of the same source answers from the cache without compiling. The gateways share
// nothing else: each has its own build service, lab and relay, as two processes would.
func TestSharedCache(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a program")
	}
	shared := t.TempDir()
	start := func() *httptest.Server {
		s, err := gateway.New(&gateway.Options{CacheDir: shared})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ts := httptest.NewServer(s)
		t.Cleanup(ts.Close)
		return ts
	}
	a, b := start(), start()

	type built struct {
		OK     bool   `json:"ok"`
		Wasm   string `json:"wasm"`
		Cached bool   `json:"cached"`
		Output string `json:"output"`
	}
	build := func(ts *httptest.Server) built {
		t.Helper()
		src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"compiled once for every replica\") }\n"
		body, _ := json.Marshal(map[string]string{"source": src})
		resp, err := http.Post(ts.URL+"/api/build", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r built
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK || !r.OK {
			t.Fatalf("build: %d %v %+v", resp.StatusCode, err, r)
		}
		return r
	}
	wasm := func(ts *httptest.Server, path string) []byte {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("\x00asm")) {
			t.Fatalf("GET %s: %d, %d bytes (%q)", path, resp.StatusCode, len(body), body[:min(len(body), 80)])
		}
		return body
	}

	first := build(a)
	if first.Cached {
		t.Fatal("the first build in a new cache came from the cache")
	}
	fromA := wasm(a, first.Wasm)
	fromB := wasm(b, first.Wasm) // never built by b
	if !bytes.Equal(fromA, fromB) {
		t.Error("the two gateways serve different bytes for one program")
	}
	if again := build(b); !again.Cached || again.Wasm != first.Wasm {
		t.Errorf("the second gateway's build of the same source: %+v, want it from the cache at %s", again, first.Wasm)
	}
	if !strings.HasPrefix(first.Wasm, "/wasm/") {
		t.Errorf("wasm path %q", first.Wasm)
	}
}
