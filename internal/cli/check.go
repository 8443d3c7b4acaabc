package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"socketlab/internal/check"
	"socketlab/lessons"
)

const checkUsage = `usage: socketlab check [flags] DIR

Runs every cell of the lessons in DIR (its NAME.md files, and the Python track's in
DIR/python) natively against a fresh lab, each
with every run its output blocks describe, and compares the output and exit status with what
the lessons show. Each exercise's solutions, when there are any (SOLUTIONS/SLUG/NAME.go must
pass every check, SOLUTIONS/SLUG/NAME.wrong.go must fail the checks its "// fails:" lines
name; NAME.py and NAME.wrong.py, with "# fails:" lines, for a Python cell), run the same way. Prints a line per cell and exercise and a summary; exits 1 when a
lesson does not load or anything differs, 0 when all is as the lessons say.

flags:
`

// checkCommand is `socketlab check`: args are what follows "check" on the command line.
func checkCommand(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("socketlab check", checkUsage, stderr)
	solutions := fl.String("solutions", "", "the folder of the exercises' solutions, `SOLUTIONS`/SLUG/NAME.go (default DIR/exercises)")
	cacheDir := fl.String("cache-dir", "", "where compiled programs are kept (default: a temporary folder, removed after)")
	jobs := fl.Int("j", 0, "lessons run at once (0: as many as the machine has CPUs)")
	if status, ok := parseFlags(fl, args); !ok {
		return status
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "socketlab check: name one folder of lessons")
		fl.Usage()
		return 2
	}
	switch {
	case *jobs < 0:
		fmt.Fprintln(stderr, "socketlab check: -j must be 0 (one per CPU) or more")
		return 2
	case *jobs == 0:
		*jobs = runtime.NumCPU()
	}
	dir := fl.Arg(0)
	if *solutions == "" {
		*solutions = filepath.Join(dir, "exercises")
	}
	ls, err := lessons.LoadDir(dir)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab check: %v\n", err)
		return 1
	}
	lab, stop, err := check.Start(context.Background(), *cacheDir)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab check: %v\n", err)
		return 1
	}
	defer stop()
	ls = lessons.WithPython(ls)
	sum := checkSummary{solutions: *solutions}
	for lr := range runLessons(lab, ls, *solutions, *jobs) {
		sum.print(stdout, lr)
	}
	fmt.Fprintln(stdout, sum.String(len(ls)))
	if sum.cellsFailed+sum.exFailed > 0 {
		return 1
	}
	return 0
}

// lessonResult is what checking one lesson found.
type lessonResult struct {
	l         *lessons.Lesson
	cells     []check.CellResult
	exercises []check.ExerciseResult
}

// runLessons checks the lessons, up to jobs at once, and sends each lesson's result in the
// lessons' order as soon as it and those before it are done.
func runLessons(lab *check.Lab, ls []*lessons.Lesson, solutions string, jobs int) <-chan lessonResult {
	done := make([]chan lessonResult, len(ls))
	for i := range done {
		done[i] = make(chan lessonResult, 1)
	}
	sem := make(chan struct{}, jobs)
	for i, l := range ls {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := lessonResult{l: l, cells: lab.Lesson(l)}
			for k := range l.Exercises {
				r.exercises = append(r.exercises, lab.Solutions(l, &l.Exercises[k], solutions, false))
			}
			done[i] <- r
		}()
	}
	out := make(chan lessonResult)
	go func() {
		for _, c := range done {
			out <- <-c
		}
		close(out)
	}()
	return out
}

// checkSummary counts what socketlab check found.
type checkSummary struct {
	solutions                                           string // the folder of solutions, for messages
	cells, cellsFailed, exercises, exFailed, exUnsolved int
}

// print writes a line per cell and exercise of lr, each failure's errors indented below it.
func (s *checkSummary) print(w io.Writer, lr lessonResult) {
	for _, c := range lr.cells {
		s.cells++
		what := fmt.Sprintf("%s:%d cell %s (%s)", lr.l.File(), c.Cell.Line, c.Cell.ID, plural(c.Runs, "run"))
		if len(c.Errs) > 0 {
			s.cellsFailed++
		}
		printResult(w, what, c.Errs)
	}
	for _, e := range lr.exercises {
		s.exercises++
		ex := e.Exercise
		what := fmt.Sprintf("%s:%d exercise %s", lr.l.File(), ex.Line, ex.ID)
		switch {
		case len(e.Errs) > 0:
			s.exFailed++
		case e.Good == "" && e.Wrong == "":
			s.exUnsolved++
			good, _ := check.SolutionFiles(lr.l, ex, s.solutions)
			fmt.Fprintf(w, "--    %s: no solution to run (write one as %s)\n", what, good)
			continue
		}
		var parts []string
		if e.Good != "" {
			parts = append(parts, filepath.Base(e.Good))
		}
		if e.Wrong != "" {
			parts = append(parts, fmt.Sprintf("%s fails %s", filepath.Base(e.Wrong), plural(len(e.Failed), "check")))
		}
		printResult(w, what+" ("+strings.Join(parts, ", ")+")", e.Errs)
	}
}

// printResult writes "ok" or "FAIL" and what was checked, then each error indented.
func printResult(w io.Writer, what string, errs []error) {
	if len(errs) == 0 {
		fmt.Fprintf(w, "ok    %s\n", what)
		return
	}
	fmt.Fprintf(w, "FAIL  %s\n", what)
	for _, err := range errs {
		fmt.Fprintf(w, "      %s\n", strings.ReplaceAll(err.Error(), "\n", "\n      "))
	}
}

// String is the summary line.
func (s *checkSummary) String(lessons int) string {
	verdict := "ok"
	if s.cellsFailed+s.exFailed > 0 {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s: %s, %s (%d failed), %s (%d failed",
		verdict, plural(lessons, "lesson"), plural(s.cells, "cell"), s.cellsFailed, plural(s.exercises, "exercise"), s.exFailed)
	if s.exUnsolved > 0 {
		line += fmt.Sprintf(", %d without a solution", s.exUnsolved)
	}
	return line + ")"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
