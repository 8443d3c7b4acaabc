package lessons

import (
	"fmt"
	"regexp"
	"strings"
)

// A Run is one way to run a cell and what the console must show: the
// cell's own arguments and input, or those an output block gives.
type Run struct {
	Args   []string
	Stdin  string
	Exit   int    // the exit status the run must end with (servers that are stopped are exempt)
	Faults string // the lab's faults the run goes under ("" for none)
	Output string // the expected console text, standard output and error together
	Match  bool   // Output is a pattern: {{regexp}} holes and "..." lines
	Line   int    // the line of the output block's opening fence
}

// ellipsis is a pattern line that stands for any number of lines.
const ellipsis = "..."

// patternLine is one line of an "output match" block.
type patternLine struct {
	any bool           // the line is "...": any number of lines, none included
	re  *regexp.Regexp // otherwise the whole line must match
}

// compilePattern turns an "output match" block into line matchers. A line is
// literal text in which {{REGEXP}} holes stand for what varies (a time, a
// port); a line that is just "..." stands for any number of lines.
func compilePattern(pattern string) ([]patternLine, error) {
	var out []patternLine
	for i, line := range splitLines(pattern) {
		if line == ellipsis {
			out = append(out, patternLine{any: true})
			continue
		}
		parts, err := splitHoles(line)
		if err != nil {
			return nil, fmt.Errorf("line %d of the block %v", i+1, err)
		}
		var b strings.Builder
		b.WriteString("^")
		for _, p := range parts {
			if !p.hole {
				b.WriteString(regexp.QuoteMeta(p.text))
				continue
			}
			if _, err := regexp.Compile(p.text); err != nil {
				return nil, fmt.Errorf("line %d of the block: {{%s}} is not a regular expression: %v", i+1, p.text, err)
			}
			b.WriteString("(?:" + p.text + ")")
		}
		b.WriteString("$")
		out = append(out, patternLine{re: regexp.MustCompile(b.String())})
	}
	return out, nil
}

// linePart is literal text or a {{hole}} of a pattern line.
type linePart struct {
	text string
	hole bool
}

// splitHoles cuts a pattern line into literal text and holes. A hole runs
// from {{ to the first }} that is not followed by another }, so a regular
// expression may end in a brace: {{[0-9]{2}}} is the hole [0-9]{2}.
func splitHoles(line string) ([]linePart, error) {
	var parts []linePart
	for {
		open := strings.Index(line, "{{")
		if open < 0 {
			if strings.Contains(line, "}}") {
				return nil, fmt.Errorf("has }} with no {{ before it")
			}
			if line != "" {
				parts = append(parts, linePart{text: line})
			}
			return parts, nil
		}
		if open > 0 {
			parts = append(parts, linePart{text: line[:open]})
		}
		rest := line[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return nil, fmt.Errorf("opens {{ but never closes it with }}")
		}
		for end+2 < len(rest) && rest[end+2] == '}' {
			end++
		}
		if end == 0 {
			return nil, fmt.Errorf("has an empty {{}} (write a regular expression inside, such as {{.*}})")
		}
		parts = append(parts, linePart{text: rest[:end], hole: true})
		line = rest[end+2:]
	}
}

// splitLines splits text into lines; a final newline does not start another.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// normalizeOutput makes console text comparable with a Markdown block:
// CR LF line ends become LF, as a block cannot hold a carriage return.
func normalizeOutput(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// Matches reports whether got, a run's console text, is what the run
// expects. When it is not, why says where they part.
func (r Run) Matches(got string) (ok bool, why string) {
	got = normalizeOutput(got)
	if !r.Match {
		if got == r.Output {
			return true, ""
		}
		want, have := splitLines(r.Output), splitLines(got)
		for i := 0; i < max(len(want), len(have)); i++ {
			switch {
			case i >= len(want):
				return false, fmt.Sprintf("line %d is extra: %q", i+1, have[i])
			case i >= len(have):
				return false, fmt.Sprintf("the output ends before line %d, %q", i+1, want[i])
			case want[i] != have[i]:
				return false, fmt.Sprintf("line %d is %q, want %q", i+1, have[i], want[i])
			}
		}
		return false, "the output differs at its end (a missing or extra newline)"
	}
	pat, err := compilePattern(r.Output)
	if err != nil {
		return false, err.Error()
	}
	lines := splitLines(got)
	if matchLines(pat, lines) {
		return true, ""
	}
	// Say how far the pattern's leading lines matched, as a hint.
	n := 0
	for n < len(pat) && n < len(lines) && !pat[n].any && pat[n].re.MatchString(lines[n]) {
		n++
	}
	switch {
	case n < len(pat) && pat[n].any:
		return false, fmt.Sprintf("the first %d lines match; what follows does not fit the pattern", n)
	case n < len(pat) && n < len(lines):
		return false, fmt.Sprintf("line %d, %q, does not match %q", n+1, lines[n], splitLines(r.Output)[n])
	case n < len(pat):
		return false, fmt.Sprintf("the output ends before line %d, %q", n+1, splitLines(r.Output)[n])
	}
	return false, fmt.Sprintf("line %d is extra: %q", n+1, lines[n])
}

// matchLines matches lines against the pattern; "..." lines take as few
// lines as they can, trying more on failure.
func matchLines(pat []patternLine, lines []string) bool {
	memo := map[[2]int]bool{}
	var match func(p, l int) bool
	match = func(p, l int) bool {
		key := [2]int{p, l}
		if v, ok := memo[key]; ok {
			return v
		}
		var ok bool
		switch {
		case p == len(pat):
			ok = l == len(lines)
		case pat[p].any:
			ok = match(p+1, l) || (l < len(lines) && match(p, l+1))
		default:
			ok = l < len(lines) && pat[p].re.MatchString(lines[l]) && match(p+1, l+1)
		}
		memo[key] = ok
		return ok
	}
	return match(0, 0)
}
