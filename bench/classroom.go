package main

// The classroom: one gateway, the one `make run` starts, used by a whole class at once. Each
// simulated learner has a learner id of their own and keeps running lesson cells, the
// programs of lessons/*.md compiled natively with the lab's runtime (as `socketlab run` and
// the lesson tests run them), with a few seconds of thought between runs. Every run's exit
// status and console are checked against the lesson; every socket operation's latency comes
// from the program's own event stream; the gateway's memory is sampled from /proc.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/event"
	"socketlab/internal/cli"
	"socketlab/internal/runner"
	"socketlab/lessons"
)

const (
	// A learner thinks (reads, edits) between runs for a time drawn evenly from this range,
	// so that the load is steady rather than a crowd pressing Run together.
	thinkMin = 2 * time.Second
	thinkMax = 8 * time.Second

	classRunTimeout   = 60 * time.Second // a program that should end by itself
	classReadyTimeout = 30 * time.Second // a server cell, until it listens
	classSettle       = 10 * time.Second // a server cell, after its clients are done
	sampleEvery       = 5 * time.Second  // the gateway's memory
)

// classRun is one program run as a lesson shows it: arguments, input and what the console
// must say.
type classRun struct {
	where string // "01-time.md:12 (cell 01-time-2), args [time.lab:38]"
	path  string // the compiled program
	run   lessons.Run
}

// classUnit is what a learner does on one press of Run: a cell alone, or a server cell with
// the cells that talk to it (the server is started, its clients run, then it is stopped).
type classUnit struct {
	name    string
	server  *classRun
	clients []classRun
}

// classStats gathers what the learners saw.
type classStats struct {
	mu       sync.Mutex
	units    int
	runs     int
	sessions int // runs that opened a session with the gateway
	failed   int
	running  int                  // programs running now
	peak     int                  // the most programs running at once
	failures []string             // the first few, in full
	ops      map[string][]float64 // latency samples in ms, by operation
	wall     []float64            // a run, start to exit, ms
	slowest  map[string]float64   // the slowest operation seen in each unit, ms
}

func (s *classStats) fail(learner, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed++
	if len(s.failures) < 5 {
		s.failures = append(s.failures, learner+": "+msg)
		fmt.Fprintf(os.Stderr, "classroom: FAILED %s: %s\n", learner, msg)
	}
}

// classResult is what the classroom prints.
type classResult struct {
	learners int
	duration time.Duration
	stats    *classStats

	memStart, memMax, memEnd float64 // gateway PSS, MiB
	slope                    float64 // MiB per minute after warm-up
	warmup                   time.Duration
	settledBefore            float64 // after a collection, MiB
	settledAfter             float64
	fdStart, fdMax, fdEnd    int
	fdAfter                  int     // once every learner's program has ended
	gatewayCPU               float64 // share of one core
	machineBusy              float64 // share of all cores
	logLines                 int     // what the gateway logged during the class
	dropped                  []string
}

// runClassroom starts a gateway with its lab network in a child process, has learners use it
// for d and returns what they saw. cpuprofile, when set, gets a CPU profile of that gateway.
func runClassroom(learners int, d time.Duration, cpuprofile string) (*classResult, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "classroom: "+format+"\n", a...) }
	units, err := classUnits()
	if err != nil {
		return nil, err
	}
	logf("compiling the lesson cells for this machine (the first time takes a few minutes)...")
	if err := compileUnits(units, ""); err != nil {
		return nil, err
	}

	gw, log, err := startLabGateway(cpuprofile, nil)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	wsURL := "ws://" + gw.addr + "/ws"

	work, err := os.MkdirTemp("", "socketlab-classroom-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	// Every unit once, alone, before the clock: one that fails here is a lesson or gateway
	// bug rather than load, and is left out (and said).
	res := &classResult{learners: learners, duration: d}
	kept, dropped, err := checkUnits(units, wsURL, filepath.Join(work, "check"), "classroom-check")
	if err != nil {
		return nil, err
	}
	res.dropped = dropped
	logf("%d of %d units ran as their lessons say; the class starts", len(kept), len(units))

	gw.settle()
	res.settledBefore = mib(gw.usage().rss)
	stats := &classStats{ops: map[string][]float64{}, slowest: map[string]float64{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()

	type sample struct {
		t   time.Duration
		mem float64
		fds int
	}
	var samples []sample
	start := time.Now()
	cpu0 := gw.usage().cpu
	busy0, total0 := machineCPU()
	take := func() {
		samples = append(samples, sample{time.Since(start), mib(gw.usage().rss), openFDs(gw.cmd.Process.Pid)})
	}
	take()
	log.counting(true)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				take()
			}
		}
	}()

	var wg sync.WaitGroup
	for i := range learners {
		dir := filepath.Join(work, fmt.Sprintf("learner-%03d", i))
		os.MkdirAll(dir, 0o755)
		wg.Add(1)
		go func() {
			defer wg.Done()
			learner(ctx, i, kept, wsURL, dir, stats)
		}()
	}
	<-ctx.Done()
	<-sampled
	take()
	elapsed := time.Since(start)
	cpu1 := gw.usage().cpu
	busy1, total1 := machineCPU()
	logf("time is up; waiting for the runs under way to end")
	wg.Wait()
	res.logLines = log.counting(false)
	gw.settle()
	res.settledAfter = mib(gw.usage().rss)
	res.fdAfter = openFDs(gw.cmd.Process.Pid)

	res.stats = stats
	res.gatewayCPU = (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	if total1 > total0 {
		res.machineBusy = (busy1 - busy0) / (total1 - total0)
	}
	res.memStart, res.memEnd = samples[0].mem, samples[len(samples)-1].mem
	res.fdStart, res.fdEnd = samples[0].fds, samples[len(samples)-1].fds
	for _, s := range samples {
		res.memMax = max(res.memMax, s.mem)
		res.fdMax = max(res.fdMax, s.fds)
	}
	// The slope leaves out the first minute (or fifth of the run): learners arriving, pools
	// and heap growing to their working size.
	res.warmup = min(time.Minute, d/5)
	var xs, ys []float64
	for _, s := range samples {
		if s.t >= res.warmup {
			xs = append(xs, s.t.Minutes())
			ys = append(ys, s.mem)
		}
	}
	res.slope = slope(xs, ys)
	return res, nil
}

// classUnits turns the lessons into units: every cell that stands alone with each of its
// runs, every run of a client cell that names a lab server rather than its own server, and
// every server cell with its clients.
func classUnits() ([]*classUnit, error) {
	ls, err := lessons.Default()
	if err != nil {
		return nil, err
	}
	var units []*classUnit
	for _, l := range ls {
		servers := map[string]bool{}
		for _, id := range l.Servers() {
			servers[id] = true
		}
		for i := range l.Cells {
			c := &l.Cells[i]
			if len(c.Runs) == 0 {
				continue // nothing to check it against
			}
			runs := func(c *lessons.Cell, rs []lessons.Run) []classRun {
				var out []classRun
				for _, r := range rs {
					where := fmt.Sprintf("%s.md:%d (cell %s)", l.Slug, c.Line, c.ID)
					if len(r.Args) > 0 {
						where += fmt.Sprintf(" args %q", r.Args)
					}
					out = append(out, classRun{where: where, path: c.Source, run: r})
				}
				return out
			}
			switch {
			case servers[c.ID]:
				srv := runs(c, c.Runs[:1])[0]
				u := &classUnit{name: srv.where + " with its clients", server: &srv}
				for j := range l.Cells {
					if k := &l.Cells[j]; k.With == c.ID {
						u.clients = append(u.clients, runs(k, k.Runs)...)
					}
				}
				units = append(units, u)
				for _, r := range runs(c, c.Runs[1:]) {
					units = append(units, &classUnit{name: r.where, clients: []classRun{r}})
				}
			case c.With != "":
				// A run that names a lab server (chat.lab, count.lab) needs no server cell.
				for _, r := range runs(c, c.Runs) {
					if slices.ContainsFunc(r.run.Args, func(a string) bool { return strings.Contains(a, ".lab") }) {
						units = append(units, &classUnit{name: r.where, clients: []classRun{r}})
					}
				}
			default:
				for _, r := range runs(c, c.Runs) {
					units = append(units, &classUnit{name: r.where, clients: []classRun{r}})
				}
			}
		}
	}
	return units, nil
}

// compileUnits builds every program natively (the source in path becomes the program's
// path), once, in cacheDir ("": the build cache `socketlab run` uses).
func compileUnits(units []*classUnit, cacheDir string) error {
	b, err := runner.NativeBuilder(cacheDir)
	if err != nil {
		return err
	}
	built := map[string]string{}
	compile := func(r *classRun) error {
		if p, ok := built[r.path]; ok {
			r.path = p
			return nil
		}
		p, res, err := b.Build(context.Background(), []byte(r.path))
		if err != nil {
			return fmt.Errorf("%s: building: %w", r.where, err)
		}
		if p == "" {
			return fmt.Errorf("%s does not compile: %s", r.where, res.Output)
		}
		built[r.path] = p
		r.path = p
		return nil
	}
	for _, u := range units {
		if u.server != nil {
			if err := compile(u.server); err != nil {
				return err
			}
		}
		for i := range u.clients {
			if err := compile(&u.clients[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// learner runs units at random with think time between, until ctx ends.
func learner(ctx context.Context, n int, units []*classUnit, wsURL, dir string, stats *classStats) {
	id := fmt.Sprintf("classroom-learner-%03d", n)
	// Arrive at a random moment of the first think time, not all at once.
	wait := time.Duration(mrand.Int64N(int64(thinkMax)))
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		runUnit(units[mrand.IntN(len(units))], wsURL, id, dir, stats)
		wait = thinkMin + time.Duration(mrand.Int64N(int64(thinkMax-thinkMin)))
	}
}

// runUnit does one unit as learner id and records what happened.
func runUnit(u *classUnit, wsURL, id, dir string, stats *classStats) {
	gw := wsURL + "?learner=" + id
	defer func() {
		stats.mu.Lock()
		stats.units++
		stats.mu.Unlock()
	}()
	var srv *runner.Proc
	if u.server != nil {
		var err error
		srv, err = startClassProc(u.server, gw, dir, stats)
		if err != nil {
			stats.fail(id, err.Error())
			return
		}
		if err := srv.Ready(classReadyTimeout); err != nil {
			stats.fail(id, u.server.where+" "+err.Error())
			return
		}
	}
	for _, c := range u.clients {
		p, err := startClassProc(&c, gw, dir, stats)
		if err != nil {
			stats.fail(id, err.Error())
			continue
		}
		o, err := p.Finish(classRunTimeout)
		record(u, &c, o, err, false, id, stats)
	}
	if srv != nil {
		// Wait until the server has finished with every connection and shows what the lesson
		// shows, then stop it, as a learner presses Stop.
		o := srv.Settle(classSettle, func(output string) bool {
			ok, _ := u.server.run.Matches(output)
			return ok
		})
		record(u, u.server, o, nil, o.Stopped, id, stats)
	}
}

// record checks one run against its lesson and keeps its latencies.
func record(u *classUnit, r *classRun, o runner.Outcome, err error, stopped bool, id string, stats *classStats) {
	ops := opLatencies(o.Events)
	stats.mu.Lock()
	stats.runs++
	if len(o.Events) > 0 {
		stats.sessions++
	}
	stats.wall = append(stats.wall, float64(o.Wall.Microseconds())/1000)
	for k, v := range ops {
		stats.ops[k] = append(stats.ops[k], v...)
		stats.slowest[u.name] = max(stats.slowest[u.name], slices.Max(v))
	}
	stats.mu.Unlock()
	var why []string
	if err != nil {
		why = append(why, err.Error())
	}
	if !stopped && (o.Exit == nil || *o.Exit != r.run.Exit) {
		why = append(why, fmt.Sprintf("exit status %s, want %d", o.ExitText(), r.run.Exit))
	}
	if ok, msg := r.run.Matches(o.Output); !ok {
		why = append(why, "the output is not what the lesson shows: "+msg)
	}
	if len(why) > 0 {
		stats.fail(id, fmt.Sprintf("%s: %s. Output:\n%s", r.where, strings.Join(why, "; "), runner.Indent(o.Output)))
	}
}

// opLatencies reads the socket operations and their latencies (ms) out of one program's
// events: connect (dial to connected or refused), lookup (to its answer), first byte (the
// first data back after the program's last send, or after connecting when the server speaks
// first) and UDP round trip (sendto to the next datagram back). Replies from the learner's
// own servers (localhost) and on streams a server accepted are left out: they wait for
// another program, which may take its time on purpose (a lesson's slow server).
func opLatencies(evs []event.Event) map[string][]float64 {
	out := map[string][]float64{}
	dial := map[uint32]float64{}
	look := map[uint32]float64{}
	await := map[uint32]float64{} // data expected back since this time
	accepted := map[uint32]bool{}
	for _, e := range evs {
		s := e.Stream
		switch e.Kind {
		case event.Dial:
			dial[s] = e.T
		case event.Connected:
			if t, ok := dial[s]; ok {
				out["connect"] = append(out["connect"], e.T-t)
				delete(dial, s)
			}
			if !ownHost(e.Addr) {
				await[s] = e.T
			}
		case event.Lookup:
			look[s] = e.T
		case event.Answer:
			if t, ok := look[s]; ok {
				out["lookup"] = append(out["lookup"], e.T-t)
				delete(look, s)
			}
		case event.Error:
			if t, ok := dial[s]; ok {
				out["connect"] = append(out["connect"], e.T-t)
				delete(dial, s)
			}
			if t, ok := look[s]; ok {
				out["lookup"] = append(out["lookup"], e.T-t)
				delete(look, s)
			}
		case event.Accept:
			accepted[s] = true
		case event.Send, event.SendTo:
			if !accepted[s] && !ownHost(e.Addr) {
				await[s] = e.T
			}
		case event.Recv, event.RecvFrom:
			if t, ok := await[s]; ok {
				k := "first byte"
				if e.Kind == event.RecvFrom {
					k = "UDP round trip"
				}
				out[k] = append(out[k], e.T-t)
				delete(await, s)
			}
		}
	}
	return out
}

// ownHost says whether addr (host:port) is the learner's own machine in the lab.
func ownHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// startClassProc starts r's program as a learner's, its sockets going to gw, and counts it
// among the programs running until it ends.
func startClassProc(r *classRun, gw, dir string, stats *classStats) (*runner.Proc, error) {
	p, err := runner.Start(r.path, &runner.Options{Gateway: gw, Args: r.run.Args, Stdin: r.run.Stdin, Dir: dir, Faults: r.run.Faults})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", r.where, err)
	}
	stats.mu.Lock()
	stats.running++
	stats.peak = max(stats.peak, stats.running)
	stats.mu.Unlock()
	go func() {
		<-p.Done()
		stats.mu.Lock()
		stats.running--
		stats.mu.Unlock()
	}()
	return p, nil
}

// gatewayLog follows the gateway's standard error: it waits for the lesson cells to be
// compiled, then counts (and shows) what the gateway logs while the class runs.
type gatewayLog struct {
	mu    sync.Mutex
	count bool
	n     int
}

func (g *gatewayLog) counting(on bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.count = on
	return g.n
}

// startLabGateway starts the gateway `make run` starts (cli.Main) in a child process on
// a free loopback port, and returns once its lesson cells are compiled. env is added to the
// child's environment and gatewayArgs to the gateway's command line.
func startLabGateway(cpuprofile string, env []string, gatewayArgs ...string) (*relayProc, *gatewayLog, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	args := []string{"-serve", "classroom"}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile", cpuprofile)
	}
	args = append(append(args, "--"), gatewayArgs...)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	p := &relayProc{cmd: cmd, in: in, out: bufio.NewReader(out), gcs: true}
	const banner = "socketlab is running: open http://"
	for {
		line, err := p.out.ReadString('\n')
		if err != nil {
			p.stop()
			return nil, nil, fmt.Errorf("the gateway did not start: %v", err)
		}
		if a, ok := strings.CutPrefix(strings.TrimSpace(line), banner); ok {
			p.addr = strings.TrimSuffix(a, "/")
			break
		}
	}
	log := &gatewayLog{}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errOut)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "lesson cells ready") {
				close(ready)
				continue
			}
			log.mu.Lock()
			counted := log.count
			if counted {
				log.n++
			}
			show := counted && log.n <= 10
			log.mu.Unlock()
			// Before the class: the start-up lines, of which only a cell that failed to
			// compile matters.
			if show || !counted && strings.Contains(line, " cell ") && !strings.Contains(line, "compiled lesson cell") {
				fmt.Fprintln(os.Stderr, "classroom gateway:", line)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Minute):
		p.stop()
		return nil, nil, errors.New("the gateway did not finish compiling its lesson cells in 10 minutes")
	}
	return p, log, nil
}

// serveClassLab runs the gateway as `socketlab --addr 127.0.0.1:0` does, with its default limits
// and extra added to its command line, until stdin closes. Like the other relays it answers
// SIGUSR1 with a collection and "gc".
func serveClassLab(cpuprofile string, extra []string) error {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var outMu sync.Mutex
	out := lockedWriter{&outMu, os.Stdout}
	answerGC(out)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		syscall.Kill(os.Getpid(), syscall.SIGTERM) // the gateway shuts down on SIGTERM
	}()
	if code := cli.Main(append([]string{"--addr", "127.0.0.1:0"}, extra...), func(string) string { return "" }, strings.NewReader(""), out, os.Stderr); code != 0 {
		return fmt.Errorf("the gateway exited with status %d", code)
	}
	return nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// openFDs counts a process's open descriptors.
func openFDs(pid int) int {
	ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	return len(ents)
}

// machineCPU returns the busy and total CPU time of the machine so far, in clock ticks.
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)[1:]
	for i, v := range f {
		n, _ := strconv.ParseFloat(v, 64)
		if i >= 8 { // guest time is counted in user time already
			break
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// printClassroom adds the classroom's rows to the table: its figures go in the gateway /ws
// column (the learners' programs use that protocol), one run, so no range.
func printClassroom(w io.Writer, paths []*path, c *classResult) {
	st := c.stats
	row := func(label, format string, a ...any) {
		fmt.Fprintf(w, "| %s |", label)
		for _, p := range paths {
			if p.name == "gateway /ws" {
				fmt.Fprintf(w, " "+format+" |", a...)
			} else {
				fmt.Fprint(w, " |")
			}
		}
		fmt.Fprintln(w)
	}
	lat := func(v []float64) (float64, float64, float64) {
		if len(v) == 0 {
			return 0, 0, 0
		}
		return quantile(v, 0.5), quantile(v, 0.99), slices.Max(v)
	}
	var all []float64
	for _, v := range st.ops {
		all = append(all, v...)
	}
	label := fmt.Sprintf("classroom (%d learners, %s)", c.learners, c.duration)
	row(label+": runs completed / failed", "%d / %d", st.runs, st.failed)
	row("… runs per second; sessions opened; programs running at once, most", "%.1f; %d; %d", float64(st.runs)/c.duration.Seconds(), st.sessions, st.peak)
	a, b, m := lat(all)
	row(fmt.Sprintf("… socket operations (%d): p50 / p99 / max, ms", len(all)), "%.2f / %.1f / %.1f", a, b, m)
	for _, k := range []string{"connect", "lookup", "first byte", "UDP round trip"} {
		if len(st.ops[k]) == 0 {
			continue
		}
		a, b, m := lat(st.ops[k])
		row(fmt.Sprintf("… %s (%d): p50 / p99 / max, ms", k, len(st.ops[k])), "%.2f / %.1f / %.1f", a, b, m)
	}
	a, b, m = lat(st.wall)
	row("… a run, start to exit: p50 / p99 / max, ms", "%.0f / %.0f / %.0f", a, b, m)
	row("… gateway memory (PSS) start / max / end, MiB", "%.1f / %.1f / %.1f", c.memStart, c.memMax, c.memEnd)
	row(fmt.Sprintf("… gateway memory slope after %s, MiB/min", c.warmup), "%+.2f", c.slope)
	row("… gateway memory after a collection, before / after the class, MiB", "%.1f / %.1f", c.settledBefore, c.settledAfter)
	row("… gateway descriptors start / max / end; after the class", "%d / %d / %d; %d", c.fdStart, c.fdMax, c.fdEnd, c.fdAfter)
	row("… gateway CPU, % of one core; machine busy, % of all", "%.0f%%; %.0f%%", 100*c.gatewayCPU, 100*c.machineBusy)
}

// classroomNotes says, below the table, what the classroom rows cannot.
func classroomNotes(w io.Writer, c *classResult) {
	fmt.Fprintf(w, "\nClassroom: %d learners, each with a learner id of their own, ran lesson cells natively (the lab runtime, GOMAXPROCS=1) against one gateway with its lab network and default limits for %s, thinking %s–%s between runs; %d lines logged by the gateway meanwhile.",
		c.learners, c.duration, thinkMin, thinkMax, c.logLines)
	if len(c.dropped) > 0 {
		fmt.Fprintf(w, " Left out because they failed even alone: %s.", strings.Join(c.dropped, "; "))
	}
	type slow struct {
		name string
		ms   float64
	}
	var ss []slow
	for k, v := range c.stats.slowest {
		ss = append(ss, slow{k, v})
	}
	slices.SortFunc(ss, func(a, b slow) int { return int(b.ms - a.ms) })
	if len(ss) > 3 {
		ss = ss[:3]
	}
	var parts []string
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s %.0f ms", s.name, s.ms))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, " Slowest single operations: %s.", strings.Join(parts, "; "))
	}
	fmt.Fprintln(w)
}

// checkUnits runs every unit once, alone, against the relay at wsURL: one that fails then is
// a lesson or gateway bug rather than load, and is left out (and named in dropped).
func checkUnits(units []*classUnit, wsURL, dir, prefix string) (kept []*classUnit, dropped []string, err error) {
	check := &classStats{ops: map[string][]float64{}, slowest: map[string]float64{}}
	os.MkdirAll(dir, 0o755)
	for i, u := range units {
		before := check.failed
		runUnit(u, wsURL, fmt.Sprintf("%s-%03d", prefix, i), dir, check)
		if check.failed > before {
			dropped = append(dropped, u.name)
			continue
		}
		kept = append(kept, u)
	}
	if len(kept) == 0 {
		return nil, dropped, errors.New("no lesson cell ran as its lesson says, even alone; see the failures above")
	}
	return kept, dropped, nil
}
