package main

// The page, measured in headless Chromium with the Performance API: the figures of issue 8
// that a learner sees. The whole lab (gateway.New with its lab network and lesson cells, the
// server `make run` starts) runs in a child process of its own, so the browser and this
// program do not take its CPU time from the figures' own clock. The figures come from marks
// that static/lesson.js sets, navigation timing and resource timing, read in the page:
//
//	interactive   a first visit to the first lesson (a new browser context: nothing cached),
//	              from navigation start to socketlab:interactive: every Run button works and
//	              the first cell's precompiled program is downloaded, compiled and has a
//	              worker waiting for it
//	embedded      the same for another site's page that embeds the first lesson's cell with
//	              the snippet (docs/embed.md): until the cell is drawn and a worker waits in
//	              the gateway's frame
//	editor        the editor's scripts (static/editor.js and the CodeMirror bundle) that the
//	              first visit loads, compressed as sent (encodedBodySize) and decoded, and
//	              when the first editor is in place (socketlab:editor); cells work before
//	              that, on their text areas
//	precompiled   Run on that cell in a page that has run it once already: from the click
//	              (socketlab:run) to the program's first output (socketlab:first-output);
//	              also the first Run after the page loads
//	edited        the same after an edit no build has seen: the Go build cache is warm, the
//	              program is compiled and linked anew by /api/build
//	wasm size     the compiled net/http program as the page downloads it
//	              (PerformanceResourceTiming transferSize and encodedBodySize)
//	download      a program in the page fetching 50 MiB from web.lab through the relay,
//	              against the browser's own fetch() of the same bytes from the same gateway
//	              (see serveLab), and against web.lab alone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/gateway/relay"
	"socketlab/internal/browser"
)

// The download: web.lab's httpbin endpoints answer at most 256 KiB (its body limit), so both
// sides fetch /range/262144 200 times, one after another on one kept-alive connection.
// /range is the quickest of them to generate (a repeating alphabet, where /bytes draws every
// byte from a random generator).
const (
	downloadPiece = 256 << 10
	downloadCount = 200
	benchWebPath  = "/bench/web.lab/range/"
)

// downloadProgram is the in-page side of the download; it prints one line when done.
var downloadProgram = fmt.Sprintf(`package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	start := time.Now()
	var total int64
	for i := 0; i < %d; i++ {
		resp, err := http.Get("http://web.lab/range/%d")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		total += n
	}
	fmt.Printf("downloaded %%d bytes in %%d us\n", total, time.Since(start).Microseconds())
}
`, downloadCount, downloadPiece)

var downloadLine = regexp.MustCompile(`downloaded (\d+) bytes in (\d+) us`)

// serveLab runs the whole lab on l, as `make run` does, with two differences for the
// benchmark: the traffic and compile-rate limits are off (a learner is held to 64 MiB/s by
// default, which would measure the limit, not the page), and GET /bench/web.lab/range/N is
// web.lab's /range/N passed through by a reverse proxy, so that the browser's own fetch()
// can take the same bytes from the same gateway process over plain HTTP, same-origin with
// the lesson page: browser → gateway → web.lab, the path the program's bytes take too, with
// plain HTTP in place of the WebSocket. The route exists only in this benchmark's gateway,
// and only for /range: on a real gateway, web.lab under the lab's own origin would serve
// whatever httpbin echoes (any content type, any header, cookies) as the lab's own pages,
// past their Content Security Policy. It prints the address once every lesson cell is
// compiled, as the other relays print theirs.
func serveLab(l net.Listener) error {
	ls, err := benchLessons()
	if err != nil {
		return err
	}
	s, err := gateway.New(&gateway.Options{
		Lessons: ls,
		Limits:  relay.Limits{BytesPerSecond: -1, BytesPerSession: -1},
		Compile: gateway.CompileLimits{PerMinute: -1},
		Origins: []string{"127.0.0.1:*"}, // the embedding page (embedHost), on another port
	})
	if err != nil {
		return err
	}
	web, ok := "", false
	for _, svc := range s.Lab.Services() {
		if svc.Name == "web.lab" && svc.Proto == "tcp" {
			web, ok = svc.Listen, true
		}
	}
	if !ok {
		return errors.New("the lab has no web.lab")
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.Out.URL = &url.URL{Scheme: "http", Host: web, Path: "/range/" + r.In.PathValue("n")}
		r.Out.Host = "web.lab"
	}}
	mux := http.NewServeMux()
	mux.Handle("/", s)
	mux.Handle("GET "+benchWebPath+"{n}", proxy)
	go (&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(l)
	start := time.Now()
	failed := 0
	s.Warm(context.Background(), func(done, total int, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "bench lab: lesson cell %d/%d: %v\n", done, total, err)
		}
	})
	if failed > 0 {
		return fmt.Errorf("%d lesson cells do not compile", failed)
	}
	fmt.Fprintf(os.Stderr, "bench lab: lesson cells ready in %v\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// pageRow is one figure of the page section.
type pageRow struct {
	key, label, format, target string
	met                        func(median float64) bool
}

var pageRows = []pageRow{
	{"interactive", "first lesson interactive, first visit (ms from navigation start)", "%.0f", "≤ 1000", func(v float64) bool { return v <= 1000 }},
	{"dcl", "… DOMContentLoaded (ms from navigation start)", "%.0f", "", nil},
	{"embedinteractive", "an embedded cell in another site's page interactive, first visit (ms from navigation start)", "%.0f", "≤ 1000", func(v float64) bool { return v <= 1000 }},
	{"editor", "editor code loaded before the first Run, compressed (KB)", "%.1f", "≤ 150", func(v float64) bool { return v <= 150 }},
	{"editorraw", "… uncompressed (KB)", "%.1f", "", nil},
	{"editorready", "… the first editor in place, first visit (ms from navigation start)", "%.0f", "", nil},
	{"precompiled", "precompiled cell, Run → first line, warm page (ms)", "%.0f", "≤ 300", func(v float64) bool { return v <= 300 }},
	{"afterload", "… the first Run after the page loads (ms)", "%.0f", "", nil},
	{"edited", "edited cell, Run → first line: lesson 1, net (ms)", "%.0f", "≤ 1500", func(v float64) bool { return v <= 1500 }},
	{"editedhttp", "edited cell, Run → first line: lesson 6, net/http (ms)", "%.0f", "≤ 1500", func(v float64) bool { return v <= 1500 }},
	{"build", "… of which until /api/build answers (ms)", "%.0f", "", nil},
	{"fetched", "… then until the program is downloaded and compiled (ms)", "%.0f", "", nil},
	{"started", "… then until its first line: start-up, its request to web.lab (ms)", "%.0f", "", nil},
	{"wasmwire", "net/http program on the wire, transferSize (MB)", "%.2f", "≤ 3", func(v float64) bool { return v <= 3 }},
	{"wasmbody", "… encodedBodySize / decodedBodySize (MB)", "%.2f", "", nil},
	{"download", "in-page program downloading 50 MiB from web.lab (MB/s)", "%.1f", "", nil},
	{"fetch", "… the browser's fetch() of the same bytes, same gateway (MB/s)", "%.1f", "", nil},
	{"ratio", "… program / fetch()", "%.2f", "≥ 0.50", func(v float64) bool { return v >= 0.5 }},
	{"direct", "… web.lab alone, Go client on loopback (MB/s)", "%.1f", "", nil},
}

// pageSection measures the page and prints its table; without Chromium it says why on
// stderr and prints nothing.
func pageSection(w io.Writer, rounds int, pythonOnly bool) {
	path := browser.Find()
	if path == "" {
		fmt.Fprintln(os.Stderr, "no Chromium found (apt-get install chromium, or set $CHROMIUM): the page figures are left out")
		return
	}
	p := &pageResult{figs: map[string]figure{}, rounds: rounds, many: max(rounds, 5), pythonOnly: pythonOnly}
	if err := p.measure(path); err != nil {
		fmt.Fprintln(os.Stderr, "bench: the page:", err)
		if len(p.figs) == 0 {
			return
		}
	}
	p.print(w)
}

// pageResult holds the page's figures over the rounds.
type pageResult struct {
	figs    map[string]figure
	browser string // the browser's name and version
	rounds  int    // rounds of the download
	many    int    // rounds of the quicker figures
	// pythonOnly measures Python in the page alone (bench/python.go).
	pythonOnly bool
}

func (p *pageResult) measure(chromium string) error {
	res := p.figs
	add := func(key string, v float64) { res[key] = append(res[key], v) }
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%6.1fs page: %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	rounds, many := p.rounds, p.many

	step("starting the lab (the first time it compiles every lesson cell, a minute or two)")
	lab, err := startChild("lab", "", "")
	if err != nil {
		return fmt.Errorf("starting the lab: %w", err)
	}
	defer lab.stop()
	base := "http://" + lab.addr
	dir, err := os.MkdirTemp("", "socketlab-bench-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, stop, err := browser.Start(chromium, dir, func(string, ...any) {})
	if err != nil {
		return err
	}
	defer stop()
	p.browser = "Chromium"
	const version = `(async () => {
		const ua = navigator.userAgentData;
		if (!ua || !ua.getHighEntropyValues) return navigator.userAgent;
		const v = await ua.getHighEntropyValues(["fullVersionList"]);
		const b = (v.fullVersionList || []).find((b) => /Chrom/.test(b.brand));
		return b ? b.brand + " " + b.version : navigator.userAgent;
	})()`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		return err
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](version, chromedp.EvalAwaitPromise)); err == nil {
		p.browser = v
	}

	if p.pythonOnly {
		err := p.measurePython(ctx, base, step)
		step("done")
		return err
	}

	// A first visit each round: a new browser context has an empty cache.
	for r := range many {
		step("first visit %d/%d", r+1, many)
		nav, err := firstVisit(ctx, base+"/lessons/01-time")
		if err != nil {
			return fmt.Errorf("first visit: %w", err)
		}
		add("interactive", nav.Interactive)
		add("dcl", nav.DCL)
		if nav.EditorEncoded > 0 {
			add("editor", nav.EditorEncoded/1e3)
			add("editorraw", nav.EditorDecoded/1e3)
		}
		add("editorready", nav.EditorReady)
	}

	// Another site's page that embeds the first lesson's cell, each round in a new browser
	// context too.
	host, stopHost, err := embedHost(base)
	if err != nil {
		return fmt.Errorf("the embedding page: %w", err)
	}
	defer stopHost()
	for r := range many {
		step("embedded cell %d/%d", r+1, many)
		ms, err := embedVisit(ctx, host)
		if err != nil {
			return fmt.Errorf("embedded cell: %w", err)
		}
		add("embedinteractive", ms)
	}

	// The browser has the page's files now. Each round loads the page again, runs the cell
	// (the first run after load), then runs it again (the page has run something already).
	for r := range many {
		step("precompiled cell %d/%d", r+1, many)
		if err := openLesson(ctx, base+"/lessons/01-time"); err != nil {
			return err
		}
		for _, key := range []string{"afterload", "precompiled"} {
			run, err := runCell(ctx, 0)
			if err != nil {
				return fmt.Errorf("precompiled cell: %w", err)
			}
			add(key, run.First)
		}
	}

	// Edits no build has seen before: a comment that names this run and round.
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, lesson := range []struct{ slug, key string }{{"01-time", "edited"}, {"06-http-library", "editedhttp"}} {
		if err := openLesson(ctx, base+"/lessons/"+lesson.slug); err != nil {
			return err
		}
		for r := range many {
			step("edited cell of %s %d/%d", lesson.slug, r+1, many)
			if err := editCell(ctx, 0, fmt.Sprintf("\n// bench edit %s-%d\n", tag, r)); err != nil {
				return err
			}
			run, err := runCell(ctx, 0)
			if err != nil {
				return fmt.Errorf("edited cell of %s: %w", lesson.slug, err)
			}
			add(lesson.key, run.First)
			if lesson.key != "editedhttp" {
				continue
			}
			add("build", run.Build)
			add("fetched", run.Ready-run.Build)
			add("started", run.First-run.Ready)
			if run.Wasm.TransferSize > 0 { // a fresh download, not the cache
				add("wasmwire", float64(run.Wasm.TransferSize)/1e6)
				add("wasmbody", float64(run.Wasm.EncodedBodySize)/1e6)
				add("wasmdecoded", float64(run.Wasm.DecodedBodySize)/1e6)
			}
		}
	}

	// The download, in the first lesson's page: the program, fetch() and the source alone,
	// each round.
	web, err := webLabAddr(base)
	if err != nil {
		return err
	}
	if err := openLesson(ctx, base+"/lessons/01-time"); err != nil {
		return err
	}
	if err := setCell(ctx, 0, downloadProgram); err != nil {
		return err
	}
	const total = downloadPiece * downloadCount
	for r := range rounds {
		step("download %d/%d", r+1, rounds)
		run, err := runCell(ctx, 0)
		if err != nil {
			return fmt.Errorf("download program: %w", err)
		}
		m := downloadLine.FindStringSubmatch(run.Console)
		if m == nil {
			return fmt.Errorf("the download program printed %q", run.Console)
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		us, _ := strconv.ParseFloat(m[2], 64)
		if n != total {
			return fmt.Errorf("the download program got %v bytes, want %d", n, total)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[fetchResult](fetchJS, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("fetch(): %w", err)
		}
		if f.Bytes != total {
			return fmt.Errorf("fetch() got %d bytes, want %d", f.Bytes, total)
		}
		direct, err := downloadDirect(web)
		if err != nil {
			return fmt.Errorf("web.lab from Go: %w", err)
		}
		prog, fetched := n/us, float64(f.Bytes)/1e3/f.MS
		add("download", prog)
		add("fetch", fetched)
		add("ratio", prog/fetched)
		add("direct", direct)
	}
	if err := p.measurePython(ctx, base, step); err != nil {
		return fmt.Errorf("Python: %w", err)
	}
	step("done")
	return nil
}

// openLesson loads a lesson page and waits until it is interactive.
func openLesson(ctx context.Context, url string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return err
	}
	_, err := waitInteractive(ctx)
	return err
}

// webLabAddr asks the lab where web.lab really listens.
func webLabAddr(base string) (string, error) {
	resp, err := http.Get(base + "/labs.json")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var svcs []struct{ Name, Proto, Listen string }
	if err := json.NewDecoder(resp.Body).Decode(&svcs); err != nil {
		return "", fmt.Errorf("/labs.json: %w", err)
	}
	for _, s := range svcs {
		if s.Name == "web.lab" && s.Proto == "tcp" {
			return s.Listen, nil
		}
	}
	return "", errors.New("/labs.json lists no web.lab")
}

// downloadDirect fetches the download's pieces from web.lab with a Go client on loopback, no
// gateway and no browser between: what the source itself gives, in MB/s.
func downloadDirect(addr string) (float64, error) {
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	start := time.Now()
	var total int64
	for range downloadCount {
		req, err := http.NewRequest("GET", fmt.Sprintf("http://%s/range/%d", addr, downloadPiece), nil)
		if err != nil {
			return 0, err
		}
		req.Host = "web.lab"
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		total += n
	}
	if total != downloadPiece*downloadCount {
		return 0, fmt.Errorf("got %d bytes, want %d", total, downloadPiece*downloadCount)
	}
	return float64(total) / 1e6 / time.Since(start).Seconds(), nil
}

// navResult is what a page load took, in ms from navigation start.
type navResult struct {
	Program     bool    `json:"program"`
	Worker      bool    `json:"worker"`
	Interactive float64 `json:"interactive"`
	DCL         float64 `json:"dcl"`
	Load        float64 `json:"load"`
	// The editor's scripts (editor.js, codemirror*.js) the page loaded by then: bodies as
	// sent (gzip) and as decoded, in bytes.
	EditorEncoded float64 `json:"editorEncoded"`
	EditorDecoded float64 `json:"editorDecoded"`
	// EditorReady is when the first cell's editor was in place (socketlab:editor), ms from
	// navigation start; the cells work before it, on their text areas.
	EditorReady float64 `json:"editorReady"`
}

// waitInteractive waits for the page to set socketlab:interactive and returns its timings.
func waitInteractive(ctx context.Context) (navResult, error) {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	const ready = `performance.getEntriesByName("socketlab:interactive").length > 0`
	for try := 0; ; try++ {
		_, err := chromedp.Run(wctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(0)))
		if err == nil {
			break
		}
		// A poll that starts while the page is still being replaced finds no context to run
		// in; it is asked again in the new page.
		if try < 3 && strings.Contains(err.Error(), "Cannot find context") {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		return navResult{}, fmt.Errorf("waiting for the page to set socketlab:interactive: %w", err)
	}
	// The load event may come after interactive (images, fonts); its timing is read then.
	const js = `new Promise((resolve) => {
		const read = () => {
			const nav = performance.getEntriesByType("navigation")[0];
			const editorMark = performance.getEntriesByName("socketlab:editor")[0];
			if (!nav.loadEventEnd || !editorMark) { setTimeout(read, 10); return; }
			const mark = performance.getEntriesByName("socketlab:interactive")[0];
			const editor = performance.getEntriesByType("resource").filter((e) => /\/static\/(editor|codemirror|pyerrors)[^/]*\.js/.test(e.name));
			resolve({
				editorReady: editorMark.startTime,
				editorEncoded: editor.reduce((n, e) => n + e.encodedBodySize, 0),
				editorDecoded: editor.reduce((n, e) => n + e.decodedBodySize, 0),
				program: !!(mark.detail && mark.detail.program),
				worker: !!(mark.detail && mark.detail.worker),
				interactive: mark.startTime,
				dcl: nav.domContentLoadedEventEnd,
				load: nav.loadEventEnd,
			});
		};
		read();
	})`
	nav, err := chromedp.Run(wctx, chromedp.Evaluate[navResult](js, chromedp.EvalAwaitPromise))
	if err == nil && (!nav.Program || !nav.Worker) {
		err = fmt.Errorf("the page became interactive without its first program ready (program compiled: %v, worker ready: %v)", nav.Program, nav.Worker)
	}
	return nav, err
}

// firstVisit opens url in a new browser context (no cache, no storage) and returns when the
// page is interactive.
func firstVisit(ctx context.Context, url string) (navResult, error) {
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return navResult{}, err
	}
	return waitInteractive(tctx)
}

// resourceTiming is the part of a PerformanceResourceTiming the benchmark reads.
type resourceTiming struct {
	Name            string  `json:"name"`
	TransferSize    int64   `json:"transferSize"`
	EncodedBodySize int64   `json:"encodedBodySize"`
	DecodedBodySize int64   `json:"decodedBodySize"`
	Duration        float64 `json:"duration"`
}

// cellRun is one run of a cell, times in ms from the Run click.
type cellRun struct {
	First   float64        `json:"first"`   // the first output
	Build   float64        `json:"build"`   // the answer of /api/build, when asked
	Ready   float64        `json:"ready"`   // the program compiled, going to its worker
	Console string         `json:"console"` // what the console shows at the end
	Wasm    resourceTiming `json:"wasm"`    // the program's download, when the page made one
}

// runCell clicks Run on the i-th cell, waits for the run to end and reads its marks.
func runCell(ctx context.Context, i int) (cellRun, error) {
	cell := fmt.Sprintf(`document.querySelectorAll("section.cell")[%d]`, i)
	clear := `(() => { for (const n of ["socketlab:run", "socketlab:first-output", "socketlab:exit"]) performance.clearMarks(n);
		performance.clearResourceTimings(); return true; })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](clear)); err != nil {
		return cellRun{}, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(cell+`.querySelector("button.run")`))); err != nil {
		return cellRun{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	done := cell + `.dataset.state !== "compiling" && ` + cell + `.dataset.state !== "running"`
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](done, chromedp.WithPollingTimeout(0))); err != nil {
		return cellRun{}, fmt.Errorf("waiting for the run to end: %w", err)
	}
	js := `(() => {
		const cell = ` + cell + `;
		const t = (n) => { const e = performance.getEntriesByName(n); return e.length ? e[e.length - 1].startTime : -1; };
		const run = t("socketlab:run");
		const first = t("socketlab:first-output");
		const ready = t("socketlab:program-ready");
		const res = performance.getEntriesByType("resource");
		const build = res.filter((e) => e.name.endsWith("/api/build")).pop();
		const wasm = res.filter((e) => e.name.endsWith(".wasm")).pop();
		return {
			state: cell.dataset.state,
			first: first >= 0 ? first - run : -1,
			build: build ? build.responseEnd - run : -1,
			ready: ready >= 0 ? ready - run : -1,
			console: cell.querySelector(".console").textContent,
			wasm: wasm ? wasm.toJSON() : {},
		};
	})()`
	var out struct {
		cellRun
		State string `json:"state"`
	}
	out2, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
	if err != nil {
		return cellRun{}, err
	}
	if err := json.Unmarshal(out2, &out); err != nil {
		return cellRun{}, err
	}
	if out.State != "exited" || !strings.Contains(out.Console, "exit status 0") {
		return cellRun{}, fmt.Errorf("the run ended %s: %q", out.State, out.Console)
	}
	if out.First < 0 {
		return cellRun{}, fmt.Errorf("the page set no socketlab:first-output mark: %q", out.Console)
	}
	return out.cellRun, nil
}

// setCell replaces the i-th cell's code as if typed.
func setCell(ctx context.Context, i int, code string) error {
	js := fmt.Sprintf(`(() => { const ta = document.querySelectorAll("section.cell")[%d].querySelector("textarea.code");
		ta.value = %s; ta.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, i, strconv.Quote(code))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	return err
}

// editCell appends text to the i-th cell's original code.
func editCell(ctx context.Context, i int, text string) error {
	js := fmt.Sprintf(`(() => { const ta = document.querySelectorAll("section.cell")[%d].querySelector("textarea.code");
		ta.value = ta.defaultValue + %s; ta.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, i, strconv.Quote(text))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	return err
}

type fetchResult struct {
	Bytes int64   `json:"bytes"`
	MS    float64 `json:"ms"`
}

// fetchJS is the browser's side of the download: the same requests, one after another.
var fetchJS = fmt.Sprintf(`(async () => {
	const start = performance.now();
	let bytes = 0;
	for (let i = 0; i < %d; i++) {
		const resp = await fetch(%q, { cache: "no-store" });
		if (!resp.ok) throw new Error("fetch: HTTP " + resp.status);
		bytes += (await resp.arrayBuffer()).byteLength;
	}
	return { bytes, ms: performance.now() - start };
})()`, downloadCount, benchWebPath+strconv.Itoa(downloadPiece))

func (p *pageResult) print(w io.Writer) {
	fmt.Fprintf(w, "\n## The page\n\n%s (headless); %d rounds (the download %d); each cell is the median [min–max]. "+
		"The download fetches %d × %d KiB, one after another.\n\n", p.browser, p.many, p.rounds, downloadCount, downloadPiece>>10)
	fmt.Fprintln(w, "| figure | measured | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	cell := func(f figure, format string) string {
		if len(f) == 0 {
			return "—"
		}
		return fmt.Sprintf(format+" ["+format+"–"+format+"]", median(f), slices.Min(f), slices.Max(f))
	}
	rows := pageRows
	if p.pythonOnly {
		rows = nil
	}
	for _, row := range append(slices.Clip(rows), pythonRows...) {
		f := p.figs[row.key]
		v := cell(f, row.format)
		if row.key == "wasmbody" && len(f) > 0 && len(p.figs["wasmdecoded"]) > 0 {
			v = fmt.Sprintf(row.format+" / "+row.format, median(f), median(p.figs["wasmdecoded"]))
		}
		met := ""
		if row.met != nil && len(f) > 0 {
			met = "no"
			if row.met(median(f)) {
				met = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row.label, v, row.target, met)
	}
}
