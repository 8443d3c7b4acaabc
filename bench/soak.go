package main

// The soak (make soak, go run ./bench -soak 4m): one gateway, in a process of its own with a
// build cache of its own in a temporary directory, used by healthy learners running lesson
// cells (the classroom's machinery: classroom.go) first alone, the quiet run, then beside
// hostile addresses (hostile.go) that cycle through every class of attack of issue 22. The
// healthy learners connect from 127.0.0.1, the hostile ones from 127.0.0.2 and up. It prints
// one table of what the healthy learners saw in both runs and what the gateway's memory and
// descriptors did, and a second of how the gateway answered each attack. Wrong join codes
// need a gateway in classroom mode, which the native runner cannot join: they go to a second,
// short-lived gateway at the end, on the same cache.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/internal/cli"
)

const (
	soakHostiles = 3 // hostile addresses: 127.0.0.2, 127.0.0.3, ...
	// soakSettle is how long after the hostile run "after" is read: past the gateway's idle
	// timeout for keep-alive connections, so that what the attackers left is gone.
	soakSettle = 75 * time.Second
	soakIdle   = 10 * time.Second       // after the quiet run, before "before" is read
	soakSample = 500 * time.Millisecond // the gateway's memory and descriptors
	soakJoins  = 300                    // wrong join codes from each hostile address
)

// soakGateway is the gateway under test, started as `socketlab --addr 127.0.0.1:0
// --cache-dir DIR` in a child process whose user cache directory is DIR too.
type soakGateway struct {
	*relayProc
	code  string // the join code, in classroom mode
	ready chan struct{}

	once  sync.Once
	mu    sync.Mutex
	lines int // lines logged since start
	shown int
}

func (g *soakGateway) stop() { g.once.Do(g.relayProc.stop) }

func (g *soakGateway) logged() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lines
}

func startSoakGateway(home string, extra ...string) (*soakGateway, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := append([]string{"-serve", "soak", "--", "--addr", "127.0.0.1:0", "--cache-dir", filepath.Join(home, "build")}, extra...)
	cmd := exec.Command(self, args...)
	// The build service's Go build cache defaults to the user cache directory: this one is
	// the temporary directory, so no bomb reaches a cache anything else uses.
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+home)
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
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &soakGateway{relayProc: &relayProc{cmd: cmd, in: in, out: bufio.NewReader(out), gcs: true}, ready: make(chan struct{})}
	const banner, class = "socketlab is running: open http://", "classroom mode: the join code is "
	for g.addr == "" || slices.Contains(extra, "--class") && g.code == "" {
		line, err := g.out.ReadString('\n')
		if err != nil {
			g.stop()
			return nil, fmt.Errorf("the gateway did not start: %v", err)
		}
		line = strings.TrimSpace(line)
		if a, ok := strings.CutPrefix(line, banner); ok {
			g.addr = strings.TrimSuffix(a, "/")
		}
		if c, ok := strings.CutPrefix(line, class); ok {
			g.code = c
		}
	}
	go func() {
		sc := bufio.NewScanner(errOut)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "lesson cells ready") {
				close(g.ready)
			}
			g.mu.Lock()
			g.lines++
			show := (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) && g.shown < 20
			if show {
				g.shown++
			}
			g.mu.Unlock()
			if show {
				fmt.Fprintln(os.Stderr, "soak gateway:", line)
			}
		}
	}()
	return g, nil
}

// heldMemory is what the gateway's Go runtime holds after a forced collection.
type heldMemory struct {
	rss        int64 // VmRSS
	anon, file int64 // RssAnon, RssFile: the gateway's own memory, and pages of files (its program's code among them)
	heap       uint64
	stacks     uint64
	mapped     uint64 // obtained from the system and not given back
	goroutines int
}

// collect has the gateway collect its garbage and give memory back, and reads what it keeps.
func (g *soakGateway) collect() heldMemory {
	g.cmd.Process.Signal(syscall.SIGUSR1)
	// The gateway prints other lines too (a first start's build progress): skip to "gc".
	var line string
	for {
		l, err := g.out.ReadString('\n')
		if err != nil || strings.HasPrefix(l, "gc ") {
			line = l
			break
		}
	}
	var h heldMemory
	fmt.Sscanf(line, "gc %d %d %d %d", &h.heap, &h.stacks, &h.mapped, &h.goroutines)
	h.rss = statusKB(g.cmd.Process.Pid, "VmRSS:")
	h.anon, h.file = statusKB(g.cmd.Process.Pid, "RssAnon:"), statusKB(g.cmd.Process.Pid, "RssFile:")
	return h
}

// serveSoak runs the gateway with args until stdin closes; like the other relays it answers
// SIGUSR1 with a collection and "gc".
func serveSoak(args []string) error {
	if os.Getenv("SOCKETLAB_BENCH_HEAP") != "" {
		runtime.MemProfileRate = 4096 // a profile fine enough to see small tables
	}
	var outMu sync.Mutex
	out := lockedWriter{&outMu, os.Stdout}
	answerGC(out)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	if code := cli.Main(args, func(string) string { return "" }, strings.NewReader(""), out, os.Stderr); code != 0 {
		return fmt.Errorf("the gateway exited with status %d", code)
	}
	return nil
}

// figures are the gateway's own resident memory and descriptors, and its children's (the
// builds it runs) memory.
type figures struct {
	rss      int64
	fds      int
	children int64
}

func readFigures(pid int) figures {
	f := figures{rss: statusKB(pid, "VmRSS:"), fds: openFDs(pid)}
	for _, c := range descendants(pid) {
		f.children += statusKB(c, "VmRSS:")
	}
	return f
}

// statusKB reads a field of /proc/PID/status given in kB, in bytes.
func statusKB(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// sampler keeps the largest figures of each phase.
type sampler struct {
	pid   int
	mu    sync.Mutex
	phase string
	peak  map[string]figures
}

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(soakSample)
	defer t.Stop()
	for {
		f := readFigures(s.pid)
		s.mu.Lock()
		p := s.peak[s.phase]
		s.peak[s.phase] = figures{rss: max(p.rss, f.rss), fds: max(p.fds, f.fds), children: max(p.children, f.children)}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) enter(phase string) {
	s.mu.Lock()
	s.phase = phase
	s.mu.Unlock()
}

func (s *sampler) max(phase string) figures {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak[phase]
}

// soakPhase is what one run (quiet or hostile) showed.
type soakPhase struct {
	d     time.Duration
	stats *classStats
	peak  figures
	cpu   float64 // the gateway's CPU, its finished builds included, as a share of one core
	busy  float64 // the machine's, as a share of all cores
	lines int     // lines the gateway logged
}

type soakResult struct {
	learners        int
	quiet, hostile  soakPhase
	before, after   figures
	beforeGC        heldMemory // after a forced collection
	afterGC         heldMemory
	hwm             int64 // the gateway's resident high-water mark
	dropped         []string
	tally           *tally
	addrs           []string
	joinedAfter     string // what a healthy learner's join with the right code got, after the flood
	classLogLines   int
	units, keptUnit int
}

// runSoak runs the soak: a quiet run of hostile/2, then a run of hostile beside the hostile
// addresses, then the join codes.
func runSoak(learners int, hostile time.Duration) (*soakResult, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "soak: "+format+"\n", a...) }
	raiseOpenFiles()
	units, err := classUnits()
	if err != nil {
		return nil, err
	}
	logf("compiling the lesson cells natively for the learners (cached after the first time)...")
	if err := compileUnits(units, ""); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "socketlab-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	work := filepath.Join(home, "learners")

	gw, err := startSoakGateway(home)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	wsURL := "ws://" + gw.addr + "/ws"
	labs, err := fetchLabs(gw.addr)
	if err != nil {
		return nil, err
	}
	logf("gateway on %s (pid %d); it compiles the lesson cells into its own empty cache meanwhile", gw.addr, gw.cmd.Process.Pid)

	res := &soakResult{learners: learners, tally: newTally(), units: len(units)}
	// Every unit once, alone, while the gateway warms up: one that fails here is left out.
	kept, dropped, err := checkUnits(units, wsURL, filepath.Join(work, "check"), "soak-check")
	if err != nil {
		return nil, err
	}
	res.dropped, res.keptUnit = dropped, len(kept)
	logf("%d of %d units ran as their lessons say", len(kept), len(units))
	select {
	case <-gw.ready:
	case <-time.After(10 * time.Minute):
		return nil, errors.New("the gateway did not compile its lesson cells in 10 minutes")
	}
	logf("the gateway's lesson cells are compiled")

	smp := &sampler{pid: gw.cmd.Process.Pid, phase: "warm", peak: map[string]figures{}}
	sctx, stopSampling := context.WithCancel(context.Background())
	defer stopSampling()
	go smp.run(sctx)

	quietFor := hostile / 2
	logf("the quiet run: %d learners for %v", learners, quietFor)
	res.quiet = runPhase(gw, smp, "quiet", quietFor, learners, kept, wsURL, work, nil)

	smp.enter("between")
	sleep(context.Background(), soakIdle)
	res.before = readFigures(gw.cmd.Process.Pid)
	res.beforeGC = gw.collect()

	var atk []*attacker
	for i := range soakHostiles {
		ip := net.IPv4(127, 0, 0, byte(2+i))
		res.addrs = append(res.addrs, ip.String())
		atk = append(atk, newAttacker(ip, gw.addr, labs, res.tally))
	}
	logf("the hostile run: %d learners beside %s for %v", learners, strings.Join(res.addrs, ", "), hostile)
	res.hostile = runPhase(gw, smp, "hostile", hostile, learners, kept, wsURL, work, func(ctx context.Context) {
		var wg sync.WaitGroup
		for i, a := range atk {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.cycle(ctx, i*len(attacks)/len(atk))
			}()
		}
		wg.Wait()
	})

	smp.enter("settle")
	logf("the hostile addresses have stopped; settling for %v", soakSettle)
	sleep(context.Background(), soakSettle)
	res.after = readFigures(gw.cmd.Process.Pid)
	res.afterGC = gw.collect()
	res.hwm = statusKB(gw.cmd.Process.Pid, "VmHWM:")
	stopSampling()
	gw.stop()

	logf("wrong join codes, against the same gateway in classroom mode")
	cg, err := startSoakGateway(home, "--class", "auto")
	if err != nil {
		return nil, err
	}
	defer cg.stop()
	var wg sync.WaitGroup
	for _, a := range atk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ca := newAttacker(a.ip, cg.addr, nil, res.tally)
			joinFlood(context.Background(), ca, soakJoins, 30*time.Second)
		}()
	}
	wg.Wait()
	me := newAttacker(net.IPv4(127, 0, 0, 1), cg.addr, nil, res.tally)
	form := url.Values{"code": {cg.code}, "name": {"healthy"}}
	status, _, err := me.request(context.Background(), http.MethodPost, "/join", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()))
	res.joinedAfter = statusOutcome(status, err)
	if status == http.StatusSeeOther {
		res.joinedAfter = "303 See Other: joined"
	}
	res.classLogLines = cg.logged()
	cg.stop()
	return res, nil
}

// runPhase has learners run lesson cells for d, with hostile (when set) running beside them
// for the same time, and waits for both to finish what they were doing.
func runPhase(gw *soakGateway, smp *sampler, name string, d time.Duration, learners int, units []*classUnit, wsURL, work string, hostile func(context.Context)) soakPhase {
	ph := soakPhase{d: d, stats: &classStats{ops: map[string][]float64{}, slowest: map[string]float64{}}}
	smp.enter(name)
	lines0 := gw.logged()
	cpu0 := procCPU(gw.cmd.Process.Pid)
	busy0, total0 := machineCPU()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for i := range learners {
		dir := filepath.Join(work, name, fmt.Sprintf("learner-%03d", i))
		os.MkdirAll(dir, 0o755)
		wg.Add(1)
		go func() {
			defer wg.Done()
			learner(ctx, i, units, wsURL, dir, ph.stats)
		}()
	}
	if hostile != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hostile(ctx)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	el := time.Since(start)
	ph.cpu = (procCPU(gw.cmd.Process.Pid) - cpu0).Seconds() / el.Seconds()
	if busy1, total1 := machineCPU(); total1 > total0 {
		ph.busy = (busy1 - busy0) / (total1 - total0)
	}
	ph.lines = gw.logged() - lines0
	ph.peak = smp.max(name)
	return ph
}

func fetchLabs(addr string) ([]labService, error) {
	resp, err := http.Get("http://" + addr + "/labs.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var labs []labService
	if err := json.NewDecoder(resp.Body).Decode(&labs); err != nil {
		return nil, fmt.Errorf("/labs.json: %w", err)
	}
	return labs, nil
}

// printSoak prints the soak's two tables and what they cannot say.
func printSoak(w io.Writer, r *soakResult) {
	q, h := r.quiet.stats, r.hostile.stats
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	all := func(st *classStats) []float64 {
		var v []float64
		for _, o := range st.ops {
			v = append(v, o...)
		}
		return v
	}
	qa, ha := all(q), all(h)
	qp99, hp99 := quantile(qa, 0.99), quantile(ha, 0.99)
	ratio := 0.0
	if qp99 > 0 {
		ratio = hp99 / qp99
	}
	pct := func(after, before int64) float64 { return 100 * (float64(after) - float64(before)) / float64(before) }
	fdPct := 100 * float64(r.after.fds-r.before.fds) / float64(r.before.fds)

	fmt.Fprintf(w, "Soak: %d healthy learners (127.0.0.1) running lesson cells natively; quiet run %v, then %v beside %d hostile addresses (%s) cycling through every attack class; the gateway's figures from /proc (RSS is VmRSS).\n\n",
		r.learners, r.quiet.d, r.hostile.d, len(r.addrs), strings.Join(r.addrs, ", "))
	fmt.Fprintln(w, "| figure | quiet run | with the hostile addresses | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	fmt.Fprintf(w, "| healthy runs: completed / failed | %d / %d | %d / %d | 0 failed | %s |\n", q.runs, q.failed, h.runs, h.failed, yes(q.failed == 0 && h.failed == 0))
	fmt.Fprintf(w, "| socket operations: count; p50 / p99, ms | %d; %.2f / %.1f | %d; %.2f / %.1f (%.2f× quiet) | p99 ≤ 2× quiet | %s |\n",
		len(qa), quantile(qa, 0.5), qp99, len(ha), quantile(ha, 0.5), hp99, ratio, yes(ratio <= 2))
	for _, k := range []string{"connect", "lookup", "first byte", "UDP round trip"} {
		if len(q.ops[k]) == 0 && len(h.ops[k]) == 0 {
			continue
		}
		fmt.Fprintf(w, "| … %s: p50 / p99, ms | %.2f / %.1f | %.2f / %.1f | | |\n", k,
			quantile(q.ops[k], 0.5), quantile(q.ops[k], 0.99), quantile(h.ops[k], 0.5), quantile(h.ops[k], 0.99))
	}
	fmt.Fprintf(w, "| a run, start to exit: p50 / p99, ms | %.0f / %.0f | %.0f / %.0f | | |\n",
		quantile(q.wall, 0.5), quantile(q.wall, 0.99), quantile(h.wall, 0.5), quantile(h.wall, 0.99))
	fmt.Fprintf(w, "| gateway RSS, MiB: peak; before (%v after the quiet run) / after (%v after the hostile run) | %.1f; before %.1f | %.1f; after %.1f (%+.0f%%) | after within 10%% of before | %s |\n",
		soakIdle, soakSettle, mib(r.quiet.peak.rss), mib(r.before.rss), mib(r.hostile.peak.rss), mib(r.after.rss), pct(r.after.rss, r.before.rss), yes(r.after.rss <= r.before.rss*11/10))
	fmt.Fprintf(w, "| … after a forced collection (runtime.GC, FreeOSMemory), MiB | %.1f | %.1f (%+.0f%%) | | |\n",
		mib(r.beforeGC.rss), mib(r.afterGC.rss), pct(r.afterGC.rss, r.beforeGC.rss))
	fmt.Fprintf(w, "| … of which anonymous (RssAnon) / pages of files, the program's code among them (RssFile), MiB | %.1f / %.1f | %.1f (%+.0f%%) / %.1f | | |\n",
		mib(r.beforeGC.anon), mib(r.beforeGC.file), mib(r.afterGC.anon), pct(r.afterGC.anon, r.beforeGC.anon), mib(r.afterGC.file))
	held := func(h heldMemory) string {
		return fmt.Sprintf("%.1f / %.1f / %.1f; %d", mib(int64(h.heap)), mib(int64(h.stacks)), mib(int64(h.mapped)), h.goroutines)
	}
	fmt.Fprintf(w, "| … of which Go heap in use / stacks / all the runtime keeps mapped, MiB; goroutines | %s | %s | | |\n", held(r.beforeGC), held(r.afterGC))
	fmt.Fprintf(w, "| gateway descriptors: peak; before / after | %d; before %d | %d; after %d (%+.0f%%) | after within 10%% of before | %s |\n",
		r.quiet.peak.fds, r.before.fds, r.hostile.peak.fds, r.after.fds, fdPct, yes(r.after.fds <= r.before.fds*11/10))
	fmt.Fprintf(w, "| the gateway's builds (its child processes), peak RSS, MiB | %.0f | %.0f | | |\n", mib(r.quiet.peak.children), mib(r.hostile.peak.children))
	fmt.Fprintf(w, "| gateway CPU with its builds, %% of one core; machine busy, %% of 2 cores | %.0f%%; %.0f%% | %.0f%%; %.0f%% | | |\n",
		100*r.quiet.cpu, 100*r.quiet.busy, 100*r.hostile.cpu, 100*r.hostile.busy)
	fmt.Fprintf(w, "| lines the gateway logged | %d | %d | | |\n", r.quiet.lines, r.hostile.lines)

	fmt.Fprintf(w, "\nThe gateway's resident high-water mark over the whole soak: %.0f MiB. %d of %d lesson units ran as their lessons say alone and were used", mib(r.hwm), r.keptUnit, r.units)
	if len(r.dropped) > 0 {
		fmt.Fprintf(w, " (left out: %s)", strings.Join(r.dropped, "; "))
	}
	fmt.Fprintln(w, ".")
	for _, st := range []*classStats{q, h} {
		for _, f := range st.failures {
			fmt.Fprintf(w, "- a failed run: %s\n", strings.SplitN(f, "\n", 2)[0])
		}
	}

	t := r.tally
	fmt.Fprintln(w, "\nHow the gateway answered the hostile addresses (all three together):")
	fmt.Fprintln(w, "\n| attack | outcome | count |")
	fmt.Fprintln(w, "|---|---|---|")
	var names []string
	for k := range t.counts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, n := range names {
		var outs []string
		for o := range t.counts[n] {
			outs = append(outs, o)
		}
		slices.SortFunc(outs, func(a, b string) int { return t.counts[n][b] - t.counts[n][a] })
		for i, o := range outs {
			label := n
			if i > 0 {
				label = "…"
			}
			fmt.Fprintf(w, "| %s | %s | %d |\n", label, o, t.counts[n][o])
		}
	}
	fmt.Fprintf(w, "\nAfter the flood of wrong join codes, a healthy learner joining with the right code got: %s. The classroom gateway logged %d lines.\n", r.joinedAfter, r.classLogLines)
	var steps []string
	for _, a := range attacks {
		steps = append(steps, fmt.Sprintf("%s %d", a.name, t.steps[a.name]))
	}
	fmt.Fprintf(w, "Attack steps completed (all addresses): %s.\n", strings.Join(steps, "; "))
	if len(t.example) > 0 {
		fmt.Fprintln(w, "\nWhat the gateway said:")
		var keys []string
		for k := range t.example {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n, o, _ := strings.Cut(k, "\x00")
			fmt.Fprintf(w, "- %s, %s: %q\n", n, o, t.example[k])
		}
	}
}
