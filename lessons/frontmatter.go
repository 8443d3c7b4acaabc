package lessons

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fileError is an error at a place in a lesson file. Its text reads
// "NAME:LINE: what went wrong", the shape editors and terminals link to.
type fileError struct {
	File string
	Line int
	Msg  string
}

func (e *fileError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func errorf(file string, line int, format string, args ...any) error {
	return &fileError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// frontMatter is what a lesson says about itself in the block between the
// two --- lines at the top of its file.
type frontMatter struct {
	Title   string
	Summary string
	Order   int
}

const fence = "---"

// parseFrontMatter reads the front matter at the top of src. It returns the
// Markdown that follows and the number of lines before it, so that line n of
// body is line n+skipped of the file.
//
// The block is deliberately small: one "key: value" per line, blank lines
// and "# comment" lines allowed, a value may be wrapped in matching single or
// double quotes. Unknown or repeated keys are errors, so a typo never passes
// unnoticed.
func parseFrontMatter(file string, src []byte) (fm frontMatter, body []byte, skipped int, err error) {
	line, rest, ok := cutLine(src)
	if strings.TrimSpace(line) != fence {
		return fm, nil, 0, errorf(file, 1, "missing front matter: the file must start with a --- line, then title:, summary: and order: lines, then another ---")
	}
	n := 1
	seen := map[string]int{}
	for {
		if !ok {
			return fm, nil, 0, errorf(file, 1, "the front matter has no closing --- line")
		}
		line, rest, ok = cutLine(rest)
		n++
		text := strings.TrimSpace(line)
		if text == fence {
			break
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, found := strings.Cut(text, ":")
		if !found {
			return fm, nil, 0, errorf(file, n, "front matter line %q is not key: value", clip(text))
		}
		key = strings.TrimSpace(key)
		if first, dup := seen[key]; dup {
			return fm, nil, 0, errorf(file, n, "%s is set twice (first on line %d)", key, first)
		}
		seen[key] = n
		value, err := unquote(strings.TrimSpace(value))
		if err != nil {
			return fm, nil, 0, errorf(file, n, "%s: %v", key, err)
		}
		switch key {
		case "title":
			if value == "" {
				return fm, nil, 0, errorf(file, n, "title is empty")
			}
			fm.Title = value
		case "summary":
			fm.Summary = value
		case "order":
			o, err := strconv.Atoi(value)
			if err != nil || o < 1 {
				return fm, nil, 0, errorf(file, n, "order must be a whole number of 1 or more, not %q", clip(value))
			}
			fm.Order = o
		default:
			return fm, nil, 0, errorf(file, n, "unknown front matter key %q (known keys: title, summary, order)", clip(key))
		}
	}
	if fm.Title == "" {
		return fm, nil, 0, errorf(file, 1, "the front matter has no title: line")
	}
	if fm.Order == 0 {
		return fm, nil, 0, errorf(file, 1, "the front matter has no order: line (a whole number that places the lesson in the list)")
	}
	return fm, rest, n, nil
}

// cutLine splits off the first line of b, without its line ending. ok is
// false when b had no newline, so line was the last one.
func cutLine(b []byte) (line string, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return string(b), nil, false
	}
	return string(b[:i]), b[i+1:], true
}

// unquote removes one pair of matching quotes around v, if any.
func unquote(v string) (string, error) {
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return v, nil
	}
	q := v[0]
	if len(v) < 2 || v[len(v)-1] != q {
		return "", fmt.Errorf("the value opens with %c but does not end with one", q)
	}
	return v[1 : len(v)-1], nil
}

// clip shortens s for quoting in an error message.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
