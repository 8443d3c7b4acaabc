package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing/fstest"
	"time"
)

// site is the directory the server shares.
var site = fstest.MapFS{
	"index.html": {Data: []byte("<h1>Hello from my server</h1>\n<p><a href=\"notes.txt\">notes</a></p>\n")},
	"notes.txt":  {Data: []byte("Served from memory.\n")},
}

// statusWriter remembers the status the handler answered with and counts the bytes of
// the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests wraps h and prints one line per request.
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status == http.StatusNotFound {
			fmt.Println("code 404, message File not found")
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		when := time.Now().Format("02/Jan/2006 15:04:05")
		fmt.Printf("%s - - [%s] \"%s %s %s\" %d %d\n", host, when, r.Method, r.URL.Path, r.Proto, sw.status, sw.size)
	})
}

func main() {
	port := flag.Int("p", 8000, "port to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("Serving HTTP on", ln.Addr())
	err = http.Serve(ln, logRequests(http.FileServerFS(site)))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
