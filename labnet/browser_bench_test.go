//go:build !js

package labnet

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/gateway/relay"
	"socketlab/internal/browser"
)

// BenchmarkBrowserDownload runs a program in headless Chromium, in the page's own worker
// (static/worker.js), that downloads 50 MiB from web.lab over net/http, and reports how fast
// the bytes came: the js/wasm runtime end to end, WebSocket and all. For comparison it also
// reports the browser's own fetch() of the same bytes straight from web.lab's real port.
// Each round is one whole download; the program times itself, so compiling and starting
// the worker are left out. It needs Chromium (see internal/browser).
func BenchmarkBrowserDownload(b *testing.B) {
	ctx := browser.New(b)
	s, err := gateway.New(&gateway.Options{
		CacheDir: b.TempDir(),
		Limits:   relay.Limits{BytesPerSecond: -1, BytesPerSecondPerClient: -1, BytesPerSession: -1},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	// A page of our own, without the gateway's Content-Security-Policy, so that its fetch()
	// may reach web.lab's port; everything else is the gateway.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bench" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>bench</title>"))
			return
		}
		s.ServeHTTP(w, r)
	}))
	b.Cleanup(ts.Close)
	web, _, ok := s.Lab.Resolve("tcp", "web.lab", 80)
	if !ok {
		b.Fatal("web.lab:80 is not running")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/bench")); err != nil {
		b.Fatal(err)
	}

	const (
		piece  = 256 << 10 // the most web.lab's /bytes serves at once
		pieces = 200       // 50 MiB
	)
	program := `package main

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

func main() {
	start := time.Now()
	var total int64
	for range ` + strconv.Itoa(pieces) + ` {
		resp, err := http.Get("http://web.lab/bytes/` + strconv.Itoa(piece) + `")
		if err != nil {
			fmt.Println(err)
			return
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		total += n
	}
	fmt.Printf("%d %d\n", total, time.Since(start).Microseconds())
}
`
	build := `(async () => {
		const r = await fetch('/api/build', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source: ` + strconv.Quote(program) + `})});
		const b = await r.json();
		if (!b.ok) throw new Error(JSON.stringify(b));
		window.benchWasm = b.wasm;
		return b.wasm;
	})()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](build, chromedp.EvalAwaitPromise)); err != nil {
		b.Fatal(err)
	}
	// run answers "bytes micros" from the program's output.
	run := `(async () => {
		const w = new Worker('/static/worker.js', {type: 'module'});
		let out = '';
		const done = new Promise((resolve, reject) => {
			w.onmessage = (e) => {
				const m = e.data;
				if (m.type === 'stdout') out += m.text;
				if (m.type === 'exit') resolve(out);
				if (m.type === 'error') reject(new Error(m.message));
			};
		});
		w.postMessage({type: 'run', wasm: window.benchWasm, args: [], gateway: 'ws://' + location.host + '/ws?learner=benchdownload'});
		try { return await done; } finally { w.terminate(); }
	})()`
	fetchJS := `(async () => {
		const start = performance.now();
		let total = 0;
		for (let i = 0; i < ` + strconv.Itoa(pieces) + `; i++) {
			const r = await fetch('http://` + web + `/bytes/` + strconv.Itoa(piece) + `');
			total += (await r.arrayBuffer()).byteLength;
		}
		return total + ' ' + Math.round((performance.now() - start) * 1000);
	})()`
	measure := func(b *testing.B, js string) {
		var bytes, micros float64
		for b.Loop() {
			out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
			if err != nil {
				b.Fatal(err)
			}
			var n, us int64
			if _, err := fmt.Sscan(out, &n, &us); err != nil || n != piece*pieces {
				b.Fatalf("the download answered %q, want %d bytes and a time", out, piece*pieces)
			}
			bytes += float64(n)
			micros += float64(us)
		}
		b.ReportMetric(bytes/micros, "MB/s")
	}
	b.Run("program", func(b *testing.B) { measure(b, run) })
	b.Run("fetch", func(b *testing.B) { measure(b, fetchJS) })
}
