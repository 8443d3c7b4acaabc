package lessons

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPythonTrackPages serves the built-in lessons: the Python track has its own index at
// /python/ and its lessons at /python/SLUG, their cells marked data-lang="python", and each
// lesson links its Go lesson and back; /zh/python/ serves it too, each lesson in Chinese when
// content/python/zh/ has it, else in English with a note, and the language switch of each
// page goes to the same Python lesson in the other language.
func TestPythonTrackPages(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	py := PythonTrack(ls)
	if len(py) == 0 {
		t.Fatal("the built-in lessons have no Python track (lessons/content/python/)")
	}
	srv := httptest.NewServer(Handler(ls, Page{}))
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(path string) (int, string) {
		t.Helper()
		resp, err := noRedirect.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	has := func(path, body string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not contain %q", path, w)
			}
		}
	}

	code, body := fetch("/python/")
	if code != 200 {
		t.Fatalf("/python/: %d", code)
	}
	has("/python/", body, `<a href="/">The lessons in Go</a>`, "real Python 3 programs")
	for _, l := range py {
		has("/python/", body, `<li data-lesson="py-`+l.Slug+`"`, `<a href="/python/`+l.Slug+`">`+l.Title+`</a>`)
	}
	if strings.Contains(body, `href="/lessons/`) {
		t.Errorf("/python/ links a Go lesson")
	}
	_, body = fetch("/")
	has("/", body, `<a href="/python/">The same lessons in Python</a>`)

	// The Chinese Python index: each lesson under /zh/python/, by its Chinese title when it
	// has one, and a link to the Chinese Go lessons.
	code, body = fetch("/zh/python/")
	if code != 200 {
		t.Fatalf("/zh/python/: %d", code)
	}
	translated := 0
	for _, l := range py {
		link := `<a href="/zh/python/` + l.Slug + `" hreflang="en" lang="en">` + template.HTMLEscapeString(l.Title) + `</a>`
		if zh := l.In(Chinese); zh != nil {
			link = `<a href="/zh/python/` + l.Slug + `">` + template.HTMLEscapeString(zh.Title) + `</a>`
			translated++
		}
		has("/zh/python/", body, `<li data-lesson="py-`+l.Slug+`"`, link)
	}
	has("/zh/python/", body, `<a href="/zh/">`)
	if translated == 0 {
		t.Errorf("no lesson of the Python track is in Chinese (content/python/zh/)")
	}

	for i, l := range py {
		path := "/python/" + l.Slug
		code, body := fetch(path)
		if code != 200 {
			t.Errorf("%s: %d", path, code)
			continue
		}
		body0 := body
		has(path, body, `data-lesson="py-`+l.Slug+`"`, `data-lang="python"`,
			`<a href="/lessons/`+l.Slug+`">This lesson in Go</a>`, `<a class="up" href="/python/">`)
		if i+1 < len(py) {
			has(path, body, `<a class="next" rel="next" href="/python/`+py[i+1].Slug+`">`)
		}
		if strings.Contains(body, `data-lang="go"`) || strings.Contains(body, `id="cell-`+l.Slug+`-`) {
			t.Errorf("%s has a cell that is not the Python track's", path)
		}
		_, body = fetch("/lessons/" + l.Slug)
		has("/lessons/"+l.Slug, body, `<a href="/python/`+l.Slug+`">This lesson in Python</a>`)
		zpath := "/zh/python/" + l.Slug
		_, body = fetch(zpath)
		has(zpath, body, `<a href="/zh/lessons/`+l.Slug+`">这一课的 Go 版</a>`, `data-lesson="py-`+l.Slug+`"`, `data-lang="python"`,
			`<a class="up" href="/zh/python/">`, `href="/lang/en?to=%2Fpython%2F`+l.Slug+`"`)
		if zh := l.In(Chinese); zh != nil {
			// A translated Python lesson: its own Chinese title, no fallback note, and the
			// next lesson on the Chinese Python track.
			has(zpath, body, zh.Title)
			if strings.Contains(body, `class="lang-fallback"`) {
				t.Errorf("%s is translated (%s) but shows the note of a lesson in English", zpath, zh.File())
			}
			if i+1 < len(py) {
				has(zpath, body, `<a class="next" rel="next" href="/zh/python/`+py[i+1].Slug+`">`)
			}
		} else {
			has(zpath, body, `class="lang-fallback"`)
		}
		has(path, body0, `href="/lang/zh?to=%2Fzh%2Fpython%2F`+l.Slug+`"`)
		_, body = fetch("/zh/lessons/" + l.Slug)
		has("/zh/lessons/"+l.Slug, body, `<a href="/zh/python/`+l.Slug+`">这一课的 Python 版</a>`)
	}
	for path, want := range map[string]int{"/python": 301, "/python/no-such-lesson": 404, "/zh/python/": 200, "/zh/python": 301} {
		if code, _ := fetch(path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
}

// TestPythonTrackChecks: the page of a Python lesson posts its exercises' runs as py-SLUG,
// and they are judged by the Python lesson's checks.
func TestPythonTrackChecks(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(CheckHandler(ls))
	defer srv.Close()
	for _, l := range PythonTrack(ls) {
		for _, e := range l.Exercises {
			body := `{"lesson":"` + l.Key() + `","exercise":"` + e.Name + `","output":"","exit":0,"events":[]}`
			resp, err := http.Post(srv.URL+"/api/check", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Count(string(b), `"ok"`) != len(e.Checks) {
				t.Errorf("checking %s %s: %d %s", l.Key(), e.Name, resp.StatusCode, b)
			}
		}
	}
}

// TestPythonTrackShape: every lesson of the Python track mirrors a Go lesson, its cells are
// all Python, each with its expected output, and every Go lesson has its Python version.
func TestPythonTrackShape(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.InPython == nil {
			t.Errorf("%s.md has no Python version (content/python/%s.md)", l.Slug, l.Slug)
			continue
		}
		p := l.InPython
		if p.InGo != l || p.Track != Python || p.Key() != "py-"+l.Slug {
			t.Errorf("%s: the Python lesson is not linked back", l.Slug)
		}
		if p.Summary == "" {
			t.Errorf("%s has no summary (the index shows it)", p.File())
		}
		for _, c := range p.Cells {
			if c.Lang != Python || !strings.HasPrefix(c.ID, "py-"+l.Slug+"-") {
				t.Errorf("%s: cell %s is %s", p.File(), c.ID, c.Lang)
			}
			if len(c.Runs) == 0 {
				t.Errorf("%s:%d: cell %s has no output block", p.File(), c.Line, c.ID)
			}
		}
		if len(p.Exercises) == 0 {
			t.Errorf("%s has no exercise", p.File())
		}
	}
}

// TestPythonTrackChecksInChinese: the Chinese page of a Python lesson posts its runs as
// py-SLUG with lang=zh, and they are judged by the Chinese lesson's checks, which look for its
// Chinese output and say why in Chinese; in English the same run fails the English check.
func TestPythonTrackChecksInChinese(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if ls[0].InPython == nil || ls[0].InPython.In(Chinese) == nil {
		t.Fatal("01-time has no Chinese Python lesson (content/python/zh/01-time.md)")
	}
	srv := httptest.NewServer(CheckHandler(ls))
	defer srv.Close()
	post := func(query string) string {
		t.Helper()
		resp, err := http.Post(srv.URL+"/api/check"+query, "application/json",
			strings.NewReader(`{"lesson":"py-01-time","exercise":"show-bytes","output":"服务器时间：x\n","exit":0,"events":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("checking py-01-time%s: %d %s", query, resp.StatusCode, b)
		}
		return string(b)
	}
	body := post("?lang=zh")
	if !strings.Contains(body, "输出中没有一行用十六进制表示的四个字节") {
		t.Errorf("in Chinese, the failed check does not say why in Chinese: %s", body)
	}
	if strings.Count(body, `{"ok":true`) != 2 {
		t.Errorf("in Chinese, want the Chinese output and the exit status to pass: %s", body)
	}
	body = post("")
	if strings.Count(body, `{"ok":true`) != 1 || !strings.Contains(body, "the output does not show a line of the four bytes in hex") {
		t.Errorf("in English, want only the exit status to pass: %s", body)
	}
}
