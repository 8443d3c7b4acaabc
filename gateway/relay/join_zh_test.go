package relay

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// TestJoinPageInChinese: the join page speaks Chinese to a learner on the way to a Chinese
// page, or who chose Chinese (the cookie) or whose browser prefers it, and English otherwise,
// its errors too; every word of the Chinese page is Chinese.
func TestJoinPageInChinese(t *testing.T) {
	class := NewClass("k7m-qx2-r9d")
	gate := class.Gate(http.NotFoundHandler())
	ask := func(method, target, cookie, accept string, form url.Values) string {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		r := httptest.NewRequest(method, target, body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			r.Header.Set("Cookie", "socketlab-lang="+cookie)
		}
		if accept != "" {
			r.Header.Set("Accept-Language", accept)
		}
		w := httptest.NewRecorder()
		gate.ServeHTTP(w, r)
		return w.Body.String()
	}
	for _, c := range []struct {
		what, method, target, cookie, accept string
		form                                 url.Values
		want                                 []string
	}{
		{"no preference", "GET", "/join", "", "", nil, []string{`<html lang="en">`, "<h1>Join the class</h1>", "<code>NAME.lab</code>"}},
		{"Accept-Language zh-CN", "GET", "/join", "", "zh-CN,zh;q=0.9,en;q=0.5", nil, []string{`<html lang="zh-CN">`, "<h1>加入班级</h1>", "加入码", "<code>名字.lab</code>"}},
		{"on the way to a Chinese lesson", "GET", "/join?next=" + url.QueryEscape("/zh/lessons/01-time"), "", "en", nil, []string{`<html lang="zh-CN">`, `value="/zh/lessons/01-time"`}},
		{"the English choice over the browser", "GET", "/join", "en", "zh-CN", nil, []string{`<html lang="en">`}},
		{"a wrong code, Chinese chosen", "POST", "/join", "zh", "", url.Values{"code": {"wrong"}, "name": {"ann"}}, []string{"这不是本班的加入码：请向老师核对。"}},
		{"a bad name, Chinese chosen", "POST", "/join", "zh", "", url.Values{"code": {"k7m-qx2-r9d"}, "name": {"9"}}, []string{"请取一个由 2 到 20 个小写字母"}},
		{"a wrong code in English", "POST", "/join", "", "", url.Values{"code": {"wrong"}, "name": {"ann"}}, []string{"That is not this class&#39;s join code"}},
	} {
		page := ask(c.method, c.target, c.cookie, c.accept, c.form)
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the join page lacks %q:\n%s", c.what, w, page)
			}
		}
	}
	v := reflect.ValueOf(joinChinese)
	for i := range v.NumField() {
		s := v.Field(i).String()
		if v.Type().Field(i).Name != "Tag" && !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("joinChinese.%s = %q is not Chinese", v.Type().Field(i).Name, s)
		}
	}
}
