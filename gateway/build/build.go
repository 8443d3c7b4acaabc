package build

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Options configure a [Service]. A nil *Options means all defaults.
type Options struct {
	// GoCmd is the go command. Defaults to "go" from PATH, else $GOROOT/bin/go.
	GoCmd string
	// CacheDir holds the workspace and the compiled programs.
	// Defaults to os.UserCacheDir()/socketlab/build.
	CacheDir string
	// Runtime holds files laid out at the root of the build module, whose path is "socketlab":
	// for example "wire/frame.go" or "labnet/net.go". A go.mod at its root is ignored (the
	// service writes its own), as are _test.go files. It is read once, by New.
	Runtime fs.FS
	// Modules makes third-party modules available without downloading anything: each module
	// path maps to a directory inside Runtime that holds the module (with its own go.mod). The
	// build module requires it at v0.0.0 and replaces it with that directory, and learners may
	// import its packages by default. Dependencies of these modules must be listed too.
	Modules map[string]string
	// Require makes third-party modules from the local module cache importable: module path
	// → version, written as requirements of the build module. Nothing is downloaded
	// (GOPROXY=off), so each must already be in the module cache, and GoSum must hold its
	// checksums and those of its own requirements (listed in Require too).
	Require map[string]string
	// GoSum is the build module's go.sum.
	GoSum []byte
	// Overlay maps a path relative to $GOROOT/src ("net/net_fake.go") to the content that
	// replaces, or adds, that file in learner builds (go build -overlay).
	Overlay map[string][]byte
	// GOOS and GOARCH are the target. Both default to the browser's: js and wasm. Any other
	// target (for example the host's, runtime.GOOS and runtime.GOARCH) gives a native
	// executable; find it with ProgramPath. The handler serves js/wasm programs only.
	GOOS, GOARCH string
	// Tags are build tags for every learner build (go build -tags), for example "socketlab"
	// for a native learner program.
	Tags []string
	// Prelude is Go source added as a second file of the learner's main package, for example
	// `package main; import _ "socketlab/labnet"`. Empty means none.
	Prelude []byte
	// Timeout bounds one run of the compiler. Defaults to 60s.
	Timeout time.Duration
	// MaxSource is the largest accepted source, in bytes. Defaults to 256 KiB.
	MaxSource int
	// MaxOutput is the largest accepted wasm file, in bytes. Defaults to 64 MiB.
	MaxOutput int64
	// Concurrency is how many compilers may run at once. Defaults to 2.
	Concurrency int
	// Memory bounds the memory of each process of a build (the go command, each compiler and
	// the linker), in bytes: RLIMIT_DATA, with RLIMIT_AS at twice as much as a backstop. A
	// process that needs more fails, and the learner is told which limit it hit. Defaults to
	// 1 GiB; negative means no limit. Only Linux applies it.
	Memory int64
	// CPU bounds the CPU time of each process of a build (RLIMIT_CPU). Defaults to 60s;
	// negative means no limit. Only Linux applies it.
	CPU time.Duration
	// MaxFile bounds the size of every file a build writes, in the Go build cache or the
	// output (RLIMIT_FSIZE). Defaults to 256 MiB; negative means no limit.
	MaxFile int64
	// GoCache is the Go build cache (GOCACHE) of every build. Defaults to
	// os.UserCacheDir()/socketlab/gocache (CacheDir/gocache when there is no user cache
	// directory): a cache of the service's own, shared by the services of one user, which the
	// service trims to MaxGoCache.
	GoCache string
	// MaxGoCache caps the Go build cache, in bytes: past it, the files used longest ago are
	// removed. Defaults to 2 GiB; negative means never trim it (for a cache the service does
	// not own, such as the user's).
	MaxGoCache int64
	// MaxPrograms caps the compiled programs kept, in bytes: past it, the programs used longest
	// ago are removed (and compiled again when asked for). Defaults to 1 GiB; negative means
	// no cap.
	MaxPrograms int64
	// Budget is how much compile time (CPU time of the compiler and linker) one client address
	// may use a minute, with twice as much saved up; see [WithClient]. A build from an
	// address over its budget fails with [ErrBudget]. Defaults to 30s; negative means none.
	Budget time.Duration
	// Allowed reports whether a learner may import path. Defaults to the standard library
	// minus a deny list (unsafe, syscall, syscall/js, os/exec, plugin, runtime/cgo, "C",
	// internal and vendor packages), plus the packages of Modules. The runtime's own packages
	// (socketlab/...) are refused by the default. Whatever Allowed says, "C" and the
	// workspace's program directories are always refused.
	Allowed func(path string) bool
	// Logf reports what the service does (slow builds, failures while warming).
	// Defaults to log.Printf.
	Logf func(format string, args ...any)
	// Observer hears of compiles and cache hits, for metrics. Nil: nothing.
	Observer Observer
}

// Observer hears what a Service does. Its methods are called from many goroutines and must
// not block.
type Observer interface {
	// Waiting: a compile began (+1) or stopped (-1) waiting for a free compiler slot.
	Waiting(delta int)
	// Compiling: a compiler started (+1) or finished (-1).
	Compiling(delta int)
	// Compiled: a compiler run took this long and ended "ok", "error" (the program does not
	// compile), "limit" (it ran into a limit of the sandbox) or "failed" (the service failed).
	Compiled(took time.Duration, outcome string)
	// Answered: a Build returned a result: how is "hit" (from the cache), "shared" (from a
	// compile another caller started for the same source) or "miss" (a compile of its own);
	// ok says the program compiled.
	Answered(how string, ok bool)
}

type nopObserver struct{}

func (nopObserver) Waiting(int)                    {}
func (nopObserver) Compiling(int)                  {}
func (nopObserver) Compiled(time.Duration, string) {}
func (nopObserver) Answered(string, bool)          {}

// Diagnostic is one compile error, positioned in the learner's file (1-based; 0 when the
// error has no position).
type Diagnostic struct {
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"msg"`
}

// Result is the outcome of one build. A program that does not compile is a Result with OK
// false, not an error.
type Result struct {
	Hash        string       // content hash of everything that determines the output
	OK          bool         // the program compiled; ProgramPath(Hash) holds it
	Diagnostics []Diagnostic // compile errors, positions in the learner's file
	Output      string       // the compiler's text, paths cleaned to "main.go:LINE:COL: ..."
	Size        int64        // bytes of the compiled program
	Cached      bool         // answered from the cache without running the compiler
	Shared      bool         // answered by a compile another caller started for the same source
	Elapsed     time.Duration
	Limit       string        // the sandbox limit the build ran into (LimitMemory, ...), or ""
	CPU         time.Duration // CPU time the compiler and linker used (0 when cached)
	PeakMemory  int64         // largest resident set of a process of the build, in bytes
}

// Errors for builds that could not be attempted or finished. They are wrapped with details.
var (
	ErrSourceTooBig = errors.New("source too big")
	ErrOutputTooBig = errors.New("compiled program too big")
	ErrTimeout      = errors.New("build timed out")
)

// Service compiles learner programs. It is safe for concurrent use.
type Service struct {
	goCmd      string
	env        []string
	goroot     string
	goVersion  string // as go env GOVERSION says, e.g. go1.26.8
	goLine     string // the version for go.mod, e.g. 1.26.8
	hostTarget string // GOHOSTOS_GOHOSTARCH: the directory of the toolchain's tools
	goos       string // the target
	goarch     string
	tags       []string
	cacheDir   string
	outDir     string

	runtime     map[string][]byte
	modules     map[string]string
	require     map[string]string
	gosum       []byte
	overlay     map[string][]byte
	prelude     []byte
	base        []byte // hash of everything but the source
	timeout     time.Duration
	maxSource   int
	maxOutput   int64
	memory      int64         // per process of a build; 0: none
	cpu         time.Duration // per process of a build; 0: none
	maxFile     int64         // 0: none
	goCache     string
	maxGoCache  int64 // 0: never trimmed
	maxPrograms int64 // 0: no cap
	budgets     budgets
	allowed     func(string) bool
	logf        func(string, ...any)
	obs         Observer
	slots       int
	queue       *fairQueue

	wsMu sync.Mutex
	ws   *workspace

	touchMu  sync.Mutex
	touching map[string]bool      // programs being touched in the background (touchLater)
	lastHit  map[string]time.Time // each cached program's last cache hit, since the start
	warmed   map[string]bool      // the programs kept ready: the lesson cells (KeepReady)
	twins    singleflight.Group   // compressed twins being written (twin in http.go)

	stdMu sync.Mutex
	std   map[string]bool // import path → is a standard-library package

	mu      sync.Mutex
	flights map[string]*flight
	tickets map[string]*flight // by the ticket of a request waiting for it (WithTicket)
	vets    map[string]*vetFlight

	cacheLock sync.RWMutex // builds read-lock it; removing Go build cache files locks it
	evicting  sync.Mutex   // held by the eviction running
	// goCacheWalked is when eviction last measured the Go build cache; guarded by evicting.
	goCacheWalked time.Time

	compiles atomic.Int64   // compiler runs, for tests
	running  sync.WaitGroup // builds in flight, for tests

	progMu sync.Mutex
	progs  map[*progress]bool // the compiles running, for Progress

	fastMu       sync.Mutex
	links        map[string]*linkConfig // by a program's imports, for the direct path (fast.go)
	directBuilds atomic.Int64           // programs built by the direct path, for tests
	directVets   atomic.Int64           // programs vetted by the vet tool alone, for tests
}

// flight is one build in progress, shared by every caller that asked for its hash. The build
// is cancelled when the last caller gives up.
type flight struct {
	queued  atomic.Pointer[waiter] // its place in the compile queue, while it waits there
	done    chan struct{}
	res     *Result
	err     error
	waiters int
	cancel  context.CancelFunc
}

// New checks the Go toolchain and prepares the workspace.
func New(opts *Options) (*Service, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.fill(); err != nil {
		return nil, err
	}
	cacheDir, err := filepath.Abs(o.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("build: cache directory %q: %w", o.CacheDir, err)
	}
	goCache, err := filepath.Abs(o.GoCache)
	if err != nil {
		return nil, fmt.Errorf("build: Go build cache %q: %w", o.GoCache, err)
	}
	s := &Service{
		cacheDir:    cacheDir,
		outDir:      filepath.Join(cacheDir, "out"),
		goCache:     goCache,
		modules:     maps.Clone(o.Modules),
		require:     maps.Clone(o.Require),
		gosum:       o.GoSum,
		prelude:     bytes.Clone(o.Prelude),
		goos:        o.GOOS,
		goarch:      o.GOARCH,
		tags:        slices.Clone(o.Tags),
		timeout:     o.Timeout,
		maxSource:   o.MaxSource,
		maxOutput:   o.MaxOutput,
		memory:      max(o.Memory, 0),
		cpu:         max(o.CPU, 0),
		maxFile:     max(o.MaxFile, 0),
		maxGoCache:  max(o.MaxGoCache, 0),
		maxPrograms: max(o.MaxPrograms, 0),
		budgets:     budgets{perMinute: max(o.Budget, 0)},
		logf:        o.Logf,
		obs:         o.Observer,
		slots:       o.Concurrency,
		queue:       newFairQueue(o.Concurrency),
		tickets:     make(map[string]*flight),
		std:         make(map[string]bool),
		flights:     make(map[string]*flight),
	}
	for _, dir := range []string{s.outDir, s.goCache} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("build: cache directory: %w (set Options.CacheDir and Options.GoCache to writable places)", err)
		}
	}
	if err := s.findToolchain(o.GoCmd); err != nil {
		return nil, err
	}
	if s.runtime, err = readRuntime(o.Runtime); err != nil {
		return nil, err
	}
	if s.overlay, err = checkOverlay(o.Overlay); err != nil {
		return nil, err
	}
	if err := s.checkModules(); err != nil {
		return nil, err
	}
	s.allowed = s.defaultAllowed
	if o.Allowed != nil {
		s.allowed = o.Allowed
	}
	s.base = s.baseHash()
	if _, err := s.workspace(); err != nil {
		return nil, err
	}
	s.sweep()
	return s, nil
}

// fill sets the defaults of o and checks the target.
func (o *Options) fill() error {
	def := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defDur(&o.Timeout, 60*time.Second)
	defDur(&o.CPU, 60*time.Second)
	defDur(&o.Budget, 30*time.Second)
	def(&o.MaxOutput, 64<<20)
	def(&o.Memory, 1<<30)
	def(&o.MaxFile, 256<<20)
	def(&o.MaxGoCache, 2<<30)
	def(&o.MaxPrograms, 1<<30)
	if o.Timeout < 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxSource <= 0 {
		o.MaxSource = 256 << 10
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 2
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if err := o.fillTarget(); err != nil {
		return err
	}
	return o.fillCaches()
}

// fillTarget sets the default target, js/wasm, and checks the target and tags.
func (o *Options) fillTarget() error {
	switch {
	case o.GOOS == "" && o.GOARCH == "":
		o.GOOS, o.GOARCH = "js", "wasm"
	case !validTarget(o.GOOS) || !validTarget(o.GOARCH):
		return fmt.Errorf("build: Options.GOOS %q and GOARCH %q: set both to a target of go tool dist list (for example linux and amd64), or neither for js/wasm", o.GOOS, o.GOARCH)
	}
	for _, tag := range o.Tags {
		if !validTarget(tag) {
			return fmt.Errorf("build: Options.Tags: %q is not a build tag (letters, digits, '_' and '.')", tag)
		}
	}
	return nil
}

// fillCaches sets the default cache directories.
func (o *Options) fillCaches() error {
	userCache, err := os.UserCacheDir()
	if o.CacheDir == "" {
		if err != nil {
			return fmt.Errorf("build: no cache directory: %w (set Options.CacheDir)", err)
		}
		o.CacheDir = filepath.Join(userCache, "socketlab", "build")
	}
	if o.GoCache == "" {
		o.GoCache = filepath.Join(o.CacheDir, "gocache")
		if err == nil {
			o.GoCache = filepath.Join(userCache, "socketlab", "gocache")
		}
	}
	return nil
}

// checkModules checks that every module of Options.Modules is in the runtime.
func (s *Service) checkModules() error {
	for mod, dir := range s.modules {
		if !validModulePath(mod) || !fs.ValidPath(dir) || dir == "." {
			return fmt.Errorf("build: Options.Modules: %q => %q: want a module path and a directory inside Runtime", mod, dir)
		}
		if _, ok := s.runtime[dir+"/go.mod"]; !ok {
			return fmt.Errorf("build: Options.Modules: %s: Runtime has no %s/go.mod", mod, dir)
		}
	}
	return nil
}

// Build compiles src. The error is only for failures of the service (the toolchain is
// missing, the build timed out, the source or the output is too big, ctx ended); a program
// that does not compile is a Result with OK false and its Diagnostics.
func (s *Service) Build(ctx context.Context, src []byte) (*Result, error) {
	start := time.Now()
	if len(src) > s.maxSource {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d; make the program shorter", ErrSourceTooBig, len(src), s.maxSource)
	}
	hash := s.hash(src)
	if diags := s.checkSource(src); len(diags) > 0 {
		return &Result{Hash: hash, Diagnostics: diags, Output: formatDiagnostics(diags), Elapsed: time.Since(start)}, nil
	}
	r, err := s.cached(hash)
	if err == nil {
		r.Cached = true
	} else {
		r, err = s.shared(ctx, hash, src)
		if err != nil {
			return nil, err
		}
	}
	r.Elapsed = time.Since(start)
	how := "miss"
	switch {
	case r.Cached:
		how = "hit"
	case r.Shared:
		how = "shared"
	}
	s.obs.Answered(how, r.OK)
	return r, nil
}

// shared joins the build in flight for hash or starts one, and returns a copy of its result.
func (s *Service) shared(ctx context.Context, hash string, src []byte) (*Result, error) {
	s.mu.Lock()
	f := s.flights[hash]
	joined := f != nil
	if f == nil {
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		s.flights[hash] = f
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			f.res, f.err = s.compile(bctx, f, hash, src)
			cancel()
			s.evict()
			s.mu.Lock()
			if s.flights[hash] == f {
				delete(s.flights, hash)
			}
			s.mu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	ticket, _ := ctx.Value(ticketKey{}).(string)
	if ticket != "" {
		s.tickets[ticket] = f
		defer func() {
			s.mu.Lock()
			delete(s.tickets, ticket)
			s.mu.Unlock()
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
		r.Shared = joined
		return &r, nil
	case <-ctx.Done():
		s.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
			if s.flights[hash] == f {
				delete(s.flights, hash)
			}
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("build abandoned: %w", context.Cause(ctx))
	}
}

// Compiled returns the hash of src's program when the cache already holds it compiled, so a
// page can link to the program before anyone asks for a build. It never compiles.
func (s *Service) Compiled(src []byte) (string, bool) {
	if len(src) > s.maxSource {
		return "", false
	}
	hash := s.hash(src)
	if r, err := s.cached(hash); err != nil || !r.OK {
		return "", false
	}
	return hash, true
}

// WasmPath returns the compiled file for hash, if there is one and the target is js/wasm.
func (s *Service) WasmPath(hash string) (string, bool) {
	if s.goarch != "wasm" {
		return "", false
	}
	return s.ProgramPath(hash)
}

// ProgramPath returns the compiled file for hash, if there is one: a wasm module for js/wasm,
// an executable for a native target.
func (s *Service) ProgramPath(hash string) (string, bool) {
	if !validHash(hash) {
		return "", false
	}
	p := s.programFile(hash)
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	return p, true
}

// Warm compiles sources one at a time, so that interactive builds still find a free slot,
// logs every failure, and keeps the programs ready (KeepReady). It returns when all are
// built or ctx ends; run it in a goroutine to warm in the background.
func (s *Service) Warm(ctx context.Context, sources [][]byte) {
	start := time.Now()
	var cached, failed int
	for i, src := range sources {
		if ctx.Err() != nil {
			s.logf("build: warming stopped after %d of %d programs: %v", i, len(sources), context.Cause(ctx))
			return
		}
		r, err := s.Build(ctx, src)
		switch {
		case err != nil:
			failed++
			s.logf("build: warming program %d of %d: %v", i+1, len(sources), err)
		case !r.OK:
			failed++
			s.logf("build: warming program %d of %d (%.12s): does not compile:\n%s", i+1, len(sources), r.Hash, r.Output)
		case r.Cached:
			cached++
		}
		if err == nil && r.OK {
			s.KeepReady(r.Hash)
		}
	}
	s.logf("build: warmed %d programs in %v (%d from cache, %d failed)", len(sources), time.Since(start).Round(time.Millisecond), cached, failed)
}

// KeepReady keeps the program for hash ready for pages that run it without a build (a
// lesson's cells): it is compressed in every coding the gateway sends now, not at its first
// download, which in a compile storm would wait behind the builds' own compressions; and
// eviction removes it last, since a lesson cell evicted is a compile a learner waits for.
func (s *Service) KeepReady(hash string) {
	s.touchMu.Lock()
	if s.warmed == nil {
		s.warmed = map[string]bool{}
	}
	s.warmed[hash] = true
	s.touchMu.Unlock()
	s.compressAll(hash)
}

// meta is what the cache keeps beside a compiled program (or instead of one, for a program
// that does not compile).
type meta struct {
	OK          bool         `json:"ok"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Output      string       `json:"output,omitempty"`
	Size        int64        `json:"size,omitempty"`
	Limit       string       `json:"limit,omitempty"`
}

// programFile is where the compiled program for hash is kept. Native programs get their own
// suffix, so that nothing takes one for a wasm module.
func (s *Service) programFile(hash string) string {
	if s.goarch == "wasm" {
		return filepath.Join(s.outDir, hash+".wasm")
	}
	return filepath.Join(s.outDir, hash+"."+s.goos+"-"+s.goarch)
}
func (s *Service) metaFile(hash string) string { return filepath.Join(s.outDir, hash+".json") }

// cached returns the stored result for hash. The result file is written last, so its presence
// means the build finished; a wasm file that disappeared or changed size is a miss.
func (s *Service) cached(hash string) (*Result, error) {
	b, err := os.ReadFile(s.metaFile(hash))
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("cached result %s: %w", hash, err)
	}
	if m.OK {
		fi, err := os.Stat(s.programFile(hash))
		if err != nil {
			return nil, err
		}
		if fi.Size() != m.Size {
			return nil, fmt.Errorf("cached wasm %s: %d bytes, expected %d", hash, fi.Size(), m.Size)
		}
	}
	s.touchLater(hash)
	return &Result{Hash: hash, OK: m.OK, Diagnostics: m.Diagnostics, Output: m.Output, Size: m.Size, Limit: m.Limit}, nil
}

// validHash reports whether h looks like a hash this service makes: 64 lowercase hex digits.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range []byte(h) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// findToolchain resolves the go command and asks it about itself.
func (s *Service) findToolchain(goCmd string) error {
	if goCmd == "" {
		if p, err := exec.LookPath("go"); err == nil {
			goCmd = p
		} else if root := os.Getenv("GOROOT"); root != "" {
			goCmd = filepath.Join(root, "bin", "go")
		} else {
			return errors.New("build: no Go toolchain: go is not in PATH and GOROOT is not set; install Go or set Options.GoCmd")
		}
	}
	s.goCmd = goCmd
	return s.readGoEnv()
}

var targetRE = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// validTarget accepts a GOOS, GOARCH or build tag made of plain characters.
func validTarget(s string) bool { return targetRE.MatchString(s) }
