package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"socketlab/internal/pagelang"
	"socketlab/lessons"
)

// Embedded cells: a script tag on another site's page (static/embed.js) turns its code
// blocks into cells that build and run here. The operator lists the sites that may
// (--origin); docs/embed.md is the author's side of it.
//
//	GET /embed.js       the loader, with the versioned address of static/embed-main.js
//	GET /embed/hello    may this page's origin embed cells? {ok, error}, readable by any page
//	GET /embed/frame    the hidden frame that runs the programs' workers (static/embed-frame.js)
//	GET /embed/cell     a whole cell as a page of its own, for an <iframe> (no script on the host)
//
// The API routes a cell uses answer the listed origins with CORS (cors), and the assets
// under /static/ any origin: they are the same public files the lesson pages load.

// embedOrigin reads an Origin header (or the origin= of a frame's URL): its serialized form,
// scheme://host[:port], and its host. A value that is not an http or https origin, or whose
// host has characters no host has, is an error.
func embedOrigin(origin string) (clean, host string, err error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !hostChars.MatchString(u.Host) ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", "", fmt.Errorf("%q is not the origin of a web page (scheme://host[:port])", origin)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), strings.ToLower(u.Host), nil
}

var hostChars = regexp.MustCompile(`^[A-Za-z0-9.\-\[\]:]+$`)

// embedAllowed says whether pages of origin may embed cells: the origin matches one of the
// --origin patterns, or is the gateway's own (host is the request's Host). The error says
// what the operator would do to allow it.
func (g *guard) embedAllowed(origin, host string) (string, error) {
	clean, h, err := embedOrigin(origin)
	if err != nil {
		return "", err
	}
	if h == strings.ToLower(host) {
		return clean, nil
	}
	for _, p := range g.origins {
		if ok, _ := path.Match(strings.ToLower(p), h); ok {
			return clean, nil
		}
	}
	return "", fmt.Errorf("this socketlab gateway does not run cells for pages of %s; its operator can allow them by starting it with --origin %s", h, h)
}

// cors answers the CORS requests of embedded cells: any origin may read the assets (public
// files, loaded as modules, which needs CORS), the origins the operator lists may call the
// API, and their preflights are answered here. A request from elsewhere gets no CORS header
// and so cannot read the answer; the guard refuses its POSTs anyway.
func (s *Server) cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		p := r.URL.Path
		switch {
		case origin == "":
		case strings.HasPrefix(p, "/static/") || p == "/embed.js" || p == "/embed/hello":
			w.Header().Set("Access-Control-Allow-Origin", "*")
		case strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/wasm/"):
			clean, err := s.guard.embedAllowed(origin, r.Host)
			if err != nil {
				if r.Method == http.MethodOptions {
					refuse(w, r, http.StatusForbidden, err.Error())
					return
				}
				break
			}
			hdr := w.Header()
			hdr.Set("Access-Control-Allow-Origin", clean)
			hdr.Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				hdr.Set("Access-Control-Allow-Methods", "GET, POST")
				hdr.Set("Access-Control-Allow-Headers", "Content-Type")
				hdr.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// serveEmbedJS serves static/embed.js with the versioned address of the module it loads.
// Its own address has no version (it is in authors' pages), so browsers ask again after a
// short while.
func (s *Server) serveEmbedJS(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets["embed.js"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body := bytes.Replace(a.body, []byte(`"/static/embed-main.js"`), []byte(`"`+s.assetURL("/static/embed-main.js")+`"`), 1)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(body)
}

// serveEmbedHello tells an embedding page whether it may embed cells here, in words the
// page shows in each cell when it may not. Any page may read the answer.
func (s *Server) serveEmbedHello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	answer := map[string]any{"ok": true}
	if origin := r.Header.Get("Origin"); origin != "" {
		if _, err := s.guard.embedAllowed(origin, r.Host); err != nil {
			answer = map[string]any{"ok": false, "error": err.Error()}
			// The host lets a cell say the reason in its own language (embed-main.js).
			if _, host, herr := embedOrigin(origin); herr == nil {
				answer["host"] = host
			}
		}
	}
	json.NewEncoder(w).Encode(answer)
}

var frameTemplate = template.Must(template.New("frame").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socketlab program runner</title>
<script type="module" src="{{.Script}}"></script></head>
<body data-origin="{{.Origin}}" data-worker="{{.Worker}}"></body></html>
`))

// serveEmbedFrame serves the frame that runs an embedding page's programs, to be framed by
// that page's origin alone, and only when the operator allows it.
func (s *Server) serveEmbedFrame(w http.ResponseWriter, r *http.Request) {
	origin, err := s.guard.embedAllowed(r.URL.Query().Get("origin"), r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'self'", "frame-ancestors "+origin, 1))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	frameTemplate.Execute(w, map[string]string{
		"Script": s.assetURL("/static/embed-frame.js"),
		"Worker": s.assetURL("/static/worker.js"),
		"Origin": origin,
	})
}

var cellTemplate = template.Must(template.New("cell").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>socketlab cell</title>
<link rel="stylesheet" href="{{.Style}}"><link rel="stylesheet" href="{{.EmbedStyle}}">
</head>
<body class="embed-cell" data-worker="{{.Worker}}"{{if .HasStdin}} data-stdin="{{.Stdin}}"{{end}}>
{{.Cell}}<script type="module" src="{{.Script}}"></script>
</body></html>
`))

// serveEmbedCell serves one cell as a page, for an <iframe> on a host that runs no script:
//
//	/embed/cell?code=PROGRAM[&args=ARGS][&stdin=INPUT][&faults=SPEC]
//	/embed/cell?lesson=SLUG&cell=N      the N-th cell of a lesson (1 for the first)
//
// with &lang=zh for a cell in Chinese (its buttons and status lines, and a lesson's cell
// from its Chinese translation). faults= fills the cell's Faults field (the lab's network
// made bad on purpose, as a lesson's faults= does); a lesson's cell keeps its own unless the
// query gives one.
//
// Pages of the origins the operator lists may frame it (frame-ancestors), and the gateway's
// own; a browser refuses to show it in other sites' frames.
func (s *Server) serveEmbedCell(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := pagelang.Code(q.Get("lang"))
	c, argsText, err := s.embedCellOf(q, lang)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if q.Has("faults") {
		c.Faults = strings.TrimSpace(q.Get("faults"))
	}
	stdin, hasStdin := q.Get("stdin"), q.Has("stdin")
	if !hasStdin && c.Stdin != "" {
		stdin, hasStdin = c.Stdin, true
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'self'", "frame-ancestors "+s.guard.frameAncestors(), 1))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	cellTemplate.Execute(w, map[string]any{
		"Style":      s.assetURL("/static/style.css"),
		"EmbedStyle": s.assetURL("/static/embed-page.css"),
		"Worker":     s.assetURL("/static/worker.js"),
		"Script":     s.assetURL("/static/lesson.js"),
		"Cell":       template.HTML(lessons.CellHTMLIn(c, argsText, lang)),
		"Lang":       pagelang.Tag(lang),
		"Stdin":      stdin,
		"HasStdin":   hasStdin,
	})
}

// embedCellOf is the cell that /embed/cell's query names, and its arguments as written.
func (s *Server) embedCellOf(q url.Values, lang string) (lessons.Cell, string, error) {
	if slug := q.Get("lesson"); slug != "" {
		for _, l := range s.Lessons {
			if l.Slug != slug {
				continue
			}
			if tr := l.In(lang); tr != nil {
				l = tr // the lesson's cells in the language asked for, when it has them
			}
			n, err := strconv.Atoi(q.Get("cell"))
			if err != nil || n < 1 || n > len(l.Cells) {
				return lessons.Cell{}, "", fmt.Errorf("lesson %s has cells 1 to %d: give cell=N", slug, len(l.Cells))
			}
			c := l.Cells[n-1]
			return c, strings.Join(c.Args, " "), nil
		}
		return lessons.Cell{}, "", fmt.Errorf("there is no lesson %q here (the index at / lists them)", slug)
	}
	code := q.Get("code")
	if strings.TrimSpace(code) == "" {
		return lessons.Cell{}, "", fmt.Errorf("give the program as code=... (URL-encoded Go source), or a lesson's cell as lesson=SLUG&cell=N")
	}
	if len(code) > 64<<10 {
		return lessons.Cell{}, "", fmt.Errorf("the program in code= is %d bytes; an embedded cell takes up to 64 KiB", len(code))
	}
	return lessons.Cell{ID: "embed", Source: code}, q.Get("args"), nil
}

// frameAncestors is the CSP frame-ancestors source list of the embed pages: the gateway's
// own origin and each --origin pattern that CSP can say (a host, a host:port, *.domain,
// host:*); a pattern with other wildcards cannot be said and frames nothing.
func (g *guard) frameAncestors() string {
	list := []string{"'self'"}
	for _, p := range g.origins {
		if cspHost.MatchString(p) {
			list = append(list, strings.ToLower(p))
		}
	}
	return strings.Join(list, " ")
}

var cspHost = regexp.MustCompile(`^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(\d{1,5}|\*))?$`)
