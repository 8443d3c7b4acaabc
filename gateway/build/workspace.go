package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// buildFlags are the go build flags that change the output; they are part of every hash.
var buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// workspace is the build module shared by all builds of one configuration.
type workspace struct {
	dir         string // CacheDir/ws/ID
	mod         string // dir/mod: the module "socketlab", with cell/ for programs
	overlayJSON string // the -overlay file; empty when there is no overlay
}

// goEnv is what the service needs to know from go env.
type goEnv struct {
	GOROOT, GOVERSION, GOCACHE, GOMODCACHE, GOPATH string
	GOHOSTOS, GOHOSTARCH                           string
}

// readGoEnv asks the toolchain where it lives and which version it is, and prepares the
// environment of every build from the answer.
func (s *Service) readGoEnv() error {
	cmd := exec.Command(s.goCmd, "env", "-json", "GOROOT", "GOVERSION", "GOMODCACHE", "GOPATH", "GOHOSTOS", "GOHOSTARCH")
	cmd.Dir = s.cacheDir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("build: %s env: %v: %s (is Go installed? set Options.GoCmd to the go command)",
			s.goCmd, err, strings.TrimSpace(stderr.String()))
	}
	var e goEnv
	if err := json.Unmarshal(out, &e); err != nil {
		return fmt.Errorf("build: %s env -json: %w", s.goCmd, err)
	}
	if e.GOROOT == "" {
		return fmt.Errorf("build: %s env reports no GOROOT; check the Go installation", s.goCmd)
	}
	e.GOCACHE = s.goCache
	v, ok := goModVersion(e.GOVERSION)
	if !ok {
		return fmt.Errorf("build: cannot read the Go version from %q; use a released Go toolchain", e.GOVERSION)
	}
	s.goroot, s.goVersion, s.goLine = e.GOROOT, e.GOVERSION, v
	s.hostTarget = e.GOHOSTOS + "_" + e.GOHOSTARCH // where the toolchain's compiler and linker are
	s.env = append(buildEnv(os.Environ(), e, s.goos, s.goarch), gcEnv(s.memory)...)
	return nil
}

// gcEnv is how the toolchain's processes (the go command, the compiler, the linker) collect
// garbage. At GOGC=400 a net/http build takes a quarter less CPU than at the default 100
// (0.36 s against 0.47 s here, the mean of five) for 17 MB more at its peak (162 MB against
// 145); with collection off it saves no more and takes 32 MB more. GOMEMLIMIT, at nine
// tenths of the memory limit of a build's process (memory; 0 is none), makes a process that
// nears the limit collect as often as it must, so that a large program builds as before. Not
// lower: a compile bomb past GOMEMLIMIT collects over and over until the limit stops it. With
// GOMEMLIMIT at half the limit, the gateway and its builds took 70% of a core during the
// soak's attack instead of 41%, and the relay's p99 beside them was 2.2-2.4 ms instead of
// 1.1 ms (docs/security.md).
func gcEnv(memory int64) []string {
	env := []string{"GOGC=400"}
	if memory > 0 {
		env = append(env, "GOMEMLIMIT="+strconv.FormatInt(memory/10*9, 10))
	}
	return env
}

var (
	releaseRE = regexp.MustCompile(`^go(1\.\d+(?:\.\d+|(?:rc|beta)\d+)?)$`)
	develRE   = regexp.MustCompile(`^devel go(1\.\d+)`)
)

// goModVersion turns GOVERSION ("go1.26.8", "go1.27rc1 X:exp", "devel go1.27-abc ...") into
// the version for a go.mod go line.
func goModVersion(v string) (string, bool) {
	first, _, _ := strings.Cut(v, " ")
	if m := releaseRE.FindStringSubmatch(first); m != nil {
		return m[1], true
	}
	if m := develRE.FindStringSubmatch(v); m != nil {
		return m[1], true
	}
	return "", false
}

// buildEnv is environ without anything that steers the go command, plus the settings of a
// learner build. The build cache is the service's (the standard library compiled for js/wasm
// with the overlay lives there); the module cache is the user's. goos and goarch are the
// target.
func buildEnv(environ []string, e goEnv, goos, goarch string) []string {
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOROOT="+e.GOROOT,
		"GOCACHE="+e.GOCACHE,
		"GOMODCACHE="+e.GOMODCACHE,
		"GOPATH="+e.GOPATH,
		"GOOS="+goos,
		"GOARCH="+goarch,
		"CGO_ENABLED=0",
		"GOTOOLCHAIN=local",
		"GOPROXY=off",
		"GOSUMDB=off",
		"GONOSUMDB=*",
		"GOFLAGS=-mod=mod",
		"GOWORK=off",
		"GOENV=off",
		"GO111MODULE=on",
	)
}

// readRuntime loads the runtime files, leaving out what the service writes itself and what
// no build reads.
func readRuntime(fsys fs.FS) (map[string][]byte, error) {
	files := make(map[string][]byte)
	if fsys == nil {
		return files, nil
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == "cell":
			return errors.New(`the directory "cell" is where learner programs go; rename it`)
		case d.IsDir():
			return nil
		case p == "go.mod" || p == "go.sum" || p == "go.work" || p == "go.work.sum" || strings.HasSuffix(p, "_test.go"):
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("build: reading Options.Runtime: %w", err)
	}
	return files, nil
}

func checkOverlay(overlay map[string][]byte) (map[string][]byte, error) {
	files := make(map[string][]byte, len(overlay))
	for p, b := range overlay {
		if !fs.ValidPath(p) || p == "." {
			return nil, fmt.Errorf("build: Options.Overlay: %q is not a path under $GOROOT/src like \"net/net_fake.go\"", p)
		}
		files[p] = bytes.Clone(b)
	}
	return files, nil
}

// put writes each part with its length in front, so that no two different lists of parts
// hash alike.
func put(h hash.Hash, parts ...string) {
	for _, p := range parts {
		h.Write(binary.AppendUvarint(nil, uint64(len(p))))
		h.Write([]byte(p))
	}
}

// baseHash covers everything that decides a build's output except the learner's source.
func (s *Service) baseHash() []byte {
	h := sha256.New()
	put(h, "socketlab build 1", s.goVersion, s.goroot, s.goos, s.goarch)
	put(h, buildFlags...)
	if len(s.tags) > 0 {
		put(h, "tags")
		put(h, s.tags...)
	}
	for _, p := range slices.Sorted(maps.Keys(s.runtime)) {
		put(h, "runtime", p, string(s.runtime[p]))
	}
	for _, m := range slices.Sorted(maps.Keys(s.modules)) {
		put(h, "module", m, s.modules[m])
	}
	for _, m := range slices.Sorted(maps.Keys(s.require)) {
		put(h, "require", m, s.require[m])
	}
	put(h, "go.sum", string(s.gosum))
	for _, p := range slices.Sorted(maps.Keys(s.overlay)) {
		put(h, "overlay", p, string(s.overlay[p]))
	}
	put(h, "prelude", string(s.prelude))
	// A program that ran into a limit is cached as such; other limits may let it through.
	put(h, "limits", fmt.Sprint(s.memory, s.cpu, s.maxFile))
	return h.Sum(nil)
}

// hash is the content hash of a program: its source and everything in the base.
func (s *Service) hash(src []byte) string {
	h := sha256.New()
	h.Write(s.base)
	put(h, "source", string(src))
	return hex.EncodeToString(h.Sum(nil))
}

// workspace returns the build module, writing it if it is missing. It is written into a
// temporary directory and renamed into place, so a half-written workspace is never used, even
// by another process sharing the cache.
func (s *Service) workspace() (*workspace, error) {
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	if s.ws != nil && exists(filepath.Join(s.ws.mod, "go.mod")) {
		return s.ws, nil
	}
	root := filepath.Join(s.cacheDir, "ws")
	dir := filepath.Join(root, hex.EncodeToString(s.base)[:16])
	ws := &workspace{dir: dir, mod: filepath.Join(dir, "mod")}
	if len(s.overlay) > 0 {
		ws.overlayJSON = filepath.Join(dir, "overlay.json")
	}
	if exists(filepath.Join(ws.mod, "go.mod")) {
		s.ws = ws
		return ws, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("build: workspace: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".tmp-")
	if err != nil {
		return nil, fmt.Errorf("build: workspace: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := s.writeWorkspace(tmp, ws); err != nil {
		return nil, fmt.Errorf("build: writing the workspace: %w (is %s writable?)", err, s.cacheDir)
	}
	os.RemoveAll(dir) // an incomplete one, if any
	if err := os.Rename(tmp, dir); err != nil && !exists(filepath.Join(ws.mod, "go.mod")) {
		return nil, fmt.Errorf("build: workspace: %w", err)
	}
	s.ws = ws
	return ws, nil
}

// writeWorkspace lays out ws in tmp; ws names the paths it will have after the rename.
func (s *Service) writeWorkspace(tmp string, ws *workspace) error {
	write := func(name string, b []byte) error {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		return os.WriteFile(name, b, 0o644)
	}
	var gomod bytes.Buffer
	fmt.Fprintf(&gomod, "module socketlab\n\ngo %s\n", s.goLine)
	mods := slices.Sorted(maps.Keys(s.modules))
	for _, m := range mods {
		fmt.Fprintf(&gomod, "\nrequire %s v0.0.0\n", m)
	}
	for _, m := range mods {
		fmt.Fprintf(&gomod, "\nreplace %s => ./%s\n", m, s.modules[m])
	}
	for _, m := range slices.Sorted(maps.Keys(s.require)) {
		fmt.Fprintf(&gomod, "\nrequire %s %s\n", m, s.require[m])
	}
	if err := write(filepath.Join(tmp, "mod", "go.mod"), gomod.Bytes()); err != nil {
		return err
	}
	if len(s.gosum) > 0 {
		if err := write(filepath.Join(tmp, "mod", "go.sum"), s.gosum); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(tmp, "mod", "cell"), 0o755); err != nil {
		return err
	}
	for p, b := range s.runtime {
		if err := write(filepath.Join(tmp, "mod", filepath.FromSlash(p)), b); err != nil {
			return err
		}
	}
	if len(s.overlay) == 0 {
		return nil
	}
	replace := make(map[string]string, len(s.overlay))
	for p, b := range s.overlay {
		if err := write(filepath.Join(tmp, "overlay", filepath.FromSlash(p)), b); err != nil {
			return err
		}
		replace[filepath.Join(s.goroot, "src", filepath.FromSlash(p))] = filepath.Join(ws.dir, "overlay", filepath.FromSlash(p))
	}
	b, err := json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
	if err != nil {
		return err
	}
	return write(filepath.Join(tmp, "overlay.json"), b)
}

// sweep removes what crashed builds left behind: program directories and temporary files
// older than an hour (no build runs that long).
func (s *Service) sweep() {
	old := time.Now().Add(-time.Hour)
	dirs := []string{filepath.Join(s.ws.mod, "cell"), s.outDir, filepath.Join(s.cacheDir, "ws")}
	for i, dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if i > 0 && !strings.HasPrefix(e.Name(), ".tmp-") {
				continue
			}
			if fi, err := e.Info(); err == nil && fi.ModTime().Before(old) {
				os.RemoveAll(filepath.Join(dir, e.Name()))
			}
		}
	}
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
