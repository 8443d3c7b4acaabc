package build

import (
	"bufio"
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The direct path. About 40% of the CPU time of `go build` for a learner's program, whose packages
// but its own all come from the Go build cache, is the go command's own: loading the module
// and some two hundred packages, hashing their files and checking the cache for each, before
// it runs the compiler on one small package and the linker. None of that changes from one
// program to the next as long as the program imports the same packages. So the service runs
// go build once for each set of imports, keeps the link's import configuration it used (which
// archive of the cache each package is), and from then on runs the compiler and the linker
// itself, with the flags go build gives them. Anything that goes wrong on this path (a
// program that does not compile, an archive the cache no longer holds, a toolchain that
// changed underfoot) falls back to go build, which answers as before.

// linkConfig is what the direct path needs for one set of imports: go build's import
// configuration of the link, without the line of the program's own package.
type linkConfig struct {
	cfg      []byte   // importcfg.link lines: packagefile P=FILE, modinfo "..."
	packages []byte   // its packagefile lines alone, for the compiler
	files    []string // the archives it names, checked before each use
}

// importKey names a program's set of imports (with the prelude's), or "" when src cannot be
// read (the compiler will say why).
func importKey(src []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.ImportsOnly)
	if err != nil {
		return ""
	}
	var paths []string
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err == nil {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return strings.Join(slices.Compact(paths), "\n")
}

// linkConfigFor returns the link configuration kept for key, if every archive it names is
// still in the Go build cache.
func (s *Service) linkConfigFor(key string) *linkConfig {
	if key == "" {
		return nil
	}
	s.fastMu.Lock()
	lc := s.links[key]
	s.fastMu.Unlock()
	if lc == nil {
		return nil
	}
	for _, f := range lc.files {
		if !exists(f) {
			s.forgetLinks()
			return nil
		}
	}
	return lc
}

// forgetLinks drops every kept link configuration: the Go build cache lost files.
func (s *Service) forgetLinks() {
	s.fastMu.Lock()
	s.links = nil
	s.fastMu.Unlock()
}

// keepLink reads the link configuration go build left in its work directory (go build
// -work) and keeps it for key. The work directory is removed.
func (s *Service) keepLink(key, work string) {
	defer os.RemoveAll(work)
	if key == "" {
		return
	}
	b, err := os.ReadFile(filepath.Join(work, "b001", "importcfg.link"))
	if err != nil {
		return
	}
	lc := &linkConfig{}
	var cfg, packages bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "packagefile "); ok {
			pkg, file, _ := strings.Cut(rest, "=")
			if pkg == "command-line-arguments" {
				continue
			}
			if !filepath.IsAbs(file) || strings.HasPrefix(file, work) {
				return // not an archive of the cache: nothing to keep
			}
			lc.files = append(lc.files, file)
			packages.WriteString(line + "\n")
		}
		cfg.WriteString(line)
		cfg.WriteByte('\n')
	}
	if len(lc.files) == 0 {
		return
	}
	lc.cfg, lc.packages = cfg.Bytes(), packages.Bytes()
	s.fastMu.Lock()
	if s.links == nil || len(s.links) >= maxLinkConfigs {
		s.links = map[string]*linkConfig{} // forget old import sets rather than grow without bound
	}
	s.links[key] = lc
	s.fastMu.Unlock()
}

// maxLinkConfigs bounds the import sets kept.
const maxLinkConfigs = 256

// workDir picks the WORK=DIR line go build -work prints out of its output, and returns the
// directory (or "") and the output without the line.
func workDir(text string) (dir, rest string) {
	line, after, _ := strings.Cut(text, "\n")
	if d, ok := strings.CutPrefix(line, "WORK="); ok && filepath.IsAbs(d) && strings.HasPrefix(filepath.Base(d), "go-build") {
		return d, after
	}
	return "", text
}

// directRun is how the direct path went: ok when it produced a program; else failed is the
// tool that did not, with its output (and how it ended) in text. cpu is the time both tools
// used, peak their largest memory.
type directRun struct {
	ok     bool
	cpu    time.Duration
	peak   int64
	failed *exec.Cmd
	text   string
}

// direct compiles and links the program in cell (files, the learner's and the prelude) with
// the compiler and linker alone, to tmp. When it produces no program the caller runs go
// build, unless the tool ran into a limit of the sandbox.
func (s *Service) direct(ctx context.Context, lc *linkConfig, cell string, files []string, tmp string) (d directRun) {
	obj, err := os.MkdirTemp(cell, ".obj-")
	if err != nil {
		return d
	}
	defer os.RemoveAll(obj)
	cfg := filepath.Join(obj, "importcfg")
	if err := os.WriteFile(cfg, lc.packages, 0o644); err != nil {
		return d
	}
	pkg := filepath.Join(obj, "_pkg_.a")
	lang := s.goLine
	if parts := strings.Split(lang, "."); len(parts) > 2 {
		lang = parts[0] + "." + parts[1]
	}
	compile := []string{"-o", pkg, "-trimpath", cell + "=>.", "-p", "main", "-lang=go" + lang, "-complete",
		"-dwarf=false", "-goversion", s.goVersion, "-c=1", "-nolocalimports", "-importcfg", cfg, "-pack"}
	for _, f := range files {
		compile = append(compile, "./"+f)
	}
	link := []string{"-o", tmp, "-importcfg", cfg, "-buildmode=exe", "-s", "-w", pkg}
	tools := filepath.Join(s.goroot, "pkg", "tool", s.hostTarget)
	for i, step := range []struct {
		tool string
		args []string
	}{{"compile", compile}, {"link", link}} {
		cmd := exec.CommandContext(ctx, filepath.Join(tools, step.tool), step.args...)
		cmd.Dir = cell
		cmd.Env = s.env
		if i == 1 {
			cfgLine := "packagefile command-line-arguments=" + pkg + "\n"
			if err := os.WriteFile(cfg, append([]byte(cfgLine), lc.cfg...), 0o644); err != nil {
				return d
			}
			// As go build -trimpath does: the program does not learn where Go lives.
			cmd.Env = append(slices.Clip(s.env), "GOROOT=")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.WaitDelay = 5 * time.Second
		ownGroup(cmd)
		err := s.run(cmd)
		d.cpu += cpuTime(cmd)
		d.peak = max(d.peak, peakMemory(cmd))
		if err != nil {
			d.failed, d.text = cmd, out.String()+"\n"+err.Error()
			return d
		}
	}
	d.ok = true
	return d
}
