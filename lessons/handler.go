package lessons

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// Page is what the pages need from the server around them.
type Page struct {
	// Title names the site in the header and the browser tab.
	// Defaults to "socketlab".
	Title string
	// Labs lists the lab network's servers for the index page.
	Labs []LabInfo
	// AssetURL maps a static file's path to the URL the page links to,
	// for example "/static/lesson.js" to "/static/lesson.js?v=HASH" so that
	// browsers fetch a new copy after a change. Defaults to the path itself.
	AssetURL func(name string) string
	// Program gives the URL of a cell's compiled program when the build service already has
	// it, or "". The lesson page lists these (data-programs on its body), so that
	// static/lesson.js can download and compile a cell's program before Run is pressed.
	// Defaults to none.
	Program func(source string) string
}

// LabInfo describes one server of the lab network.
type LabInfo struct {
	Name  string // host name, such as "time.lab"
	Proto string // "tcp", "udp" or "tcp, udp"
	Addr  string // the host's stable address, usable instead of the name
	About string // what answers, in a few words
	Port  int
}

// Handler serves the index at "/" and each lesson at "/lessons/SLUG", and the same in
// Chinese at "/zh/" and "/zh/lessons/SLUG" (a lesson not yet translated is shown in English
// there, with a note). The Python track (the lessons' InPython) has its own index at
// "/python/" and its lessons at "/python/SLUG" ("/zh/python/..." in Chinese), each linked
// with its Go lesson both ways. A first visit to "/" goes to "/zh/" when the browser's Accept-Language
// prefers Chinese; "/lang/CODE?to=PATH", the switch on every page, keeps the choice in a cookie
// that "/" follows from then on. Anything else is a 404. Only GET and HEAD are allowed.
//
// The pages load their script and styles from /static/ (through
// page.AssetURL) and carry no inline script or style, so they work under
// the gateway's Content Security Policy; headers are left to the caller.
func Handler(ls []*Lesson, page Page) http.Handler {
	if page.Title == "" {
		page.Title = "socketlab"
	}
	if page.AssetURL == nil {
		page.AssetURL = func(name string) string { return name }
	}
	h := &handler{lessons: ls, python: PythonTrack(ls), page: page, bySlug: map[string]int{}, pySlug: map[string]int{}}
	for i, l := range ls {
		h.bySlug[l.Slug] = i
	}
	for i, l := range h.python {
		h.pySlug[l.Slug] = i
	}
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{"asset": page.AssetURL, "exerciseNames": exerciseNames, "programs": h.programs, "head": headOf, "labAbout": labAbout, "href": href}).ParseFS(templates, "templates/*.html"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.root)
	mux.HandleFunc("GET /lessons/{slug}", h.lesson)
	mux.HandleFunc("GET /zh", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/zh/", http.StatusMovedPermanently) })
	mux.HandleFunc("GET /zh/{$}", h.index)
	mux.HandleFunc("GET /zh/lessons/{slug}", h.lesson)
	mux.HandleFunc("GET /python", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/python/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /python/{$}", h.index)
	mux.HandleFunc("GET /python/{slug}", h.lesson)
	mux.HandleFunc("GET /zh/python", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/zh/python/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /zh/python/{$}", h.index)
	mux.HandleFunc("GET /zh/python/{slug}", h.lesson)
	mux.HandleFunc("GET /lang/{code}", h.setLang)
	mux.HandleFunc("/", h.notFound)
	return mux
}

type handler struct {
	lessons []*Lesson
	python  []*Lesson // the Python track, in the order of the Go lessons
	bySlug  map[string]int
	pySlug  map[string]int // index in python
	page    Page
	tmpl    *template.Template
}

// trackOf is the track of the page at r's path: Python under /python/ and /zh/python/, else
// "" (Go).
func trackOf(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/zh")
	if p == "/python" || strings.HasPrefix(p, "/python/") {
		return Python
	}
	return ""
}

// href is the path of lesson l's page on a site in the language of p: /lessons/SLUG, or
// /python/SLUG for the Python track, under /zh in Chinese.
func href(p pageWords, l *Lesson) string {
	if l.Track == Python {
		return p.Base + "/python/" + l.Slug
	}
	return p.Base + "/lessons/" + l.Slug
}

// home is the index of the track on a site in the language of p.
func home(p pageWords, track string) string {
	if track == Python {
		return p.Base + "/python/"
	}
	return p.Base + "/"
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	lang, track := langOf(r), trackOf(r)
	p := pageFor(lang, r.URL.Path)
	data := map[string]any{
		"Site":    h.page.Title,
		"Lessons": h.in(lang, track),
		"Labs":    h.page.Labs,
		"P":       p,
		"Lead":    p.Lead,
	}
	if len(h.python) > 0 {
		data["Other"] = map[string]string{"URL": home(p, Python), "Label": p.PythonTrack}
	}
	if track == Python {
		data["Lead"] = p.LeadPython
		data["Other"] = map[string]string{"URL": home(p, ""), "Label": p.GoTrack}
	}
	h.render(w, http.StatusOK, "index", data)
}

// in lists the lessons of a track ("" for Go) as the site in lang shows them: each in lang
// when it is translated, else in English.
func (h *handler) in(lang, track string) []*Lesson {
	ls := h.lessons
	if track == Python {
		ls = h.python
	}
	out := make([]*Lesson, len(ls))
	for i, l := range ls {
		out[i] = l
		if t := l.In(lang); t != nil {
			out[i] = t
		}
	}
	return out
}

func (h *handler) lesson(w http.ResponseWriter, r *http.Request) {
	lang, track := langOf(r), trackOf(r)
	bySlug, all := h.bySlug, h.lessons
	if track == Python {
		bySlug, all = h.pySlug, h.python
	}
	i, ok := bySlug[r.PathValue("slug")]
	if !ok {
		h.notFound(w, r)
		return
	}
	ls := h.in(lang, track)
	p := pageFor(lang, r.URL.Path)
	data := map[string]any{
		"Site":     h.page.Title,
		"Lesson":   ls[i],
		"Number":   i + 1,
		"Count":    len(ls),
		"P":        p,
		"Home":     home(p, track),
		"Fallback": lang != English && ls[i].Lang != lang,
	}
	// The same lesson in the other track: its page on this site, in this page's language.
	twin, label, twinLang := all[i].InPython, p.InPython, Python
	if track == Python {
		twin, label, twinLang = all[i].InGo, p.InGo, "go"
	}
	if twin != nil {
		data["Twin"] = map[string]string{"URL": href(p, twin), "Label": label, "Lang": twinLang}
	}
	if i > 0 {
		data["Prev"] = ls[i-1]
	}
	if i+1 < len(ls) {
		data["Next"] = ls[i+1]
	}
	h.render(w, http.StatusOK, "lesson", data)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: lesson pages are read with GET", http.StatusMethodNotAllowed)
		return
	}
	h.render(w, http.StatusNotFound, "notfound", map[string]any{
		"Site": h.page.Title,
		"Path": r.URL.Path,
		"P":    pageFor(langOf(r), "/"),
	})
}

func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// templates holds the whole pages, one file per template. No inline
// scripts, styles or event handler attributes: see Handler.
//
//go:embed templates/*.html
var templates embed.FS

// programs gives the lesson's compiled programs as JSON, cell ID → URL, or "" when none is
// compiled (yet: the gateway compiles the lesson cells in the background when it starts).
func (h *handler) programs(l *Lesson) string {
	if h.page.Program == nil {
		return ""
	}
	urls := map[string]string{}
	for _, c := range l.Cells {
		if c.Lang != "go" {
			continue // only Go cells are compiled
		}
		if u := h.page.Program(c.Source); u != "" {
			urls[c.ID] = u
		}
	}
	if len(urls) == 0 {
		return ""
	}
	b, err := json.Marshal(urls)
	if err != nil {
		return ""
	}
	return string(b)
}

// headOf is what the head template needs: the frame's words and the page's title.
func headOf(p pageWords, title string) map[string]any {
	return map[string]any{"P": p, "Title": title}
}

// exerciseNames lists a lesson's exercises for the index page's progress:
// their names, separated by spaces.
func exerciseNames(l *Lesson) string {
	var names []string
	for _, e := range l.Exercises {
		names = append(names, e.Name)
	}
	return strings.Join(names, " ")
}
