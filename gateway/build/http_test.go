package build

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func TestHandler(t *testing.T) {
	s := newService(t, func(o *Options) { o.MaxSource = 4096 })
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	// No transparent decompression: the test looks at what goes over the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)

	post := func(t *testing.T, body string) (int, map[string]any) {
		t.Helper()
		resp, err := client.Post(srv.URL+"/api/build", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want JSON", ct)
		}
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("response is not JSON: %v", err)
		}
		return resp.StatusCode, m
	}
	source := func(src string) string {
		b, _ := json.Marshal(map[string]string{"source": src})
		return string(b)
	}

	status, m := post(t, source(hello))
	if status != http.StatusOK || m["ok"] != true {
		t.Fatalf("POST hello: %d %v", status, m)
	}
	hash, _ := m["hash"].(string)
	wasmURL, _ := m["wasm"].(string)
	if wasmURL != "/wasm/"+hash+".wasm" || !validHash(hash) {
		t.Fatalf("wasm = %q, hash = %q", wasmURL, hash)
	}
	if d, ok := m["diagnostics"].([]any); !ok || len(d) != 0 {
		t.Errorf("diagnostics = %#v, want []", m["diagnostics"])
	}
	if _, ok := m["elapsed_ms"].(float64); !ok || m["cached"] != false {
		t.Errorf("elapsed_ms = %v, cached = %v", m["elapsed_ms"], m["cached"])
	}
	if _, m := post(t, source(hello)); m["cached"] != true {
		t.Errorf("second POST: cached = %v, want true", m["cached"])
	}
	path, _ := s.WasmPath(hash)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	get := func(t *testing.T, url, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+url, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	gunzip := func(t *testing.T, b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("body is not gzip: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	checkWasmHeaders := func(t *testing.T, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d", resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=") {
			t.Errorf("Cache-Control = %q", cc)
		}
		if v := resp.Header.Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("Vary = %q", v)
		}
	}

	t.Run("identity", func(t *testing.T) {
		resp, body := get(t, wasmURL, "")
		checkWasmHeaders(t, resp)
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
			t.Errorf("Content-Encoding = %q, body %d bytes, want the %d-byte wasm file",
				resp.Header.Get("Content-Encoding"), len(body), len(want))
		}
	})
	t.Run("gzip twin", func(t *testing.T) {
		if _, err := os.Stat(path + ".gz"); err == nil {
			t.Fatal("a gzip twin was written before anyone asked for one")
		}
		resp, body := get(t, wasmURL, "br, gzip;q=0.9, deflate")
		checkWasmHeaders(t, resp)
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", ce)
		}
		gz, _ := os.ReadFile(path + ".gz")
		if !bytes.Equal(body, gz) || !bytes.Equal(gunzip(t, body), want) {
			t.Error("gzip body is not the twin written for it, or not the wasm file")
		}
		before := compressions.Load()
		if _, again := get(t, wasmURL, "gzip"); !bytes.Equal(again, body) {
			t.Error("the second ask got another gzip body")
		}
		if n := compressions.Load() - before; n != 0 {
			t.Errorf("the second ask compressed the program again (%d times)", n)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+wasmURL, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp2, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusNotModified {
			t.Errorf("revalidation: status %d, want 304", resp2.StatusCode)
		}
	})
	t.Run("zstd twin", func(t *testing.T) {
		// What Chromium sends on HTTPS and on loopback.
		resp, body := get(t, wasmURL, "gzip, deflate, br, zstd")
		checkWasmHeaders(t, resp)
		if ce := resp.Header.Get("Content-Encoding"); ce != "zstd" {
			t.Fatalf("Content-Encoding = %q, want zstd", ce)
		}
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, want) {
			t.Fatalf("the zstd body is not the wasm file (%v)", err)
		}
		if tw, _ := os.ReadFile(path + ".zst"); !bytes.Equal(tw, body) {
			t.Error("the zstd body is not its twin on disk")
		}
		if etag := resp.Header.Get("ETag"); etag == "" || strings.Contains(etag, ".gz") {
			t.Errorf("ETag = %q: the zstd body needs its own", etag)
		}
	})
	t.Run("one twin for many asks", func(t *testing.T) {
		// A cell the teacher sends the class: every learner's page asks for it at once.
		os.Remove(path + ".zst")
		before := compressions.Load()
		bodies := make([][]byte, 20)
		var wg sync.WaitGroup
		for i := range bodies {
			wg.Go(func() { _, bodies[i] = get(t, wasmURL, "gzip, deflate, br, zstd") })
		}
		wg.Wait()
		for i, b := range bodies {
			if !bytes.Equal(b, bodies[0]) || len(b) == 0 {
				t.Fatalf("ask %d got a different body (%d bytes, first %d)", i, len(b), len(bodies[0]))
			}
		}
		if n := compressions.Load() - before; n != 1 {
			t.Errorf("20 asks at once compressed the program %d times, want once", n)
		}
	})
	t.Run("gzip refused", func(t *testing.T) {
		resp, body := get(t, wasmURL, "gzip;q=0")
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
			t.Errorf("gzip;q=0 got Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
	})
	t.Run("stale gzip written anew", func(t *testing.T) {
		// A .gz older than the wasm file must not be served: make it stale and wrong.
		old := time.Now().Add(-time.Hour)
		if err := os.WriteFile(path+".gz", []byte("stale"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path+".gz", old, old); err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, wasmURL, "gzip")
		checkWasmHeaders(t, resp)
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", ce)
		}
		if !bytes.Equal(gunzip(t, body), want) {
			t.Error("the gzip body is not the wasm file")
		}
		// The twin was written again, so later requests are served from it.
		if gz, err := os.ReadFile(path + ".gz"); err != nil || !bytes.Equal(gz, body) {
			t.Errorf("the stale .gz was not replaced by the body served (%v)", err)
		}
		os.Remove(path + ".gz")
		resp, body = get(t, wasmURL, "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, body), want) {
			t.Error("without a .gz file the wasm is not served compressed")
		}
		if _, err := os.Stat(path + ".gz"); err != nil {
			t.Errorf("a missing .gz was not written: %v", err)
		}
	})

	errorTests := []struct {
		name, method, url, body string
		status                  int
		msg                     string // a substring of the error
	}{
		{"bad JSON", "POST", "/api/build", `{"source": `, 400, "not valid JSON"},
		{"wrong type", "POST", "/api/build", `{"source": 42}`, 400, "not valid JSON"},
		{"no source", "POST", "/api/build", `{}`, 400, `no "source"`},
		{"too big", "POST", "/api/build", source(strings.Repeat("/", 5000)), 413, "the limit is 4096"},
		{"body too big", "POST", "/api/build", `{"source": "` + strings.Repeat(" ", 40000) + `"}`, 413, "too big"},
		{"GET build", "GET", "/api/build", "", 405, "use POST"},
		{"unknown hash", "GET", "/wasm/" + strings.Repeat("ab", 32) + ".wasm", "", 404, "POST /api/build"},
		{"short hash", "GET", "/wasm/abc.wasm", "", 404, "no compiled program"},
		{"upper-case hash", "GET", "/wasm/" + strings.ToUpper(hash) + ".wasm", "", 404, "no compiled program"},
		{"no suffix", "GET", "/wasm/" + hash, "", 404, "no compiled program"},
		{"gz by name", "GET", "/wasm/" + hash + ".wasm.gz", "", 404, "no compiled program"},
		{"dot dot", "GET", "/wasm/..%2f..%2fetc%2fpasswd.wasm", "", 404, "no compiled program"},
		{"POST wasm", "POST", wasmURL, "", 405, "use GET"},
		{"elsewhere", "GET", "/api/other", "", 404, "nothing at"},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.url, strings.NewReader(tt.body))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(e.Error, tt.msg) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.url, resp.StatusCode, e.Error, tt.status, tt.msg)
			}
		})
	}

	t.Run("compile error", func(t *testing.T) {
		status, m := post(t, source("package main\n\nimport \"os/exec\"\n\nfunc main() {}\n"))
		if status != http.StatusOK || m["ok"] != false || m["wasm"] != nil {
			t.Fatalf("got %d %v, want 200 with ok false and no wasm", status, m)
		}
		d, _ := m["diagnostics"].([]any)
		if len(d) != 1 {
			t.Fatalf("diagnostics = %v", m["diagnostics"])
		}
		first, _ := d[0].(map[string]any)
		if first["line"] != 3.0 || first["col"] != 8.0 || !strings.Contains(first["msg"].(string), "os/exec") {
			t.Errorf("diagnostic = %v", first)
		}
	})
}
