package main

// The first start on a fresh machine: a gateway whose Go build cache is empty (its own
// XDG_CACHE_HOME in a temporary directory, removed after; the shared caches are not touched),
// timed from the moment it prints its URL, as `make run` shows it, to the first lesson's Run
// answering in Chromium, and then to every lesson cell compiled. The gateway compiles the first
// lesson's first cell first and alone (gateway.Server.Warm): the packages that cell imports,
// directly or not, and nothing else; the rest of the standard library follows with the other
// cells. A Run pressed meanwhile joins that build and shows its progress.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/internal/browser"
	"socketlab/lessons"
)

// firstStartResult is what one first start showed.
type firstStartResult struct {
	run      time.Duration // URL printed → the first lesson's Run has printed and exited
	all      time.Duration // URL printed → every lesson cell compiled ("lesson cells ready")
	allErr   string        // why all is missing
	page     []string      // the progress texts the cell's status line showed, in order
	terminal []string      // the progress lines the gateway printed until the Run answered
	packages int           // the M of "N of M packages" (what the first cell needed)
	output   string        // what the Run printed
}

// progressLine is the text of the first build's progress, on the page and in the terminal.
var progressLine = regexp.MustCompile(`compiling Go's standard library for WebAssembly, once: (\d+) of (\d+) packages`)

// firstStartSection measures a first start and prints it as a table of its own.
func firstStartSection(w io.Writer, restWithin time.Duration) {
	path := browser.Find()
	if path == "" {
		fmt.Fprintln(os.Stderr, "no Chromium found (apt-get install chromium, or set $CHROMIUM): the first start is left out")
		return
	}
	res, err := firstStart(path, restWithin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: the first start:", err)
		return
	}
	met := "no"
	if res.run <= 30*time.Second {
		met = "yes"
	}
	fmt.Fprintf(w, "\n## The first start, on an empty build cache\n\n")
	fmt.Fprintln(w, "| figure | measured | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|")
	fmt.Fprintf(w, "| URL printed → the first lesson's Run answers (s) | %.1f | ≤ 30 | %s |\n", res.run.Seconds(), met)
	fmt.Fprintf(w, "| … packages compiled for it (its imports, directly or not) | %d | | |\n", res.packages)
	if res.allErr != "" {
		fmt.Fprintf(w, "| URL printed → every lesson cell compiled (s) | %s | | |\n", res.allErr)
	} else {
		fmt.Fprintf(w, "| URL printed → every lesson cell compiled (s) | %.1f | | |\n", res.all.Seconds())
	}
	fmt.Fprintf(w, "| progress texts in the cell's status line / lines in the terminal, until the Run answered | %d / %d | | |\n", len(res.page), len(res.terminal))
	for _, shown := range []struct {
		where string
		texts []string
	}{{"The cell's status line", res.page}, {"The terminal", res.terminal}} {
		var ns []string
		for _, text := range shown.texts {
			if m := progressLine.FindStringSubmatch(text); m != nil {
				ns = append(ns, m[1])
			}
		}
		if len(ns) > 0 {
			fmt.Fprintf(w, "\n%s said \"compiling Go's standard library for WebAssembly, once: N of %d packages\" with N = %s.\n", shown.where, res.packages, strings.Join(shorten(ns, 8), ", "))
		}
	}
}

// shorten keeps the first and last few of a list, with "…" between.
func shorten(list []string, n int) []string {
	if len(list) <= 2*n {
		return list
	}
	return append(append(append([]string{}, list[:n]...), "…"), list[len(list)-n:]...)
}

// firstStart starts a gateway on an empty cache, runs the first lesson's first cell in
// Chromium as soon as the URL is printed, and waits up to restWithin for the rest of the
// lesson cells.
func firstStart(chromium string, restWithin time.Duration) (*firstStartResult, error) {
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "first start: "+format+"\n", args...)
	}
	ls, err := lessons.Default()
	if err != nil {
		return nil, err
	}
	first := ls[0]
	dir, err := os.MkdirTemp("", "socketlab-bench-firststart-")
	if err != nil {
		return nil, err
	}
	defer removeAll(dir)
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve", "classroom", "--")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logf("starting a gateway with an empty build cache in %s", dir)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		in.Close() // the gateway stops when its stdin closes
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()

	// The terminal: the URL, then the progress lines, each with when it came.
	res := &firstStartResult{}
	var mu sync.Mutex
	var term []string // the progress lines so far
	var termAt []time.Duration
	urlc := make(chan string, 1)
	var t0 time.Time
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "socketlab is running: open "); ok {
				mu.Lock()
				t0 = time.Now()
				mu.Unlock()
				urlc <- strings.TrimSuffix(strings.TrimSpace(a), "/")
				continue
			}
			if progressLine.MatchString(line) {
				mu.Lock()
				term = append(term, line)
				termAt = append(termAt, time.Since(t0))
				mu.Unlock()
			}
		}
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errOut)
		closed := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "lesson cells ready") && !closed {
				close(ready)
				closed = true
			}
		}
	}()
	var base string
	select {
	case base = <-urlc:
	case <-time.After(2 * time.Minute):
		return nil, errors.New("the gateway printed no URL within 2 minutes")
	}
	logf("the URL is printed: %s", base)

	profile, err := os.MkdirTemp("", "socketlab-bench-firststart-chromium-")
	if err != nil {
		return nil, err
	}
	defer removeAll(profile)
	bctx, stop, err := browser.Start(chromium, profile, func(string, ...any) {})
	if err != nil {
		return nil, err
	}
	defer stop()
	ctx, cancel := context.WithTimeout(bctx, 15*time.Minute)
	defer cancel()
	cell := `document.querySelector('section.cell')`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/lessons/"+first.Slug)); err != nil {
		return nil, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cell+` && `+cell+`.dataset.state === 'idle'`, chromedp.WithPollingTimeout(0))); err != nil {
		return nil, fmt.Errorf("waiting for the first lesson's cell: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const c = `+cell+`; window.__ran = null;
		c.addEventListener('socketlab:run-finished', (e) => { window.__ran = {state: e.detail.state, exit: e.detail.exit, output: e.detail.output}; }, {once: true});
		c.querySelector('.run').click(); })()`)); err != nil {
		return nil, err
	}
	logf("Run pressed in the first lesson's first cell")
	type ran struct {
		State  string `json:"state"`
		Exit   *int   `json:"exit"`
		Output string `json:"output"`
	}
	var last string
	for {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the first lesson's Run did not answer in 15 minutes; the cell said %q", last)
		}
		st, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			Status string `json:"status"`
			Ran    *ran   `json:"ran"`
		}](`({status: `+cell+`.querySelector('.status').textContent, ran: window.__ran})`))
		if err != nil {
			return nil, err
		}
		if st.Ran != nil {
			mu.Lock()
			res.run = time.Since(t0)
			mu.Unlock()
			if st.Ran.State != "exited" || st.Ran.Exit == nil || *st.Ran.Exit != 0 {
				return nil, fmt.Errorf("the first lesson's Run ended %s (exit %v): %s", st.Ran.State, st.Ran.Exit, st.Ran.Output)
			}
			res.output = st.Ran.Output
			break
		}
		if st.Status != last {
			last = st.Status
			if m := progressLine.FindStringSubmatch(last); m != nil {
				res.page = append(res.page, last)
				res.packages, _ = strconv.Atoi(m[2])
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	logf("the Run answered %.1fs after the URL: %s", res.run.Seconds(), strings.TrimSpace(firstLine(res.output)))
	mu.Lock()
	for i, l := range term {
		logf("terminal at %5.1fs: %s", termAt[i].Seconds(), l)
	}
	res.terminal = append([]string(nil), term...)
	mu.Unlock()

	if restWithin <= 0 {
		res.allErr = "not measured (-first-start-rest 0)"
		return res, nil
	}
	logf("waiting up to %v for the rest of the lesson cells", restWithin)
	select {
	case <-ready:
		mu.Lock()
		res.all = time.Since(t0)
		mu.Unlock()
		logf("every lesson cell compiled %.1fs after the URL", res.all.Seconds())
	case <-time.After(restWithin - min(restWithin, time.Since(t0))):
		res.allErr = fmt.Sprintf("> %.0f", restWithin.Seconds())
	}
	return res, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// removeAll removes a temporary directory, trying again while a process that just ended may
// still be writing into it.
func removeAll(dir string) {
	for range 50 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "bench: could not remove %s\n", dir)
}
