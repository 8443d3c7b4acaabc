package dissect

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/gateway/lab"
)

// These tests record real exchanges: real clients over loopback to the lab's servers and to
// net/http's server, every byte as it was read or written. The recordings go through the
// dissectors and must give the Messages in testdata/live-*.golden, whatever the chunking.

// recorder wraps a client's connection and records what it writes and reads, in order.
type recorder struct {
	net.Conn
	mu   sync.Mutex
	segs []segment
}

func (r *recorder) add(s segment) {
	r.mu.Lock()
	r.segs = append(r.segs, s)
	r.mu.Unlock()
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.add(segment{dir: ToClient, b: append([]byte(nil), p[:n]...)})
	}
	if err == io.EOF {
		r.add(segment{dir: ToClient, end: true})
	}
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.Conn.Write(p)
	if n > 0 {
		r.add(segment{dir: ToServer, b: append([]byte(nil), p[:n]...)})
	}
	return n, err
}

// closeWrite half-closes the TCP connection and records the end of the client's direction.
func (r *recorder) closeWrite(t *testing.T) {
	t.Helper()
	if err := r.Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	r.add(segment{dir: ToServer, end: true})
}

// record dials addr, runs talk over the recording connection and returns the transcript.
func record(t *testing.T, network, addr string, port int, talk func(r *recorder, br *bufio.Reader)) transcript {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a broken server fails the test rather than hanging it
	r := &recorder{Conn: c}
	talk(r, bufio.NewReader(r))
	return transcript{port: port, proto: network, segs: r.segs}
}

func readLine(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	s, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading a line: %v (got %q)", err, s)
	}
	return s
}

func readToEOF(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("reading to the end: %v", err)
	}
}

// fixedNow is the lab's clock in these tests, so that time and daytime replies are known.
var fixedNow = time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)

func startLab(t *testing.T) map[string]string {
	t.Helper()
	n, err := lab.Start(&lab.Options{
		Now:        func() time.Time { return fixedNow },
		ClientName: func(net.Addr) string { return "10.10.1.2:41000" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	listen := map[string]string{}
	for _, s := range n.Services() {
		listen[fmt.Sprintf("%s/%s", s.Name, s.Proto)] = s.Listen
	}
	return listen
}

func TestLabCaptures(t *testing.T) {
	listen := startLab(t)
	tests := []struct {
		name    string
		service string
		port    int
		talk    func(t *testing.T, r *recorder, br *bufio.Reader)
	}{
		{"live-time", "time.lab/tcp", 37, func(t *testing.T, r *recorder, br *bufio.Reader) {
			readToEOF(t, br)
			r.closeWrite(t)
		}},
		{"live-daytime", "daytime.lab/tcp", 13, func(t *testing.T, r *recorder, br *bufio.Reader) {
			readToEOF(t, br)
			r.closeWrite(t)
		}},
		{"live-chat", "chat.lab/tcp", 5000, func(t *testing.T, r *recorder, br *bufio.Reader) {
			readLine(t, br)
			for _, say := range []string{"hello\r\n", "what is your name?\n", "bye\r\n"} {
				io.WriteString(r, say)
				readLine(t, br)
			}
			readToEOF(t, br)
			r.closeWrite(t)
		}},
		{"live-count", "count.lab/tcp", 51423, func(t *testing.T, r *recorder, br *bufio.Reader) {
			readLine(t, br)
			readLine(t, br)
			io.WriteString(r, "héllo, wörld\r\n")
			readToEOF(t, br)
			r.closeWrite(t)
		}},
		{"live-time-udp", "time.lab/udp", 37, func(t *testing.T, r *recorder, br *bufio.Reader) {
			r.Write(nil) // an empty datagram asks for the time
			r.add(segment{dir: ToServer})
			buf := make([]byte, 64)
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
		}},
		{"live-daytime-udp", "daytime.lab/udp", 13, func(t *testing.T, r *recorder, br *bufio.Reader) {
			io.WriteString(r, "what day is it?")
			buf := make([]byte, 512)
			if _, err := r.Read(buf); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ok := listen[tt.service]
			if !ok {
				t.Fatalf("the lab has no %s", tt.service)
			}
			network := tt.service[strings.IndexByte(tt.service, '/')+1:]
			tr := record(t, network, addr, tt.port, func(r *recorder, br *bufio.Reader) { tt.talk(t, r, br) })
			checkExchange(t, tt.name, tr)
		})
	}
}

// TestHTTPCaptures records exchanges with net/http's server, the server web.lab is built on.
func TestHTTPCaptures(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"url": "http://web.lab/get"}`+"\n")
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "line %d of the stream\n", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d bytes\n", len(b))
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil // no date, so that the recording is the same every time
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")

	// exchange sends each request and reads its response with net/http's own parser.
	exchange := func(t *testing.T, requests ...string) transcript {
		return record(t, "tcp", addr, 80, func(r *recorder, br *bufio.Reader) {
			for _, req := range requests {
				io.WriteString(r, req)
				resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(req)[0]})
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			readToEOF(t, br)
			r.closeWrite(t)
		})
	}
	t.Run("live-http-keepalive", func(t *testing.T) {
		checkExchange(t, "live-http-keepalive", exchange(t,
			"GET /get HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"HEAD /get HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"GET /stream HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"POST /post HTTP/1.1\r\nHost: web.lab\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello, web!",
			"GET /missing HTTP/1.1\r\nHost: web.lab\r\nConnection: close\r\n\r\n",
		))
	})
	t.Run("live-http10", func(t *testing.T) {
		checkExchange(t, "live-http10", exchange(t, "GET /stream HTTP/1.0\r\nHost: web.lab\r\n\r\n"))
	})
}

// TestLabProtocolServers talks to web.lab, ftp.lab and gopher.lab when the lab has them,
// and checks what the dissectors make of the real servers. Their exact texts belong to
// those servers, so this checks the shape; testdata's transcripts pin the details.
func TestLabProtocolServers(t *testing.T) {
	listen := startLab(t)
	has := func(t *testing.T, name string) string {
		addr, ok := listen[name]
		if !ok {
			t.Skipf("the lab has no %s server yet; testdata's hand-written transcripts cover it", name)
		}
		return addr
	}
	t.Run("web", func(t *testing.T) {
		addr := has(t, "web.lab/tcp")
		requests := []string{
			"GET / HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"HEAD /hello.txt HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"GET /docs HTTP/1.1\r\nHost: web.lab\r\n\r\n",
			"GET /no-such-page HTTP/1.1\r\nHost: web.lab\r\nConnection: close\r\n\r\n",
		}
		tr := record(t, "tcp", addr, 80, func(r *recorder, br *bufio.Reader) {
			for _, req := range requests {
				io.WriteString(r, req)
				resp, err := http.ReadResponse(br, &http.Request{Method: strings.Fields(req)[0]})
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			readToEOF(t, br)
			r.closeWrite(t)
		})
		msgs := checkChunking(t, tr)
		var codes []string
		for _, m := range msgs {
			if n := noteOf(m, "status code"); n != nil {
				codes = append(codes, n.Detail[:3])
			}
		}
		if want := "200 200 301 404"; strings.Join(codes, " ") != want {
			t.Errorf("status codes %v, want %s:\n%s", codes, want, render(tr, msgs))
		}
		if bodies := countNotes(msgs, ToClient, "body"); bodies != 3 {
			t.Errorf("%d bodies, want 3 (none for HEAD):\n%s", bodies, render(tr, msgs))
		}
	})
	t.Run("ftp", func(t *testing.T) {
		addr := has(t, "ftp.lab/tcp")
		// A passive download, with the data address taken from what the dissector decoded.
		d := For(21, "tcp")
		var msgs []Message
		var data []byte
		tr := record(t, "tcp", addr, 21, func(r *recorder, br *bufio.Reader) {
			fed := 0
			feed := func() {
				for _, s := range r.segs[fed:] {
					msgs = append(msgs, d.Feed(s.dir, s.b)...)
				}
				fed = len(r.segs)
			}
			readReply(t, br)
			for _, cmd := range []string{"USER anonymous", "PASS lab@", "TYPE I", "PASV"} {
				io.WriteString(r, cmd+"\r\n")
				readReply(t, br)
			}
			feed()
			dataAddr, ok := DataAddress(msgs[len(msgs)-1])
			if !ok {
				t.Fatalf("the dissector found no data address in the reply to PASV:\n%s", render(transcript{}, msgs))
			}
			dc, err := net.Dial("tcp", dataAddr)
			if err != nil {
				t.Fatalf("dial the data address %s the dissector decoded: %v", dataAddr, err)
			}
			defer dc.Close()
			io.WriteString(r, "RETR /pub/README\r\n")
			readReply(t, br) // 150
			if data, err = io.ReadAll(dc); err != nil {
				t.Fatal(err)
			}
			readReply(t, br) // 226
			io.WriteString(r, "QUIT\r\n")
			readReply(t, br)
			readToEOF(t, br)
			r.closeWrite(t)
		})
		if len(data) == 0 {
			t.Error("RETR /pub/README brought no bytes over the data connection")
		}
		msgs = checkChunking(t, tr)
		var codes []string
		for _, m := range msgs {
			if m.Dir == ToClient {
				codes = append(codes, m.Summary[:3])
			}
		}
		if want := "220 331 230 200 227 150 226 221"; strings.Join(codes, " ") != want {
			t.Errorf("reply codes %v, want %s:\n%s", codes, want, render(tr, msgs))
		}
	})
	t.Run("gopher", func(t *testing.T) {
		addr := has(t, "gopher.lab/tcp")
		tr := record(t, "tcp", addr, 70, func(r *recorder, br *bufio.Reader) {
			io.WriteString(r, "\r\n")
			readToEOF(t, br)
			r.closeWrite(t)
		})
		menu := checkChunking(t, tr)
		if countNotes(menu, ToClient, "type") < 2 || countNotes(menu, ToClient, "end") != 1 {
			t.Fatalf("no menu items or no end line in gopher.lab's top menu:\n%s", render(tr, menu))
		}
		// Fetch the first text file the menu lists, by the selector the dissector found.
		var selector string
		for _, m := range menu {
			if n := noteOf(m, "type"); n != nil && strings.HasPrefix(n.Detail, `"0"`) {
				sel := noteOf(m, "selector")
				selector, _, _ = strings.Cut(sel.Detail, ": ")
				break
			}
		}
		if selector == "" {
			t.Fatalf("the top menu lists no text file:\n%s", render(tr, menu))
		}
		tr = record(t, "tcp", addr, 70, func(r *recorder, br *bufio.Reader) {
			io.WriteString(r, selector+"\r\n")
			readToEOF(t, br)
			r.closeWrite(t)
		})
		text := checkChunking(t, tr)
		if countNotes(text, ToClient, "text") < 1 || countNotes(text, ToClient, "end") != 1 || countNotes(text, ToClient, "type") != 0 {
			t.Errorf("the text %s does not come out as text lines and an end:\n%s", selector, render(tr, text))
		}
	})
}

func noteOf(m Message, label string) *Note {
	for i, n := range m.Notes {
		if n.Label == label {
			return &m.Notes[i]
		}
	}
	return nil
}

func countNotes(msgs []Message, dir Dir, label string) int {
	n := 0
	for _, m := range msgs {
		if m.Dir == dir && noteOf(m, label) != nil {
			n++
		}
	}
	return n
}

// readReply reads one FTP reply, following multi-line replies to their last line.
func readReply(t *testing.T, br *bufio.Reader) {
	t.Helper()
	first := readLine(t, br)
	if len(first) < 4 || first[3] != '-' {
		return
	}
	for {
		l := readLine(t, br)
		if len(l) >= 4 && l[:3] == first[:3] && l[3] == ' ' {
			return
		}
	}
}

// checkChunking checks offsets and that random chunks give the same Messages.
func checkChunking(t *testing.T, tr transcript) []Message {
	t.Helper()
	whole := run(tr, nil)
	checkOffsets(t, tr, whole)
	for _, k := range []int{1, 3, 7, 100} {
		if got := run(tr, func(n int) []int { return slicesOf(k, n) }); !equalMessages(got, whole) {
			t.Fatalf("chunks of %d give other Messages:\n%s\nthan whole segments:\n%s", k, render(tr, got), render(tr, whole))
		}
	}
	return whole
}

func equalMessages(a, b []Message) bool {
	return render(transcript{}, a) == render(transcript{}, b)
}
