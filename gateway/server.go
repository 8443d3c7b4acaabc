// Package gateway is the socketlab server: lesson pages and assets, the build service, the
// lab network (gateway/lab) and the WebSocket relay that carries learner programs' sockets
// (gateway/relay), put together behind one set of HTTP routes. New assembles a Server; the
// command (internal/cli) serves one, and so do tests and embedders.
package gateway

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socketlab"
	"socketlab/gateway/build"
	"socketlab/gateway/build/overlay"
	"socketlab/gateway/classroom"
	"socketlab/gateway/faults"
	"socketlab/gateway/lab"
	"socketlab/gateway/metrics"
	"socketlab/gateway/policy"
	"socketlab/gateway/relay"
	"socketlab/lessons"
	"socketlab/static"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// LabPortBase pins the lab servers to host ports (see lab.Options.PortBase). Defaults to 0:
	// ephemeral ports.
	LabPortBase int
	// CacheDir is where compiled programs are kept. Defaults to the build service's default.
	CacheDir string
	// Limits bound sessions, sockets and traffic. Zero fields take relay.DefaultLimits.
	Limits relay.Limits
	// Compile bounds the build service.
	Compile CompileLimits
	// Allow lists the outside destinations programs may reach (--allow). Defaults to none.
	Allow []policy.Rule
	// Origins are extra host patterns whose pages may connect programs (--origin). The
	// gateway's own pages always may.
	Origins []string
	// Faults are the lab's faults on every program's network (--faults); a run may add its
	// own. Defaults to none: a clean network.
	Faults faults.Spec
	// Class, when set, is classroom mode (--class): people join with a code and a name.
	Class *relay.Class
	// State keeps the class's roster and progress on disk (--state); nil keeps them in
	// memory. Only with Class.
	State classroom.State
	// Logger reports what the server, the lab and the relay do. Defaults to discarding.
	Logger *slog.Logger
	// HTTP bounds the HTTP side: timeouts, connections and request rates per client address,
	// and the names the gateway answers to. Zero fields take DefaultHTTPLimits.
	HTTP HTTPLimits
	// Lessons are the lessons to serve (lessons.LoadAll reads an author's folders, --lessons).
	// Defaults to the built-in ones.
	Lessons []*lessons.Lesson
	// MetricsFrom are the client addresses besides loopback that may read /metrics
	// (--metrics-from). Defaults to none: metrics are for the machine's own scraper.
	MetricsFrom []netip.Prefix
}

// Server is a running socketlab gateway minus its listener.
type Server struct {
	Lab     *lab.Network
	Build   *build.Service
	Relay   *relay.Relay
	Lessons []*lessons.Lesson
	// Metrics counts what the relay and the build service do; /metrics serves it.
	Metrics *metrics.Metrics
	// Classroom is the roster, the progress and the teacher's view, in classroom mode.
	Classroom *classroom.Classroom

	log         *slog.Logger
	metricsFrom []netip.Prefix
	wasmReady   atomic.Bool // a program has compiled for js/wasm: the standard library is built
	closed      atomic.Bool
	handler     http.Handler
	guard       *guard
	assets      map[string]asset
	python      *pyRuntime // Pyodide and the lab's socket module, for Python cells

	maxSource int // the build service's bound on a program, which /api/format shares
}

type asset struct {
	body    []byte
	gz      []byte // body compressed, for the scripts and styles; nil when it would not help
	version string
}

// New starts the lab network and prepares the build service and pages.
func New(opts *Options) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ls := opts.Lessons
	if ls == nil {
		var err error
		if ls, err = lessons.Default(); err != nil {
			return nil, fmt.Errorf("loading lessons: %w", err)
		}
	}
	goroot, err := build.GOROOT()
	if err != nil {
		return nil, fmt.Errorf("finding the Go toolchain (the build service needs it to compile learner programs): %w", err)
	}
	files, err := overlay.Files(goroot)
	if err != nil {
		return nil, err
	}
	var classSize func() int
	if opts.Class != nil {
		classSize = opts.Class.Size
	}
	s := &Server{Metrics: metrics.New(log, classSize), metricsFrom: opts.MetricsFrom, log: log, assets: map[string]asset{}, Lessons: ls}
	bs, err := build.New(&build.Options{
		CacheDir:    opts.CacheDir,
		Runtime:     socketlab.Runtime,
		Require:     socketlab.ThirdParty,
		GoSum:       socketlab.ThirdPartySum(),
		Overlay:     files,
		Prelude:     []byte(socketlab.Prelude),
		Timeout:     opts.Compile.Timeout,
		MaxSource:   opts.Compile.MaxSource,
		Concurrency: opts.Compile.Jobs,
		Budget:      opts.Compile.Budget,
		Memory:      opts.Compile.Memory,
		CPU:         opts.Compile.CPU,
		MaxFile:     opts.Compile.MaxFile,
		MaxGoCache:  opts.Compile.GoCacheSize,
		MaxPrograms: opts.Compile.ProgramsSize,
		Logf:        logfTo(log),
		Observer:    buildObserver{s.Metrics, &s.wasmReady},
	})
	if err != nil {
		return nil, err
	}
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, fmt.Errorf("reading the toolchain's wasm_exec.js: %w", err)
	}
	// The lab servers learn from the lab's Peers, which the relay keeps, who a connection
	// is: a learner's program gets lab addresses in replies, a client on the gateway host
	// gets real ones.
	ln, err := lab.Start(&lab.Options{PortBase: opts.LabPortBase, Logger: log, MaxConnsPerPeer: opts.Limits.LabConnsPerPeer})
	if err != nil {
		return nil, fmt.Errorf("starting the lab network: %w", err)
	}
	rl := &relay.Relay{Lab: ln, Limits: opts.Limits, Policy: policy.New(opts.Allow, nil), Origins: opts.Origins, Logger: log, Observer: s.Metrics, Faults: opts.Faults}
	if opts.Class != nil {
		rl.Class = opts.Class
		opts.Class.Reserved = func(name string) bool {
			_, ok := ln.LookupHost(name + ".lab")
			return ok
		}
	}
	s.guard, s.Lab, s.Build, s.Relay = newGuard(opts, log), ln, bs, rl
	s.maxSource = cmp.Or(max(opts.Compile.MaxSource, 0), 256<<10)
	if err := s.loadAssets(wasmExec); err != nil {
		ln.Close()
		return nil, err
	}
	if opts.Class != nil {
		if s.Classroom, err = s.newClassroom(opts); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// newClassroom is the teacher's side of classroom mode, over the lessons' exercises, the
// Python track's included (keyed py-SLUG, as their pages report them).
func (s *Server) newClassroom(opts *Options) (*classroom.Classroom, error) {
	var exs []classroom.Exercise
	for _, l := range lessons.WithPython(s.Lessons) {
		for _, e := range l.Exercises {
			title := e.Title
			if l.Track == lessons.Python {
				title += " (Python)"
			}
			exs = append(exs, classroom.Exercise{Lesson: l.Key(), Name: e.Name, Title: title})
		}
	}
	rl := s.Relay
	opts.Class.Busy = func(name string) bool { return rl.Programs(name) > 0 }
	c, err := classroom.New(classroom.Options{Class: opts.Class, Relay: rl, Store: opts.State, Exercises: exs,
		Action: s.Metrics.TeacherAction, Logger: s.log})
	if err != nil {
		return nil, err
	}
	// The teacher's view shows a learner's run in the wire view, which asks for its notes and
	// exports its capture like a learner's page.
	opts.Class.Pass = func(r *http.Request) bool {
		return (r.URL.Path == "/api/annotate" || r.URL.Path == "/api/export.pcapng") && c.IsTeacher(r)
	}
	return c, nil
}

// logfTo adapts a logger to the build service's Logf: each message at level Info.
func logfTo(l *slog.Logger) func(string, ...any) {
	return func(format string, args ...any) { l.Info(fmt.Sprintf(format, args...)) }
}

func (s *Server) loadAssets(wasmExec []byte) error {
	rt, err := loadPyodide()
	if err != nil {
		return fmt.Errorf("loading the Python runtime: %w", err)
	}
	if rt.missing != "" {
		s.log.Warn(rt.missing)
	}
	s.python = rt
	assets, err := static.Assets(map[string][]byte{"wasm_exec.js": wasmExec, "python-paths.js": rt.pathsModule()})
	for name, a := range assets {
		s.assets[name] = asset{body: a.Body, gz: compress(name, a.Body), version: a.Version}
	}
	return err
}

// compress gzips a script or a style sheet once, at start, when that makes it smaller: the
// editor's bundle is most of what a first visit downloads.
func compress(name string, body []byte) []byte {
	if ext := path.Ext(name); (ext != ".js" && ext != ".css") || len(body) < 1024 {
		return nil
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

// assetURL gives a static file's URL with a version, so browsers fetch it anew after a change.
func (s *Server) assetURL(name string) string {
	if a, ok := s.assets[strings.TrimPrefix(name, "/static/")]; ok {
		return name + "?v=" + a.version
	}
	return name
}

// The pages are cross-origin isolated (crossOriginIsolated in the page), so that a Python
// cell's two workers may share memory (SharedArrayBuffer) and the Python one may block on it
// (Atomics.wait): docs/python.md. Everything a page loads is the gateway's own, so
// require-corp asks nothing more of it; embed.js and the frame other sites' pages load are
// unaffected (the opener policy does not apply in a frame, and nothing the frame loads is
// another origin's).
const (
	coop = "same-origin"
	coep = "require-corp"
)

// csp is the policy of every response, the page's and the worker's alike. connect-src 'self'
// covers the gateway's own ws: and wss: URLs (CSP Level 3): a program's only way out is the
// relay, and the page's fetches go to the gateway alone.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; " +
	"style-src 'self'; img-src 'self' data:; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

func (s *Server) routes() http.Handler {
	var labs []lessons.LabInfo
	for _, h := range s.Lab.Services() {
		labs = append(labs, lessons.LabInfo{Name: h.Name, Proto: h.Proto, Port: h.Port, Addr: h.Addr.String(), About: h.About})
	}
	mux := http.NewServeMux()
	mux.Handle("/", lessons.Handler(s.Lessons, lessons.Page{Labs: labs, AssetURL: s.assetURL, Program: s.programURL}))
	mux.Handle("/api/build", s.buildHandler())
	mux.Handle("GET /api/build/queue", s.buildHandler())
	mux.Handle("GET /api/build/progress", s.Build.Handler())
	mux.Handle("POST /api/vet", s.buildHandler())
	var check http.Handler = lessons.CheckHandler(s.Lessons)
	if s.Classroom != nil {
		check = s.Classroom.ObserveChecks(check)
		mux.Handle("/api/class/", s.Classroom.LearnerHandler())
	}
	mux.Handle("POST /api/check", check)
	mux.Handle("/wasm/", s.Build.Handler())
	mux.Handle("/ws", s.Relay)
	mux.HandleFunc("GET /websockify", s.Relay.ServeWebsockify)
	mux.Handle("GET /labs.json", s.Lab.Handler())
	mux.HandleFunc("/api/annotate", serveAnnotate)
	mux.HandleFunc("/api/export.pcapng", serveExport)
	mux.HandleFunc("/api/format", serveFormat(s.maxSource))
	mux.HandleFunc("GET /static/{file...}", s.serveAsset)
	mux.HandleFunc("GET /pyodide/{version}/{file}", s.servePyodide)
	mux.HandleFunc("GET /embed.js", s.serveEmbedJS)
	mux.HandleFunc("GET /embed/hello", s.serveEmbedHello)
	mux.HandleFunc("GET /embed/frame", s.serveEmbedFrame)
	mux.HandleFunc("GET /embed/cell", s.serveEmbedCell)
	var h http.Handler = mux
	if s.Relay.Class != nil {
		h = s.Relay.Class.Gate(mux)
	}
	// The operator's endpoints answer without joining a class: health and readiness say
	// nothing of anyone, and the metrics have their own rule (metricsAllowed).
	top := http.NewServeMux()
	top.Handle("/", h)
	top.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	top.HandleFunc("GET /readyz", s.serveReady)
	top.HandleFunc("GET /metrics", s.serveMetrics)
	if s.Classroom != nil {
		// The teacher's view has a key of its own, not the join code (classroom package).
		t := s.Classroom.TeacherHandler(s.assetURL)
		top.Handle("GET /teacher", t)
		top.Handle("/api/teacher/", t)
	}
	h = s.guard.wrap(s.cors(top))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("Cross-Origin-Opener-Policy", coop)
		hdr.Set("Cross-Origin-Embedder-Policy", coep)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// buildHandler is the build service's, with each build marked as its learner's in a class, so
// that learners take turns at the compilers (outside a class, client addresses do).
func (s *Server) buildHandler() http.Handler {
	h := s.Build.Handler()
	class := s.Relay.Class
	if class == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := class.Identify(r); ok {
			r = r.WithContext(build.WithLearner(r.Context(), name))
		}
		h.ServeHTTP(w, r)
	})
}

// programURL is where a lesson cell's compiled program is served, or "" while the build
// service has not compiled it yet.
func (s *Server) programURL(src string) string {
	if hash, ok := s.Build.Compiled([]byte(src)); ok {
		return "/wasm/" + hash + ".wasm"
	}
	return ""
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	a, ok := s.assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.serve(w, r, path.Base(name), r.URL.Query().Get("v") == a.version)
}

// serve writes the asset, compressed when the client takes gzip and it helps, with its
// version as its ETag. An address that names the version (current) may be kept for good;
// any other is checked again each time.
func (a asset) serve(w http.ResponseWriter, r *http.Request, name string, current bool) {
	if current {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, `"`+a.version+`"`
	if a.gz != nil {
		w.Header().Add("Vary", "Accept-Encoding")
		if build.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
			w.Header().Set("Content-Encoding", "gzip")
			body, etag = a.gz, `"`+a.version+`-gz"`
		}
	}
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// ServeHTTP serves every route of the gateway.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Cells returns the sources of every lesson cell in Go, the translations' too: the programs
// the build service compiles (Python cells run from their source in the page).
func (s *Server) Cells() [][]byte {
	var out [][]byte
	add := func(cells []lessons.Cell) {
		for _, c := range cells {
			if c.Lang != "python" {
				out = append(out, []byte(c.Source))
			}
		}
	}
	for _, l := range s.Lessons {
		add(l.Cells)
		for _, lang := range lessons.Translations {
			if t := l.Translated[lang]; t != nil {
				add(t.Cells)
			}
		}
	}
	return out
}

// WarmSummary says what Warm did: how many lesson cells there are, how many the compiler
// built, how many came from the cache and how many failed, and how long it all took.
type WarmSummary struct {
	Cells, Compiled, Cached, Failed int
	Took                            time.Duration
}

// Warm compiles every lesson cell so Run starts at once. progress, when not nil, is called
// after each cell; the summary comes back when all are done. The first lesson's first cell
// is compiled alone, first: on a fresh machine it fills the Go build cache with what the
// first lesson needs, without a second build compiling the same packages beside it on the
// same cores. The first lesson's other cells (in every language) come next, so that the
// whole first lesson runs before the later lessons' packages are compiled; the other cells
// follow, as many at once as the build service allows.
func (s *Server) Warm(ctx context.Context, progress func(done, total int, err error)) WarmSummary {
	start := time.Now()
	cells := s.Cells()
	sum := WarmSummary{Cells: len(cells)}
	var mu sync.Mutex
	done := 0
	build := func(src []byte) {
		res, err := s.Build.Build(ctx, src)
		if err == nil && !res.OK {
			err = fmt.Errorf("a lesson cell does not compile: %s", res.Output)
		}
		if err == nil {
			s.Build.KeepReady(res.Hash)
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		switch {
		case err != nil:
			sum.Failed++
		case res.Cached:
			sum.Cached++
		default:
			sum.Compiled++
		}
		if progress != nil {
			progress(done, len(cells), err)
		}
	}
	if len(cells) == 0 {
		return sum
	}
	for _, stage := range s.warmStages(cells) {
		var wg sync.WaitGroup
		for _, src := range stage {
			wg.Add(1)
			go func() {
				defer wg.Done()
				build(src)
			}()
		}
		wg.Wait()
	}
	sum.Took = time.Since(start)
	return sum
}

// warmStages splits cells (Cells) into what Warm compiles one stage after another: the first
// lesson's first cell alone, the first lesson's other cells, then every other cell. Empty
// stages are left out.
func (s *Server) warmStages(cells [][]byte) [][][]byte {
	if len(cells) == 0 {
		return nil
	}
	first := 0 // the first lesson's cells, which Cells puts first
	if len(s.Lessons) > 0 {
		l := s.Lessons[0]
		first = len(l.Cells)
		for _, lang := range lessons.Translations {
			if t := l.Translated[lang]; t != nil {
				first += len(t.Cells)
			}
		}
	}
	first = max(1, min(first, len(cells)))
	var stages [][][]byte
	for _, stage := range [][][]byte{cells[:1], cells[1:first], cells[first:]} {
		if len(stage) > 0 {
			stages = append(stages, stage)
		}
	}
	return stages
}

// Close stops the lab network.
func (s *Server) Close() error {
	s.closed.Store(true)
	return s.Lab.Close()
}

// buildObserver passes the build service's news to the metrics, and notes the first program
// that compiles: from then on the standard library's WebAssembly build is in the Go cache.
type buildObserver struct {
	*metrics.Metrics
	wasmReady *atomic.Bool
}

func (o buildObserver) Answered(how string, ok bool) {
	if ok {
		o.wasmReady.Store(true)
	}
	o.Metrics.Answered(how, ok)
}

// Ready says whether the gateway is ready for learners, and if not, what it waits for: the
// lab network is up (it is, from New to Close), and a program has compiled for js/wasm (Warm
// does that first), so the standard library's WebAssembly build is done and Run answers in
// seconds rather than a minute.
func (s *Server) Ready() (bool, string) {
	switch {
	case s.closed.Load():
		return false, "the gateway is shutting down"
	case !s.wasmReady.Load():
		return false, "the standard library's WebAssembly build is not done yet (the first compile takes a minute)"
	}
	return true, ""
}

// serveReady answers /readyz: 200 once Ready, 503 with what it waits for before.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if ok, why := s.Ready(); !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready:", why)
		return
	}
	fmt.Fprintln(w, "ready")
}

// serveMetrics answers /metrics to the clients metricsAllowed lets in.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		http.Error(w, "the metrics are served to this machine only; the operator can open them to a scraper's address with --metrics-from CIDR", http.StatusForbidden)
		return
	}
	s.Metrics.Handler().ServeHTTP(w, r)
}

// metricsAllowed lets loopback clients read the metrics, and clients in Options.MetricsFrom.
// The metrics name no one, but they tell how busy the lab is, what its policy refuses and
// how large the class is: not a thing for every learner to read.
func (s *Server) metricsAllowed(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	if a.IsLoopback() {
		return true
	}
	for _, p := range s.metricsFrom {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
