package lessons_test

// The lessons run for real here: every cell, natively (go build with the lab's overlay, as
// `socketlab run` does), its sockets going through a gateway started by the test to the lab's
// real servers on loopback. A server cell runs while the cells that need it (with=) run, and
// every run's console text and exit status are compared with the output blocks of the lesson.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/internal/runner"
	"socketlab/lessons"
	"socketlab/lessons/grade"
)

const (
	runTimeout    = 60 * time.Second // a program that should end by itself
	readyTimeout  = 30 * time.Second // a server cell, until it listens
	settleTimeout = 10 * time.Second // a server cell, after its clients are done
)

// labEnv is a gateway on loopback and a native build service for learner programs.
type labEnv struct {
	ws  string // the relay's ws:// URL, without the learner
	b   *runner.Builder
	dir string // where programs run (a program may write files)
}

var (
	envOnce sync.Once
	envErr  error
	env     *labEnv
	envStop func()
)

// TestMain shuts the shared gateway down after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if envStop != nil {
		envStop()
	}
	os.Exit(code)
}

// startLab starts the gateway and the build service once for all tests. Compiled programs
// go to $SOCKETLAB_TEST_CACHE when it is set (handy while writing lessons), else to a
// temporary directory.
func startLab(t *testing.T) *labEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("runs every lesson program against a real gateway; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH: the lesson programs cannot be built")
	}
	envOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "socketlab-lessons-")
		if err != nil {
			envErr = err
			return
		}
		cache := os.Getenv("SOCKETLAB_TEST_CACHE")
		if cache == "" {
			cache = filepath.Join(tmp, "cache")
		}
		ws, shutdown, err := runner.ServeLocal(context.Background(), filepath.Join(tmp, "gateway-cache"))
		if err != nil {
			envErr = fmt.Errorf("starting a gateway: %w", err)
			return
		}
		b, err := runner.NativeBuilder(cache)
		if err != nil {
			shutdown()
			envErr = err
			return
		}
		work := filepath.Join(tmp, "work")
		os.MkdirAll(work, 0o755)
		env = &labEnv{ws: ws, b: b, dir: work}
		envStop = func() {
			shutdown()
			os.RemoveAll(tmp)
		}
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return env
}

// program is a Go source to run and where it comes from, for messages.
type program struct {
	where  string // "02-sockets.md:45 (cell 02-sockets-client)"
	file   string // the lesson file, for compile errors
	line   int    // the line before the source's first line in file; 0 when not from a lesson
	source string
}

// build compiles p, naming the lesson line of each compile error.
func (e *labEnv) build(p program) (string, error) {
	path, res, err := e.b.Build(context.Background(), []byte(p.source))
	if err != nil {
		return "", fmt.Errorf("%s: building: %v", p.where, err)
	}
	if path == "" {
		var msgs []string
		for _, d := range res.Diagnostics {
			if p.line > 0 && d.Line > 0 {
				msgs = append(msgs, fmt.Sprintf("%s:%d: %s (line %d of the cell)", p.file, p.line+d.Line, d.Msg, d.Line))
			} else {
				msgs = append(msgs, fmt.Sprintf("line %d: %s", d.Line, d.Msg))
			}
		}
		if len(msgs) == 0 {
			msgs = append(msgs, res.Output)
		}
		return "", fmt.Errorf("%s does not compile:\n\t%s", p.where, strings.Join(msgs, "\n\t"))
	}
	return path, nil
}

// proc is a running learner program and where it comes from, for messages.
type proc struct {
	where string
	*runner.Proc
}

// start runs the program at path with args and stdin under the lab's faults (a spec, "" for
// none), as the learner called learner.
func (e *labEnv) start(where, path string, args []string, stdin, faults, learner string) (*proc, error) {
	p, err := runner.Start(path, &runner.Options{Gateway: e.ws + "?learner=" + learner, Args: args, Stdin: stdin, Faults: faults, Dir: e.dir})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	return &proc{where, p}, nil
}

// stop kills the program if it still runs and returns what it did.
func (p *proc) stop() grade.Outcome { return p.Stop().Outcome }

// finish waits for the program to end by itself; after runTimeout it is stopped and that is
// an error.
func (p *proc) finish() (grade.Outcome, error) {
	o, err := p.Finish(runTimeout)
	if err != nil {
		return o.Outcome, fmt.Errorf("%s %v. Output so far:\n%s\nSocket events:\n%s", p.where, err, runner.Indent(o.Output), showEvents(o.Events))
	}
	return o.Outcome, nil
}

// ready waits for a server to listen (or bind, for UDP). When it does not, the server is
// stopped and the error says what it did instead.
func (p *proc) ready() error {
	if err := p.Ready(readyTimeout); err != nil {
		return fmt.Errorf("%s %w", p.where, err)
	}
	return nil
}

// settle waits until a server has finished with every connection it accepted and, when want
// is given, its console shows what the run expects; then it stops the server.
func (p *proc) settle(want *lessons.Run) grade.Outcome {
	var shows func(string) bool
	if want != nil {
		shows = func(output string) bool { ok, _ := want.Matches(output); return ok }
	}
	return p.Settle(settleTimeout, shows).Outcome
}

func showExit(e *int) string {
	if e == nil {
		return "none: stopped"
	}
	return fmt.Sprint(*e)
}

// showEvents lists socket events compactly, for failure messages.
func showEvents(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\t%9.3fms stream %d %s %s", e.T, e.Stream, e.Kind, e.Addr)
		if e.N > 0 {
			fmt.Fprintf(&b, " %d bytes %q", e.N, e.Data)
		}
		if e.Error != "" || e.Code != "" {
			fmt.Fprintf(&b, " (%s: %s)", e.Code, e.Error)
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return "\t(none)"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// learnerID makes a learner id for one group of programs that share localhost.
func learnerID(parts ...string) string {
	id := "t-" + strings.Join(parts, "-")
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}

// cellProgram is a lesson cell as a program.
func cellProgram(l *lessons.Lesson, c *lessons.Cell) program {
	return program{
		where:  fmt.Sprintf("%s.md:%d (cell %s)", l.Slug, c.Line, c.ID),
		file:   l.Slug + ".md",
		line:   c.Line,
		source: c.Source,
	}
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

// runLesson runs every cell of l and returns every way they differ from the lesson.
func (e *labEnv) runLesson(l *lessons.Lesson) []error {
	var errs []error
	servers := map[string]bool{}
	for _, id := range l.Servers() {
		servers[id] = true
	}
	for i := range l.Cells {
		c := &l.Cells[i]
		p := cellProgram(l, c)
		switch {
		case c.With != "":
			continue // runs with its server
		case servers[c.ID]:
			errs = append(errs, e.runServerGroup(l, c)...)
			continue
		}
		path, err := e.build(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for k, r := range runsOf(c) {
			pr, err := e.start(p.where, path, r.Args, r.Stdin, r.Faults, learnerID(l.Slug, c.ID, fmt.Sprint(k)))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o, err := pr.finish()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, checkRun(p.where, r, o, false)...)
		}
	}
	return errs
}

// runServerGroup runs server cell s with every cell that needs it, and s's other runs alone.
func (e *labEnv) runServerGroup(l *lessons.Lesson, s *lessons.Cell) []error {
	var errs []error
	sp := cellProgram(l, s)
	spath, err := e.build(sp)
	if err != nil {
		return []error{err}
	}
	var clients []*lessons.Cell
	for i := range l.Cells {
		if l.Cells[i].With == s.ID {
			clients = append(clients, &l.Cells[i])
		}
	}
	runs := runsOf(s)
	learner := learnerID(l.Slug, s.ID)
	srv, err := e.start(sp.where, spath, runs[0].Args, runs[0].Stdin, runs[0].Faults, learner)
	if err != nil {
		return []error{err}
	}
	if err := srv.ready(); err != nil {
		return []error{err}
	}
	for _, c := range clients {
		cp := cellProgram(l, c)
		path, err := e.build(cp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range runsOf(c) {
			pr, err := e.start(cp.where, path, r.Args, r.Stdin, r.Faults, learner)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			o, err := pr.finish()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, checkRun(cp.where, r, o, false)...)
		}
	}
	o := srv.settle(&runs[0])
	serverErrs := checkRun(sp.where, runs[0], o, o.Exit == nil)
	if len(errs) > 0 || len(serverErrs) > 0 {
		serverErrs = append(serverErrs, fmt.Errorf("%s, the server, printed:\n%s\nits socket events:\n%s", sp.where, runner.Indent(o.Output), showEvents(o.Events)))
	}
	errs = append(errs, serverErrs...)
	for k, r := range runs[1:] {
		pr, err := e.start(sp.where, spath, r.Args, r.Stdin, r.Faults, learnerID(l.Slug, s.ID, "alone", fmt.Sprint(k)))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o, err := pr.finish()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, checkRun(sp.where, r, o, false)...)
	}
	return errs
}

// TestLessonCells runs every cell of every lesson with its declared arguments and input
// against a real gateway, and checks the output and exit status the lesson shows.
func TestLessonCells(t *testing.T) {
	e := startLab(t)
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.Slug, func(t *testing.T) {
			t.Parallel()
			for _, err := range e.runLesson(l) {
				t.Error(err)
			}
		})
	}
}

// TestBrokenLesson runs testdata/broken/broken.md, whose cells fail in two ways, and checks
// that each failure names the lesson file, the cell and the line.
func TestBrokenLesson(t *testing.T) {
	e := startLab(t)
	ls, err := lessons.Load(os.DirFS("testdata/broken"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, err := range e.runLesson(ls[0]) {
		msgs = append(msgs, err.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"broken.md:8 (cell broken-1) does not compile",
		"broken.md:12: undefined: missing (line 4 of the cell)",
		`broken.md:18 (cell broken-2), output block on line 31 (args ["a" "b"]): exit status 3, want 0`,
		`broken.md:18 (cell broken-2), output block on line 31 (args ["a" "b"]): the output is not what the lesson shows: line 1 is "2", want "3"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the errors do not say %q; they are:\n%s", want, all)
		}
	}
	if len(msgs) != 3 {
		t.Errorf("%d errors, want 3:\n%s", len(msgs), all)
	}
}
