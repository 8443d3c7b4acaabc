package main

// The size of an embedded cell before its first Run: what a host page loads, beside its own
// HTML, between the embed snippet and a cell whose Run starts a program at once. Measured on
// the assets as the gateway serves them (minified, static.Assets), each gzipped as a
// compressing server or proxy would send it (the gateway itself does not compress them).

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/gateway/build"
	"socketlab/lessons"
	"socketlab/static"
)

// importOf finds a module's versioned imports of its neighbours (static.Assets writes them);
// the first group is set for a dynamic import, import("./x.js?v=..."), which loads later, on
// demand (the editor, CodeMirror, when a reader first touches the code).
var importOf = regexp.MustCompile(`(\bimport\s*\(\s*)?"\./([A-Za-z0-9_.-]+\.js)\?v=[0-9a-f]+"`)

// embedFiles is every asset loaded before the first Run: the loader, the modules it imports
// statically (directly or not), the cell's two stylesheets, the gateway frame's script, and
// the program's worker with everything it imports. The assets are measured as the gateway
// serves them, minified.
func embedFiles(assets map[string]static.Asset) ([]string, error) {
	seen := map[string]bool{}
	var walk func(name string) error
	walk = func(name string) error {
		if seen[name] {
			return nil
		}
		a, ok := assets[name]
		if !ok {
			return fmt.Errorf("the embed loads %s, which is not an asset", name)
		}
		seen[name] = true
		for _, m := range importOf.FindAllSubmatch(a.Body, -1) {
			if len(m[1]) > 0 {
				continue
			}
			if err := walk(string(m[2])); err != nil {
				return err
			}
		}
		return nil
	}
	for _, root := range []string{"embed.js", "embed-main.js", "style.css", "embed.css", "embed-frame.js", "worker.js"} {
		if err := walk(root); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// embedSize returns the files embedFiles names and their total size, plain and gzipped.
func embedSize() (files []string, plain, gz int, err error) {
	goroot, err := build.GOROOT()
	if err != nil {
		return nil, 0, 0, err
	}
	wasmExec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, 0, 0, err
	}
	assets, err := static.Assets(map[string][]byte{"wasm_exec.js": wasmExec})
	if err != nil {
		return nil, 0, 0, err
	}
	files, err = embedFiles(assets)
	if err != nil {
		return nil, 0, 0, err
	}
	for _, f := range files {
		body := assets[f].Body
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
		w.Write(body)
		w.Close()
		plain += len(body)
		gz += b.Len()
	}
	return files, plain, gz, nil
}

// embedSection prints the embed's size as a table of its own.
func embedSection(w io.Writer) {
	files, plain, gz, err := embedSize()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: the embed's size:", err)
		return
	}
	met := "no"
	if gz <= 60*1000 {
		met = "yes"
	}
	fmt.Fprintf(w, "\n## An embedded cell before its first Run\n\n%d files: %v\n\n", len(files), files)
	fmt.Fprintln(w, "| figure | measured | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	fmt.Fprintf(w, "| embed.js and what it loads, gzipped (KB) | %.1f | ≤ 60 | %s |\n", float64(gz)/1000, met)
	fmt.Fprintf(w, "| … the same, plain (KB) | %.1f | | |\n", float64(plain)/1000)
}

// embedHost serves, on another port of loopback (another origin than the lab's), a plain
// page that embeds the first lesson's first cell with the snippet, and returns its URL. The
// benchmark's gateway lists 127.0.0.1:* with --origin (serveLab).
func embedHost(base string) (string, func(), error) {
	ls, err := lessons.Default()
	if err != nil {
		return "", nil, err
	}
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A host page</title>
<script src="` + base + `/embed.js" defer></script></head><body><h1>A host page</h1>
<pre data-socketlab>` + html.EscapeString(ls[0].Cells[0].Source) + `</pre></body></html>`
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	return "http://" + l.Addr().String() + "/", func() { srv.Close() }, nil
}

// embedVisit opens url, a host page with an embedded cell, in a new browser context (no
// cache) and returns when its cell is interactive (embed-main.js's socketlab:interactive: the
// cell drawn and a worker waiting in the gateway's frame), in ms from navigation start.
func embedVisit(ctx context.Context, url string) (float64, error) {
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return 0, err
	}
	wctx, cancel2 := context.WithTimeout(tctx, 30*time.Second)
	defer cancel2()
	const ready = `performance.getEntriesByName("socketlab:interactive").length > 0`
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(0))); err != nil {
		return 0, fmt.Errorf("waiting for the embedded cell to be interactive: %w", err)
	}
	mark, err := chromedp.Run(wctx, chromedp.Evaluate[struct {
		StartTime float64 `json:"startTime"`
		Worker    bool    `json:"worker"`
	}](`(() => { const m = performance.getEntriesByName("socketlab:interactive")[0]; return {startTime: m.startTime, worker: !!(m.detail && m.detail.worker)}; })()`))
	if err != nil {
		return 0, err
	}
	if !mark.Worker {
		return 0, errors.New("the embedded cell became interactive without a worker in the gateway's frame")
	}
	return mark.StartTime, nil
}
