// Logs the size of the request's body (r.ContentLength, 0 for a GET) instead of the size
// of the answer.
//
// fails: output matches "\"GET /notes.txt HTTP/1.1\" 200 20$" (一行 GET /notes.txt 的日志，结尾是 200 20：先是状态码，然后是响应的字节数) => the output does not show 一行 GET /notes.txt 的日志
// fails: output matches "\"GET /favicon.ico HTTP/1.1\" 404 19$" (一行 GET /favicon.ico 的日志，结尾是 404 19：先是状态码，然后是响应的字节数) => the output does not show 一行 GET /favicon.ico 的日志
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

// statusWriter remembers the status the handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
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
		fmt.Printf("%s - - [%s] \"%s %s %s\" %d %d\n", host, when, r.Method, r.URL.Path, r.Proto, sw.status, r.ContentLength)
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
