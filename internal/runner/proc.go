package runner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/event"
	"socketlab/lessons/grade"
	"socketlab/wire"
)

// Options say how [Start] runs a program.
type Options struct {
	// Gateway is the relay's ws:// URL, with ?learner=ID when programs must share (or must
	// not share) a localhost.
	Gateway string
	// Args are the program's arguments, without its name (which is "main", as in the browser).
	Args []string
	// Stdin is the program's whole standard input.
	Stdin string
	// Dir is where the program runs. Defaults to this process's directory.
	Dir string
	// Faults are the lab's faults for the run (a faults spec, such as "segment=1"), added to
	// the gateway's own. Empty: the gateway's alone.
	Faults string
	// Python, when set, is the directory the lab's Python socket module was written to
	// (python.WriteTo): path is then a Python program, run on the system's python3 as
	// main.py through that module, rather than an executable.
	Python string
}

// Outcome is what a program did: its console and exit status, and its socket events.
type Outcome struct {
	// Output, Exit and Events, as grading takes them. Exit is nil when the program was stopped.
	grade.Outcome
	// Wall is the time from start to exit.
	Wall time.Duration
	// Stopped says that the program was stopped rather than ended by itself.
	Stopped bool
}

// ExitText is the exit status for messages.
func (o *Outcome) ExitText() string {
	if o.Exit == nil {
		return "none: stopped"
	}
	return strconv.Itoa(*o.Exit)
}

// A Proc is a program started by [Start].
type Proc struct {
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{} // closed when the program has ended and its output is in

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every new output, event or end
	output  strings.Builder
	events  []event.Event
	exit    *int
	wall    time.Duration
	stopped bool
}

// Start runs the program at path in the background. Its standard output and error go to one
// pipe, so their order is kept, and its socket events to another (SOCKETLAB_EVENTS=fd:3).
// It runs with GOMAXPROCS=1: in the browser a program runs on one thread, so what it does
// between two blocking calls happens before the runtime handles what arrived meanwhile (a
// reply cannot overtake the CloseWrite that follows a Write); one thread here keeps the order
// of socket events as close to the page's as a native program allows. On Linux it is killed
// if this process dies.
func Start(path string, o *Options) (*Proc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &Proc{changed: make(chan struct{}), done: make(chan struct{})}
	cmd := exec.Command(path, o.Args...)
	cmd.Args[0] = "main" // as in the browser
	env := append(os.Environ(), "SOCKETLAB_GATEWAY="+o.Gateway, "SOCKETLAB_EVENTS=fd:3", "GOMAXPROCS=1", "SOCKETLAB_FAULTS="+o.Faults)
	if o.Python != "" {
		argv, err := PythonCommand(o.Python, PythonArgv0, path)
		if err != nil {
			r.Close()
			w.Close()
			return nil, err
		}
		cmd = exec.Command(argv[0], append(argv[1:], o.Args...)...)
		// The Python module reads only the gateway's URL: the faults go in it. Output is
		// unbuffered, so that what the program prints keeps its order with its errors.
		env = append(env, "SOCKETLAB_GATEWAY="+wire.WithFaults(o.Gateway, o.Faults), "PYTHONUNBUFFERED=1")
	}
	cmd.Dir = o.Dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(o.Stdin)
	cmd.Stdout, cmd.Stderr = (*procOutput)(p), (*procOutput)(p)
	cmd.ExtraFiles = []*os.File{w}
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("starting: %v", err)
	}
	w.Close()
	p.cmd = cmd
	events := make(chan struct{})
	go func() {
		defer close(events)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var ev event.Event
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			p.mu.Lock()
			p.events = append(p.events, ev)
			p.signal()
			p.mu.Unlock()
		}
		r.Close()
	}()
	go func() {
		cmd.Wait()
		wall := time.Since(p.start)
		<-events
		p.mu.Lock()
		p.wall = wall
		if !p.stopped {
			code := exitStatus(cmd.ProcessState)
			p.exit = &code
		}
		p.signal()
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// procOutput takes the program's standard output and error.
type procOutput Proc

func (o *procOutput) Write(b []byte) (int, error) {
	p := (*Proc)(o)
	p.mu.Lock()
	p.output.Write(b)
	p.signal()
	p.mu.Unlock()
	return len(b), nil
}

// signal wakes the waiters; p.mu is held.
func (p *Proc) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Done is closed when the program has ended and all it wrote has been read.
func (p *Proc) Done() <-chan struct{} { return p.done }

// WaitFor waits until cond holds, up to d, and reports whether it did. cond sees what the
// program did so far (it must not keep it), on every new output, event and at its end.
func (p *Proc) WaitFor(d time.Duration, cond func(*Outcome) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		ok, ch := cond(p.view()), p.changed
		p.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-p.done:
			p.mu.Lock()
			ok := cond(p.view())
			p.mu.Unlock()
			return ok
		case <-deadline.C:
			return false
		}
	}
}

// view is what the program did so far, sharing p's memory; p.mu is held.
func (p *Proc) view() *Outcome {
	return &Outcome{Outcome: grade.Outcome{Output: p.output.String(), Exit: p.exit, Events: p.events}, Wall: p.wall, Stopped: p.stopped}
}

// Stop kills the program if it still runs and returns what it did.
func (p *Proc) Stop() Outcome {
	p.mu.Lock()
	running := p.exit == nil
	if running {
		p.stopped = true
	}
	p.mu.Unlock()
	if running {
		p.cmd.Process.Kill()
	}
	<-p.done
	return p.outcome()
}

func (p *Proc) outcome() Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := *p.view()
	o.Events = slices.Clone(p.events)
	return o
}

// Finish waits for the program to end by itself. After d it is stopped, and the error says so.
func (p *Proc) Finish(d time.Duration) (Outcome, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return p.outcome(), nil
	case <-t.C:
		return p.Stop(), fmt.Errorf("did not end within %v; it was stopped", d)
	}
}

// Ready waits up to d for a server to listen (or bind, for UDP). When it does not, the
// program is stopped and the error says what it did instead.
func (p *Proc) Ready(d time.Duration) error {
	ok := p.WaitFor(d, func(o *Outcome) bool {
		return slices.ContainsFunc(o.Events, func(e event.Event) bool { return e.Kind == event.Listen || e.Kind == event.Bind })
	})
	if ok {
		return nil
	}
	o := p.Stop()
	return fmt.Errorf("never started listening (exit %s). Output:\n%s", o.ExitText(), Indent(o.Output))
}

// Settle waits up to d until a server has finished with every connection it accepted and,
// when want is not nil, want holds for its console; then it stops the server.
func (p *Proc) Settle(d time.Duration, want func(output string) bool) Outcome {
	p.WaitFor(d, func(o *Outcome) bool {
		open := map[uint32]bool{}
		for _, e := range o.Events {
			switch e.Kind {
			case "accept":
				open[e.Stream] = true
			case "close", "reset", "reset-sent":
				delete(open, e.Stream)
			}
		}
		return len(open) == 0 && (want == nil || want(o.Output))
	})
	return p.Stop()
}

// Indent indents s by a tab, for a program's console in a message.
func Indent(s string) string {
	if s == "" {
		return "\t(nothing)"
	}
	return "\t" + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n\t")
}
