package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Vet: the findings of go vet on a program that compiled.
//
// How. Vet runs as `go vet` on the program's files, in a program directory of the workspace,
// with the flags, overlay, tags and environment of the program's build (GOOS=js GOARCH=wasm
// by default), so it reads the same standard library the program was compiled against, and
// the archives go build left in the Go build cache are reused (the same -trimpath and
// -overlay make the same cache keys). Once go build has left the link configuration of the
// program's imports (fast.go), the toolchain's vet tool runs alone on that configuration
// instead (vetDirect), which takes a third of the CPU time. The other way, golang.org/x/tools analysis passes run
// inside the gateway on a package type-checked there, would cost less CPU (no go command),
// but it would type-check learner code in the gateway's own process, where neither a memory
// nor a CPU limit can stop a pathological program; go vet is a child process like the
// compiler, so the sandbox bounds it the same way (setLimits, the process group killed at the
// timeout), and it is the vet learners know, with all its checks. docs/PERFORMANCE.md has
// what it costs per program.
//
// When. The page asks for vet after its build answered ok, while the program runs: it is
// never on the way to a Run. Vet takes a compiler slot of the fair queue only when no compile
// waits for one (acquireSpare; a compile that comes while vets wait goes first, and at most
// maxSpare vets wait), so the compilers run no more at once than before and a Run waits at
// most for one vet to end. Its CPU time is charged to the client's compile budget and
// refused when that is used up, and it is bounded by the service's timeout. A program that has not compiled is not vetted (ErrNotCompiled): vet's type errors
// would only repeat the compiler's.
//
// Cache. Findings are kept beside the program (HASH.vet), by the same hash, and removed with
// it; identical requests in flight share one run.

// ErrNotCompiled is the answer of Vet for a program the service has not compiled, or that
// does not compile.
var ErrNotCompiled = errors.New("the program has not been compiled")

// VetResult is what go vet found in a program.
type VetResult struct {
	Hash        string
	Diagnostics []Diagnostic // positions in the learner's file; empty when vet found nothing
	Cached      bool
	CPU         time.Duration // CPU time of the go command and the vet tool (0 when cached)
}

// vetFlight is one vet run shared by every caller that asked for its hash.
type vetFlight struct {
	done chan struct{}
	res  *VetResult
	err  error
}

// Vet runs go vet on src, a program this service compiled, and returns its findings.
func (s *Service) Vet(ctx context.Context, src []byte) (*VetResult, error) {
	if len(src) > s.maxSource {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d; make the program shorter", ErrSourceTooBig, len(src), s.maxSource)
	}
	hash := s.hash(src)
	if r, err := s.cached(hash); err != nil || !r.OK {
		return nil, fmt.Errorf("%w: build it first (POST /api/build); vet looks only at programs that compile", ErrNotCompiled)
	}
	if r, err := s.vetCached(hash); err == nil {
		r.Cached = true
		return r, nil
	}
	s.mu.Lock()
	f := s.vets[hash]
	if f == nil {
		f = &vetFlight{done: make(chan struct{})}
		if s.vets == nil {
			s.vets = map[string]*vetFlight{}
		}
		s.vets[hash] = f
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			// A vet started for one caller finishes for the others and for the cache, but
			// within the service's timeout.
			vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
			f.res, f.err = s.vet(vctx, hash, src)
			cancel()
			s.mu.Lock()
			delete(s.vets, hash)
			s.mu.Unlock()
			close(f.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		r := *f.res
		r.Diagnostics = append([]Diagnostic(nil), f.res.Diagnostics...)
		return &r, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("vet abandoned: %w", context.Cause(ctx))
	}
}

func (s *Service) vetFile(hash string) string { return filepath.Join(s.outDir, hash+".vet") }

// vetCached returns the findings kept for hash.
func (s *Service) vetCached(hash string) (*VetResult, error) {
	b, err := os.ReadFile(s.vetFile(hash))
	if err != nil {
		return nil, err
	}
	var diags []Diagnostic
	if err := json.Unmarshal(b, &diags); err != nil {
		return nil, fmt.Errorf("cached vet findings %s: %w", hash, err)
	}
	return &VetResult{Hash: hash, Diagnostics: diags}, nil
}

// vet runs go vet once a compiler slot of the learner's is free and the client's budget
// allows, and keeps its findings.
func (s *Service) vet(ctx context.Context, hash string, src []byte) (*VetResult, error) {
	release, err := s.queue.acquireSpare(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if r, err := s.vetCached(hash); err == nil {
		r.Cached = true
		return r, nil
	}
	client, _ := ctx.Value(clientKey{}).(string)
	if err := s.budgets.check(client); err != nil {
		return nil, err
	}
	r, err := s.runVet(ctx, hash, src, client)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(r.Diagnostics)
	if err == nil {
		err = writeFileAtomic(s.outDir, s.vetFile(hash), b)
	}
	if err != nil {
		s.logf("build: saving the vet findings of %.12s: %v", hash, err)
	}
	return r, nil
}

// runVet runs go vet on src in a program directory of the workspace, inside the sandbox, and
// charges its CPU time to client.
func (s *Service) runVet(ctx context.Context, hash string, src []byte, client string) (*VetResult, error) {
	ws, err := s.workspace()
	if err != nil {
		return nil, err
	}
	cell, err := os.MkdirTemp(filepath.Join(ws.mod, "cell"), hash[:16]+"-vet-")
	if err != nil {
		return nil, fmt.Errorf("vet: program directory: %w", err)
	}
	defer os.RemoveAll(cell)
	files := []string{"main.go"}
	if err := os.WriteFile(filepath.Join(cell, "main.go"), src, 0o644); err != nil {
		return nil, fmt.Errorf("vet: %w", err)
	}
	if len(s.prelude) > 0 {
		if err := os.WriteFile(filepath.Join(cell, "prelude.go"), s.prelude, 0o644); err != nil {
			return nil, fmt.Errorf("vet: %w", err)
		}
		files = append(files, "prelude.go")
	}
	key := importKey(src)
	if lc := s.linkConfigFor(key); lc != nil {
		if r := s.vetDirect(ctx, lc, hash, cell, files, client); r != nil {
			return r, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("vet stopped: %w", context.Cause(ctx))
		}
	}
	// The build's flags that decide how packages compile (-trimpath above all), so that vet
	// finds the dependencies' archives go build left in the cache instead of compiling the
	// standard library again.
	args := []string{"vet", "-trimpath", "-buildvcs=false"}
	if len(s.tags) > 0 {
		args = append(args, "-tags", strings.Join(s.tags, ","))
	}
	if ws.overlayJSON != "" {
		args = append(args, "-overlay", ws.overlayJSON)
	}
	args = append(args, files...)
	cmd := exec.CommandContext(ctx, s.goCmd, args...)
	cmd.Dir = cell
	cmd.Env = s.env
	out := &capped{max: maxCompilerText}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	ownGroup(cmd)
	err = s.run(cmd)
	cpu := cpuTime(cmd)
	s.budgets.charge(client, cpu)
	// The go command keeps vet's output in the Go build cache and shows it again for the same
	// files, under the path of the directory they were vetted in then.
	text := cleanOutput(vetPathRE.ReplaceAllString(out.text(), "$1"), cell, ws)
	diags := diagnostics(text)
	var exit *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, fmt.Errorf("vet stopped: %w", context.Cause(ctx))
	case errors.As(err, &exit) && exit.Exited() && len(diags) > 0:
		// go vet exits with 1 when it found something.
	default:
		if limit, msg := s.limitHit(text, cpu); limit != "" {
			s.logf("build: vet of %.12s ran into the %s limit: %s", hash, limit, msg)
			return nil, fmt.Errorf("vet ran into the %s limit", limit)
		}
		s.logf("build: vet of %.12s failed: %v\n%s", hash, err, text)
		return nil, fmt.Errorf("vet failed: %v", err)
	}
	if diags == nil {
		diags = []Diagnostic{}
	}
	return &VetResult{Hash: hash, Diagnostics: diags, CPU: cpu}, nil
}

// vetConfig is the configuration the toolchain's vet tool reads (a *.cfg file, as go vet
// writes it for each package: cmd/go's vetConfig, x/tools' unitchecker.Config).
type vetConfig struct {
	ID          string
	Compiler    string
	Dir         string
	ImportPath  string
	GoVersion   string
	GoFiles     []string
	ImportMap   map[string]string
	PackageFile map[string]string
	Standard    map[string]bool
	VetxOutput  string
}

// vetDirect runs the toolchain's vet tool itself on the program in cell, as the direct path
// of a build runs the compiler (fast.go): go vet's own loading of the module and of some two
// hundred packages was as much CPU time as the analysis, and the link configuration kept for
// the program's imports names every archive the type checker needs. vet then has no facts
// about the standard library's own functions (go vet computes them once per package), which
// leaves the checks of the learner's code as they are: printf knows fmt's functions by name.
// It returns nil when that did not work (a configuration the toolchain does not take, an
// archive gone): go vet answers then.
func (s *Service) vetDirect(ctx context.Context, lc *linkConfig, hash, cell string, files []string, client string) *VetResult {
	obj, err := os.MkdirTemp(cell, ".vet-")
	if err != nil {
		return nil
	}
	defer os.RemoveAll(obj)
	lang := s.goLine
	if parts := strings.Split(lang, "."); len(parts) > 2 {
		lang = parts[0] + "." + parts[1]
	}
	cfg := vetConfig{ID: "main", Compiler: "gc", Dir: cell, ImportPath: "main", GoVersion: "go" + lang,
		ImportMap: map[string]string{}, PackageFile: map[string]string{}, Standard: map[string]bool{},
		VetxOutput: filepath.Join(obj, "vet.out")}
	for _, f := range files {
		cfg.GoFiles = append(cfg.GoFiles, filepath.Join(cell, f))
	}
	for line := range strings.Lines(string(lc.packages)) {
		pkg, file, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "packagefile ")), "=")
		if !ok {
			continue
		}
		cfg.ImportMap[pkg], cfg.PackageFile[pkg] = pkg, file
		first, _, _ := strings.Cut(pkg, "/")
		cfg.Standard[pkg] = !strings.Contains(first, ".") && first != "socketlab"
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil
	}
	cfgFile := filepath.Join(obj, "vet.cfg")
	if err := os.WriteFile(cfgFile, b, 0o644); err != nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, filepath.Join(s.goroot, "pkg", "tool", s.hostTarget, "vet"), cfgFile)
	cmd.Dir = cell
	cmd.Env = s.env
	out := &capped{max: maxCompilerText}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	ownGroup(cmd)
	err = s.run(cmd)
	cpu := cpuTime(cmd)
	s.budgets.charge(client, cpu)
	ws, werr := s.workspace()
	if werr != nil {
		return nil
	}
	diags := diagnostics(cleanOutput(out.text(), cell, ws))
	var exit *exec.ExitError
	switch {
	case err == nil && len(diags) == 0:
		diags = []Diagnostic{}
	case errors.As(err, &exit) && exit.Exited() && exit.ExitCode() == 1 && len(diags) > 0:
		// vet exits with 1 when it found something.
	default:
		return nil
	}
	s.directVets.Add(1)
	return &VetResult{Hash: hash, Diagnostics: diags, CPU: cpu}
}

// vetPathRE matches the path of a program directory before a program's file name.
var vetPathRE = regexp.MustCompile(`(?m)^\S*[/\\]cell[/\\][0-9a-f]{16}-[^/\\\s]*[/\\]((?:main|prelude)\.go:)`)

// writeFileAtomic writes b to path through a temporary file in dir.
func writeFileAtomic(dir, path string, b []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*")
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
	return os.Rename(f.Name(), path)
}
