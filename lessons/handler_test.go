package lessons

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	ls, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(ls, Page{
		Title: "testlab",
		Labs: []LabInfo{
			{Name: "echo.lab", Proto: "tcp, udp", Addr: "10.7.0.7", About: "echo", Port: 7},
			{Name: "time.lab", Proto: "tcp, udp", Addr: "10.7.0.37", About: "time <RFC 868>", Port: 37},
		},
		AssetURL: func(name string) string { return name + "?v=abc123" },
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestHandler(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		method, path string
		status       int
		contains     []string // in this order
		lacks        []string
	}{
		{"GET", "/", 200, []string{
			`<title>testlab</title>`,
			`href="/static/style.css?v=abc123"`,
			`<li data-lesson="basic" data-exercises=""><a href="/lessons/basic">A small lesson</a> <span class="progress" role="status"></span><p class="summary">One runnable cell and one plain block.</p>`,
			`<a href="/lessons/escaping">Escaping &lt;and&gt; &amp; quotes</a>`,
			`kept in this browser only`,
			`<h2>Lab network</h2>`,
			`<td><code>echo.lab</code></td><td>7</td><td>tcp, udp</td><td><code>10.7.0.7</code></td><td>echo</td>`,
			`<td>time &lt;RFC 868&gt;</td>`,
			`<script type="module" src="/static/exercises.js?v=abc123"></script>`,
		}, []string{"<script>", "format.js", "lesson.js"}},
		{"GET", "/lessons/basic", 200, []string{
			`<title>A small lesson · testlab</title>`,
			`href="/static/style.css?v=abc123"`,
			`data-worker="/static/worker.js?v=abc123"`,
			`<main class="lesson" data-lesson="basic">`,
			`Lesson 1 of 2`,
			`<h1>A small lesson</h1>`,
			`<section class="cell" id="cell-basic-1" data-cell="basic-1">`,
			`<a class="up" href="/">All lessons</a>`,
			`<a class="next" rel="next" href="/lessons/escaping">Escaping &lt;and&gt; &amp; quotes →</a>`,
			`<script type="module" src="/static/lesson.js?v=abc123"></script>`,
			`<script type="module" src="/static/exercises.js?v=abc123"></script>`,
		}, []string{`class="prev"`, "/static/format.js", "/static/wire"}},
		{"GET", "/lessons/escaping", 200, []string{`class="prev" rel="prev" href="/lessons/basic"`}, []string{`class="next"`}},
		{"HEAD", "/lessons/basic", 200, nil, nil},
		{"GET", "/lessons/missing", 404, []string{`<h1>Not found</h1>`, `<code>/lessons/missing</code>`}, nil},
		{"GET", "/lessons/basic/extra", 404, nil, nil},
		{"GET", "/other", 404, nil, nil},
		{"POST", "/", 405, []string{"method not allowed"}, nil},
		{"DELETE", "/lessons/basic", 405, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := get(t, tt.method, srv.URL+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 405 {
				if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
			}
			rest := body
			for _, s := range tt.contains {
				i := strings.Index(rest, s)
				if i < 0 {
					t.Fatalf("body lacks (or has out of order) %s\n%s", s, body)
				}
				rest = rest[i+len(s):]
			}
			for _, s := range tt.lacks {
				if strings.Contains(body, s) {
					t.Errorf("body contains %s", s)
				}
			}
		})
	}
}

func TestHandlerDefaults(t *testing.T) {
	srv := httptest.NewServer(Handler(nil, Page{}))
	defer srv.Close()
	_, body := get(t, "GET", srv.URL+"/")
	for _, s := range []string{"<title>socketlab</title>", `href="/static/style.css"`, "No lessons are installed.", "No lab servers are running."} {
		if !strings.Contains(body, s) {
			t.Errorf("index lacks %s", s)
		}
	}
}

var (
	inlineScript  = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	scriptWithSrc = regexp.MustCompile(`^<script type="module" src="[^"]+"></script>`)
	handlerAttr   = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr     = regexp.MustCompile(`(?i)\sstyle\s*=|<style`)
	jsURL         = regexp.MustCompile(`(?i)javascript:`)
)

// TestPagesStrictCSP checks every page for what the gateway's Content
// Security Policy would block: inline scripts, event handler attributes,
// inline styles and javascript: URLs. Every script is an ES module from a file.
func TestPagesStrictCSP(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range [][]*Lesson{ls, test} {
		srv := httptest.NewServer(Handler(set, Page{Labs: []LabInfo{{Name: "x.lab", Port: 1}}}))
		paths := []string{"/", "/nowhere", "/python/"}
		for _, l := range set {
			paths = append(paths, "/lessons/"+l.Slug)
			if l.InPython != nil {
				paths = append(paths, "/python/"+l.Slug)
			}
		}
		for _, p := range paths {
			_, body := get(t, "GET", srv.URL+p)
			for _, loc := range inlineScript.FindAllStringIndex(body, -1) {
				if !scriptWithSrc.MatchString(body[loc[0]:]) {
					t.Errorf("%s: inline script at %q", p, body[loc[0]:min(len(body), loc[0]+60)])
				}
			}
			for _, re := range []*regexp.Regexp{handlerAttr, styleAttr, jsURL} {
				if m := re.FindString(body); m != "" {
					t.Errorf("%s: %q would break under the strict CSP", p, m)
				}
			}
		}
		srv.Close()
	}
}

func ExampleHandler() {
	ls, err := Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	h := Handler(ls, Page{
		Labs:     []LabInfo{{Name: "time.lab", Proto: "tcp, udp", Port: 37, About: "the time (RFC 868)"}},
		AssetURL: func(name string) string { return name + "?v=1" },
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/lessons/01-time", nil))
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `id="cell-01-time-1"`))
	// Output: 200 true
}

// TestIndexProgress checks what the index page gives static/exercises.js to
// show each lesson's progress: the lesson's slug and its exercises' names.
func TestIndexProgress(t *testing.T) {
	ls, err := Load(os.DirFS("testdata/syntax"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(ls, Page{}))
	defer srv.Close()
	_, body := get(t, "GET", srv.URL+"/")
	for _, want := range []string{
		`<li data-lesson="pairs" data-exercises="say-hi 2"><a href="/lessons/pairs">A server and its client</a> <span class="progress" role="status"></span>`,
		`<script type="module" src="/static/exercises.js"></script>`,
		`<link rel="stylesheet" href="/static/exercises.css">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	_, body = get(t, "GET", srv.URL+"/lessons/pairs")
	if !strings.Contains(body, `<script type="module" src="/static/exercises.js"></script>`) {
		t.Error("lesson page does not load exercises.js")
	}
}

// TestLessonPrograms checks the list of compiled programs a lesson page gives static/lesson.js
// (data-programs): the cells the server has compiled, by ID, and none when it has none.
func TestLessonPrograms(t *testing.T) {
	ls, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	var basic *Lesson
	for _, l := range ls {
		if l.Slug == "basic" {
			basic = l
		}
	}
	if basic == nil || len(basic.Cells) == 0 {
		t.Fatal("testdata has no lesson basic with a cell")
	}
	cell := basic.Cells[0]
	compiled := true
	var asked []string
	srv := httptest.NewServer(Handler(ls, Page{Program: func(src string) string {
		asked = append(asked, src)
		if compiled {
			return `/wasm/<h>"&.wasm`
		}
		return ""
	}}))
	defer srv.Close()

	_, body := get(t, "GET", srv.URL+"/lessons/basic")
	if !slices.Contains(asked, cell.Source) {
		t.Errorf("Program was asked about %q, not about the cell's source", asked)
	}
	m := regexp.MustCompile(`<body [^>]*data-programs="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the lesson page has no data-programs:\n%s", body[:min(len(body), 600)])
	}
	var programs map[string]string
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &programs); err != nil {
		t.Fatalf("data-programs %q: %v", m[1], err)
	}
	if len(programs) != len(basic.Cells) || programs[cell.ID] != `/wasm/<h>"&.wasm` {
		t.Errorf("data-programs = %v, want each cell, %s first, the URL intact", programs, cell.ID)
	}

	compiled = false
	_, body = get(t, "GET", srv.URL+"/lessons/basic")
	if strings.Contains(body, "data-programs") {
		t.Error("a lesson with nothing compiled still has data-programs")
	}
}
