package event

import (
	"fmt"
	"strings"
)

// A small reading of the page's JavaScript, enough to find where it names event kinds: it
// splits a script into tokens (skipping comments, reading strings, template literals and
// regular expressions as such) and looks for string literals in three places:
//
//   - compared with a kind: ev.kind === "send", "send" !== a.kind, kind == "send";
//   - as a case of a switch on a kind: switch (ev.kind) { case "send": ... };
//   - as an element of an array in a declaration or function named for kinds:
//     const DATA_KINDS = new Set(["send", ...]), function dirKinds() { return ["send"]; }.
//
// It also notes the kinds of the page's own records ({ kind: "tcp", ... }), which are
// compared with a kind but are no event's.

// jsKinds is what the scripts name: each word used as a kind, with where ("file:line").
type jsKinds struct {
	used    map[string][]string
	records map[string]bool
}

type jsTok struct {
	kind byte // 'i' identifier, 's' string, 't' template text, 'r' regexp, 'n' number, 'p' punctuation
	text string
	line int
}

func (k *jsKinds) scan(file, src string) {
	toks := jsTokens(src)
	at := func(i int) jsTok {
		if i < 0 || i >= len(toks) {
			return jsTok{}
		}
		return toks[i]
	}
	use := func(i int) {
		k.used[toks[i].text] = append(k.used[toks[i].text], fmt.Sprintf("%s:%d", file, toks[i].line))
	}
	isKind := func(t jsTok) bool { return t.kind == 'i' && t.text == "kind" }
	for i, t := range toks {
		switch {
		case t.kind == 's' && isEq(at(i-1)) && isKind(at(i-2)):
			use(i) // kind === "x", ev.kind !== "x"
		case t.kind == 's' && isEq(at(i+1)) && isKind(at(memberEnd(toks, i+2))):
			use(i) // "x" === ev.kind
		case t.kind == 's' && at(i-1).text == ":" && isKind(at(i-2)) && (at(i-3).text == "{" || at(i-3).text == ","):
			k.records[t.text] = true // { kind: "tcp" }
		case t.kind == 'i' && t.text == "switch" && at(i+1).text == "(":
			end := closing(toks, i+1)
			if isKind(at(end-1)) && at(end+1).text == "{" {
				k.cases(toks, end+1, use)
			}
		case t.kind == 'i' && strings.HasSuffix(strings.ToLower(t.text), "kinds") && at(i+1).text == "=":
			k.arrays(toks, i+2, declEnd(toks, i+2), use)
		case t.kind == 'i' && strings.HasSuffix(strings.ToLower(t.text), "kinds") && at(i-1).text == "function" && at(i+1).text == "(":
			body := closing(toks, i+1) + 1
			if at(body).text == "{" {
				k.arrays(toks, body, closing(toks, body), use)
			}
		}
	}
}

// cases notes the string cases of the switch whose body opens at toks[open], not those of
// switches inside it.
func (k *jsKinds) cases(toks []jsTok, open int, use func(int)) {
	depth := 0
	for i := open + 1; i < len(toks) && depth >= 0; i++ {
		switch t := toks[i]; {
		case t.kind == 'p' && strings.Contains("{([", t.text):
			depth++
		case t.kind == 'p' && strings.Contains("})]", t.text):
			depth--
		case depth == 0 && t.kind == 'i' && t.text == "case" && i+2 < len(toks) && toks[i+1].kind == 's' && toks[i+2].text == ":":
			use(i + 1)
		}
	}
}

// arrays notes the strings that are elements of array literals in toks[from:to].
func (k *jsKinds) arrays(toks []jsTok, from, to int, use func(int)) {
	var open []string
	for i := from; i < to && i < len(toks); i++ {
		switch t := toks[i]; {
		case t.kind == 'p' && strings.Contains("{([", t.text):
			open = append(open, t.text)
		case t.kind == 'p' && strings.Contains("})]", t.text) && len(open) > 0:
			open = open[:len(open)-1]
		case t.kind == 's' && len(open) > 0 && open[len(open)-1] == "[" &&
			(toks[i-1].text == "[" || toks[i-1].text == ",") && i+1 < len(toks) && (toks[i+1].text == "]" || toks[i+1].text == ","):
			use(i)
		}
	}
}

func isEq(t jsTok) bool {
	return t.kind == 'p' && (t.text == "===" || t.text == "!==" || t.text == "==" || t.text == "!=")
}

// memberEnd returns the index of the last identifier of the member expression a.b.c that
// starts at toks[i].
func memberEnd(toks []jsTok, i int) int {
	if i >= len(toks) || toks[i].kind != 'i' {
		return -1
	}
	for i+2 < len(toks) && (toks[i+1].text == "." || toks[i+1].text == "?.") && toks[i+2].kind == 'i' {
		i += 2
	}
	return i
}

// closing returns the index of the bracket that closes the one at toks[open].
func closing(toks []jsTok, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		if toks[i].kind != 'p' {
			continue
		}
		switch toks[i].text {
		case "{", "(", "[":
			depth++
		case "}", ")", "]":
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return len(toks)
}

// declEnd returns where the initialiser that starts at toks[i] ends: at a ";" or "," outside
// brackets, or at the bracket that closes around it.
func declEnd(toks []jsTok, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		if toks[i].kind != 'p' {
			continue
		}
		switch toks[i].text {
		case "{", "(", "[":
			depth++
		case "}", ")", "]":
			if depth--; depth < 0 {
				return i
			}
		case ";", ",":
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsKeywords are the words after which a "/" starts a regular expression, not a division.
var jsKeywords = map[string]bool{"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true,
	"of": true, "new": true, "delete": true, "void": true, "throw": true, "instanceof": true, "yield": true, "await": true}

// jsPunct are the punctuators of more than one character that matter here, longest first.
var jsPunct = []string{"===", "!==", "...", "==", "!=", "=>", "?.", "&&", "||", "??", "<=", ">="}

// jsTokens splits a script into tokens. String tokens hold the string's value (escapes read
// loosely: a backslash keeps the next character); template literals give 't' tokens for their
// text and ordinary tokens for the expressions in ${...}.
func jsTokens(src string) []jsTok {
	var toks []jsTok
	var exprs []int // for each ${ still open, the braces opened inside it
	line := 1
	emit := func(kind byte, text string) { toks = append(toks, jsTok{kind, text, line}) }
	regexOK := func() bool {
		if len(toks) == 0 {
			return true
		}
		switch last := toks[len(toks)-1]; last.kind {
		case 'i':
			return jsKeywords[last.text]
		case 'p':
			return last.text != ")" && last.text != "]" && last.text != "}"
		}
		return false
	}
	// template reads template text from src[i] to the closing backquote or a "${".
	template := func(i int) int {
		var b strings.Builder
		for i < len(src) {
			switch {
			case src[i] == '\\' && i+1 < len(src):
				b.WriteByte(src[i+1])
				i += 2
				continue
			case src[i] == '`':
				emit('t', b.String())
				return i + 1
			case strings.HasPrefix(src[i:], "${"):
				emit('t', b.String())
				exprs = append(exprs, 0)
				return i + 2
			case src[i] == '\n':
				line++
			}
			b.WriteByte(src[i])
			i++
		}
		emit('t', b.String())
		return i
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				end = len(src) - i - 4
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
				j++
			}
			emit('s', b.String())
			i = j + 1
		case c == '`':
			i = template(i + 1)
		case c == '}' && len(exprs) > 0 && exprs[len(exprs)-1] == 0:
			exprs = exprs[:len(exprs)-1]
			i = template(i + 1)
		case c == '/' && regexOK():
			j, class := i+1, false
			for j < len(src) && src[j] != '\n' && (class || src[j] != '/') {
				switch src[j] {
				case '\\':
					j++
				case '[':
					class = true
				case ']':
					class = false
				}
				j++
			}
			for j++; j < len(src) && isIdent(src[j]); j++ {
			}
			emit('r', src[i:min(j, len(src))])
			i = j
		case isIdent(c) && !(c >= '0' && c <= '9'):
			j := i
			for j < len(src) && isIdent(src[j]) {
				j++
			}
			emit('i', src[i:j])
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (isIdent(src[j]) || src[j] == '.') {
				j++
			}
			emit('n', src[i:j])
			i = j
		default:
			p := src[i : i+1]
			for _, q := range jsPunct {
				if strings.HasPrefix(src[i:], q) {
					p = q
					break
				}
			}
			if len(exprs) > 0 && p == "{" {
				exprs[len(exprs)-1]++
			}
			if len(exprs) > 0 && p == "}" {
				exprs[len(exprs)-1]--
			}
			emit('p', p)
			i += len(p)
		}
	}
	return toks
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
