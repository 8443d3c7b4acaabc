package lessons

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"socketlab/gateway/faults"
)

// blockKind says what a fenced code block is for.
type blockKind int

const (
	plainBlock    blockKind = iota // code to read, not to run
	cellBlock                      // "go run": a runnable cell
	outputBlock                    // "output" or "output match": what the cell above prints
	exerciseBlock                  // "exercise": checks over a run of a cell
)

// blockInfo is what the info string of a fenced block says.
type blockInfo struct {
	Kind blockKind

	// Cells ("go run" or "python run").
	Lang string // "go" or "python"
	Name string // from id=NAME; "" when the block has none
	With string // from with=NAME: the cell that must be running first

	// Cells and output blocks. Nil when the attribute is absent, so that an
	// output block can tell "not given" (use the cell's) from "given empty".
	Args   *string // as written (split with splitArgs)
	Stdin  *string // escapes decoded
	Exit   *int
	Faults *string // the lab's faults, in their canonical form (package faults)

	// Output blocks.
	Match bool // "output match": lines with {{regexp}} holes and "..." lines
}

// validName is the shape of a cell name given with id= (and of an exercise
// id). It starts with a letter so it never looks like a cell's number.
var validName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// parseInfo reads the info string of a fenced code block. The grammar is
// small and strict:
//
//	info     = cell | output | exercise | other
//	cell     = ( "go" | "python" ) SP "run" { SP attr }   attr: args, id, stdin, exit, with, faults
//	output   = "output" [ SP "match" ] { SP attr }  attr: args, stdin, exit, faults
//	exercise = "exercise"
//	attr     = NAME "=" value
//	value    = bare | '"' { any but '"' } '"' | "'" { any but "'" } "'"
//
// where SP is one or more spaces or tabs and bare is one or more characters
// that are neither space nor quote. A block whose first word is none of
// "go", "python", "output" and "exercise" is plain code, and so is a bare "go" or "python" block;
// anything else after those words must be well formed, so that a typo is an
// error rather than a silently dead cell or an expectation nobody checks.
func parseInfo(info string) (bi blockInfo, err error) {
	lang, rest := nextWord(info)
	var allowed []string
	switch lang {
	case "go", "python":
		word, after := nextWord(rest)
		switch word {
		case "":
			return bi, nil
		case "run":
		default:
			return bi, fmt.Errorf("info string %q: after \"%s\" only \"run\" may follow (write \"%s run\" for a runnable cell, or just \"%s\" for plain code)", clip(info), lang, lang, lang)
		}
		bi.Kind, bi.Lang, rest, allowed = cellBlock, lang, after, []string{"args", "id", "stdin", "exit", "with", "faults"}
	case "output":
		bi.Kind, allowed = outputBlock, []string{"args", "stdin", "exit", "faults"}
		if word, after := nextWord(rest); word == "match" {
			bi.Match, rest = true, after
		}
	case "exercise":
		if strings.TrimSpace(rest) != "" {
			return blockInfo{}, fmt.Errorf("info string %q: write just \"exercise\"; the exercise's settings go inside the block as key: value lines", clip(info))
		}
		bi.Kind = exerciseBlock
		return bi, nil
	default:
		return bi, nil
	}
	fail := func(format string, args ...any) (blockInfo, error) {
		return blockInfo{}, fmt.Errorf("info string %q: %s", clip(info), fmt.Sprintf(format, args...))
	}
	seen := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return bi, nil
		}
		if word, _ := nextWord(rest); bi.Kind == outputBlock && !strings.Contains(word, "=") {
			return fail("after \"output\" only \"match\" and the attributes args=, stdin=, exit= and faults= may follow, not %q", clip(word))
		}
		var key, value string
		key, value, rest, err = nextAttr(rest)
		if err != nil {
			return fail("%v", err)
		}
		if !contains(allowed, key) {
			return fail("unknown attribute %q (known: %s)", clip(key), strings.Join(allowed, ", "))
		}
		if seen[key] {
			return fail("%s is given twice", key)
		}
		seen[key] = true
		if err := bi.set(key, value); err != nil {
			return fail("%v", err)
		}
	}
}

// set applies one attribute of a cell or output block.
func (bi *blockInfo) set(key, value string) error {
	switch key {
	case "args":
		bi.Args = &value
	case "id", "with":
		if !validName.MatchString(value) {
			return fmt.Errorf("%s %q must be lower-case letters, digits and dashes, start with a letter, at most 40 long", key, clip(value))
		}
		if key == "id" {
			bi.Name = value
		} else {
			bi.With = value
		}
	case "stdin":
		s, err := unescapeStdin(value)
		if err != nil {
			return err
		}
		bi.Stdin = &s
	case "exit":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > 255 {
			return fmt.Errorf("exit=%s: the exit status is a whole number from 0 to 255", clip(value))
		}
		bi.Exit = &n
	case "faults":
		sp, err := faults.Parse(value)
		if err != nil {
			return fmt.Errorf("faults=%s: %v", clip(value), err)
		}
		canon := sp.String()
		bi.Faults = &canon
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unescapeStdin decodes the few escapes a stdin= value may hold: \n for a
// new line, \t for a tab and \\ for a backslash.
func unescapeStdin(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf(`stdin ends in a lone \ (write \\ for a backslash)`)
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		default:
			return "", fmt.Errorf(`stdin has the unknown escape \%c (known: \n for a new line, \t for a tab, \\ for a backslash)`, s[i])
		}
	}
	return b.String(), nil
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
