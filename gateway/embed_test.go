package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEmbedOrigins checks the gateway's side of embedding with real HTTP requests as a
// browser makes them: the listed origin is answered with CORS and gets its frame, another
// origin is told in words what would allow it, and an origin= that is not an origin frames
// nothing.
func TestEmbedOrigins(t *testing.T) {
	_, addr := serveGuarded(t, &Options{Origins: []string{"docs.example.org", "*.example.net:8443"}})
	base := "http://" + addr
	do := func(method, path, origin string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	hello := func(origin string) (ok bool, msg string) {
		t.Helper()
		resp := do("GET", "/embed/hello", origin, nil)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("/embed/hello for %s: Access-Control-Allow-Origin %q, want *", origin, got)
		}
		var a struct {
			OK    bool
			Error string
		}
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatal(err)
		}
		return a.OK, a.Error
	}
	if ok, msg := hello("https://docs.example.org"); !ok {
		t.Errorf("a listed origin is refused: %s", msg)
	}
	if ok, msg := hello("https://blog.example.net:8443"); !ok {
		t.Errorf("an origin the pattern *.example.net:8443 matches is refused: %s", msg)
	}
	ok, msg := hello("https://evil.example.com")
	if ok || !strings.Contains(msg, "--origin evil.example.com") {
		t.Errorf("an unlisted origin: ok=%v %q, want a refusal that names --origin evil.example.com", ok, msg)
	}

	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
	resp := do("OPTIONS", "/api/build", "https://docs.example.org", preflight)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://docs.example.org" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight from a listed origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp = do("OPTIONS", "/api/build", "https://evil.example.com", preflight)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from an unlisted origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp = do("GET", "/api/build/progress", "https://evil.example.com", nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unlisted origin may read the API: %v", resp.Header)
	}
	resp = do("GET", "/static/cell.js", "https://evil.example.com", nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("the assets are not readable by other origins: %v", resp.Header)
	}

	frame := func(origin string) (int, string, string) {
		resp := do("GET", "/embed/frame?origin="+url.QueryEscape(origin), "", nil)
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Security-Policy"), string(b)
	}
	if code, policy, _ := frame("https://docs.example.org"); code != 200 || !strings.HasSuffix(policy, "frame-ancestors https://docs.example.org") {
		t.Errorf("frame for a listed origin: %d, policy %q", code, policy)
	}
	for _, bad := range []string{"https://evil.example.com", "https://docs.example.org; script-src *", "javascript:alert(1)", "https://docs.example.org/path", ""} {
		if code, _, body := frame(bad); code != http.StatusForbidden || body == "" {
			t.Errorf("frame for origin=%q: %d %q, want 403 with a reason", bad, code, body)
		}
	}

	// The iframe form: a lesson's cell or a program, and a clear error for neither.
	resp = do("GET", "/embed/cell?lesson=01-time&cell=1", "", nil)
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || !strings.Contains(string(b), `<section class="cell"`) {
		t.Errorf("/embed/cell of a lesson's cell: %d\n%s", resp.StatusCode, b)
	}
	if p := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(p, "frame-ancestors 'self' docs.example.org *.example.net:8443") {
		t.Errorf("/embed/cell's policy: %q", p)
	}
	resp = do("GET", "/embed/cell", "", nil)
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "code=") {
		t.Errorf("/embed/cell with nothing: %d %q", resp.StatusCode, b)
	}
}
