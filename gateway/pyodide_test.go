package gateway_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"socketlab/gateway"
)

// TestPythonRuntimeServed: the gateway serves Pyodide (make pyodide) and the lab's socket
// module from its own origin, compressed and kept for good under a versioned path, and its
// pages are cross-origin isolated without losing WebAssembly.
func TestPythonRuntimeServed(t *testing.T) {
	_, url := serveGateway(t, &gateway.Options{})
	get := func(path string, gz bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url+path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return resp
	}
	body := func(r *http.Response) []byte {
		t.Helper()
		var rd io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			rd = zr
		}
		b, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	for _, path := range []string{"/", "/lessons/01-time", "/static/python-worker.js"} {
		h := get(path, false).Header
		if h.Get("Cross-Origin-Opener-Policy") != "same-origin" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("%s: COOP %q, COEP %q: the page cannot share memory with its Python worker", path, h.Get("Cross-Origin-Opener-Policy"), h.Get("Cross-Origin-Embedder-Policy"))
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "'wasm-unsafe-eval'") {
			t.Errorf("%s: the policy %q no longer lets the page compile WebAssembly", path, h.Get("Content-Security-Policy"))
		}
	}

	paths := string(body(get("/static/python-paths.js", false)))
	m := regexp.MustCompile(`runtime = "(/pyodide/[0-9a-f]{12}/)"`).FindStringSubmatch(paths)
	if m == nil {
		t.Fatalf("python-paths.js names no runtime (was `make pyodide` run?):\n%s", paths)
	}
	base := m[1]
	wasm := get(base+"pyodide.asm.wasm", true)
	if wasm.Header.Get("Content-Encoding") != "gzip" || wasm.Header.Get("Content-Type") != "application/wasm" ||
		!strings.Contains(wasm.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("pyodide.asm.wasm: encoding %q, type %q, cache %q", wasm.Header.Get("Content-Encoding"), wasm.Header.Get("Content-Type"), wasm.Header.Get("Cache-Control"))
	}
	want, err := os.ReadFile("../web/pyodide/node_modules/pyodide/pyodide.asm.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if got := body(wasm); !bytes.Equal(got, want) {
		t.Errorf("the served pyodide.asm.wasm (%d bytes) is not the npm package's (%d bytes): run `make pyodide`", len(got), len(want))
	}
	if ct := get(base+"pyodide.asm.mjs", true).Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("pyodide.asm.mjs is served as %q, which a module import refuses", ct)
	}
	lib := body(get(base+"socketlab-python.zip", false))
	zr, err := zip.NewReader(bytes.NewReader(lib), int64(len(lib)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	for _, n := range []string{"socketlab/__init__.py", "socketlab/labsocket.py", "socketlab/page.py"} {
		if !strings.Contains(strings.Join(names, " "), n) {
			t.Errorf("socketlab-python.zip lacks %s: %v", n, names)
		}
	}
	if cc := get("/pyodide/000000000000/pyodide.mjs", false).Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("an old version's URL is kept as %q", cc)
	}
}
