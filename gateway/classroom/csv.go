package classroom

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"time"
)

// WriteCSV writes the class's progress: a row per learner (name, where they are, runs, the
// last run, exercises passed) and a column per exercise ("passed", "stuck", "tried N" or
// empty).
func (c *Classroom) WriteCSV(w io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cw := csv.NewWriter(w)
	head := []string{"name", "joined", "lesson", "cell", "runs", "last_run_at", "last_run_state", "last_run_exit", "passed"}
	for _, e := range c.exercises {
		head = append(head, e.Key())
	}
	cw.Write(head)
	names := make([]string, 0, len(c.learners))
	for n := range c.learners {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l := c.learners[n]
		row := []string{l.Name, l.Joined.Format(time.RFC3339), l.Lesson, l.Cell, strconv.Itoa(l.Runs), "", "", "", ""}
		if r := l.Last; r != nil {
			row[5], row[6] = r.At.Format(time.RFC3339), r.State
			if r.Exit != nil {
				row[7] = strconv.Itoa(*r.Exit)
			}
		}
		passed := 0
		for _, e := range c.exercises {
			p := l.Exercises[e.Key()]
			cell := ""
			switch {
			case p == nil:
			case p.Passed:
				cell = "passed"
				passed++
			case p.Stuck():
				cell = "stuck"
			default:
				cell = "tried " + strconv.Itoa(p.Tries)
			}
			row = append(row, cell)
		}
		row[8] = strconv.Itoa(passed)
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
