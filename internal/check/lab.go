// Package check runs lessons for real: every cell of a lesson and every exercise's
// solutions, natively (built with the lab's overlay, as `socketlab run` does), their sockets
// going through a gateway on loopback to the lab's servers, and compares what they do with
// what the lesson says. The lessons' own tests (lessons/lab_test.go,
// lessons/exercise_lab_test.go) and `socketlab check DIR` share it, so an author's lessons
// are held to exactly what ours are.
package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// Lab is a gateway on loopback and a native build service for learner programs. Python
// programs run on the system's python3 with the lab's socket module, as `socketlab run
// FILE.py` runs them.
type Lab struct {
	ws     string // the relay's ws:// URL, without the learner
	b      *runner.Builder
	dir    string // where programs run (a program may write files)
	pyMod  string // where the lab's Python socket module is written
	pySrc  string // where Python programs are written to run
	pyOnce sync.Once
	pyErr  error
}

// Start starts a gateway on loopback and a native build service. Compiled programs go to
// cacheDir, or to a temporary directory when it is empty. stop shuts the gateway down and
// removes what Start made.
func Start(ctx context.Context, cacheDir string) (lab *Lab, stop func(), err error) {
	tmp, err := os.MkdirTemp("", "socketlab-check-")
	if err != nil {
		return nil, nil, err
	}
	if cacheDir == "" {
		cacheDir = filepath.Join(tmp, "cache")
	}
	ws, shutdown, err := runner.ServeLocal(ctx, filepath.Join(tmp, "gateway-cache"))
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("starting a gateway: %w", err)
	}
	b, err := runner.NativeBuilder(cacheDir)
	if err != nil {
		shutdown()
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	work := filepath.Join(tmp, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		shutdown()
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	return &Lab{ws: ws, b: b, dir: work, pyMod: filepath.Join(tmp, "python"), pySrc: filepath.Join(tmp, "python-programs")}, func() {
		shutdown()
		os.RemoveAll(tmp)
	}, nil
}

// Program is a Go or Python source to run and where it comes from, for messages.
type Program struct {
	Where  string // "02-sockets.md:45 (cell 02-sockets-client)"
	File   string // the lesson file, for compile errors
	Line   int    // the line before the source's first line in File; 0 when not from a lesson
	Source string
	Lang   string // "go" or "python"; "" is Go
}

// CellProgram is a lesson cell as a program.
func CellProgram(l *lessons.Lesson, c *lessons.Cell) Program {
	file := l.File()
	return Program{
		Where:  fmt.Sprintf("%s:%d (cell %s)", file, c.Line, c.ID),
		File:   file,
		Line:   c.Line,
		Source: c.Source,
		Lang:   c.Lang,
	}
}

// build compiles p, naming the lesson line of each compile error. A Python program is
// written to a file, once its syntax is checked, and that file's path returned.
func (e *Lab) build(p Program) (string, error) {
	if p.Lang == lessons.Python {
		return e.writePython(p)
	}
	path, res, err := e.b.Build(context.Background(), []byte(p.Source))
	if err != nil {
		return "", fmt.Errorf("%s: building: %v", p.Where, err)
	}
	if path == "" {
		var msgs []string
		for _, d := range res.Diagnostics {
			if p.Line > 0 && d.Line > 0 {
				msgs = append(msgs, fmt.Sprintf("%s:%d: %s (line %d of the cell)", p.File, p.Line+d.Line, d.Msg, d.Line))
			} else {
				msgs = append(msgs, fmt.Sprintf("line %d: %s", d.Line, d.Msg))
			}
		}
		if len(msgs) == 0 {
			msgs = append(msgs, res.Output)
		}
		return "", fmt.Errorf("%s does not compile:\n\t%s", p.Where, strings.Join(msgs, "\n\t"))
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
func (e *Lab) start(where, path string, args []string, stdin, faults, learner string) (*proc, error) {
	o := &runner.Options{Gateway: e.ws + "?learner=" + learner, Args: args, Stdin: stdin, Faults: faults, Dir: e.dir}
	if strings.HasSuffix(path, ".py") {
		o.Python = e.pyMod
	}
	p, err := runner.Start(path, o)
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
		return o.Outcome, fmt.Errorf("%s %v. Output so far:\n%s\nSocket events:\n%s", p.where, err, runner.Indent(o.Output), ShowEvents(o.Events))
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

// ShowEvents lists socket events compactly, for failure messages.
func ShowEvents(evs []event.Event) string {
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
