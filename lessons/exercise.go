package lessons

import (
	"regexp"
	"strings"

	"socketlab/gateway/faults"
	"socketlab/lessons/grade"
)

// An Exercise is a task at the end of a lesson section: a fenced block
// marked "exercise" whose checks judge a run of the cell it names: the page
// posts each finished run to CheckHandler (static/exercises.js), and the
// tests judge a correct and a wrong solution.
//
//	```exercise
//	id: four-bytes
//	title: Read exactly four bytes
//	cell: client
//	args: -a time.lab
//	check: received exactly 4 bytes from time.lab:37
//	check: exit 0
//	```
//
// title and at least one check are required. cell names the cell (its id=,
// or its number in the lesson: 1 for the first) and defaults to the cell
// written last before the block. id names the
// exercise for the learner's progress (default: its number in the lesson).
// args and stdin, when given, are what the learner should run the cell with
// (stdin takes \n, \t and \\ escapes); otherwise the cell's own apply. faults,
// when given, are the lab's faults the checks' runs go under (faults: segment=1); otherwise
// the cell's.
type Exercise struct {
	ID        string   // "SLUG-NAME"; the page uses it in id="exercise-ID"
	Name      string   // the id: value, or the exercise's number in the lesson
	Lesson    string   // the lesson's slug
	Title     string   //
	Cell      string   // the ID of the cell whose runs it checks
	Args      []string // what to run the cell with: the args: line, else the cell's
	ArgsText  string   // the args: line as written; "" when there is none
	Stdin     string   // the stdin: line decoded, else the cell's
	StdinText string   // the stdin: line as written; "" when there is none
	Faults    string   // the lab's faults to run under: the faults: line, else the cell's
	Checks    []grade.Check
	Line      int // the line of the opening fence
}

// validIndex is a cell's number in its lesson, for cell: lines.
var validIndex = regexp.MustCompile(`^[1-9][0-9]{0,3}$`)

// exerciseDraft is an exercise block as read, before names are resolved.
type exerciseDraft struct {
	Exercise
	cellName  string // from cell:, "" for the cell before
	cellLine  int    // the line of cell:, for errors
	before    int    // the index of the cell written before the block, -1 for none
	hasArgs   bool
	hasStdin  bool
	hasFaults bool
}

// parseExercise reads the key: value lines of an exercise block. lines are
// the block's lines and first the file line of lines[0].
func parseExercise(file string, fence, first int, lines []string) (*exerciseDraft, error) {
	d := &exerciseDraft{Exercise: Exercise{Line: fence}}
	seen := map[string]int{}
	for i, raw := range lines {
		n := first + i
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, found := strings.Cut(text, ":")
		if !found {
			return nil, errorf(file, n, "exercise line %q is not key: value (keys: id, title, cell, args, stdin, faults, check)", clip(text))
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if prev, dup := seen[key]; dup && key != "check" {
			return nil, errorf(file, n, "exercise %s is set twice (first on line %d)", key, prev)
		}
		seen[key] = n
		if err := d.set(file, n, key, value); err != nil {
			return nil, err
		}
	}
	if d.Title == "" {
		return nil, errorf(file, fence, "the exercise has no title: line")
	}
	if len(d.Checks) == 0 {
		return nil, errorf(file, fence, "the exercise has no check: lines; give at least one (see docs/lessons.md for the checks)")
	}
	return d, nil
}

// set applies one key: value line (n is its file line) of an exercise block.
func (d *exerciseDraft) set(file string, n int, key, value string) error {
	switch key {
	case "id":
		if !validName.MatchString(value) {
			return errorf(file, n, "exercise id %q must be lower-case letters, digits and dashes, start with a letter, at most 40 long", clip(value))
		}
		d.Name = value
	case "title":
		v, err := unquote(value)
		if err != nil || v == "" {
			return errorf(file, n, "the exercise title is empty or badly quoted")
		}
		d.Title = v
	case "cell":
		if !validName.MatchString(value) && !validIndex.MatchString(value) {
			return errorf(file, n, "cell: %q is not a cell id (the id= of a go run block in this lesson, or its number: 1 for the first)", clip(value))
		}
		d.cellName, d.cellLine = value, n
	case "args":
		v, err := unquote(value)
		if err != nil {
			return errorf(file, n, "args: %v", err)
		}
		d.ArgsText, d.Args, d.hasArgs = v, splitArgs(v), true
	case "stdin":
		v, err := unquote(value)
		if err == nil {
			d.StdinText = v
			v, err = unescapeStdin(v)
		}
		if err != nil {
			return errorf(file, n, "stdin: %v", err)
		}
		d.Stdin, d.hasStdin = v, true
	case "faults":
		v, err := unquote(value)
		if err != nil {
			return errorf(file, n, "faults: %v", err)
		}
		sp, err := faults.Parse(v)
		if err != nil {
			return errorf(file, n, "faults: %v", err)
		}
		d.Faults, d.hasFaults = sp.String(), true
	case "check":
		c, err := grade.ParseCheck(value)
		if err != nil {
			return errorf(file, n, "check %q: %v", clip(value), err)
		}
		d.Checks = append(d.Checks, c)
	default:
		return errorf(file, n, "unknown exercise key %q (known keys: id, title, cell, args, stdin, faults, check)", clip(key))
	}
	return nil
}

// describeStdin shows input for a page: each new line as ↵.
func describeStdin(s string) string {
	return strings.TrimSuffix(strings.ReplaceAll(s, "\n", "↵ "), " ")
}
