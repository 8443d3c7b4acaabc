package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Handler serves the build API. Mount it at the root paths it answers:
//
//	POST /api/build       {"source": "...", "ticket": "..."} → {ok, hash, wasm, diagnostics, output, cached, elapsed_ms}
//	GET  /api/build/queue?ticket=T → {waiting, ahead, estimate_ms}: where that build waits
//	GET  /wasm/HASH.wasm  the compiled program (application/wasm; zstd or gzip when accepted)
//	GET  /api/build/progress  {compiling, done, total}: how far the builds running now are (Progress)
//	POST /api/vet         {"source": "..."} → {ok, diagnostics, cached}: go vet's findings in a
//	                      program built before (409 when it was not; see Vet)
//
// The ticket is optional: a page that makes one up for a Run can ask, while the build waits
// for a compiler, how many compiles start before it.
//
// Failures are JSON {"error": "..."} with a 4xx or 5xx status.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/build":
			s.serveBuild(w, r)
		case r.URL.Path == "/api/build/progress":
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.Progress())
		case r.URL.Path == "/api/build/queue":
			s.serveQueue(w, r)
		case r.URL.Path == "/api/vet":
			s.serveVet(w, r)
		case strings.HasPrefix(r.URL.Path, "/wasm/"):
			s.serveWasm(w, r)
		default:
			jsonError(w, http.StatusNotFound, fmt.Sprintf("nothing at %s; the build service answers POST /api/build and GET /wasm/HASH.wasm", r.URL.Path))
		}
	})
}

type buildRequest struct {
	Source *string `json:"source"`
	Ticket string  `json:"ticket"`
}

type buildResponse struct {
	OK          bool         `json:"ok"`
	Hash        string       `json:"hash"`
	Wasm        string       `json:"wasm,omitempty"`
	Size        int64        `json:"size,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Output      string       `json:"output"`
	Cached      bool         `json:"cached"`
	ElapsedMS   int64        `json:"elapsed_ms"`
}

func (s *Service) serveBuild(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		jsonError(w, http.StatusMethodNotAllowed, `use POST with a JSON body {"source": "package main ..."}`)
		return
	}
	req, ok := s.readRequest(w, r)
	if !ok {
		return
	}
	ctx := WithClient(r.Context(), r.RemoteAddr)
	if req.Ticket != "" {
		if !validTicket(req.Ticket) {
			jsonError(w, http.StatusBadRequest, `the "ticket" must be 8 to 64 letters, digits, '-' or '_'; leave it out or make one up like "run-3f9a2c1d"`)
			return
		}
		ctx = WithTicket(ctx, req.Ticket)
	}
	res, err := s.Build(ctx, []byte(*req.Source))
	if err != nil {
		status := http.StatusInternalServerError
		msg := err.Error() + "; the gateway log may say more"
		switch {
		case errors.Is(err, ErrSourceTooBig):
			status, msg = http.StatusRequestEntityTooLarge, err.Error()
		case errors.Is(err, ErrOutputTooBig):
			status, msg = http.StatusUnprocessableEntity, err.Error()
		case errors.Is(err, ErrBudget):
			status, msg = http.StatusTooManyRequests, err.Error()
			w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter(err).Seconds())+1))
		case errors.Is(err, ErrTimeout):
			status, msg = http.StatusServiceUnavailable, err.Error()
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			status, msg = http.StatusServiceUnavailable, err.Error()+"; send the request again"
		}
		jsonError(w, status, msg)
		return
	}
	resp := buildResponse{
		OK:          res.OK,
		Hash:        res.Hash,
		Diagnostics: res.Diagnostics,
		Output:      res.Output,
		Cached:      res.Cached,
		ElapsedMS:   res.Elapsed.Milliseconds(),
	}
	if resp.Diagnostics == nil {
		resp.Diagnostics = []Diagnostic{}
	}
	if res.OK {
		resp.Wasm = "/wasm/" + res.Hash + ".wasm"
		resp.Size = res.Size
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// readRequest reads the body of POST /api/build or /api/vet; when it cannot, it answers.
func (s *Service) readRequest(w http.ResponseWriter, r *http.Request) (req buildRequest, ok bool) {
	// JSON escaping can make a source up to six times longer.
	body := http.MaxBytesReader(w, r.Body, int64(6*s.maxSource+4096))
	dec := json.NewDecoder(body)
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is too big; a program may have at most %d bytes", s.maxSource))
			return req, false
		}
		jsonError(w, http.StatusBadRequest, fmt.Sprintf(`the request is not valid JSON (%v); send {"source": "package main ..."}`, err))
		return req, false
	}
	if req.Source == nil {
		jsonError(w, http.StatusBadRequest, `the request has no "source"; send {"source": "package main ..."}`)
		return req, false
	}
	return req, true
}

type vetResponse struct {
	OK          bool         `json:"ok"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Cached      bool         `json:"cached"`
}

// serveVet answers go vet's findings in a program built before (Vet).
func (s *Service) serveVet(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		jsonError(w, http.StatusMethodNotAllowed, `use POST with a JSON body {"source": "package main ..."}`)
		return
	}
	req, ok := s.readRequest(w, r)
	if !ok {
		return
	}
	res, err := s.Vet(WithClient(r.Context(), r.RemoteAddr), []byte(*req.Source))
	if err != nil {
		status := http.StatusServiceUnavailable
		switch {
		case errors.Is(err, ErrNotCompiled):
			status = http.StatusConflict
		case errors.Is(err, ErrSourceTooBig):
			status = http.StatusRequestEntityTooLarge
		case errors.Is(err, ErrBudget):
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter(err).Seconds())+1))
		}
		jsonError(w, status, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, vetResponse{OK: true, Diagnostics: res.Diagnostics, Cached: res.Cached})
}

// serveQueue answers where the build of a ticket waits.
func (s *Service) serveQueue(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		jsonError(w, http.StatusMethodNotAllowed, "use GET /api/build/queue?ticket=T")
		return
	}
	t := r.URL.Query().Get("ticket")
	if !validTicket(t) {
		jsonError(w, http.StatusBadRequest, "give the ticket the build was sent with: GET /api/build/queue?ticket=T (8 to 64 letters, digits, '-' or '_')")
		return
	}
	p := s.PlaceOf(t)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Place
		EstimateMS int64 `json:"estimate_ms"`
	}{p, p.Estimate.Milliseconds()})
}

func (s *Service) serveWasm(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		jsonError(w, http.StatusMethodNotAllowed, "use GET for a compiled program")
		return
	}
	hash, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/wasm/"), ".wasm")
	path, found := "", false
	if ok && validHash(hash) {
		path, found = s.WasmPath(hash)
	}
	if !found {
		jsonError(w, http.StatusNotFound, "no compiled program at "+r.URL.Path+"; build it with POST /api/build and use the wasm path it returns")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		jsonError(w, http.StatusNotFound, "the compiled program is gone; build it again with POST /api/build")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Add("Vary", "Accept-Encoding")
	c := codingFor(r.Header.Get("Accept-Encoding"))
	if c == nil {
		h.Set("ETag", `"`+hash+`"`)
		http.ServeContent(w, r, "", fi.ModTime(), f)
		return
	}
	h.Set("Content-Encoding", c.name)
	h.Set("ETag", `"`+hash+c.ext+`"`)
	// A client that holds the program already is told so without a twin being written.
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, h.Get("ETag")) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if tw, ti := s.twin(c, path, fi); tw != nil {
		defer tw.Close()
		http.ServeContent(w, r, "", ti.ModTime(), tw)
		return
	}
	// No twin could be written (a read-only cache, a full disk): compress on the fly.
	if r.Method == http.MethodHead {
		return
	}
	batch(func() error { return c.compress(w, f) })
}

// twin opens the twin of the wasm file at path (fi is its FileInfo) in coding c. A twin is
// trusted only if it is not older than the wasm file: a wasm file rebuilt under the same hash
// with an old twin beside it, or a twin that is missing, gets a new one here, written once
// (however many clients ask for it at the same time: a cell the teacher sends the class is
// asked for by every learner at once) and served from then on. It returns nil when there is
// none and none could be written.
func (s *Service) twin(c *coding, path string, fi os.FileInfo) (*os.File, os.FileInfo) {
	open := func() (*os.File, os.FileInfo) {
		tw, err := os.Open(path + c.ext)
		if err != nil {
			return nil, nil
		}
		if ti, err := tw.Stat(); err == nil && !ti.ModTime().Before(fi.ModTime()) {
			return tw, ti
		}
		tw.Close()
		return nil, nil
	}
	if tw, ti := open(); tw != nil {
		return tw, ti
	}
	s.twins.Do(path+c.ext, func() (any, error) {
		if tw, _ := open(); tw != nil { // written while this one waited for the flight
			tw.Close()
			return nil, nil
		}
		tmp, err := os.CreateTemp(s.outDir, ".tmp-*"+c.ext)
		if err != nil {
			return nil, err
		}
		tmp.Close()
		if err := compressFile(c, path, tmp.Name()); err != nil {
			os.Remove(tmp.Name())
			s.logf("build: compressing %s: %v (sent compressed on the fly)", filepath.Base(path), err)
			return nil, err
		}
		if err := os.Rename(tmp.Name(), path+c.ext); err != nil {
			os.Remove(tmp.Name())
			s.logf("build: %v (sent compressed on the fly)", err)
			return nil, err
		}
		return nil, nil
	})
	return open()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": msg})
}
