package check

import (
	"fmt"

	"socketlab/internal/runner"
	"socketlab/lessons"
	"socketlab/lessons/grade"
)

// CellResult is what running one cell found.
type CellResult struct {
	Cell  *lessons.Cell
	Where string  // "02-sockets.md:45 (cell 02-sockets-client)"
	Runs  int     // the runs made (one per output block, or one with the cell's own settings)
	Errs  []error // every way the runs differ from the lesson; none when the cell is as shown
}

// runsOf is what to run a cell with: its output blocks, or its own settings when it has none.
func runsOf(c *lessons.Cell) []lessons.Run {
	if len(c.Runs) > 0 {
		return c.Runs
	}
	return []lessons.Run{{Args: c.Args, Stdin: c.Stdin, Exit: c.Exit, Faults: c.Faults, Output: "...\n", Match: true, Line: c.Line}}
}

// checkRun compares a run with what it expects.
func checkRun(where string, r lessons.Run, o grade.Outcome, stopped bool) []error {
	var errs []error
	what := fmt.Sprintf("%s, run with args %q", where, r.Args)
	if r.Line != 0 {
		what = fmt.Sprintf("%s, output block on line %d (args %q)", where, r.Line, r.Args)
	}
	if !stopped && (o.Exit == nil || *o.Exit != r.Exit) {
		errs = append(errs, fmt.Errorf("%s: exit status %s, want %d. Output:\n%s", what, showExit(o.Exit), r.Exit, runner.Indent(o.Output)))
	}
	if ok, why := r.Matches(o.Output); !ok {
		errs = append(errs, fmt.Errorf("%s: the output is not what the lesson shows: %s\n--- got ---\n%s\n--- want ---\n%s", what, why, runner.Indent(o.Output), runner.Indent(r.Output)))
	}
	return errs
}

// Lesson runs every cell of l, each with every run its output blocks describe, and returns
// a result per cell in the lesson's order. A server cell (one that another names in with=)
// runs while the cells that need it run, as the same learner; its other runs then run alone.
func (e *Lab) Lesson(l *lessons.Lesson) []CellResult {
	res := make([]CellResult, len(l.Cells))
	for i := range l.Cells {
		c := &l.Cells[i]
		res[i] = CellResult{Cell: c, Where: CellProgram(l, c).Where}
	}
	servers := map[string]bool{}
	for _, id := range l.Servers() {
		servers[id] = true
	}
	for i := range l.Cells {
		c := &l.Cells[i]
		switch {
		case c.With != "":
			continue // runs with its server
		case servers[c.ID]:
			e.serverGroup(l, i, res)
		default:
			e.alone(l, &res[i])
		}
	}
	return res
}

// Errors runs every cell of l and returns every way they differ from the lesson.
func (e *Lab) Errors(l *lessons.Lesson) []error {
	var errs []error
	for _, r := range e.Lesson(l) {
		errs = append(errs, r.Errs...)
	}
	return errs
}

// alone runs a cell that needs no server, each of its runs as a learner of its own.
func (e *Lab) alone(l *lessons.Lesson, r *CellResult) {
	c := r.Cell
	p := CellProgram(l, c)
	path, err := e.build(p)
	if err != nil {
		r.Errs = append(r.Errs, err)
		return
	}
	for k, run := range runsOf(c) {
		r.Runs++
		o, err := e.runOnce(p.Where, path, run, learnerID(l.Slug, c.ID, fmt.Sprint(k)))
		if err != nil {
			r.Errs = append(r.Errs, err)
			continue
		}
		r.Errs = append(r.Errs, checkRun(p.Where, run, o, false)...)
	}
}

// runOnce runs a program that must end by itself.
func (e *Lab) runOnce(where, path string, run lessons.Run, learner string) (grade.Outcome, error) {
	pr, err := e.start(where, path, run.Args, run.Stdin, run.Faults, learner)
	if err != nil {
		return grade.Outcome{}, err
	}
	return pr.finish()
}

// serverGroup runs the server cell l.Cells[si] with every cell that needs it, and the
// server's other runs alone, filling in their results.
func (e *Lab) serverGroup(l *lessons.Lesson, si int, res []CellResult) {
	s := &l.Cells[si]
	sr := &res[si]
	sp := CellProgram(l, s)
	spath, err := e.build(sp)
	if err != nil {
		sr.Errs = append(sr.Errs, err)
		return
	}
	// The clients are built first (client finds them built): a server that waits a few
	// seconds for its first client must not spend them waiting for a compiler.
	for i := range l.Cells {
		if l.Cells[i].With == s.ID {
			e.build(CellProgram(l, &l.Cells[i])) // an error is the client's to report
		}
	}
	runs := runsOf(s)
	learner := learnerID(l.Slug, s.ID)
	sr.Runs++
	srv, err := e.start(sp.Where, spath, runs[0].Args, runs[0].Stdin, runs[0].Faults, learner)
	if err == nil {
		err = srv.ready()
	}
	if err != nil {
		sr.Errs = append(sr.Errs, err)
		return
	}
	clientsFailed := false
	for i := range l.Cells {
		if l.Cells[i].With != s.ID {
			continue
		}
		cr := &res[i]
		e.client(l, cr, learner)
		clientsFailed = clientsFailed || len(cr.Errs) > 0
	}
	o := srv.settle(&runs[0])
	serverErrs := checkRun(sp.Where, runs[0], o, o.Exit == nil)
	if clientsFailed || len(serverErrs) > 0 {
		serverErrs = append(serverErrs, fmt.Errorf("%s, the server, printed:\n%s\nits socket events:\n%s", sp.Where, runner.Indent(o.Output), ShowEvents(o.Events)))
	}
	sr.Errs = append(sr.Errs, serverErrs...)
	for k, run := range runs[1:] {
		sr.Runs++
		o, err := e.runOnce(sp.Where, spath, run, learnerID(l.Slug, s.ID, "alone", fmt.Sprint(k)))
		if err != nil {
			sr.Errs = append(sr.Errs, err)
			continue
		}
		sr.Errs = append(sr.Errs, checkRun(sp.Where, run, o, false)...)
	}
}

// client runs each run of a cell that needs a server, as the server's learner.
func (e *Lab) client(l *lessons.Lesson, r *CellResult, learner string) {
	cp := CellProgram(l, r.Cell)
	path, err := e.build(cp)
	if err != nil {
		r.Errs = append(r.Errs, err)
		return
	}
	for _, run := range runsOf(r.Cell) {
		r.Runs++
		o, err := e.runOnce(cp.Where, path, run, learner)
		if err != nil {
			r.Errs = append(r.Errs, err)
			continue
		}
		r.Errs = append(r.Errs, checkRun(cp.Where, run, o, false)...)
	}
}
