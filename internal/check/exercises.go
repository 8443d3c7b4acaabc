package check

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"socketlab/internal/runner"
	"socketlab/lessons"
	"socketlab/lessons/grade"
)

// Every exercise may have two programs in a solutions folder, SLUG/NAME.go, a correct
// solution, and SLUG/NAME.wrong.go, a typical mistake. The wrong one says which checks it
// fails and what each failure must say, one line each:
//
//	// fails: received exactly 4 bytes from time.lab:37 => received 5 bytes
//
// (the check as the lesson writes it, then text its detail must contain). An exercise on a
// Python cell has SLUG/NAME.py and SLUG/NAME.wrong.py, whose lines say "# fails: ...".

// WantFails reads the "// fails:" (or, in Python, "# fails:") lines of a wrong solution.
func WantFails(src string) (map[string]string, error) {
	want := map[string]string{}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "// fails:")
		if !ok {
			rest, ok = strings.CutPrefix(line, "# fails:")
		}
		if !ok {
			continue
		}
		check, detail, ok := strings.Cut(rest, "=>")
		if !ok {
			return nil, fmt.Errorf("%q: write // fails: CHECK => WHAT THE DETAIL SAYS", line)
		}
		want[strings.TrimSpace(check)] = strings.TrimSpace(detail)
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no // fails: lines (# fails: in Python): say which checks the wrong solution fails")
	}
	return want, nil
}

// Exercise runs p in place of the exercise's cell, with the exercise's arguments and input,
// together with the lesson's server or clients when the cell has them, and returns what p
// did. A server is stopped once it has finished with its clients, or, when the exercise
// checks its exit status, once it exits (or settleTimeout passes). tag tells apart the
// learners of two runs of one exercise.
func (e *Lab) Exercise(l *lessons.Lesson, ex *lessons.Exercise, p Program, tag string) (grade.Outcome, error) {
	cell := l.Cell(ex.Cell)
	path, err := e.build(p)
	if err != nil {
		return grade.Outcome{}, err
	}
	learner := learnerID("ex", ex.ID, tag)
	isServer := false
	for _, id := range l.Servers() {
		isServer = isServer || id == cell.ID
	}
	switch {
	case isServer:
		return e.exerciseServer(l, ex, cell, p.Where, path, learner)
	case cell.With != "":
		s := l.Cell(cell.With)
		sp := CellProgram(l, s)
		spath, err := e.build(sp)
		if err != nil {
			return grade.Outcome{}, err
		}
		r := runsOf(s)[0]
		srv, err := e.start(sp.Where, spath, r.Args, r.Stdin, r.Faults, learner)
		if err != nil {
			return grade.Outcome{}, err
		}
		defer srv.stop()
		if err := srv.ready(); err != nil {
			return grade.Outcome{}, err
		}
	}
	pr, err := e.start(p.Where, path, ex.Args, ex.Stdin, ex.Faults, learner)
	if err != nil {
		return grade.Outcome{}, err
	}
	return pr.finish()
}

// exerciseServer runs the program at path as the exercise's server cell, with the cells that
// need that server as its clients.
func (e *Lab) exerciseServer(l *lessons.Lesson, ex *lessons.Exercise, cell *lessons.Cell, where, path, learner string) (grade.Outcome, error) {
	// The clients are built before the server starts: a server that waits a few seconds
	// for its first client (lesson 10) must not spend them waiting for a compiler.
	type client struct {
		where, path string
		run         lessons.Run
	}
	var clients []client
	for i := range l.Cells {
		c := &l.Cells[i]
		if c.With != cell.ID {
			continue
		}
		cp := CellProgram(l, c)
		cpath, err := e.build(cp)
		if err != nil {
			return grade.Outcome{}, err
		}
		clients = append(clients, client{cp.Where, cpath, runsOf(c)[0]})
	}
	srv, err := e.start(where, path, ex.Args, ex.Stdin, ex.Faults, learner)
	if err != nil {
		return grade.Outcome{}, err
	}
	if err := srv.ready(); err != nil {
		return srv.stop(), nil // the checks say what went wrong
	}
	for _, c := range clients {
		if _, err := e.runOnce(c.where, c.path, c.run, learner); err != nil {
			srv.stop()
			return grade.Outcome{}, err
		}
	}
	for _, c := range ex.Checks {
		if c.Op == "exit" {
			// The exercise expects the server to end by itself: give it the time.
			srv.WaitFor(settleTimeout, func(o *runner.Outcome) bool { return o.Exit != nil })
			return srv.stop(), nil
		}
	}
	return srv.settle(nil), nil
}

// ExerciseResult is what running an exercise's solutions found.
type ExerciseResult struct {
	Exercise *lessons.Exercise
	Good     string   // the correct solution's file, "" when there is none
	Wrong    string   // the typical wrong solution's file, "" when there is none
	Failed   []string // the checks the wrong solution failed, sorted
	Errs     []error
}

// SolutionFiles are the files of exercise ex's correct and typical wrong solutions under
// dir: dir/SLUG/NAME.go and dir/SLUG/NAME.wrong.go, or NAME.py and NAME.wrong.py when the
// exercise's cell is Python.
func SolutionFiles(l *lessons.Lesson, ex *lessons.Exercise, dir string) (good, wrong string) {
	ext := ".go"
	if c := l.Cell(ex.Cell); c != nil && c.Lang == lessons.Python {
		ext = ".py"
	}
	base := filepath.Join(dir, l.Slug, ex.Name)
	return base + ext, base + ".wrong" + ext
}

// Solutions runs the solutions of exercise ex found in dir (SolutionFiles): the correct one
// must pass every check, and the wrong one must fail exactly the checks its "// fails:"
// lines name, each with the detail they name. A missing file is an error when need says
// so, else left out of the result.
func (e *Lab) Solutions(l *lessons.Lesson, ex *lessons.Exercise, dir string, need bool) ExerciseResult {
	r := ExerciseResult{Exercise: ex}
	goodFile, wrongFile := SolutionFiles(l, ex, dir)
	lang := l.Cell(ex.Cell).Lang
	md := l.File()
	if good, err := os.ReadFile(goodFile); err == nil {
		r.Good = goodFile
		r.Errs = append(r.Errs, e.good(l, ex, Program{Where: goodFile, Source: string(good), Lang: lang})...)
	} else if need || !os.IsNotExist(err) {
		r.Errs = append(r.Errs, fmt.Errorf("%s:%d: exercise %s has no correct solution: %v", md, ex.Line, ex.Name, err))
	}
	if wrong, err := os.ReadFile(wrongFile); err == nil {
		r.Wrong = wrongFile
		var errs []error
		r.Failed, errs = e.wrong(l, ex, Program{Where: wrongFile, Source: string(wrong), Lang: lang})
		r.Errs = append(r.Errs, errs...)
	} else if need || !os.IsNotExist(err) {
		r.Errs = append(r.Errs, fmt.Errorf("%s:%d: exercise %s has no typical wrong solution: %v", md, ex.Line, ex.Name, err))
	}
	return r
}

// good runs a correct solution, which must pass every check.
func (e *Lab) good(l *lessons.Lesson, ex *lessons.Exercise, p Program) []error {
	file := p.Where
	o, err := e.Exercise(l, ex, p, "good")
	if err != nil {
		return []error{err}
	}
	var errs []error
	for i, r := range grade.Evaluate(ex.Checks, &o) {
		if !r.OK {
			errs = append(errs, fmt.Errorf("%s fails %q: %s\nits output:\n%s", file, ex.Checks[i].Text, r.Detail, runner.Indent(o.Output)))
		}
	}
	return errs
}

// wrong runs a typical wrong solution, which must fail exactly the checks it names.
func (e *Lab) wrong(l *lessons.Lesson, ex *lessons.Exercise, p Program) (failed []string, errs []error) {
	file := p.Where
	want, err := WantFails(p.Source)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %v", file, err)}
	}
	for check := range want {
		found := false
		for _, c := range ex.Checks {
			found = found || c.Text == check
		}
		if !found {
			errs = append(errs, fmt.Errorf("%s names the check %q, which exercise %s does not have", file, check, ex.Name))
		}
	}
	o, err := e.Exercise(l, ex, p, "wrong")
	if err != nil {
		return nil, append(errs, err)
	}
	n := len(errs)
	for i, r := range grade.Evaluate(ex.Checks, &o) {
		c := ex.Checks[i].Text
		detail, named := want[c]
		switch {
		case r.OK && named:
			errs = append(errs, fmt.Errorf("%s passes %q, but says it fails it", file, c))
		case !r.OK && !named:
			errs = append(errs, fmt.Errorf("%s also fails %q: %s", file, c, r.Detail))
		case !r.OK && !strings.Contains(r.Detail, detail):
			errs = append(errs, fmt.Errorf("%s fails %q saying %q, want it to say %q", file, c, r.Detail, detail))
		}
		if !r.OK {
			failed = append(failed, c)
		}
	}
	if len(errs) > n {
		errs = append(errs, fmt.Errorf("%s printed:\n%s", file, runner.Indent(o.Output)))
	}
	sort.Strings(failed)
	return failed, errs
}
