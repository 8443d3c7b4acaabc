package main

// The compile storm: what a workshop does after every explanation. Each simulated learner
// submits an edited program of their own (half of them use net/http) within a few seconds of
// the others, through the real gateway's POST /api/build over HTTP, then fetches the wasm
// module as the page does and runs it under Node (Go's wasm_exec_node.js) until its first
// line of output. Each learner speaks from a loopback address of its own (127.0.1.N), so the
// gateway sees them as the different clients they are and serves them in turns. Meanwhile a
// precompiled lesson cell is asked for every half second from another address, as a learner
// pressing Run on an unedited cell would.
//
// In the same run, round by round, the same programs are built by plain `go build` (GOOS=js
// GOARCH=wasm, the gateway's flags) released on the same schedule to as many workers as the
// gateway has compile jobs, and run the same way: the compiler alone, for comparison.
//
// The gateway gets a Go build cache and a --cache-dir of its own (in a temporary directory,
// removed after, unless -storm-cache names one to keep between runs); its lesson cells are
// compiled before the clock starts. The programs carry a random mark of the run, so a kept
// cache never answers them.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"socketlab/lessons"
)

// stormConfig is what -storm-* flags set.
type stormConfig struct {
	learners int
	rounds   int
	within   time.Duration // every learner submits within this time of the round's start
	jobs     int           // the gateway's --compile-jobs, and plain go build's workers
	cache    string        // kept cache directory; "" for a temporary one
	runHere  bool          // run each learner's program beside the builds, as it comes

	cpuprofile string // a file for a CPU profile of the storm's gateway; "" for none
}

// stormRun is one learner's Run in one round.
type stormRun struct {
	learner int
	submit  time.Time // when Run was pressed
	built   time.Time // when the build answered
	first   time.Time // when the program printed its first line
	err     error
}

func (r stormRun) wait() time.Duration { return r.first.Sub(r.submit) }

// stormRound is one round of one side (the gateway, or plain go build).
type stormRound struct {
	runs []stormRun
}

// throughput is compiles per second: the programs over the time from the first Run to the
// last build's answer.
func (r stormRound) throughput() float64 {
	var first, last time.Time
	n := 0
	for _, x := range r.runs {
		if x.err != nil {
			continue
		}
		n++
		if first.IsZero() || x.submit.Before(first) {
			first = x.submit
		}
		if x.built.After(last) {
			last = x.built
		}
	}
	if n == 0 {
		return 0
	}
	return float64(n) / last.Sub(first).Seconds()
}

// waits are the seconds from Run to first output of the runs that worked.
func (r stormRound) waits() []float64 {
	var w []float64
	for _, x := range r.runs {
		if x.err == nil {
			w = append(w, x.wait().Seconds())
		}
	}
	slices.Sort(w)
	return w
}

// start is when the round's first learner pressed Run.
func (r stormRound) start() time.Time {
	var t time.Time
	for _, x := range r.runs {
		if !x.submit.IsZero() && (t.IsZero() || x.submit.Before(t)) {
			t = x.submit
		}
	}
	return t
}

// slowest is the run that worked and waited longest.
func (r stormRound) slowest() (stormRun, bool) {
	var worst stormRun
	ok := false
	for _, x := range r.runs {
		if x.err == nil && (!ok || x.wait() > worst.wait()) {
			worst, ok = x, true
		}
	}
	return worst, ok
}

func (r stormRound) failed() int {
	n := 0
	for _, x := range r.runs {
		if x.err != nil {
			n++
		}
	}
	return n
}

// slowAsk is the precompiled cell's slowest ask: its round, when it started in the round,
// how long the build took to answer and how long the whole ask took.
type slowAsk struct {
	round            int
	at, answer, took time.Duration
}

type stormResult struct {
	cfg         stormConfig
	gateway     []stormRound
	plain       []stormRound
	cell        []float64 // ms for the precompiled cell, build answer and module downloaded
	cellFailed  int
	cellSlowest slowAsk
	failures    []string
	machineBusy float64
}

// stormProgram is learner n's edited program of round r. Odd learners use net/http. mark
// makes the run's programs differ from any other run's.
func stormProgram(mark string, n, r int) string {
	if n%2 == 1 {
		return fmt.Sprintf(`package main

import (
	"fmt"
	"net/http"
	"strings"
)

const edit = "%s learner %d round %d"

func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, strings.ToUpper(edit), r.URL.Path)
}

func main() {
	fmt.Println("first output:", edit)
	mux := http.NewServeMux()
	mux.HandleFunc("/", hello)
	srv := &http.Server{Addr: ":%d", Handler: mux}
	_ = srv
	if len(edit) < 0 {
		resp, err := http.Get("http://web.lab/get")
		fmt.Println(resp, err)
	}
}
`, mark, n, r, 8000+n)
	}
	return fmt.Sprintf(`package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
)

const edit = "%s learner %d round %d"

func main() {
	fmt.Println("first output:", edit)
	words := strings.Fields(edit)
	for i, w := range words {
		words[i] = strings.Repeat(w, %d)
	}
	if len(edit) < 0 {
		c, err := net.Dial("tcp", "echo.lab:7")
		if err == nil {
			fmt.Fprintln(c, words)
			line, _ := bufio.NewReader(c).ReadString('\n')
			fmt.Print(line)
		}
	}
}
`, mark, n, r, 1+n%3)
}

// runStorm runs the storm and returns what it saw.
func runStorm(cfg stormConfig) (*stormResult, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "storm: "+format+"\n", a...) }
	nodeExec, err := wasmExecNode()
	if err != nil {
		return nil, err
	}
	dir := cfg.cache
	if dir == "" {
		if dir, err = os.MkdirTemp("", "socketlab-storm-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	xdg := filepath.Join(dir, "xdg") // the gateway's Go build cache is XDG_CACHE_HOME/socketlab/gocache
	goCache := filepath.Join(xdg, "socketlab", "gocache")
	work, err := os.MkdirTemp("", "socketlab-storm-work-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	logf("starting a gateway with a build cache of its own in %s; it compiles its lesson cells first (minutes with an empty cache)...", dir)
	gw, _, err := startLabGateway(cfg.cpuprofile, []string{"XDG_CACHE_HOME=" + xdg},
		"--cache-dir", filepath.Join(dir, "build"), "--compile-jobs", strconv.Itoa(cfg.jobs))
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	ls, err := lessons.Default()
	if err != nil {
		return nil, err
	}
	cell := ls[0].Cells[0].Source

	plain, err := newPlainBuilder(filepath.Join(work, "plain"), goCache)
	if err != nil {
		return nil, err
	}
	logf("warming plain go build (the standard library without the lab's changes)...")
	if _, err := plain.build(stormProgram("warm", 1, 0)); err != nil {
		return nil, fmt.Errorf("plain go build: %w", err)
	}

	var markb [4]byte
	rand.Read(markb[:])
	mark := hex.EncodeToString(markb[:])
	res := &stormResult{cfg: cfg}
	var failMu sync.Mutex
	fail := func(side string, n int, err error) {
		failMu.Lock()
		defer failMu.Unlock()
		if len(res.failures) < 5 {
			res.failures = append(res.failures, fmt.Sprintf("%s, learner %d: %v", side, n, err))
			logf("FAILED %s, learner %d: %v", side, n, err)
		}
	}
	runner := func(side string) *programRunner {
		return &programRunner{nodeExec: nodeExec, here: cfg.runHere, fail: func(n int, err error) { fail(side, n, err) }}
	}
	busy0, total0 := machineCPU()
	for r := range cfg.rounds {
		srcs := make([]string, cfg.learners)
		offsets := make([]time.Duration, cfg.learners)
		for n := range srcs {
			srcs[n] = stormProgram(mark, n, r)
			offsets[n] = time.Duration(mrand.Int64N(int64(cfg.within)))
		}
		logf("round %d/%d: %d learners press Run on the gateway", r+1, cfg.rounds, cfg.learners)
		ctx, stop := context.WithCancel(context.Background())
		cellDone := make(chan struct{})
		go func() {
			defer close(cellDone)
			probeCell(ctx, gw.addr, cell, r+1, res)
		}()
		g := gatewayRound(gw.addr, srcs, offsets, runner("gateway"), filepath.Join(work, "gw"))
		stop()
		<-cellDone
		res.gateway = append(res.gateway, g)
		logf("round %d/%d: %.2f compiles/s, p50 %.1f s; now plain go build", r+1, cfg.rounds, g.throughput(), quantile(g.waits(), 0.5))
		p := plainRound(plain, srcs, offsets, cfg.jobs, runner("go build"))
		res.plain = append(res.plain, p)
		logf("round %d/%d: plain go build %.2f compiles/s, p50 %.1f s", r+1, cfg.rounds, p.throughput(), quantile(p.waits(), 0.5))
	}
	busy1, total1 := machineCPU()
	if total1 > total0 {
		res.machineBusy = (busy1 - busy0) / (total1 - total0)
	}
	return res, nil
}

// wasmExecNode finds the toolchain's script that runs a js/wasm program under Node.
func wasmExecNode() (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", errors.New("node is not installed (apt-get install nodejs): the storm runs each compiled program under Node")
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %w", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "lib", "wasm", "wasm_exec_node.js")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the Go toolchain has no %s: %w", p, err)
	}
	return p, nil
}

// learnerClient is an HTTP client whose connections come from 127.0.1.N, so that the
// gateway counts learner n as a client address of its own.
func learnerClient(n int) *http.Client {
	ip := net.IPv4(127, 0, 1+byte(n/250), 1+byte(n%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Minute}
}

// programRunner runs the learners' programs of a round under Node, to their first line.
//
// In a workshop each learner's program runs in the learner's own browser, on the learner's
// own machine, which the class's compile storm does not slow down. Here there is one
// machine: run beside the builds, the 60 programs of a round took about a third of its two
// processors (0.18 s of CPU each, V8 compiling up to 10 MB of WebAssembly), even at
// niceness 19, so the storm measured this machine's Node as much as the gateway. By default
// each program therefore runs alone once the round's builds are done, and its first line
// counts as printed that long after its module was downloaded, as on an idle machine of the
// learner's. With runHere (-storm-run-here) each runs as soon as it is downloaded, beside the
// builds, as before.
type programRunner struct {
	nodeExec string
	here     bool
	fail     func(int, error)
	mu       sync.Mutex
	later    []laterRun
	wg       sync.WaitGroup
}

type laterRun struct {
	run     *stormRun
	path    string
	cleanup func()
}

// run runs the program at path for run, whose build answered (and module arrived) at
// run.built, or keeps it for finish; cleanup removes its file after.
func (p *programRunner) run(run *stormRun, path string, cleanup func()) {
	if !p.here {
		p.mu.Lock()
		p.later = append(p.later, laterRun{run, path, cleanup})
		p.mu.Unlock()
		return
	}
	p.wg.Add(1)
	go func() { // the program runs while the next one compiles
		defer p.wg.Done()
		defer cleanup()
		run.first, run.err = firstOutput(p.nodeExec, path)
		if run.err != nil {
			p.fail(run.learner, run.err)
		}
	}()
}

// finish waits for the programs running beside the builds, and runs the others one at a
// time.
func (p *programRunner) finish() {
	p.wg.Wait()
	for _, l := range p.later {
		start := time.Now()
		at, err := firstOutput(p.nodeExec, l.path)
		l.cleanup()
		if l.run.err = err; err != nil {
			p.fail(l.run.learner, err)
			continue
		}
		l.run.first = l.run.built.Add(at.Sub(start))
	}
	p.later = nil
}

// gatewayRound has every learner press Run at start+offsets[n] with srcs[n].
func gatewayRound(addr string, srcs []string, offsets []time.Duration, progs *programRunner, dir string) stormRound {
	runs := make([]stormRun, len(srcs))
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for n := range runs {
			runs[n] = stormRun{learner: n, err: err}
		}
		return stormRound{runs: runs}
	}
	var wg sync.WaitGroup
	for n := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(start.Add(offsets[n])))
			run := &runs[n]
			run.learner, run.submit = n, time.Now()
			c := learnerClient(n)
			defer c.CloseIdleConnections()
			wasm, _, err := gatewayBuild(c, addr, srcs[n])
			run.built = time.Now()
			if err == nil {
				file := filepath.Join(dir, fmt.Sprintf("%d.wasm", n))
				if err = os.WriteFile(file, wasm, 0o644); err == nil {
					progs.run(run, file, func() { os.Remove(file) })
				}
			}
			if err != nil {
				run.err = err
				progs.fail(n, err)
			}
		}()
	}
	wg.Wait()
	progs.finish()
	return stormRound{runs: runs}
}

// gatewayBuild posts src to /api/build and downloads the program it names, as the page does.
// It returns the program and when the build answered.
func gatewayBuild(c *http.Client, addr, src string) (wasm []byte, answered time.Time, err error) {
	body, _ := json.Marshal(map[string]string{"source": src})
	resp, err := c.Post("http://"+addr+"/api/build", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, answered, err
	}
	defer resp.Body.Close()
	var br struct {
		OK     bool   `json:"ok"`
		Wasm   string `json:"wasm"`
		Output string `json:"output"`
		Error  string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&br); err != nil {
		return nil, answered, fmt.Errorf("POST /api/build: %s: %w", resp.Status, err)
	}
	answered = time.Now()
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, answered, fmt.Errorf("POST /api/build: %s: %s", resp.Status, br.Error)
	case !br.OK:
		return nil, answered, fmt.Errorf("the program does not compile: %s", br.Output)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+br.Wasm, nil)
	req.Header.Set("Accept-Encoding", chromiumAcceptEncoding)
	wresp, err := c.Do(req)
	if err != nil {
		return nil, answered, err
	}
	defer wresp.Body.Close()
	if wresp.StatusCode != http.StatusOK {
		return nil, answered, fmt.Errorf("GET %s: %s", br.Wasm, wresp.Status)
	}
	wasm, err = decodeBody(wresp)
	return wasm, answered, err
}

// chromiumAcceptEncoding is what Chromium asks a loopback or HTTPS gateway for.
const chromiumAcceptEncoding = "gzip, deflate, br, zstd"

// decodeBody reads a response's body as the browser would, undoing its Content-Encoding.
func decodeBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch ce := resp.Header.Get("Content-Encoding"); ce {
	case "":
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("GET %s: Content-Encoding %q, which the benchmark cannot read", resp.Request.URL.Path, ce)
	}
	return io.ReadAll(r)
}

// firstOutput runs a js/wasm program under Node and returns when it printed its first line.
// The program is left to end by itself.
func firstOutput(nodeExec, wasm string) (time.Time, error) {
	// The learners' programs run in their own browsers, on their own machines, in a
	// workshop; here they share the gateway's processors, so they run last (niceness 19),
	// below the builds of both sides, and take only what the builds leave.
	cmd := exec.Command("nice", "-n", "19", "node", nodeExec, wasm)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return time.Time{}, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return time.Time{}, err
	}
	defer cmd.Wait()
	line, err := bufio.NewReader(out).ReadString('\n')
	at := time.Now()
	io.Copy(io.Discard, out)
	if err != nil || !strings.HasPrefix(line, "first output:") {
		return time.Time{}, fmt.Errorf("the program printed %q first (%v): %s", line, err, strings.TrimSpace(stderr.String()))
	}
	return at, nil
}

// probeCell asks for the precompiled lesson cell every half second until ctx ends, and
// notes how long the build's answer and the module's download took.
func probeCell(ctx context.Context, addr, src string, round int, res *stormResult) {
	roundStart := time.Now()
	// From 16 addresses in turn (127.0.2.N), each far below the gateway's compile request
	// rate per address.
	var clients []*http.Client
	for n := range 16 {
		clients = append(clients, learnerClient(250+n))
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c := clients[(len(res.cell)+res.cellFailed)%len(clients)]
		t0 := time.Now()
		_, answered, err := gatewayBuild(c, addr, src)
		if err != nil {
			res.cellFailed++
			continue
		}
		took := time.Since(t0)
		res.cell = append(res.cell, float64(took.Microseconds())/1000)
		if took > res.cellSlowest.took {
			res.cellSlowest = slowAsk{took: took, round: round, at: t0.Sub(roundStart), answer: answered.Sub(t0)}
		}
	}
}

// plainBuilder builds programs with plain go build in a module of their own.
type plainBuilder struct {
	dir string
	env []string
}

func newPlainBuilder(dir, goCache string) (*plainBuilder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module storm\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") && !strings.HasPrefix(kv, "CGO_") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOCACHE="+goCache, "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOTOOLCHAIN=local",
		"GOPROXY=off", "GOFLAGS=", "GOWORK=off")
	return &plainBuilder{dir: dir, env: env}, nil
}

// build compiles src with the flags the gateway uses and returns the module's path.
func (b *plainBuilder) build(src string) (string, error) {
	d, err := os.MkdirTemp(b.dir, "p-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(d, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(d, "main.wasm")
	// At the gateway's builds' niceness (gateway/build: buildNice), so that both sides
	// compete with the rest of the machine alike.
	cmd := exec.Command("nice", "-n", "10", "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "main.go")
	cmd.Dir, cmd.Env = d, b.env
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, msg)
	}
	return out, nil
}

// plainRound releases srcs[n] at start+offsets[n] to jobs workers running plain go build,
// first come first served, and runs each program as the gateway round does.
func plainRound(b *plainBuilder, srcs []string, offsets []time.Duration, jobs int, progs *programRunner) stormRound {
	runs := make([]stormRun, len(srcs))
	order := make([]int, len(srcs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(offsets[a] - offsets[b]) })
	queue := make(chan int, len(srcs))
	start := time.Now()
	go func() {
		for _, n := range order {
			time.Sleep(time.Until(start.Add(offsets[n])))
			runs[n].learner, runs[n].submit = n, time.Now()
			queue <- n
		}
		close(queue)
	}()
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range queue {
				path, err := b.build(srcs[n])
				runs[n].built = time.Now()
				if err != nil {
					runs[n].err = err
					progs.fail(n, err)
					continue
				}
				progs.run(&runs[n], path, func() { os.RemoveAll(filepath.Dir(path)) })
			}
		}()
	}
	wg.Wait()
	progs.finish()
	return stormRound{runs: runs}
}

func printStorm(w io.Writer, r *stormResult) {
	where := "each program alone once the round's builds were done, as on the learner's own machine, its time to first line added to when its module arrived"
	if r.cfg.runHere {
		where = "each program as soon as it arrived, on this machine beside the builds, at niceness 19"
	}
	fmt.Fprintf(w, "\n## Compile storm\n\n%d learners each press Run on an edited program of their own (half use net/http) within %v, %d rounds; the gateway has %d compile jobs and plain go build as many workers. Run to first output: POST /api/build answered, the module downloaded, and the program run under Node until its first line (%s). Compiles per second: programs over the time from the first Run to the last build's answer. The machine was %.0f%% busy (all cores) during the storm.\n\n",
		r.cfg.learners, r.cfg.within, r.cfg.rounds, r.cfg.jobs, where, 100*r.machineBusy)
	fmt.Fprintln(w, "| round | gateway p50 / p99, s | gateway compiles/s | go build p50 / p99, s | go build compiles/s | gateway ÷ go build | worst learner ÷ round median | failed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	var ratios, worst []float64
	var gAll, pAll []float64
	for i := range r.gateway {
		g, p := r.gateway[i], r.plain[i]
		gw, pw := g.waits(), p.waits()
		gAll, pAll = append(gAll, gw...), append(pAll, pw...)
		ratio := g.throughput() / p.throughput()
		ratios = append(ratios, ratio)
		wr := 0.0
		if len(gw) > 0 {
			wr = gw[len(gw)-1] / quantile(gw, 0.5)
		}
		worst = append(worst, wr)
		fmt.Fprintf(w, "| %d | %.1f / %.1f | %.2f | %.1f / %.1f | %.2f | %.2f× | %.2f× | %d / %d |\n", i+1,
			quantile(gw, 0.5), quantile(gw, 0.99), g.throughput(), quantile(pw, 0.5), quantile(pw, 0.99), p.throughput(),
			ratio, wr, g.failed(), p.failed())
	}
	slices.Sort(gAll)
	slices.Sort(pAll)
	fmt.Fprintf(w, "| all | %.1f / %.1f | | %.1f / %.1f | | %.2f× (median) | | |\n\n", quantile(gAll, 0.5), quantile(gAll, 0.99), quantile(pAll, 0.5), quantile(pAll, 0.99), median(ratios))
	for i, g := range r.gateway {
		if x, ok := g.slowest(); ok {
			kind := "without net/http"
			if x.learner%2 == 1 {
				kind = "with net/http"
			}
			fmt.Fprintf(w, "Round %d's slowest learner on the gateway (%s) pressed Run %.1f s into the round; the build answered and the module arrived %.2f s later, and the first line %.2f s after that.\n", i+1, kind, x.submit.Sub(g.start()).Seconds(), x.built.Sub(x.submit).Seconds(), x.first.Sub(x.built).Seconds())
		}
	}
	fmt.Fprintln(w)
	slices.Sort(r.cell)
	metNot := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(w, "Precompiled lesson cell asked for every 0.5 s during the gateway's rounds (build answer and module download): %d asks, p50 %.0f ms, p99 %.0f ms, max %.0f ms, %d failed.\n\n",
		len(r.cell), quantile(r.cell, 0.5), quantile(r.cell, 0.99), quantile(r.cell, 1), r.cellFailed)
	if sl := r.cellSlowest; sl.took > 0 {
		fmt.Fprintf(w, "The slowest ask: round %d, %.1f s into it; the build answered after %d ms, the module was downloaded %d ms later.\n\n",
			sl.round, sl.at.Seconds(), sl.answer.Milliseconds(), (sl.took - sl.answer).Milliseconds())
	}
	fmt.Fprintln(w, "| target | measured | |")
	fmt.Fprintln(w, "|---|---|---|")
	fmt.Fprintf(w, "| gateway throughput ≥ 0.9× plain go build | %.2f× (median of rounds; worst %.2f×) | %s |\n", median(ratios), slices.Min(ratios), metNot(median(ratios) >= 0.9))
	fmt.Fprintf(w, "| no learner's wait above 1.5× the round's median | worst %.2f× | %s |\n", slices.Max(worst), metNot(slices.Max(worst) <= 1.5))
	cellMax := quantile(r.cell, 1)
	fmt.Fprintf(w, "| precompiled cell during the storm ≤ 300 ms | max %.0f ms | %s |\n", cellMax, metNot(len(r.cell) > 0 && cellMax <= 300 && r.cellFailed == 0))
	for _, f := range r.failures {
		fmt.Fprintf(w, "\nFailed: %s\n", f)
	}
}
