package dissect

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestChineseFTPAndGopher: every note and summary the FTP and Gopher dissectors give on the
// recorded exchanges is in Chinese, except protocol text quoted as it was sent (a reply's
// words, a path, an address), and every meaning their tables hold has its Chinese.
func TestChineseFTPAndGopher(t *testing.T) {
	files, _ := filepath.Glob("testdata/ftp-*.txt")
	more, _ := filepath.Glob("testdata/gopher-*.txt")
	files = append(files, more...)
	if len(files) < 4 {
		t.Fatalf("only %d FTP and Gopher transcripts", len(files))
	}
	notes := 0
	for _, f := range files {
		tr := readTranscript(t, f)
		var sent strings.Builder
		for _, s := range tr.segs {
			sent.Write(s.b)
		}
		msgs := run(tr, nil)
		for i, m := range Translate(msgs, Chinese) {
			if !chineseOrSent(m.Summary, sent.String()) {
				t.Errorf("%s: the summary %q is %q in Chinese", f, msgs[i].Summary, m.Summary)
			}
			for j, n := range m.Notes {
				notes++
				if !hasHan(n.Label) {
					t.Errorf("%s: the label %q has no Chinese", f, msgs[i].Notes[j].Label)
				}
				if !chineseOrSent(n.Detail, sent.String()) {
					t.Errorf("%s: %s: %q is %q in Chinese", f, msgs[i].Notes[j].Label, msgs[i].Notes[j].Detail, n.Detail)
				}
			}
		}
	}
	if notes < 100 {
		t.Errorf("only %d notes in the FTP and Gopher exchanges", notes)
	}
	var meanings []string
	for _, m := range ftpCommands {
		meanings = append(meanings, m)
	}
	for _, m := range ftpReplies {
		meanings = append(meanings, m)
	}
	for _, m := range gopherTypes {
		meanings = append(meanings, m)
	}
	for code := 100; code < 700; code += 100 {
		meanings = append(meanings, replyMeaning(code+99))
	}
	for _, m := range meanings {
		if zh, ok := meaningsZh[m]; !ok || !hasHan(zh) {
			t.Errorf("meaningsZh has no Chinese for %q (dissect/zh.go)", m)
		}
	}
}

// words are runs of two English words: what a note says in English.
var words = regexp.MustCompile(`[A-Za-z]{2,} [A-Za-z]{2,}`)

// chineseOrSent: s is in Chinese, or its English is protocol text from the exchange.
func chineseOrSent(s, sent string) bool {
	if hasHan(s) {
		return true
	}
	for _, w := range words.FindAllString(s, -1) {
		if !strings.Contains(sent, w) {
			return false
		}
	}
	return true
}
