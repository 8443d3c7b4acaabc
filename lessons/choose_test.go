package lessons

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestChinesePages: /zh/ serves the Chinese index and lessons, a lesson not translated is
// shown in English with a note, and every page links to itself in the other language.
func TestChinesePages(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		path     string
		contains []string
		lacks    []string
	}{
		{"/zh/", []string{`<html lang="zh-CN">`, `href="/lang/en?to=%2F"`, `<h2>课程</h2>`, `<a href="/zh/lessons/basic">一个小课程</a>`,
			`<a href="/zh/lessons/escaping" hreflang="en" lang="en">`, `<span class="lang-tag">暂无中文版</span>`, `<h2>实验网络</h2>`}, nil},
		{"/zh/lessons/basic", []string{`<html lang="zh-CN">`, `href="/lang/en?to=%2Flessons%2Fbasic"`, `第 1 课（共 2 课）`, `<h1>一个小课程</h1>`, `你好，实验室`,
			`<button class="run">运行</button>`, `<label>参数 `,
			`<a class="up" href="/zh/">全部课程</a>`, `<a class="next" rel="next" href="/zh/lessons/escaping">`},
			[]string{`class="lang-fallback"`}},
		{"/zh/lessons/escaping", []string{`<p class="lang-fallback" role="note">这一课还没有中文版，下面是英文原文。</p>`,
			`<div class="lesson-body" lang="en">`, `<a class="prev" rel="prev" href="/zh/lessons/basic">← 一个小课程</a>`}, nil},
		{"/lessons/basic", []string{`<html lang="en">`, `<a class="lang-switch" href="/lang/zh?to=%2Fzh%2Flessons%2Fbasic" hreflang="zh-CN"`, `>中文</a>`, `hello, lab`},
			[]string{`你好`}},
		{"/zh/lessons/missing", []string{`<h1>页面不存在</h1>`, `<code>/zh/lessons/missing</code>`}, nil},
	}
	for _, tt := range tests {
		_, body := get(t, "GET", srv.URL+tt.path)
		at := 0
		for _, want := range tt.contains {
			i := strings.Index(body[at:], want)
			if i < 0 {
				t.Errorf("GET %s: no %q (after byte %d) in\n%s", tt.path, want, at, body)
				break
			}
			at += i + len(want)
		}
		for _, bad := range tt.lacks {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: has %q", tt.path, bad)
			}
		}
	}
}

// TestChooseLanguage: a first visit to / follows Accept-Language; the switch keeps the choice
// in a cookie, which / follows from then on, whatever the browser prefers.
func TestChooseLanguage(t *testing.T) {
	srv := testServer(t)
	for _, tt := range []struct {
		accept, cookie, want string // want: "" for the English index, else where / redirects
	}{
		{"", "", ""},
		{"en-US,en;q=0.9", "", ""},
		{"zh-CN,zh;q=0.9,en;q=0.8", "", "/zh/"},
		{"en;q=0.5, zh-TW;q=0.8", "", "/zh/"},
		{"fr-FR, en;q=0.9, zh;q=0.8", "", ""},
		{"de", "", ""},
		{"zh-CN", "en", ""},
		{"en", "zh", "/zh/"},
		{"zh;q=bad, en", "", ""},
	} {
		h := map[string]string{}
		if tt.accept != "" {
			h["Accept-Language"] = tt.accept
		}
		if tt.cookie != "" {
			h["Cookie"] = langCookie + "=" + tt.cookie
		}
		resp := do(t, srv.URL+"/", h)
		if tt.want == "" {
			if resp.StatusCode != 200 {
				t.Errorf("Accept-Language %q, cookie %q: status %d, want the English index", tt.accept, tt.cookie, resp.StatusCode)
			}
		} else if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != tt.want {
			t.Errorf("Accept-Language %q, cookie %q: %d to %q, want 302 to %q", tt.accept, tt.cookie, resp.StatusCode, loc, tt.want)
		}
		if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
			t.Errorf("Vary is %q: a cache must keep / apart by language and cookie", v)
		}
	}

	// The switch sets the cookie and goes to the page; a path elsewhere goes to the index.
	for _, tt := range []struct{ path, cookie, loc string }{
		{"/lang/zh?to=%2Fzh%2Flessons%2Fbasic", "zh", "/zh/lessons/basic"},
		{"/lang/en?to=%2Flessons%2Fbasic", "en", "/lessons/basic"},
		{"/lang/zh?to=https://elsewhere.example/", "zh", "/zh/"},
		{"/lang/en?to=//elsewhere.example/", "en", "/"},
	} {
		resp := do(t, srv.URL+tt.path, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.loc {
			t.Errorf("GET %s: %d to %q, want 303 to %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.loc)
		}
		var got string
		for _, c := range resp.Cookies() {
			if c.Name == langCookie {
				got = c.Value
			}
		}
		if got != tt.cookie {
			t.Errorf("GET %s: cookie %q, want %q", tt.path, got, tt.cookie)
		}
	}
	if resp := do(t, srv.URL+"/lang/fr?to=/", nil); resp.StatusCode != 404 {
		t.Errorf("GET /lang/fr: %d, want 404", resp.StatusCode)
	}
	if resp := do(t, srv.URL+"/zh", nil); resp.Header.Get("Location") != "/zh/" {
		t.Errorf("GET /zh: to %q, want /zh/", resp.Header.Get("Location"))
	}
}

// TestTranslationShape: a translation must keep its original's cells and exercises, and
// needs an original.
func TestTranslationShape(t *testing.T) {
	cell := "```go run\npackage main\n\nfunc main() {}\n```\n"
	front := "---\ntitle: T\norder: 1\n---\n\n"
	for _, tt := range []struct {
		name, zh, want string
	}{
		{"a.md", front + cell, ""},
		{"a.md", front + cell + cell, `zh/a.md:1: the cells are ["a-1" "a-2"] but the English lesson's are ["a-1"]`},
		{"b.md", front + cell, "zh/b.md:1: there is no b.md beside the zh/ folder"},
	} {
		fsys := fstest.MapFS{"a.md": {Data: []byte(front + cell)}, "zh/" + tt.name: {Data: []byte(tt.zh)}}
		ls, err := Load(fsys)
		if tt.want == "" {
			if err != nil || ls[0].In(Chinese) == nil || ls[0].In(Chinese).Lang != Chinese {
				t.Errorf("a good translation: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got error %v, want %q", err, tt.want)
		}
	}
}

// TestChineseLineBreaks: a line break between two Chinese characters in a Chinese lesson's
// paragraph is no space on the page; in English it stays one.
func TestChineseLineBreaks(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	zh := ls[0].In(Chinese)
	if zh == nil {
		t.Fatal("01-time has no Chinese translation")
	}
	page := string(zh.HTML)
	if !strings.Contains(page, "一行就能写完。拿它做") && !strings.Contains(page, "大概是最简单的网络对话了。拿它做第一个程序正合适") {
		t.Errorf("the line break after 了。 is not gone in the Chinese page:\n%.600s", page)
	}
	if strings.Contains(page, "了。\n拿它") || strings.Contains(page, "了。 拿它") {
		t.Errorf("the Chinese page keeps a break between two sentences")
	}
}

// TestChineseEmphasis: no Chinese lesson, of either track, shows a ** or a stray * that
// Markdown did not take as emphasis (a closing ** after a Chinese full stop and before a
// character is not one).
func TestChineseEmphasis(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range WithPython(ls) {
		zh := l.In(Chinese)
		if zh == nil {
			continue
		}
		text := regexp.MustCompile(`(?s)<pre.*?</pre>|<code.*?</code>|<textarea.*?</textarea>`).ReplaceAllString(string(zh.HTML), "")
		for i, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "**") || regexp.MustCompile(`[^\s]\*[^\s]`).MatchString(line) {
				t.Errorf("%s: the page's line %d shows Markdown's stars: %s", zh.File(), i+1, line)
			}
		}
	}
}

// TestLabAboutInChinese: the built-in lab servers' lines have Chinese for the Chinese index,
// and an unknown line stays as the gateway gave it.
func TestLabAboutInChinese(t *testing.T) {
	zh := pageFor(Chinese, "/zh/")
	if got := labAbout(zh, "RFC 868 time: 4 bytes, seconds since 1900"); got != "RFC 868 时间：4 个字节，自 1900 年起的秒数" {
		t.Errorf("time.lab in Chinese: %q", got)
	}
	if got := labAbout(zh, "echo"); got != "echo" {
		t.Errorf("an unknown line in Chinese: %q", got)
	}
	if got := labAbout(pageFor(English, "/"), "RFC 868 time: 4 bytes, seconds since 1900"); got != "RFC 868 time: 4 bytes, seconds since 1900" {
		t.Errorf("time.lab in English: %q", got)
	}
	for en, zhText := range labAboutZh {
		if !hasHan(zhText) {
			t.Errorf("labAboutZh[%q] is not Chinese", en)
		}
	}
}

// TestCheckInChinese: ?lang=zh judges with the Chinese lesson's checks and says the details in
// Chinese; an unknown language is a 400.
func TestCheckInChinese(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(CheckHandler(ls))
	defer srv.Close()
	post := func(query string) (int, string) {
		resp, err := http.Post(srv.URL+"/api/check"+query, "application/json",
			strings.NewReader(`{"lesson":"01-time","exercise":"show-bytes","output":"服务器时间：x\n","exit":0,"events":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("?lang=zh")
	if code != 200 || !strings.Contains(body, "输出中没有一行用十六进制表示的四个字节") || !strings.Contains(body, "接收了 0 字节（来自 time.lab:37）") {
		t.Errorf("in Chinese: %d %s", code, body)
	}
	// The Chinese check looks for the Chinese output; the English one for "server time is".
	if !strings.Contains(body, `{"ok":true`) {
		t.Errorf("the Chinese output passes no check: %s", body)
	}
	code, body = post("")
	if code != 200 || !strings.Contains(body, "the output does not show a line of the four bytes in hex") {
		t.Errorf("in English: %d %s", code, body)
	}
	if code, _ := post("?lang=fr"); code != 400 {
		t.Errorf("lang=fr: %d, want 400", code)
	}
}
