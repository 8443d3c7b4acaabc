package gateway

import (
	"bufio"
	"encoding/json"
	"go/format"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// badlyIndented is a program as a beginner may type it; gofmt has one answer for it.
const badlyIndented = "package main\nimport \"fmt\"\nfunc main(){\nfmt.Println(\"hi\")\n  if true {\nx:=1\n_ = x\n}\n}\n"

// TestFormatEndpoint checks /api/format: gofmt's output for a program that parses, the
// parser's errors at line and column for one that does not, and a clear refusal of what is
// not a format request.
func TestFormatEndpoint(t *testing.T) {
	_, addr := serveGuarded(t, &Options{Compile: CompileLimits{MaxSource: 4096}})
	ask := func(body string) (int, formatResponse, string) {
		t.Helper()
		status, text := rawRequest(t, addr, "", post("/api/format", addr, "application/json", "", body))
		var r formatResponse
		json.Unmarshal([]byte(text), &r)
		return status, r, text
	}
	src, _ := json.Marshal(map[string]string{"source": badlyIndented})
	want, err := format.Source([]byte(badlyIndented))
	if err != nil {
		t.Fatal(err)
	}
	if status, r, text := ask(string(src)); status != 200 || !r.OK || r.Source != string(want) {
		t.Errorf("format of a badly indented program: %d %s\nwant:\n%s", status, text, want)
	}

	broken, _ := json.Marshal(map[string]string{"source": "package main\n\nfunc main() {\n\tx := (1 +\n}\n"})
	status, r, text := ask(string(broken))
	if status != 200 || r.OK || len(r.Diagnostics) == 0 || r.Diagnostics[0].Line != 5 || r.Diagnostics[0].Col != 1 || r.Error == "" {
		t.Errorf("format of a program that does not parse: %d %s, want its error at 5:1", status, text)
	}

	big, _ := json.Marshal(map[string]string{"source": "package main\n//" + strings.Repeat("x", 5000) + "\n"})
	if status, _, text := ask(string(big)); status != http.StatusRequestEntityTooLarge || !strings.Contains(text, "4096") {
		t.Errorf("a source over --max-source: %d %s", status, text)
	}
	if status, _, text := ask(`{"code": "package main"}`); status != http.StatusBadRequest || !strings.Contains(text, `source`) {
		t.Errorf("a body without source: %d %s", status, text)
	}
	if status, text := rawRequest(t, addr, "", post("/api/format", addr, "text/plain", "", string(src))); status != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain body: %d %s", status, text)
	}
	if status, text := rawRequest(t, addr, "", "GET /api/format HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n"); status != http.StatusMethodNotAllowed || !strings.Contains(text, "POST") {
		t.Errorf("GET /api/format: %d %s", status, text)
	}
}

// TestFormatRate checks that format requests count against --api-rate, with a 429 that says
// which flag sets it.
func TestFormatRate(t *testing.T) {
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: 4}})
	limited := 0
	for range 6 {
		status, body := rawRequest(t, addr, "127.0.0.1", post("/api/format", addr, "application/json", "", `{"source":"package main\n"}`))
		if status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(body, "--api-rate") || !strings.Contains(body, "format") {
				t.Errorf("429 without advice: %q", body)
			}
		}
	}
	if limited != 4 {
		t.Errorf("%d of 6 format requests beyond a burst of 2 were refused, want 4", limited)
	}
}

// TestAssetsGzip checks that scripts go out compressed to a browser that accepts it (the
// editor's bundle is most of a first visit), and as they are to one that does not.
func TestAssetsGzip(t *testing.T) {
	s, addr := serveGuarded(t, &Options{})
	a := s.assets["codemirror.js"]
	if a.gz == nil || len(a.gz) > len(a.body)/2 {
		t.Fatalf("codemirror.js: %d bytes compressed of %d", len(a.gz), len(a.body))
	}
	get := func(enc string) *http.Response {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "GET /static/codemirror.js?v="+a.version+" HTTP/1.1\r\nHost: "+addr+"\r\nAccept-Encoding: "+enc+"\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("gzip, deflate, br")
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) != len(a.gz) || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("with gzip accepted: %d bytes, %v", len(body), resp.Header)
	}
	resp = get("identity")
	body, _ = io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "" || len(body) != len(a.body) {
		t.Errorf("without gzip: %d bytes, %v", len(body), resp.Header)
	}
}

// TestVetEndpoint checks /api/vet through the gateway's guard: a program not built yet is
// refused with 409, a built one gets go vet's findings at line and column, and vet requests
// count against --api-rate.
func TestVetEndpoint(t *testing.T) {
	_, addr := serveGuarded(t, &Options{HTTP: HTTPLimits{APIPerMinute: 8}})
	src, _ := json.Marshal(map[string]string{"source": "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Printf(\"%s\\n\", 42)\n}\n"})
	if status, text := rawRequest(t, addr, "", post("/api/vet", addr, "application/json", "", string(src))); status != http.StatusConflict || !strings.Contains(text, "/api/build") {
		t.Errorf("vet before a build: %d %s, want 409 saying to build first", status, text)
	}
	if status, text := rawRequest(t, addr, "", post("/api/build", addr, "application/json", "", string(src))); status != 200 || !strings.Contains(text, `"ok":true`) {
		t.Fatalf("build: %d %s", status, text)
	}
	status, text := rawRequest(t, addr, "", post("/api/vet", addr, "application/json", "", string(src)))
	var r struct {
		OK          bool `json:"ok"`
		Diagnostics []struct {
			Line, Col int
			Msg       string
		} `json:"diagnostics"`
	}
	json.Unmarshal([]byte(text), &r)
	if status != 200 || !r.OK || len(r.Diagnostics) != 1 || r.Diagnostics[0].Line != 6 || r.Diagnostics[0].Col != 14 ||
		!strings.Contains(r.Diagnostics[0].Msg, "fmt.Printf format %s has arg 42 of wrong type int") {
		t.Errorf("vet of a built program: %d %s, want its finding at 6:14", status, text)
	}
	limited := 0
	for range 6 {
		if status, body := rawRequest(t, addr, "", post("/api/vet", addr, "application/json", "", string(src))); status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(body, "--api-rate") || !strings.Contains(body, "vet") {
				t.Errorf("429 without advice: %q", body)
			}
		}
	}
	if limited == 0 {
		t.Errorf("8 vet requests within a burst of 4 were all answered")
	}
}
