package lessons

import (
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// hidden are the parts of a page a learner does not read at first: the checks' parsed form
// (data-check) and the exact check behind its details element.
var hidden = regexp.MustCompile(`data-check="[^"]*"|<details class="check-how">.*?</details>`)

// TestChecksInWords: every check of every exercise, in English and in Chinese, is shown in plain words, and a pattern
// ("output matches") only behind the details element with the exact check, never bare.
func TestChecksInWords(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	ls = WithPython(ls) // the Python track's checks are worded the same way
	for _, l := range ls {
		if zh := l.In(Chinese); zh != nil && zh != l {
			ls = append(ls, zh)
		}
	}
	for _, l := range ls {
		page := string(l.HTML)
		w := wordsFor(l.Lang)
		shown := hidden.ReplaceAllString(page, "")
		for _, ex := range l.Exercises {
			for _, c := range ex.Checks {
				checks++
				where := filepath.Join(l.Lang, l.Slug) + ".md, exercise " + ex.Name + ": " + c.Text
				if w.says(c) == "" {
					t.Errorf("%s: the check has no words", where)
					continue
				}
				says := `<span class="check-says">` + html.EscapeString(w.says(c)) + `</span>`
				if !strings.Contains(shown, says) {
					t.Errorf("%s: the page does not show %q", where, w.says(c))
				}
				if l.Lang == Chinese && !hasHan(w.says(c)) {
					t.Errorf("%s: the check's words %q are not in Chinese", where, w.says(c))
				}
				if c.Op != "output-matches" {
					continue
				}
				if c.Words == "" {
					t.Errorf(`%s.md:%d: %s is a bare regular expression to a learner: add what it wants in words, as output matches "..." (a line of ..., like "...")`, l.Slug, ex.Line, c.Text)
				}
				if strings.Contains(w.says(c), c.Str) || strings.Contains(shown, html.EscapeString(c.Str)) {
					t.Errorf("%s: the pattern %q is shown outside the exact check", where, c.Str)
				}
				if !strings.Contains(page, `<code class="check-text">`+html.EscapeString(c.Text)+`</code></details>`) {
					t.Errorf("%s: the exact check is not behind its details element", where)
				}
			}
		}
	}
	if checks < 40 {
		t.Errorf("only %d checks in all the lessons", checks)
	}
}

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
