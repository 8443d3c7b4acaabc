package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxCompilerText bounds how much of the compiler's output is kept.
const maxCompilerText = 256 << 10

// compile runs the compiler for one program, once a compiler slot is free, and stores the
// outcome in the cache.
func (s *Service) compile(ctx context.Context, f *flight, hash string, src []byte) (*Result, error) {
	release, err := s.slot(ctx, f)
	if err != nil {
		return nil, err
	}
	defer release()
	if r, err := s.cached(hash); err == nil { // built meanwhile, perhaps by another process
		r.Cached = true
		return r, nil
	}
	client, _ := ctx.Value(clientKey{}).(string)
	if err := s.budgets.check(client); err != nil {
		return nil, err
	}
	s.obs.Compiling(1)
	start := time.Now()
	r, err := s.runCompiler(ctx, hash, src, client)
	took := time.Since(start)
	s.obs.Compiling(-1)
	s.obs.Compiled(took, outcome(r, err))
	if err == nil && r.CPU > 0 {
		s.queue.took(took)
	}
	return r, err
}

// slot waits for a free compiler slot in the learner's queue (see fairQueue); release gives
// it back. While it waits, f knows its place.
func (s *Service) slot(ctx context.Context, f *flight) (release func(), err error) {
	s.obs.Waiting(1)
	defer s.obs.Waiting(-1)
	defer f.queued.Store(nil)
	return s.queue.acquire(ctx, learnerOf(ctx), func(w *waiter) { f.queued.Store(w) })
}

// outcome names how a compile ended, for the Observer.
func outcome(r *Result, err error) string {
	switch {
	case err != nil:
		return "failed"
	case r.Limit != "":
		return "limit"
	case !r.OK:
		return "error"
	}
	return "ok"
}

// runCompiler runs the go command on src in a program directory of the workspace, charges
// its CPU time to client, and stores the outcome.
func (s *Service) runCompiler(ctx context.Context, hash string, src []byte, client string) (*Result, error) {
	ws, err := s.workspace()
	if err != nil {
		return nil, err
	}
	cell, err := os.MkdirTemp(filepath.Join(ws.mod, "cell"), hash[:16]+"-")
	if err != nil {
		return nil, fmt.Errorf("build: program directory: %w", err)
	}
	defer os.RemoveAll(cell)
	if err := os.WriteFile(filepath.Join(cell, "main.go"), src, 0o644); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if len(s.prelude) > 0 {
		if err := os.WriteFile(filepath.Join(cell, "prelude.go"), s.prelude, 0o644); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	tmp := filepath.Join(s.outDir, ".tmp-"+filepath.Base(cell)+filepath.Ext(s.programFile(hash)))
	defer os.Remove(tmp)

	args := append([]string{"build"}, buildFlags...)
	if len(s.tags) > 0 {
		args = append(args, "-tags", strings.Join(s.tags, ","))
	}
	if ws.overlayJSON != "" {
		args = append(args, "-overlay", ws.overlayJSON)
	}
	// Naming the files, rather than the directory, makes the package "command-line-arguments"
	// wherever it sits, so a panic's trace says ./main.go:LINE and the output does not depend
	// on the directory's name. Build constraints in named files are ignored, as with go run.
	files := []string{"main.go"}
	if len(s.prelude) > 0 {
		files = append(files, "prelude.go")
	}
	// -v names each package compiled rather than taken from the cache: the progress of a
	// first build (Progress). It changes nothing in the output, so it is not in buildFlags.
	listArgs := append(args[1:len(args):len(args)], files...)
	args = append(args, "-v", "-o", tmp)
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := importKey(src)
	var directCPU time.Duration
	if lc := s.linkConfigFor(key); lc != nil {
		var r *Result
		if r, directCPU, err = s.tryDirect(ctx, tctx, lc, hash, cell, files, tmp, client); r != nil || err != nil {
			return r, err
		}
	} else if key != "" {
		// -work keeps go build's work directory, which holds the link's import
		// configuration for the direct path; keepLink removes it.
		args = append(args, "-work")
	}
	args = append(args, files...)
	cmd := exec.CommandContext(tctx, s.goCmd, args...)
	cmd.Dir = cell
	cmd.Env = s.env
	out := &capped{max: maxCompilerText}
	prog, stopProgress := s.track(out, cell, listArgs)
	cmd.Stdout, cmd.Stderr = prog, prog
	cmd.WaitDelay = 5 * time.Second
	ownGroup(cmd)
	start := time.Now()
	s.compiles.Add(1)
	err = s.run(cmd)
	stopProgress()
	took, cpu := time.Since(start), cpuTime(cmd)
	s.budgets.charge(client, cpu)
	work, text := workDir(out.text())
	if work != "" {
		if err == nil {
			s.keepLink(key, work) // and removes it
		} else {
			os.RemoveAll(work)
		}
	}
	cpu += directCPU

	var exit *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, fmt.Errorf("build abandoned: %w", context.Cause(ctx))
	case tctx.Err() != nil:
		return nil, s.timedOut()
	case errors.As(err, &exit):
		if limit, msg := s.limitHit(text, cpu); limit != "" {
			return s.overLimit(hash, limit, msg, cmd), nil
		}
		if exit.Exited() {
			return s.failed(hash, text, cell, ws), nil
		}
		fallthrough
	default:
		return nil, fmt.Errorf("build: running %s: %v: %s", s.goCmd, err, strings.TrimSpace(text))
	}
	s.logSlow(hash, took)
	r, err := s.store(hash, tmp, cleanOutput(text, cell, ws))
	if r != nil {
		r.CPU, r.PeakMemory = cpu, peakMemory(cmd)
	}
	return r, err
}

// tryDirect builds the program on the direct path (fast.go). Neither a result nor an error
// means go build must answer; cpu is the time the attempt took, charged already.
func (s *Service) tryDirect(ctx, tctx context.Context, lc *linkConfig, hash, cell string, files []string, tmp, client string) (r *Result, cpu time.Duration, err error) {
	start := time.Now()
	s.compiles.Add(1)
	d := s.direct(tctx, lc, cell, files, tmp)
	s.budgets.charge(client, d.cpu)
	switch {
	case d.ok:
		s.directBuilds.Add(1)
		s.logSlow(hash, time.Since(start))
		r, err := s.store(hash, tmp, "")
		if r != nil {
			r.CPU, r.PeakMemory = d.cpu, d.peak
		}
		return r, d.cpu, err
	case ctx.Err() != nil:
		return nil, d.cpu, fmt.Errorf("build abandoned: %w", context.Cause(ctx))
	case tctx.Err() != nil:
		return nil, d.cpu, s.timedOut()
	case d.failed != nil:
		// A program that runs into a limit would run into it again under go build.
		if limit, msg := s.limitHit(d.text, cpuTime(d.failed)); limit != "" {
			return s.overLimit(hash, limit, msg, d.failed), d.cpu, nil
		}
	}
	return nil, d.cpu, nil // a compile error, most likely: go build says which
}

func (s *Service) timedOut() error {
	return fmt.Errorf("%w after %v and was stopped; try again (a first build with an empty Go cache compiles the standard library and can take a minute) or make the program smaller", ErrTimeout, s.timeout)
}

func (s *Service) logSlow(hash string, took time.Duration) {
	if took > 10*time.Second {
		s.logf("build: %.12s took %v (the first build after a toolchain, overlay or cache change compiles the standard library)", hash, took.Round(time.Millisecond))
	}
}

// run runs the go command inside the sandbox: with the limits of the service, and while no
// files of the Go build cache are being removed.
func (s *Service) run(cmd *exec.Cmd) error {
	s.cacheLock.RLock()
	defer s.cacheLock.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := s.setLimits(cmd.Process.Pid); err != nil {
		cmd.Cancel()
		cmd.Wait()
		return fmt.Errorf("limiting the compiler's memory and time: %w", err)
	}
	return cmd.Wait()
}

// overLimit is the result of a build that ran into a limit of the sandbox. It is cached like
// a compile error: the same program runs into the same limit again.
func (s *Service) overLimit(hash, limit, msg string, cmd *exec.Cmd) *Result {
	s.logf("build: %.12s ran into the %s limit: %s", hash, limit, msg)
	r := &Result{Hash: hash, Limit: limit, Diagnostics: []Diagnostic{{Msg: msg}}, Output: msg + "\n",
		CPU: cpuTime(cmd), PeakMemory: peakMemory(cmd)}
	if err := s.writeMeta(hash, r); err != nil {
		s.logf("build: saving the result of %.12s: %v", hash, err)
	}
	return r
}

// store moves a compiled program into the cache with its result file. A wasm module's
// compressed twins are written when a client first asks for them (encode.go).
func (s *Service) store(hash, tmp, output string) (*Result, error) {
	fi, err := os.Stat(tmp)
	if err != nil {
		return nil, fmt.Errorf("build: the compiler reported success but wrote no program: %w", err)
	}
	if fi.Size() > s.maxOutput {
		return nil, fmt.Errorf("%w: %d MiB, the limit is %d MiB; leave out large data or packages the program does not need",
			ErrOutputTooBig, fi.Size()>>20, s.maxOutput>>20)
	}
	prog := s.programFile(hash)
	if err := os.Rename(tmp, prog); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	r := &Result{Hash: hash, OK: true, Output: output, Size: fi.Size()}
	if err := s.writeMeta(hash, r); err != nil {
		s.logf("build: saving the result of %.12s: %v", hash, err)
	}
	return r, nil
}

// failed turns the compiler's output into a result. It is cached only when the errors are
// in the learner's file; anything else points at the service (a broken runtime, a full disk)
// and is logged.
func (s *Service) failed(hash, text, cell string, ws *workspace) *Result {
	output := cleanOutput(text, cell, ws)
	r := &Result{Hash: hash, Output: output, Diagnostics: diagnostics(output)}
	if len(r.Diagnostics) == 0 && strings.Contains(output, "function main is undeclared in the main package") {
		r.Diagnostics = []Diagnostic{{Msg: "function main is undeclared in the main package; a program starts at func main() { ... }"}}
		r.Output = formatDiagnostics(r.Diagnostics)
	}
	if len(r.Diagnostics) == 0 {
		s.logf("build: %.12s failed without an error in main.go:\n%s", hash, output)
		first, _, _ := strings.Cut(strings.TrimSpace(output), "\n")
		if first == "" {
			first = "the build failed without saying why"
		}
		r.Diagnostics = []Diagnostic{{Msg: first}}
		return r
	}
	if err := s.writeMeta(hash, r); err != nil {
		s.logf("build: saving the result of %.12s: %v", hash, err)
	}
	return r
}

func (s *Service) writeMeta(hash string, r *Result) error {
	b, err := json.Marshal(meta{OK: r.OK, Diagnostics: r.Diagnostics, Output: r.Output, Size: r.Size, Limit: r.Limit})
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.outDir, ".tmp-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(b)
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), s.metaFile(hash))
}

// cleanOutput rewrites the compiler's text for the learner: the package header goes, the
// program's files are called main.go and prelude.go, and other paths lose the service's
// directories. Errors in the prelude are left out, except one that points into main.go (a
// name the learner declared that the prelude declares too), which is moved there.
func cleanOutput(text, cell string, ws *workspace) string {
	rel, _ := filepath.Rel(ws.mod, cell)
	replacer := strings.NewReplacer(
		cell+string(filepath.Separator), "",
		cell, ".",
		"socketlab/"+filepath.ToSlash(rel)+"/", "",
		"socketlab/"+filepath.ToSlash(rel), "main",
		"command-line-arguments", "main",
		filepath.Join(ws.dir, "overlay")+string(filepath.Separator), "$GOROOT/src/",
		ws.mod+string(filepath.Separator), "socketlab/",
	)
	var b strings.Builder
	preludeMsg := "" // the message of the prelude error being skipped
	inPrelude := false
	for line := range strings.Lines(text) {
		line = replacer.Replace(strings.TrimRight(line, "\r\n"))
		if rest, ok := strings.CutPrefix(line, "\t"); ok {
			rest = strings.TrimPrefix(rest, "./")
			if inPrelude {
				if m := diagRE.FindStringSubmatch(rest); m != nil && preludeMsg != "" {
					pos, _, _ := strings.Cut(rest, ": ")
					fmt.Fprintf(&b, "%s: %s (the lab adds code to every program that already uses this name; choose another)\n", pos, preludeMsg)
					preludeMsg = ""
				}
				continue
			}
			line = "\t" + rest
		} else {
			line = strings.TrimPrefix(line, "./")
			if strings.HasPrefix(line, "# ") {
				continue
			}
			rest, ok := strings.CutPrefix(line, "prelude.go:")
			inPrelude = ok
			if inPrelude {
				// prelude.go:LINE:COL: MSG
				parts := strings.SplitN(rest, ": ", 2)
				preludeMsg = parts[len(parts)-1]
				continue
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

var diagRE = regexp.MustCompile(`^main\.go:(\d+)(?::(\d+))?: (.*)$`)

// diagnostics picks the errors in main.go out of cleaned compiler output. Indented lines that
// follow an error (have/want pairs, candidates) belong to it.
func diagnostics(output string) []Diagnostic {
	var diags []Diagnostic
	last := false
	for line := range strings.Lines(output) {
		line = strings.TrimRight(line, "\n")
		if m := diagRE.FindStringSubmatch(line); m != nil {
			d := Diagnostic{Msg: m[3]}
			d.Line, _ = strconv.Atoi(m[1])
			d.Col, _ = strconv.Atoi(m[2])
			diags = append(diags, d)
			last = true
			continue
		}
		if last && strings.HasPrefix(line, "\t") {
			diags[len(diags)-1].Msg += "\n" + line
			continue
		}
		last = false
	}
	return diags
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.buf.Write(p[:max(room, 0)])
		c.truncated = true
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

func (c *capped) text() string {
	if c.truncated {
		return c.buf.String() + "\n[the rest of the compiler's output was left out]\n"
	}
	return c.buf.String()
}
