package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"socketlab/gateway"
	"socketlab/gateway/relay"
	"socketlab/internal/relaytest"
	prunner "socketlab/internal/runner"
	"socketlab/wire"
)

// scripted dials the lab three times: echo.lab, which echoes 11 bytes; a port of echo.lab
// where nothing listens; and an address the operator's policy refuses (a private network).
const scripted = `package main

import (
	"fmt"
	"io"
	"net"
)

func main() {
	c, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "hello, lab\n")
	c.(*net.TCPConn).CloseWrite()
	back, err := io.ReadAll(c)
	c.Close()
	fmt.Printf("echoed %q %v\n", back, err)
	_, err = net.Dial("tcp", "echo.lab:9")
	fmt.Println("second:", err)
	_, err = net.Dial("tcp", "192.168.1.1:80")
	fmt.Println("third:", err)
}
`

// lockedBuffer is a log destination for a test: the gateway logs from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// opsGateway serves a gateway on loopback with its log in a buffer.
func opsGateway(t *testing.T, opts *gateway.Options) (*gateway.Server, string, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	opts.CacheDir = t.TempDir()
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	s, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := s.NewHTTPServer(ctx)
	go srv.Serve(ln)
	t.Cleanup(func() {
		cancel()
		srv.Close()
		s.Relay.Close(context.Background())
		s.Close()
	})
	return s, "http://" + ln.Addr().String(), logs
}

// scrape reads /metrics with the Prometheus text-format parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value is a counter's, gauge's or histogram's count for the metric with the label given as
// "name=value" ("" for a metric without labels); 0 when it is not there.
func value(fams map[string]*dto.MetricFamily, name, label string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		if label != "" {
			k, v, _ := strings.Cut(label, "=")
			found := false
			for _, lp := range m.GetLabel() {
				found = found || lp.GetName() == k && lp.GetValue() == v
			}
			if !found {
				continue
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// TestMetricsMoveWithARun runs a real program against the gateway and checks that the
// counters of /metrics moved by exactly what it did, that a compile and a cached build are
// counted, that /readyz follows the first compile, and that the session's log line says whose
// session it was, what it moved and how it ended.
func TestMetricsMoveWithARun(t *testing.T) {
	s, base, logs := opsGateway(t, &gateway.Options{})
	_ = s

	// Not ready until the standard library is built for js/wasm: the first compile does it.
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "WebAssembly") {
		t.Errorf("/readyz before any compile: %d %q, want 503 naming the WebAssembly build", code, body)
	}

	before := scrape(t, base)
	build := func() {
		t.Helper()
		src, _ := json.Marshal(map[string]string{"source": scripted})
		resp, err := http.Post(base+"/api/build", "application/json", bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok":true`) {
			t.Fatalf("POST /api/build: %d %s", resp.StatusCode, b)
		}
	}
	build() // compiled
	build() // from the cache
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz after a compile: %d %q, want 200", code, body)
	}

	// The same program, natively, through the gateway's relay.
	b, err := prunner.NativeBuilder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	path, res, err := b.Build(ctx, []byte(scripted))
	if err != nil || path == "" {
		t.Fatalf("building natively: %v %+v", err, res)
	}
	ws := "ws" + strings.TrimPrefix(base, "http") + "/ws?learner=metrics-test"
	p, err := prunner.Start(path, &prunner.Options{Gateway: ws})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Finish(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`echoed "hello, lab\n" <nil>`, "second: dial tcp", "connection refused", "third: dial tcp 192.168.1.1:80", "blocked by lab policy"} {
		if !strings.Contains(out.Output, want) {
			t.Fatalf("the program's output lacks %q:\n%s", want, out.Output)
		}
	}

	// The session ends at the gateway a moment after the program exits.
	var after map[string]*dto.MetricFamily
	deadline := time.Now().Add(30 * time.Second)
	for {
		after = scrape(t, base)
		if value(after, "socketlab_sessions_active", "") == 0 && sum(after, "socketlab_sessions_total") > sum(before, "socketlab_sessions_total") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the program's session did not end at the gateway within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	moved := func(name, label string) float64 { return value(after, name, label) - value(before, name, label) }
	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"socketlab_sessions_total", "end=gone", 1},
		{"socketlab_sockets_opened_total", "kind=dial", 3},
		{"socketlab_dials_total", "result=connected", 1},
		{"socketlab_dials_total", "result=refused", 1},
		{"socketlab_dials_total", "result=policy", 1},
		{"socketlab_policy_refusals_total", "rule=192.168.0.0/16", 1},
		{"socketlab_bytes_total", "direction=from_program", 11},
		{"socketlab_bytes_total", "direction=to_program", 11},
		{"socketlab_builds_total", "cache=miss", 1},
		{"socketlab_builds_total", "cache=hit", 1},
		{"socketlab_compile_duration_seconds", "outcome=ok", 1},
	} {
		if got := moved(c.name, c.label); got != c.want {
			t.Errorf("%s{%s} moved by %v, want %v", c.name, c.label, got, c.want)
		}
	}
	for _, name := range []string{"socketlab_sessions_total", "socketlab_dials_total", "socketlab_policy_refusals_total", "socketlab_sockets_opened_total"} {
		if got := sum(after, name) - sum(before, name); got != map[string]float64{"socketlab_sessions_total": 1, "socketlab_dials_total": 3, "socketlab_policy_refusals_total": 1, "socketlab_sockets_opened_total": 3}[name] {
			t.Errorf("%s moved by %v in all: something else was counted", name, got)
		}
	}
	for _, g := range []string{"socketlab_sessions_active", "socketlab_compiles_waiting", "socketlab_compiles_running"} {
		if v := value(after, g, ""); v != 0 {
			t.Errorf("%s = %v after everything ended, want 0", g, v)
		}
	}

	// One log line for the session.
	var line map[string]any
	n := 0
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "session ended" {
			line, n = m, n+1
		}
	}
	if n != 1 {
		t.Fatalf("%d session lines in the log, want 1:\n%s", n, logs.String())
	}
	if line["learner"] != "metrics-test" || line["bytes_from_program"] != 11.0 || line["bytes_to_program"] != 11.0 || line["end"] != "gone" || line["level"] != "INFO" {
		t.Errorf("the session's log line: %v", line)
	}
	if d, ok := line["duration"].(float64); !ok || d <= 0 || time.Duration(d) > out.Wall+5*time.Second {
		t.Errorf("the session's duration %v; the program ran %v", line["duration"], out.Wall)
	}
	if a, err := netip.ParseAddr(line["addr"].(string)); err != nil || !netip.MustParsePrefix("10.10.0.0/16").Contains(a) {
		t.Errorf("the session's lab address %v", line["addr"])
	}
}

// sum adds every series of a counter.
func sum(fams map[string]*dto.MetricFamily, name string) float64 {
	var total float64
	if f := fams[name]; f != nil {
		for _, m := range f.GetMetric() {
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// TestMetricsOnlyForTheOperator: /metrics answers loopback, and other addresses only when
// --metrics-from names them. The check runs on the client's address, so it is tried with a
// request whose RemoteAddr is set, as the HTTP server sets it.
func TestMetricsOnlyForTheOperator(t *testing.T) {
	s, err := gateway.New(&gateway.Options{CacheDir: t.TempDir(), MetricsFrom: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/28")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		from string
		want int
	}{
		{"127.0.0.1:5000", 200},
		{"[::1]:5000", 200},
		{"192.0.2.9:5000", 200},
		{"192.0.2.99:5000", 403},
		{"198.51.100.4:5000", 403},
	} {
		req, _ := http.NewRequest("GET", "http://127.0.0.1/metrics", nil)
		req.RemoteAddr = c.from
		w := &recorder{h: http.Header{}}
		s.ServeHTTP(w, req)
		if w.code != c.want {
			t.Errorf("GET /metrics from %s: %d, want %d", c.from, w.code, c.want)
		}
		if c.want == 403 && !strings.Contains(w.body.String(), "--metrics-from") {
			t.Errorf("the refusal does not say how to open the metrics: %q", w.body.String())
		}
		if c.want == 200 && !strings.Contains(w.body.String(), "# TYPE socketlab_sessions_active gauge") {
			t.Errorf("GET /metrics from %s: no socketlab metrics in %.200q", c.from, w.body.String())
		}
	}
}

type recorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

// TestSessionEndings: each way a session ends is counted under its word: a program that says
// goodbye and one that breaks the protocol are logged once each (the second as a warning,
// with the reason); one refused because the lab is full is counted, and left to the relay's
// once-a-minute line about the limit.
func TestSessionEndings(t *testing.T) {
	_, base, logs := opsGateway(t, &gateway.Options{Limits: relay.Limits{Sessions: 1}})
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws?learner="
	open := func(learner string) *relaytest.Client {
		t.Helper()
		c, _, err := websocket.Dial(context.Background(), wsURL+learner, nil)
		if err != nil {
			t.Fatal(err)
		}
		return relaytest.Wrap(t, c)
	}
	hello := func(rc *relaytest.Client) {
		t.Helper()
		rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
		if f := rc.Recv(); f.Type != wire.Hello {
			t.Fatalf("the gateway answered HELLO with %v", f.Type)
		}
	}
	// Wait for the gateway to log the nth session line.
	lines := func(n int, wait time.Duration) []map[string]any {
		t.Helper()
		deadline := time.Now().Add(wait)
		for {
			var out []map[string]any
			for l := range strings.Lines(logs.String()) {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "session ended" {
					out = append(out, m)
				}
			}
			if len(out) >= n || time.Now().After(deadline) {
				return out
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	first := open("ann")
	hello(first)
	open("bea") // the lab holds one session: this one is refused at once
	deadline := time.Now().Add(10 * time.Second)
	for value(scrape(t, base), "socketlab_sessions_total", "end=limit") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the refused session was not counted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "--max-sessions") {
		t.Errorf("the relay did not log the limit the refused session hit:\n%s", logs.String())
	}
	first.Send(wire.Data, 0, []byte("x")) // DATA on stream 0 breaks the protocol
	got := lines(1, 10*time.Second)
	if len(got) != 1 || got[0]["learner"] != "ann" || got[0]["end"] != "protocol" || got[0]["level"] != "WARN" || !strings.Contains(got[0]["reason"].(string), "stream 0") {
		t.Fatalf("after a refused session and a protocol error the log holds %v", got)
	}
	third := open("cid")
	hello(third)
	third.Send(wire.Close, 0, nil)
	got = lines(2, 10*time.Second)
	if len(got) != 2 || got[1]["learner"] != "cid" || got[1]["end"] != "closed" || got[1]["level"] != "INFO" {
		t.Fatalf("after a goodbye the log holds %v", got)
	}
	if n := len(lines(3, 300*time.Millisecond)); n != 2 {
		t.Errorf("%d session lines for 2 sessions that ran", n)
	}
	m := scrape(t, base)
	for _, end := range []string{"limit", "protocol", "closed"} {
		if v := value(m, "socketlab_sessions_total", "end="+end); v != 1 {
			t.Errorf("socketlab_sessions_total{end=%s} = %v, want 1", end, v)
		}
	}
	if v := value(m, "socketlab_sessions_active", ""); v != 0 {
		t.Errorf("socketlab_sessions_active = %v after every session ended", v)
	}
}

// TestOperatorEndpointsInAClass: in classroom mode /healthz, /readyz and /metrics answer
// without joining (the scraper has no name in the class), the class's size is a metric, and
// the join URL the gateway prints fills the code in.
func TestOperatorEndpointsInAClass(t *testing.T) {
	class := relay.NewClass("k7m-qx2-r9d")
	s, base, _ := opsGateway(t, &gateway.Options{Class: class})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/metrics": 200, "/lessons/01-time": http.StatusSeeOther} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s before joining: %d, want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := client.Get(base + "/join?code=k7m-qx2-r9d")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `value="k7m-qx2-r9d"`) {
		t.Errorf("the join page of a printed URL does not fill the code in:\n%s", page)
	}
	resp, err = client.PostForm(base+"/join", map[string][]string{"code": {"k7m-qx2-r9d"}, "name": {"ada"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := value(scrape(t, base), "socketlab_class_members", ""); v != 1 {
		t.Errorf("socketlab_class_members = %v after one join, want 1", v)
	}
	s.Close()
	if resp, err := client.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz after Close: %v %v, want 503", resp.StatusCode, err)
	}
}

// TestCachedBuildsDoNotWaitBehindCompiles: with the one compiler busy and compiles queued
// behind it, all sent over HTTP, a program compiled before is answered from the cache, and a
// check is answered too, while those compiles still wait.
func TestCachedBuildsDoNotWaitBehindCompiles(t *testing.T) {
	s, base, _ := opsGateway(t, &gateway.Options{Compile: gateway.CompileLimits{Jobs: 1, Budget: -1}})
	post := func(path string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(base+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	const cached = "package main\n\nfunc main() {}\n"
	if code, out := post("/api/build", map[string]string{"source": cached}); code != 200 || out["ok"] != true {
		t.Fatalf("the first build: %d %v", code, out)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusOK, %d, %d) }\n", i, time.Now().UnixNano())
			if code, out := post("/api/build", map[string]string{"source": src}); code != 200 || out["ok"] != true {
				t.Errorf("compile %d: %d %v", i, code, out)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for value(scrape(t, base), "socketlab_compiles_waiting", "") < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("4 compiles sent with one compiler, but %v wait after 2 minutes: something holds them before the build service", value(scrape(t, base), "socketlab_compiles_waiting", ""))
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, out := post("/api/build", map[string]string{"source": cached})
	waiting := value(scrape(t, base), "socketlab_compiles_waiting", "")
	if code != 200 || out["cached"] != true || waiting < 1 {
		t.Errorf("a cached program: %d %v, answered with %v compiles waiting, want at once from the cache", code, out, waiting)
	}
	l := s.Lessons[0]
	code, _ = post("/api/check", map[string]any{"lesson": l.Slug, "exercise": l.Exercises[0].Name, "output": "", "exit": nil, "events": []any{}})
	if waiting := value(scrape(t, base), "socketlab_compiles_waiting", ""); code != 200 || waiting < 1 {
		t.Errorf("a check: %d, answered with %v compiles waiting", code, waiting)
	}
}
