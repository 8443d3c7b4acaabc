package lessons

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// glossaryTerm is a row of docs/glossary.md: a term, its Chinese, and the variants a Chinese
// text must not use for it.
type glossaryTerm struct {
	en, zh   string
	variants []string
	line     int
}

// readGlossary reads the table of docs/glossary.md.
func readGlossary(t *testing.T) []glossaryTerm {
	t.Helper()
	f, err := os.Open("../docs/glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var terms []glossaryTerm
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		cols := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		if len(cols) != 3 || strings.HasPrefix(strings.TrimSpace(cols[0]), "---") || strings.TrimSpace(cols[0]) == "English" {
			continue
		}
		term := glossaryTerm{en: strings.TrimSpace(cols[0]), zh: strings.TrimSpace(cols[1]), line: n}
		for _, v := range strings.Split(cols[2], ",") {
			if v = strings.TrimSpace(v); v != "" {
				term.variants = append(term.variants, v)
			}
		}
		terms = append(terms, term)
	}
	return terms
}

// chineseTexts are the files whose Chinese follows the glossary: the Chinese lessons (the Go
// track's and the Python track's) and the
// pages' Chinese words (the lesson pages and their scripts, the check details, the join page,
// the teacher's view, the wire view's notes).
func chineseTexts(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("content/zh/*.md")
	if err != nil {
		t.Fatal(err)
	}
	py, err := filepath.Glob("content/python/zh/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, py...)
	return append(files, "choose.go", "words.go", "grade/words_zh.go", "grade/detail_zh.go", "../static/i18n.js",
		"../dissect/zh.go", "../gateway/relay/class.go", "../gateway/classroom/http.go")
}

// TestGlossary: every Chinese text uses the glossary's term, never a listed variant; a line
// with a variant fails with its file and line.
func TestGlossary(t *testing.T) {
	terms := readGlossary(t)
	if len(terms) < 20 {
		t.Fatalf("docs/glossary.md: only %d terms read; is the table's shape | English | 中文 | Not |?", len(terms))
	}
	for _, term := range terms {
		if term.zh == "" {
			t.Errorf("docs/glossary.md:%d: %q has no Chinese", term.line, term.en)
		}
		for _, v := range term.variants {
			if strings.Contains(term.zh, v) {
				t.Errorf("docs/glossary.md:%d: the variant %q is part of the term %q itself", term.line, v, term.zh)
			}
		}
	}
	for _, file := range chineseTexts(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, term := range terms {
				for _, v := range term.variants {
					if strings.Contains(line, v) {
						t.Errorf("%s:%d: %q: the glossary says %s for %q (docs/glossary.md:%d)", file, i+1, v, term.zh, term.en, term.line)
					}
				}
			}
		}
	}
}

// TestGlossaryCatches: a line with a variant is caught.
func TestGlossaryCatches(t *testing.T) {
	terms := readGlossary(t)
	line := "服务器在 37 号端口侦听。"
	caught := false
	for _, term := range terms {
		for _, v := range term.variants {
			if strings.Contains(line, v) && term.zh == "监听" {
				caught = true
			}
		}
	}
	if !caught {
		t.Errorf("%q: the variant 侦听 of 监听 is not caught", line)
	}
}
