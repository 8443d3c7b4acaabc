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
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"socketlab"
	"socketlab/gateway/build"
	"socketlab/gateway/build/overlay"
	"socketlab/gateway/lab"
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
	// Class, when set, is classroom mode (--class): people join with a code and a name.
	Class *relay.Class
	// Logger reports what the server, the lab and the relay do. Defaults to discarding.
	Logger *slog.Logger
	// HTTP bounds the HTTP side: timeouts, connections and request rates per client address,
	// and the names the gateway answers to. Zero fields take DefaultHTTPLimits.
	HTTP HTTPLimits
}

// Server is a running socketlab gateway minus its listener.
type Server struct {
	Lab     *lab.Network
	Build   *build.Service
	Relay   *relay.Relay
	Lessons []*lessons.Lesson

	log     *slog.Logger
	handler http.Handler
	guard   *guard
	assets  map[string]asset

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
	ls, err := lessons.Default()
	if err != nil {
		return nil, fmt.Errorf("loading lessons: %w", err)
	}
	goroot, err := build.GOROOT()
	if err != nil {
		return nil, fmt.Errorf("finding the Go toolchain (the build service needs it to compile learner programs): %w", err)
	}
	files, err := overlay.Files(goroot)
	if err != nil {
		return nil, err
	}
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
	rl := &relay.Relay{Lab: ln, Limits: opts.Limits, Policy: policy.New(opts.Allow, nil), Origins: opts.Origins, Logger: log}
	if opts.Class != nil {
		rl.Class = opts.Class
		opts.Class.Reserved = func(name string) bool {
			_, ok := ln.LookupHost(name + ".lab")
			return ok
		}
	}
	s := &Server{
		guard:   newGuard(opts, log),
		Lab:     ln,
		Build:   bs,
		Relay:   rl,
		Lessons: ls,
		log:     log,
		assets:  map[string]asset{},

		maxSource: cmp.Or(max(opts.Compile.MaxSource, 0), 256<<10),
	}
	if err := s.loadAssets(wasmExec); err != nil {
		ln.Close()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// logfTo adapts a logger to the build service's Logf: each message at level Info.
func logfTo(l *slog.Logger) func(string, ...any) {
	return func(format string, args ...any) { l.Info(fmt.Sprintf(format, args...)) }
}

func (s *Server) loadAssets(wasmExec []byte) error {
	assets, err := static.Assets(map[string][]byte{"wasm_exec.js": wasmExec})
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
	mux.Handle("/api/build", s.Build.Handler())
	mux.Handle("POST /api/check", lessons.CheckHandler(s.Lessons))
	mux.Handle("/wasm/", s.Build.Handler())
	mux.Handle("/ws", s.Relay)
	mux.HandleFunc("GET /websockify", s.Relay.ServeWebsockify)
	mux.Handle("GET /labs.json", s.Lab.Handler())
	mux.HandleFunc("/api/annotate", serveAnnotate)
	mux.HandleFunc("/api/export.pcapng", serveExport)
	mux.HandleFunc("/api/format", serveFormat(s.maxSource))
	mux.HandleFunc("GET /static/{file...}", s.serveAsset)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	var h http.Handler = mux
	if s.Relay.Class != nil {
		h = s.Relay.Class.Gate(mux)
	}
	h = s.guard.wrap(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
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
	if r.URL.Query().Get("v") == a.version {
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
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(body))
}

// ServeHTTP serves every route of the gateway.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Cells returns the sources of every lesson cell.
func (s *Server) Cells() [][]byte {
	var out [][]byte
	for _, l := range s.Lessons {
		for _, c := range l.Cells {
			out = append(out, []byte(c.Source))
		}
	}
	return out
}

// Warm compiles every lesson cell so Run starts at once. progress is called after each cell.
func (s *Server) Warm(ctx context.Context, progress func(done, total int, err error)) {
	cells := s.Cells()
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for _, src := range cells {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Build.Build(ctx, src)
			if err == nil && !res.OK {
				err = fmt.Errorf("a lesson cell does not compile: %s", res.Output)
			}
			mu.Lock()
			done++
			if progress != nil {
				progress(done, len(cells), err)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// Close stops the lab network.
func (s *Server) Close() error { return s.Lab.Close() }
