package classroom

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// TestTeacherPageInChinese: /teacher is in Chinese for a teacher who chose Chinese on a
// lesson page or whose browser prefers it, in English otherwise; every word of its Chinese
// page is Chinese.
func TestTeacherPageInChinese(t *testing.T) {
	st, c, _ := open(t, t.TempDir(), "auto")
	defer st.Close()
	h := c.TeacherHandler(func(p string) string { return p })
	page := func(cookie, accept string) string {
		r := httptest.NewRequest("GET", "/teacher", nil)
		if cookie != "" {
			r.Header.Set("Cookie", "socketlab-lang="+cookie)
		}
		if accept != "" {
			r.Header.Set("Accept-Language", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Body.String()
	}
	for _, c := range []struct {
		what, cookie, accept string
		want                 []string
	}{
		{"no preference", "", "", []string{`<html lang="en">`, "<h1>Teacher&#39;s view</h1>", "<th>Exercises passed</th>"}},
		{"Accept-Language zh", "", "zh-CN,zh;q=0.9", []string{`<html lang="zh-CN">`, "<h1>教师视图</h1>", "<th>已通过的练习</th>", "发给所有人"}},
		{"Chinese chosen", "zh", "en-US", []string{`<html lang="zh-CN">`, "花名册"}},
		{"English chosen", "en", "zh-CN", []string{`<html lang="en">`, "Roster"}},
	} {
		got := page(c.cookie, c.accept)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the teacher's page lacks %q", c.what, w)
			}
		}
	}
	v := reflect.ValueOf(teacherChinese)
	for i := range v.NumField() {
		name, s := v.Type().Field(i).Name, v.Field(i).String()
		if name != "Tag" && name != "LastOf" && !strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("teacherChinese.%s = %q is not Chinese", name, s)
		}
	}
}
