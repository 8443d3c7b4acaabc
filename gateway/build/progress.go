package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
)

// Progress is how far the builds running now have got with the packages that were not in the
// Go build cache: on a first start, the standard library for WebAssembly, which a first Run
// waits for.
type Progress struct {
	// Compiling says a build is compiling more than its own program: the standard library,
	// or the lab's runtime after an upgrade. It is false when every build takes all but its
	// program from the cache.
	Compiling bool `json:"compiling"`
	// Done is the packages compiled so far by the build furthest along, Total the packages
	// that build needs in all (0 until they are counted). Some may come from the cache, so a
	// build can end before Done reaches Total.
	Done  int `json:"done"`
	Total int `json:"total"`
}

// stdlibAfter is how many packages a build compiles before it counts as compiling more than
// its own program (the program itself, and a few runtime packages after an upgrade).
const stdlibAfter = 6

// Progress reports the builds running now; see [Progress].
func (s *Service) Progress() Progress {
	s.progMu.Lock()
	defer s.progMu.Unlock()
	var best Progress
	for p := range s.progs {
		done, total := int(p.done.Load()), int(p.total.Load())
		if done > best.Done {
			best.Done, best.Total = done, total
		}
	}
	if best.Total > 0 && best.Total < best.Done {
		best.Total = best.Done
	}
	best.Compiling = best.Done >= stdlibAfter
	return best
}

// progress follows one compile: the go command runs with -v, which prints the import path of
// each package it compiles (not of those it takes from the cache), one a line.
type progress struct {
	done, total atomic.Int32

	out     io.Writer // where the rest of the go command's output goes
	partial []byte    // a line not ended yet
	first   func()    // called once, when the build turns out to compile more than its program
	once    sync.Once
}

// vLine is a line of -v: an import path alone. Compiler messages have a colon and spaces,
// and headers start with "#".
var vLine = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

// Write passes the go command's output on to p.out, except the -v lines, which it counts.
func (p *progress) Write(b []byte) (int, error) {
	n := len(b)
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return n, nil
		}
		line := p.partial[:i+1]
		if vLine.Match(line[:i]) {
			if p.done.Add(1) >= stdlibAfter {
				p.once.Do(p.first)
			}
		} else if _, err := p.out.Write(line); err != nil {
			return n, err
		}
		p.partial = p.partial[i+1:]
	}
}

// flush passes on what is left of an unended line.
func (p *progress) flush() {
	if len(p.partial) > 0 {
		p.out.Write(p.partial)
		p.partial = nil
	}
}

// track makes a progress for a compile writing its output to out and starts following it;
// stop ends that. When the compile turns out to compile more than its own program, it runs
// `go list -deps` with args (the build's flags and files) in dir to learn how many packages
// there are in all; a build that takes the rest from the cache costs no such run.
func (s *Service) track(out io.Writer, dir string, args []string) (p *progress, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	p = &progress{out: out}
	p.first = func() {
		go func() {
			list := append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, args...)
			cmd := exec.CommandContext(ctx, s.goCmd, list...)
			cmd.Dir, cmd.Env = dir, s.env
			if b, err := cmd.Output(); err == nil {
				// unsafe is listed but never compiled.
				n := bytes.Count(b, []byte("\n"))
				if bytes.HasPrefix(b, []byte("unsafe\n")) || bytes.Contains(b, []byte("\nunsafe\n")) {
					n--
				}
				p.total.Store(int32(n))
			}
		}()
	}
	s.progMu.Lock()
	if s.progs == nil {
		s.progs = map[*progress]bool{}
	}
	s.progs[p] = true
	s.progMu.Unlock()
	return p, func() {
		cancel()
		p.flush()
		s.progMu.Lock()
		delete(s.progs, p)
		s.progMu.Unlock()
	}
}

// String is what the terminal and the page say about p ("compiling Go's standard library for
// WebAssembly, once: 31 of 212 packages"), or "" when nothing but programs are compiling.
// static/progress.js words it the same.
func (p Progress) String() string {
	if !p.Compiling {
		return ""
	}
	const what = "compiling Go's standard library for WebAssembly, once"
	if p.Total > 0 {
		return fmt.Sprintf("%s: %d of %d packages", what, p.Done, p.Total)
	}
	return fmt.Sprintf("%s: %d packages so far", what, p.Done)
}
