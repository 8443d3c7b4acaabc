package lab

import (
	"embed"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// Web, web.lab port 80 over TCP: an HTTP/1.1 server with a small static site in front of the
// httpbin API.
//
// The site is content/web: "/" and "/index.html" are the start page, "/docs/" a directory
// whose index.html answers for it, "/docs" without the slash a 301 to "/docs/". The first
// path segments that httpbin knows ("/get", "/post", "/status/418", "/delay/2" ...) go to
// go-httpbin; anything else is a 404. HEAD works everywhere, an HTTP/1.0 request gets its
// answer and the connection closes, and HTTP/1.1 connections stay open between requests.
//
// Limits: request headers must arrive within 5 s (or the idle time, if shorter) and hold at
// most 16 KiB; a request body may hold 256 KiB; /delay and the other endpoints that wait do
// so for at most 3 s; a connection with no request for the idle time is closed.

//go:embed content
var content embed.FS

const (
	webMaxHeader  = 16 << 10
	webMaxBody    = 256 << 10
	webMaxDelay   = 3 * time.Second
	webHeaderTime = 5 * time.Second
)

// httpbinPaths are the first path segments handed to go-httpbin. Its WebSocket echo is left
// out: a hijacked connection would outlive Close.
var httpbinPaths = map[string]bool{
	"absolute-redirect": true, "anything": true, "base64": true, "basic-auth": true,
	"bearer": true, "brotli": true, "bytes": true, "cache": true, "cookies": true,
	"deflate": true, "delay": true, "delete": true, "deny": true, "digest-auth": true,
	"drip": true, "dump": true, "encoding": true, "etag": true, "forms": true, "get": true,
	"gzip": true, "head": true, "headers": true, "hidden-basic-auth": true, "hostname": true,
	"html": true, "image": true, "ip": true, "json": true, "jsonl": true, "links": true,
	"patch": true, "post": true, "put": true, "range": true, "redirect": true,
	"redirect-to": true, "relative-redirect": true, "response-headers": true,
	"robots.txt": true, "sse": true, "status": true, "stream": true, "stream-bytes": true,
	"trailers": true, "unstable": true, "upload": true, "user-agent": true, "uuid": true,
	"xml": true,
}

// webServer is an *http.Server whose Close also waits for its connections to finish.
type webServer struct {
	srv   *http.Server
	conns tracker
}

func (n *Network) newWebServer() *webServer {
	w := &webServer{}
	w.srv = &http.Server{
		Handler:           n.webHandler(),
		ReadHeaderTimeout: min(n.idle, webHeaderTime),
		ReadTimeout:       n.idle,
		WriteTimeout:      n.idle + webMaxDelay,
		IdleTimeout:       n.idle,
		MaxHeaderBytes:    webMaxHeader,
		ErrorLog:          slog.NewLogLogger(n.log.With("service", "web.lab").Handler(), slog.LevelWarn),
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew:
				w.conns.Add()
			case http.StateClosed, http.StateHijacked:
				w.conns.Done()
			}
		},
	}
	return w
}

func (w *webServer) Serve(l net.Listener) error { return w.srv.Serve(l) }

// Close closes the listener and every connection, then waits for their goroutines.
func (w *webServer) Close() error {
	err := w.srv.Close()
	w.conns.Wait()
	return err
}

// webHandler routes between the site and httpbin. The ServeMux cleans paths ("//get",
// "/docs/../get") with a redirect.
func (n *Network) webHandler() http.Handler {
	site, err := fs.Sub(content, "content/web")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	bin := httpbin.New(
		httpbin.WithMaxBodySize(webMaxBody),
		httpbin.WithMaxDuration(webMaxDelay),
		httpbin.WithHostname("web.lab"),
		httpbin.WithAllowedRedirectDomains([]string{"web.lab", "10.10.0.80"}),
	)
	mux := http.NewServeMux()
	serveSite := func(w http.ResponseWriter, r *http.Request) { serveWebFile(w, r, site, r.URL.Path) }
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { serveWebFile(w, r, site, "/index.html") })
	mux.HandleFunc("/index.html", serveSite)
	mux.HandleFunc("/hello.txt", serveSite)
	mux.HandleFunc("/docs", serveSite) // without the slash: a 301 from serveWebFile, not the mux's 307
	mux.HandleFunc("/docs/", serveSite)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if httpbinPaths[first] {
			bin.ServeHTTP(w, r)
			return
		}
		webNotFound(w, r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A relayed program is named by its lab address (httpbin's "origin"), not by the
		// gateway's side of its connection on loopback.
		if own, ok := n.peers.LabAddrOf(stringAddr(r.RemoteAddr)); ok {
			r.RemoteAddr = own
		}
		mux.ServeHTTP(w, r)
	})
}

// stringAddr is a net.Addr already written out, for looking up a request's RemoteAddr.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

// serveWebFile answers GET and HEAD for one file of the site. A directory named without its
// trailing slash gets a 301 to the name with the slash; with the slash, its index.html.
func serveWebFile(w http.ResponseWriter, r *http.Request, site fs.FS, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed: this page only answers GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	rel := strings.TrimPrefix(path.Clean(name), "/")
	if rel == "" {
		rel = "."
	}
	info, err := fs.Stat(site, rel)
	if err != nil {
		webNotFound(w, r)
		return
	}
	if info.IsDir() {
		if !strings.HasSuffix(name, "/") {
			target := name + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		rel = path.Join(rel, "index.html")
		if info, err = fs.Stat(site, rel); err != nil || info.IsDir() {
			webNotFound(w, r)
			return
		}
	}
	f, err := site.Open(rel)
	if err != nil {
		webNotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "500 internal error: the file cannot seek", http.StatusInternalServerError)
		return
	}
	// The embedded files carry no time, so ServeContent sends no Last-Modified.
	http.ServeContent(w, r, rel, time.Time{}, rs)
}

func webNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1>
<p>web.lab has nothing at this path. The start page at <a href="/">/</a> lists what there is.</p>
</body></html>
`)
}
