package lessons

import (
	"fmt"
	"regexp"
	"strings"
)

// cellInfo is what the info string of a runnable block says about its cell.
type cellInfo struct {
	Name string // from id=NAME; "" when the block has none
	Args string // from args=..., as written (split with splitArgs)
}

// validName is the shape of a cell name given with id=. It starts with a
// letter so it never looks like a cell's number.
var validName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// parseInfo reads the info string of a fenced code block and reports whether
// the block is a runnable cell. The grammar is small and strict:
//
//	info  = "go" SP "run" { SP attr }
//	attr  = ("args" | "id") "=" value
//	value = bare | '"' { any but '"' } '"' | "'" { any but "'" } "'"
//
// where SP is one or more spaces or tabs and bare is one or more characters
// that are neither space nor quote. A block whose first word is not "go" is
// plain code; a "go" block with anything after "go" must be a well-formed
// "go run" line, so a typo is an error rather than a silently dead cell.
func parseInfo(info string) (ci cellInfo, isCell bool, err error) {
	lang, rest := nextWord(info)
	if lang != "go" {
		return ci, false, nil
	}
	word, rest := nextWord(rest)
	switch word {
	case "":
		return ci, false, nil
	case "run":
	default:
		return ci, false, fmt.Errorf("info string %q: after \"go\" only \"run\" may follow (write \"go run\" for a runnable cell, or just \"go\" for plain code)", clip(info))
	}
	seen := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return ci, true, nil
		}
		var key, value string
		key, value, rest, err = nextAttr(rest)
		if err != nil {
			return ci, false, fmt.Errorf("info string %q: %v", clip(info), err)
		}
		if seen[key] {
			return ci, false, fmt.Errorf("info string %q: %s is given twice", clip(info), key)
		}
		seen[key] = true
		switch key {
		case "args":
			ci.Args = value
		case "id":
			if !validName.MatchString(value) {
				return ci, false, fmt.Errorf("info string %q: id %q must be lower-case letters, digits and dashes, start with a letter, at most 40 long", clip(info), clip(value))
			}
			ci.Name = value
		default:
			return ci, false, fmt.Errorf("info string %q: unknown attribute %q (known: args, id)", clip(info), clip(key))
		}
	}
}

// nextWord returns the first space-separated word of s and what follows it.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// nextAttr reads one key=value from the start of s.
func nextAttr(s string) (key, value, rest string, err error) {
	i := strings.IndexAny(s, "= \t")
	if i < 0 || s[i] != '=' {
		word, _ := nextWord(s)
		return "", "", "", fmt.Errorf("%q has no value: write key=value", clip(word))
	}
	key, s = s[:i], s[i+1:]
	if key == "" {
		return "", "", "", fmt.Errorf("an attribute has no name before =")
	}
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		q := s[0]
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return "", "", "", fmt.Errorf("the value of %s opens a %c quote that is never closed", key, q)
		}
		value, rest = s[1:1+end], s[2+end:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", "", fmt.Errorf("the quoted value of %s must be followed by a space or the end of the line", key)
		}
		return key, value, rest, nil
	}
	value, rest = nextWord(s)
	if value == "" || s[0] == ' ' || s[0] == '\t' {
		return "", "", "", fmt.Errorf("%s= has no value (use %s=\"\" for an empty one)", key, key)
	}
	if strings.ContainsAny(value, `"'`) {
		return "", "", "", fmt.Errorf("the value of %s has a quote inside it: quote the whole value instead", key)
	}
	return key, value, rest, nil
}

// splitArgs splits a command line the way the page's Arguments field does
// (splitArgs in static/format.js): words are separated by ASCII white space,
// and double quotes group a run of text, spaces included, into one word
// ("" is an empty word). There are no escapes; an unclosed quote runs to the
// end.
func splitArgs(s string) []string {
	var (
		args   []string
		word   strings.Builder
		inWord bool
		quoted bool
	)
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case !quoted && strings.ContainsRune(" \t\n\r\f\v", r):
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, word.String())
	}
	return args
}
