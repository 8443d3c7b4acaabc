package lab

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// webClient is an HTTP client that follows no redirects, so tests see them.
func webClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func webListen(t *testing.T, n *Network) string {
	t.Helper()
	listen, _, ok := n.Resolve("tcp", "web.lab", 80)
	if !ok {
		t.Fatal("web.lab:80 does not resolve")
	}
	return listen
}

func TestWeb(t *testing.T) {
	n := startLab(t, nil)
	base := "http://" + webListen(t, n)
	client := webClient(t)
	hello, err := content.ReadFile("content/web/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	index, err := content.ReadFile("content/web/index.html")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		method, path string
		body         string // request body, sent as JSON
		status       int
		header       map[string]string // response headers that must match exactly
		want         string            // the body must contain this
		exact        string            // or be exactly this
	}{
		{"GET", "/", "", 200, map[string]string{"Content-Type": "text/html; charset=utf-8"}, "", string(index)},
		{"GET", "/index.html", "", 200, nil, "", string(index)},
		{"GET", "/hello.txt", "", 200, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "", string(hello)},
		{"GET", "/docs", "", 301, map[string]string{"Location": "/docs/"}, "", ""},
		{"GET", "/docs?page=2", "", 301, map[string]string{"Location": "/docs/?page=2"}, "", ""},
		{"HEAD", "/docs", "", 301, map[string]string{"Location": "/docs/"}, "", ""},
		{"GET", "/docs/", "", 200, nil, "You are reading <code>/docs/index.html</code>", ""},
		{"GET", "/docs/index.html", "", 200, nil, "You are reading <code>/docs/index.html</code>", ""},
		{"GET", "/docs/http.html", "", 200, nil, "HTTP in a nutshell", ""},
		{"GET", "/docs/missing.html", "", 404, nil, "404 Not Found", ""},
		{"GET", "/missing", "", 404, map[string]string{"Content-Type": "text/html; charset=utf-8"}, "web.lab has nothing at this path", ""},
		{"GET", "/websocket/echo", "", 404, nil, "", ""},
		{"HEAD", "/", "", 200, map[string]string{"Content-Length": strconv.Itoa(len(index))}, "", ""},
		{"HEAD", "/missing", "", 404, nil, "", ""},
		{"POST", "/", "{}", 405, map[string]string{"Allow": "GET, HEAD"}, "", ""},
		{"GET", "/get?lesson=3", "", 200, map[string]string{"Content-Type": "application/json; charset=utf-8"}, `"lesson": [`, ""},
		{"HEAD", "/get", "", 200, nil, "", ""},
		{"POST", "/post", `{"greeting":"hello"}`, 200, nil, `"greeting": "hello"`, ""},
		{"GET", "/post", "", 405, nil, "", ""},
		{"GET", "/headers", "", 200, nil, `"X-Lab-Test": [`, ""},
		{"GET", "/status/418", "", 418, nil, "", ""},
		{"GET", "/status/204", "", 204, nil, "", ""},
		{"GET", "/redirect/2", "", 302, map[string]string{"Location": "/relative-redirect/1"}, "", ""},
		{"GET", "/delay/0", "", 200, nil, `"url"`, ""},
		{"GET", "/delay/10", "", 400, nil, "longer than 3s", ""},
		{"GET", "/hostname", "", 200, nil, `"web.lab"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, base+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Lab-Test", "yes")
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d; want %d (body %.200q)", resp.StatusCode, tt.status, got)
			}
			for k, v := range tt.header {
				if resp.Header.Get(k) != v {
					t.Errorf("header %s: %q; want %q", k, resp.Header.Get(k), v)
				}
			}
			if tt.method == "HEAD" && len(got) != 0 {
				t.Errorf("HEAD answered with a %d-byte body", len(got))
			}
			if tt.exact != "" && string(got) != tt.exact {
				t.Errorf("body %.200q; want %.200q", got, tt.exact)
			}
			if !strings.Contains(string(got), tt.want) {
				t.Errorf("body %.300q; want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestWebBytesAndStream(t *testing.T) {
	n := startLab(t, nil)
	base := "http://" + webListen(t, n)
	client := webClient(t)

	resp, err := client.Get(base + "/bytes/100")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(b) != 100 || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("/bytes/100: %d bytes of %s; want 100 of application/octet-stream", len(b), resp.Header.Get("Content-Type"))
	}

	resp, err = client.Get(base + "/stream/4")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("/stream/4 transfer encoding %v; want chunked", resp.TransferEncoding)
	}
	sc := bufio.NewScanner(resp.Body)
	lines := 0
	for sc.Scan() {
		var line struct{ ID int }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.ID != lines {
			t.Errorf("line %d: %q (%v); want JSON with id %d", lines, sc.Text(), err, lines)
		}
		lines++
	}
	if lines != 4 {
		t.Errorf("/stream/4 sent %d lines", lines)
	}
}

// rawHTTP sends req on a fresh connection and returns everything until the server closes.
func rawHTTP(t *testing.T, listen, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v (so far %q); want the server to close", req, err, got)
	}
	return string(got)
}

func TestWebHTTP10ClosesConnection(t *testing.T) {
	n := startLab(t, nil)
	listen := webListen(t, n)
	hello, _ := content.ReadFile("content/web/hello.txt")
	for _, req := range []string{
		"GET /hello.txt HTTP/1.0\r\n\r\n",
		"GET /hello.txt HTTP/1.0\r\nHost: web.lab\r\n\r\n",
		"GET /hello.txt HTTP/1.1\r\nHost: web.lab\r\nConnection: close\r\n\r\n",
	} {
		// rawHTTP reads to the end of the stream: it only returns because the server closes.
		got := rawHTTP(t, listen, req)
		head, body, _ := strings.Cut(got, "\r\n\r\n")
		wantProto := req[strings.Index(req, "HTTP/"):][:8]
		if !strings.HasPrefix(head, wantProto+" 200 OK\r\n") || body != string(hello) {
			t.Errorf("answer to %q:\n%s\nwant %s 200 and hello.txt", req, got, wantProto)
		}
	}
	// HEAD over HTTP/1.0: headers only, then close.
	got := rawHTTP(t, listen, "HEAD / HTTP/1.0\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.0 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\n") {
		t.Errorf("HEAD / HTTP/1.0 got %q; want a 200 and no body", got)
	}
}

func TestWebKeepAlive(t *testing.T) {
	n := startLab(t, nil)
	c := dialLab(t, n, "tcp", "web.lab", 80)
	r := bufio.NewReader(c)
	for i, path := range []string{"/hello.txt", "/get", "/missing", "/docs"} {
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: web.lab\r\n\r\n"); err != nil {
			t.Fatalf("request %d on the same connection: %v", i, err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d on the same connection: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			t.Errorf("response %d to %s says the connection closes; want keep-alive", i, path)
		}
	}
}

func TestWebLimits(t *testing.T) {
	n := startLab(t, &Options{IdleTimeout: 300 * time.Millisecond})
	listen := webListen(t, n)

	// Headers over MaxHeaderBytes (plus the slack net/http allows) get 431.
	big := "GET / HTTP/1.1\r\nHost: web.lab\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	if got := rawHTTP(t, listen, big); !strings.HasPrefix(got, "HTTP/1.1 431 ") {
		t.Errorf("64 KiB of headers: got %.100q; want 431", got)
	}

	// A request that never finishes its headers is dropped after the header timeout.
	start := time.Now()
	got := rawHTTP(t, listen, "GET / HTTP/1.1\r\nHost: web.lab\r\n")
	if took := time.Since(start); took > 4*time.Second || strings.Contains(got, " 200 ") {
		t.Errorf("half a request: closed after %v with %q; want a close within the idle time", took, got)
	}

	// An idle keep-alive connection is closed after IdleTimeout.
	c := dialLab(t, n, "tcp", "web.lab", 80)
	io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: web.lab\r\n\r\n")
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	start = time.Now()
	if _, err := r.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: read gave %v; want the server to close it (EOF)", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("idle connection closed after %v; want about 300ms", took)
	}
}

// TestWebCloseEndsRequests checks that Close does not wait for a slow request to finish.
func TestWebCloseEndsRequests(t *testing.T) {
	n, err := Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	listen := webListen(t, n)
	c, err := net.Dial("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /delay/3 HTTP/1.1\r\nHost: web.lab\r\n\r\n")
	// Wait until the server has taken the connection.
	deadline := time.Now().Add(5 * time.Second)
	for n.web.conns.Count() == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	start := time.Now()
	if err := n.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v with a /delay/3 request running; want it to cut the request short", took)
	}
}
