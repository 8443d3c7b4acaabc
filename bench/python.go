package main

// Python in the page (docs/python.md), measured in the same Chromium and lab as the page's
// other figures, in a lesson of the benchmark's own (pythonLesson, which the lab serves
// beside the built-in ones):
//
//	runtime       what a first visit downloads to run Python, compressed as sent: Pyodide,
//	              the lab's socket module and the page's Python scripts (the gateway's gzip
//	              bodies, asked for as the browser asks; the worker's downloads are not in
//	              the page's resource timing)
//	interactive   the lesson, whose first cell is in Python, until socketlab:interactive (its
//	              Python worker has loaded Pyodide and imported socket): a first visit (new
//	              browser context) and a visit with everything cached
//	first output  the Python time client, Run → its first line, on a page that is
//	              interactive (its workers loaded and waiting)
//	ping-pong     64 bytes to echo.lab and back, one round trip at a time: the Python
//	              program's cost per round trip against the same program in Go, in the
//	              same page and run
//	download      a Python program (http.client, one kept-alive connection) fetching 50 MiB
//	              from web.lab, against the browser's fetch() of the same bytes

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

const pingRounds = 2000

var pythonLesson = fmt.Sprintf("---\ntitle: Python, measured\nsummary: The benchmark's Python cells.\norder: 999\n---\n\n"+
	"## Time\n\n```python run\n%s```\n\n## Ping-pong in Python\n\n```python run id=pyping\n%s```\n\n"+
	"## Ping-pong in Go\n\n```go run id=goping\n%s```\n\n## Download\n\n```python run id=pydownload\n%s```\n",
	pyTimeClient, pyPing, goPing, pyDownload)

const pyTimeClient = `import socket
import struct
import time

with socket.create_connection(("time.lab", 37)) as s:
    data = b""
    while len(data) < 4:
        chunk = s.recv(4 - len(data))
        if not chunk:
            break
        data += chunk
t = struct.unpack("!I", data)[0] - 2208988800
print("server time is", time.ctime(t))
`

var pyPing = fmt.Sprintf(`import socket
import time

s = socket.create_connection(("echo.lab", 7))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg = b"x" * 64


def ping(n):
    for _ in range(n):
        s.sendall(msg)
        got = 0
        while got < 64:
            got += len(s.recv(64 - got))


ping(50)
start = time.perf_counter()
ping(%d)
print("round trip %%.1f us" %% ((time.perf_counter() - start) * 1e6 / %d))
`, pingRounds, pingRounds)

var goPing = fmt.Sprintf(`package main

import (
	"fmt"
	"io"
	"net"
	"time"
)

func main() {
	c, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		panic(err)
	}
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	ping := func(n int) {
		for i := 0; i < n; i++ {
			c.Write(msg)
			if _, err := io.ReadFull(c, buf); err != nil {
				panic(err)
			}
		}
	}
	ping(50)
	start := time.Now()
	ping(%d)
	fmt.Printf("round trip %%.1f us\n", float64(time.Since(start).Microseconds())/%d)
}
`, pingRounds, pingRounds)

var pyDownload = fmt.Sprintf(`import http.client
import time

start = time.perf_counter()
total = 0
c = http.client.HTTPConnection("web.lab", 80)
for _ in range(%d):
    c.request("GET", "/range/%d")
    r = c.getresponse()
    total += len(r.read())
c.close()
print("downloaded %%d bytes in %%d us" %% (total, (time.perf_counter() - start) * 1e6))
`, downloadCount, downloadPiece)

var roundTrip = regexp.MustCompile(`round trip ([\d.]+) us`)

// benchLessons are the built-in lessons and the benchmark's Python lesson.
func benchLessons() ([]*lessons.Lesson, error) {
	ls, err := lessons.Default()
	if err != nil {
		return nil, err
	}
	py, err := lessons.Load(fstest.MapFS{"bench-python.md": {Data: []byte(pythonLesson)}})
	if err != nil {
		return nil, fmt.Errorf("the benchmark's Python lesson: %w", err)
	}
	return append(ls, py...), nil
}

var pythonRows = []pageRow{
	{"pyruntime", "Python runtime a first visit downloads, compressed (MB)", "%.2f", "", nil},
	{"pyruntimeraw", "… uncompressed (MB)", "%.2f", "", nil},
	{"pycold", "Python lesson interactive, first visit (ms from navigation start)", "%.0f", "", nil},
	{"pywarm", "… cached visit (ms from navigation start)", "%.0f", "", nil},
	{"pyfirst", "Python time client, Run → first line, warm page (ms)", "%.0f", "≤ 1500", func(v float64) bool { return v <= 1500 }},
	{"pyping", "64-byte ping-pong with echo.lab, Python (µs a round trip)", "%.0f", "", nil},
	{"goping", "… Go, same page (µs a round trip)", "%.0f", "", nil},
	{"pingratio", "… Python / Go", "%.2f", "≤ 2", func(v float64) bool { return v <= 2 }},
	{"pydownload", "Python program downloading 50 MiB from web.lab (MB/s)", "%.1f", "", nil},
	{"pyfetch", "… the browser's fetch() of the same bytes (MB/s)", "%.1f", "", nil},
	{"pyratio", "… Python / fetch()", "%.2f", "≥ 0.30", func(v float64) bool { return v >= 0.3 }},
}

// runtimeSize is what the browser downloads to run Python, asked for as it asks (gzip).
func runtimeSize(base string) (wire, raw float64, err error) {
	get := func(path string) ([]byte, int64, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			return nil, 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, 0, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		b, err := io.ReadAll(resp.Body)
		return b, int64(len(b)), err
	}
	paths, _, err := get("/static/python-paths.js")
	if err != nil {
		return 0, 0, err
	}
	m := regexp.MustCompile(`runtime = "(/pyodide/[0-9a-f]+/)"`).FindSubmatch(paths)
	if m == nil {
		return 0, 0, fmt.Errorf("the gateway serves no Python runtime (make pyodide): %s", paths)
	}
	var files []string
	for _, f := range []string{"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "socketlab-python.zip"} {
		files = append(files, string(m[1])+f)
	}
	for _, f := range []string{"python-run.js", "python-ring.js", "python-worker.js", "python-net.js", "python-paths.js"} {
		files = append(files, "/static/"+f)
	}
	for _, f := range files {
		_, n, err := get(f)
		if err != nil {
			return 0, 0, err
		}
		wire += float64(n)
		req, _ := http.NewRequest("GET", base+f, nil)
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			return 0, 0, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		raw += float64(len(b))
	}
	return wire, raw, nil
}

// measurePython adds the Python figures (pythonRows) to p.
func (p *pageResult) measurePython(ctx context.Context, base string, step func(string, ...any)) error {
	add := func(key string, v float64) { p.figs[key] = append(p.figs[key], v) }
	page := base + "/lessons/bench-python"
	wire, raw, err := runtimeSize(base)
	if err != nil {
		return err
	}
	add("pyruntime", wire/1e6)
	add("pyruntimeraw", raw/1e6)

	for r := range p.many {
		step("Python lesson, first visit and cached %d/%d", r+1, p.many)
		tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		for i, key := range []string{"pycold", "pywarm"} {
			if err := chromedp.Do(tctx, chromedp.Navigate(page)); err != nil {
				cancel()
				return err
			}
			nav, err := waitInteractive(tctx)
			if err != nil {
				cancel()
				return fmt.Errorf("Python lesson, visit %d: %w", i+1, err)
			}
			add(key, nav.Interactive)
		}
		cancel()
	}

	for r := range p.many {
		step("Python time client %d/%d", r+1, p.many)
		if err := openLesson(ctx, page); err != nil {
			return err
		}
		run, err := runCell(ctx, 0)
		if err != nil {
			return fmt.Errorf("Python time client: %w", err)
		}
		add("pyfirst", run.First)
	}

	if err := openLesson(ctx, page); err != nil {
		return err
	}
	for r := range p.rounds {
		step("ping-pong, Python and Go %d/%d", r+1, p.rounds)
		var us [2]float64
		for i, cell := range []int{1, 2} {
			// Each run waits for the spare workers the last one left, as a learner would.
			if err := waitSpare(ctx, cell); err != nil {
				return err
			}
			run, err := runCell(ctx, cell)
			if err != nil {
				return fmt.Errorf("ping-pong cell %d: %w", cell, err)
			}
			m := roundTrip.FindStringSubmatch(run.Console)
			if m == nil {
				return fmt.Errorf("the ping-pong cell %d printed %q", cell, run.Console)
			}
			us[i], _ = strconv.ParseFloat(m[1], 64)
		}
		add("pyping", us[0])
		add("goping", us[1])
		add("pingratio", us[0]/us[1])
	}

	const total = downloadPiece * downloadCount
	for r := range p.rounds {
		step("Python download %d/%d", r+1, p.rounds)
		if err := waitSpare(ctx, 3); err != nil {
			return err
		}
		run, err := runCell(ctx, 3)
		if err != nil {
			return fmt.Errorf("Python download: %w", err)
		}
		m := downloadLine.FindStringSubmatch(run.Console)
		if m == nil {
			return fmt.Errorf("the Python download printed %q", run.Console)
		}
		n, _ := strconv.ParseFloat(m[1], 64)
		us, _ := strconv.ParseFloat(m[2], 64)
		if n != total {
			return fmt.Errorf("the Python download got %v bytes, want %d", n, total)
		}
		f, err := chromedp.Run(ctx, chromedp.Evaluate[fetchResult](fetchJS, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("fetch(): %w", err)
		}
		prog, fetched := n/us, float64(f.Bytes)/1e3/f.MS
		add("pydownload", prog)
		add("pyfetch", fetched)
		add("pyratio", prog/fetched)
	}
	return nil
}

// waitSpare waits until cell i can start at once: for a Python cell, its spare workers have
// loaded (prepare resolves); a Go cell's worker starts in a moment.
func waitSpare(ctx context.Context, i int) error {
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	js := fmt.Sprintf(`new Promise((resolve) => {
		const cell = document.querySelectorAll("section.cell")[%d];
		if (cell.dataset.lang !== "python") { resolve(true); return; }
		const until = Date.now() + 30000;
		const runs = performance.getEntriesByName("socketlab:run");
		const last = runs.length ? runs[runs.length - 1].startTime : 0;
		const poll = () => {
			const e = performance.getEntriesByName("socketlab:python-spare");
			if (e.length && e[e.length - 1].startTime > last) { resolve(true); return; }
			if (Date.now() > until) { resolve(false); return; }
			setTimeout(poll, 20);
		};
		poll();
	})`, i)
	_, err := chromedp.Run(wctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise))
	return err
}
