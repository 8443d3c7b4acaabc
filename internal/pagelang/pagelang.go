// Package pagelang says which language a page is served in: English or Simplified Chinese.
// The lesson pages choose by their path (/zh/...); pages that have one address for both
// languages (the join page, the teacher's view, an embedded cell) follow the learner's choice
// on the language switch (a cookie) or, before any choice, the browser's Accept-Language.
package pagelang

import (
	"net/http"
	"strconv"
	"strings"
)

const (
	English = "en"
	Chinese = "zh"
)

// Cookie keeps the language a learner chose with the switch on a lesson page.
const Cookie = "socketlab-lang"

// Of is the language of a page with one address for both languages: the learner's choice,
// else the browser's preference.
func Of(r *http.Request) string {
	if c, err := r.Cookie(Cookie); err == nil && (c.Value == English || c.Value == Chinese) {
		return c.Value
	}
	return Preferred(r.Header.Get("Accept-Language"))
}

// Preferred reads an Accept-Language header and says which of the pages' languages the
// browser prefers: Chinese when a zh tag has a higher weight than every en tag (the first
// wins a tie), else English.
func Preferred(header string) string {
	best, bestQ := English, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (primary == Chinese || primary == English) && q > 0 && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// Code reads a language as a query or an attribute gives it ("zh", "zh-CN", "en-GB", ""):
// Chinese for any zh tag, else English.
func Code(s string) string {
	if strings.HasPrefix(strings.ToLower(s), Chinese) {
		return Chinese
	}
	return English
}

// Tag is the lang attribute of a page in lang: "zh-CN" or "en".
func Tag(lang string) string {
	if lang == Chinese {
		return "zh-CN"
	}
	return "en"
}
