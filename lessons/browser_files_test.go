package lessons_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"socketlab/lessons"
)

// filesOutput is what internal/runner/testdata/files.go prints in a fresh file system; the
// same program prints the same under socketlab run (internal/cli's TestRun).
const filesOutput = `files at the start: 0
notes/a.txt: "first\nsecond\n"
removed: true
open missing.txt: no such file or directory
remove notes: directory not empty
hello.txt false
notes true
`

// fullDisk writes 5 MiB in a page that keeps 4 MiB of files.
const fullDisk = `package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func main() {
	f, err := os.Create("big.bin")
	if err != nil {
		panic(err)
	}
	n, err := f.Write(make([]byte, 5<<20))
	fmt.Println(n, err, errors.Is(err, syscall.ENOSPC))
	f.Close()
	os.Remove("big.bin")
	fmt.Println(os.WriteFile("small.txt", []byte("room again\n"), 0o644))
}
`

// workerRun is what a program run straight in a worker did: its output and the files it
// left (as the page would list them), and the worker's fs-full reports.
type workerRun struct {
	Stdout string            `json:"stdout"`
	Files  map[string]string `json:"files"`
	Full   []map[string]int  `json:"full"`
	Exit   *int              `json:"exit"`
}

// runInWorker builds src and runs it in a worker of the page, as worker.js's contract says.
func runInWorker(t *testing.T, p *page, src string) workerRun {
	t.Helper()
	js := `(async () => {
		const b = await (await fetch('/api/build', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source: ` + strconv.Quote(src) + `})})).json();
		if (!b.ok) return JSON.stringify({stdout: 'build failed: ' + JSON.stringify(b)});
		const w = new Worker(document.body.dataset.worker || '/static/worker.js', {type: 'module'});
		const r = {stdout: '', files: {}, full: [], exit: null};
		await new Promise((resolve) => {
			w.onmessage = (e) => {
				const m = e.data;
				if (m.type === 'stdout' || m.type === 'stderr') r.stdout += m.text;
				if (m.type === 'file') r.files[m.path] = new TextDecoder().decode(m.data);
				if (m.type === 'file-removed') delete r.files[m.path];
				if (m.type === 'fs-full') r.full.push({bytes: m.bytes, files: m.files});
				if (m.type === 'exit') r.exit = m.code;
				if (m.type === 'exit' || m.type === 'error') resolve();
				if (m.type === 'error') r.stdout += 'error: ' + m.message;
			};
			w.postMessage({type: 'run', wasm: b.wasm, args: [], gateway: 'ws://' + location.host + '/ws?learner=filestest1', step: false});
		});
		w.terminate();
		return JSON.stringify(r);
	})()`
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Minute)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var r workerRun
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r
}

// filesInPage checks the page's file system: a program that works with files prints what
// it prints natively and leaves the same files, a full disk fails a write with ENOSPC, and
// the FTP retriever's "-l hello.c" saves the file, listed under the console to download.
func filesInPage(t *testing.T, p *page, base string, ftp *lessons.Lesson) {
	p.open(base + "/lessons/" + ftp.Slug)
	src, err := os.ReadFile("../internal/runner/testdata/files.go")
	if err != nil {
		t.Fatal(err)
	}
	r := runInWorker(t, p, string(src))
	if r.Stdout != filesOutput || r.Exit == nil || *r.Exit != 0 {
		t.Errorf("files.go in the page printed (exit %v):\n%s\nwant:\n%s", showExit(r.Exit), r.Stdout, filesOutput)
	}
	if want := map[string]string{"hello.txt": "hello\n", "notes/a.txt": "first\nsecond\n"}; !maps.Equal(r.Files, want) {
		t.Errorf("files.go left %q in the page, want %q", r.Files, want)
	}

	r = runInWorker(t, p, fullDisk)
	if want := "4194304 write big.bin: no space left on device true\n<nil>\n"; r.Stdout != want {
		t.Errorf("writing 5 MiB in the page printed:\n%s\nwant:\n%s", r.Stdout, want)
	}
	if len(r.Full) != 1 || r.Full[0]["bytes"] != 4<<20 {
		t.Errorf("the worker reported a full disk %v, want once with 4 MiB", r.Full)
	}
	if want := map[string]string{"small.txt": "room again\n"}; !maps.Equal(r.Files, want) {
		t.Errorf("after the full disk the page keeps %q, want %q", r.Files, want)
	}

	// The FTP retriever cell, through the page: Run with -l hello.c.
	var cell *lessons.Cell
	var save, show lessons.Run
	for i := range ftp.Cells {
		c := &ftp.Cells[i]
		for _, run := range c.Runs {
			if slices.Contains(run.Args, "hello.c") {
				cell, save = c, run
			}
			if slices.Contains(run.Args, "-") && strings.HasSuffix(strings.Join(run.Args, " "), "hello.c -l -") {
				show = run
			}
		}
	}
	if cell == nil || show.Output == "" {
		t.Fatal("no cell in the FTP lesson saves hello.c and shows it with -l -")
	}
	p.start(cell, save)
	got := p.finished(cell.ID, 2*time.Minute)
	checkPageRun(t, "the FTP retriever with -l hello.c", save, got, false)
	c := cellSel(cell.ID)
	p.wait("the file list", c+`.querySelector('.files li.file') !== null`, 10*time.Second)
	listed, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => {
		const box = `+c+`.querySelector('.files');
		const out = [box.hidden ? 'hidden' : 'shown', box.querySelector('.head').textContent];
		for (const li of box.querySelectorAll('li.file')) {
			out.push(li.dataset.path + ' ' + li.dataset.size + ' ' + li.querySelector('a').download + ' ' + li.textContent);
		}
		return out.join('\n');
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "shown\nThe program wrote 1 file (kept until the next run):\nhello.c 120 hello.c hello.c120 bytes"; listed != want {
		t.Errorf("under the console the page lists:\n%s\nwant:\n%s", listed, want)
	}
	// Download it, as a learner clicking the name does: the file is what -l - shows.
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	p.eval(c + `.querySelector('.files li.file a').click()`)
	var saved []byte
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, "hello.c")); err == nil && len(b) == 120 {
			saved = b
			break
		}
	}
	if string(saved) != show.Output {
		t.Errorf("the downloaded hello.c holds %q, want what -l - prints:\n%s", saved, show.Output)
	}
	p.screenshot(c+`.querySelector('.files')`, "files.png")

	// The next run starts with no files.
	p.start(cell, show)
	p.finished(cell.ID, 2*time.Minute)
	if n, _ := chromedp.Run(p.ctx, chromedp.Evaluate[int](c+`.querySelectorAll('.files li.file').length`)); n != 0 {
		t.Errorf("a run that wrote no file still lists %d", n)
	}
}
