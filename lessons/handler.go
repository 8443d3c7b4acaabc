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

// Handler serves the index at "/" and each lesson at "/lessons/SLUG".
// Anything else is a 404. Only GET and HEAD are allowed.
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
	h := &handler{lessons: ls, page: page, bySlug: map[string]int{}}
	for i, l := range ls {
		h.bySlug[l.Slug] = i
	}
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{"asset": page.AssetURL, "exerciseNames": exerciseNames, "programs": h.programs}).ParseFS(templates, "templates/*.html"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.HandleFunc("GET /lessons/{slug}", h.lesson)
	mux.HandleFunc("/", h.notFound)
	return mux
}

type handler struct {
	lessons []*Lesson
	bySlug  map[string]int
	page    Page
	tmpl    *template.Template
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "index", map[string]any{
		"Site":    h.page.Title,
		"Lessons": h.lessons,
		"Labs":    h.page.Labs,
	})
}

func (h *handler) lesson(w http.ResponseWriter, r *http.Request) {
	i, ok := h.bySlug[r.PathValue("slug")]
	if !ok {
		h.notFound(w, r)
		return
	}
	data := map[string]any{
		"Site":   h.page.Title,
		"Lesson": h.lessons[i],
		"Number": i + 1,
		"Count":  len(h.lessons),
	}
	if i > 0 {
		data["Prev"] = h.lessons[i-1]
	}
	if i+1 < len(h.lessons) {
		data["Next"] = h.lessons[i+1]
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

// exerciseNames lists a lesson's exercises for the index page's progress:
// their names, separated by spaces.
func exerciseNames(l *Lesson) string {
	var names []string
	for _, e := range l.Exercises {
		names = append(names, e.Name)
	}
	return strings.Join(names, " ")
}
