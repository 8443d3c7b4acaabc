// Command bench measures socketlab's relay against the physical limit and the alternatives,
// all on loopback in one run, and prints one table (Markdown) with min/median/max over several
// rounds and ratios to raw TCP and to a plain TCP relay:
//
//	go run ./bench                 # what `make bench` runs
//	go run ./bench -size 1GiB -rounds 5
//	go run ./bench -storm          # the compile storm alone (storm.go)
//	go run ./bench -python-only    # Python in the page alone (python.go)
//
// The paths measured, each ending at the same target server in this process:
//
//	raw TCP          client → target
//	plain relay      client → TCP relay (io.Copy both ways) → target
//	gateway /ws      client ⇒ WebSocket, socketlab's multiplexed protocol → gateway → target
//	gateway /wsfy    client ⇒ WebSocket, one per connection (/websockify) → gateway → target
//	websockify       client ⇒ WebSocket → Debian's websockify (when installed) → target
//
// Relays run as child processes, so their CPU time and memory come from /proc. Then the page
// is measured in headless Chromium (browser.go; -browser=false leaves it out).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"net"
)

// chunk is the size of each write (and of each WebSocket message).
const chunk = 64 << 10

type path struct {
	name     string
	dial     func() (io.ReadWriteCloser, error)
	proc     *relayProc // nil for raw TCP
	sessions int        // sessions opened at once in the memory test
}

// timedOpens is how many sessions the opening time is measured over.
var timedOpens int

// figure is one measured quantity of one path over the rounds.
type figure []float64

func main() {
	serve := flag.String("serve", "", "internal: run a relay (plain, gateway) for the benchmark")
	target := flag.String("target", "", "internal: the relay's target")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the gateway process to `file` (the classroom's, or with -storm the storm's)")
	sizeFlag := flag.String("size", "256MiB", "bytes each throughput run moves each way")
	rounds := flag.Int("rounds", 3, "rounds of every measurement")
	pings := flag.Int("pings", 20000, "round trips in the latency test")
	sessions := flag.Int("sessions", 5000, "sessions (each a stream to the target) open at once in the session and memory test")
	hold := flag.Int("hold", 10000, "program sessions (HELLO and a lookup, no stream) held on the gateway at once")
	timed := flag.Int("timed-opens", 5000, "how many of those sessions the opening time is measured over")
	wsySessions := flag.Int("websockify-sessions", 400, "sessions for Debian's websockify (it forks a process for each)")
	only := flag.String("only", "", "measure only the paths whose names contain one of these comma-separated words (raw TCP and the plain relay always run)")
	classroom := flag.Duration("classroom", 5*time.Minute, "how long the classroom runs: learners running lesson cells against one gateway (0 leaves it out)")
	learners := flag.Int("learners", 200, "learners in the classroom")
	soakLearners := flag.Int("soak-learners", 50, "healthy learners in the soak")
	page := flag.Bool("browser", true, "measure the page in headless Chromium too (bench/browser.go)")
	pageOnly := flag.Bool("page-only", false, "measure only the page in headless Chromium (bench/browser.go)")
	pythonOnly := flag.Bool("python-only", false, "measure only Python in the page, in headless Chromium (bench/python.go)")
	soak := flag.Duration("soak", 0, "run only the soak (bench/soak.go): learners alone for half this time, then beside hostile addresses for this time")
	soakHeap := flag.String("soak-heap", "", "have the soak's gateway write a heap profile into `dir` at each forced collection (heap-1.pprof before the attack, heap-2.pprof after)")
	storm := flag.Bool("storm", false, "run only the compile storm (bench/storm.go)")
	firstOnly := flag.Bool("first-start", false, "measure only the first start on an empty build cache (bench/firststart.go)")
	cold := flag.Bool("cold", true, "in the page section, measure the first start on an empty build cache too (a few minutes)")
	firstRest := flag.Duration("first-start-rest", 10*time.Minute, "in the first start, how long to wait for every lesson cell after the first lesson's Run (0: not at all)")
	var sc stormConfig
	flag.IntVar(&sc.learners, "storm-learners", 60, "learners in the compile storm (0 leaves it out)")
	flag.IntVar(&sc.rounds, "storm-rounds", 3, "rounds of the compile storm")
	flag.DurationVar(&sc.within, "storm-within", 5*time.Second, "every learner of the storm presses Run within this time of the round's start")
	flag.IntVar(&sc.jobs, "storm-jobs", 2, "the storm gateway's --compile-jobs, and plain go build's workers")
	flag.BoolVar(&sc.runHere, "storm-run-here", false, "in the compile storm, run each learner's program beside the builds as soon as it arrives (default: alone after the round, as on the learner's own machine)")
	flag.StringVar(&sc.cache, "storm-cache", "", "keep the storm gateway's caches in `dir` between runs (default: a temporary directory, removed after)")
	flag.Parse()
	if *serve == "soak" {
		if err := serveSoak(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "bench gateway:", err)
			os.Exit(1)
		}
		return
	}
	if *soak > 0 {
		if *soakHeap != "" {
			os.Setenv("SOCKETLAB_BENCH_HEAP", *soakHeap)
		}
		start := time.Now()
		res, err := runSoak(*soakLearners, *soak)
		if err != nil {
			fatal(fmt.Errorf("soak: %w", err))
		}
		fmt.Fprintf(os.Stderr, "soak: done in %v\n", time.Since(start).Round(time.Second))
		printSoak(os.Stdout, res)
		return
	}
	if *firstOnly {
		firstStartSection(os.Stdout, *firstRest)
		return
	}
	if *pythonOnly {
		pageSection(os.Stdout, *rounds, true)
		return
	}
	if *pageOnly {
		embedSection(os.Stdout)
		if *cold {
			firstStartSection(os.Stdout, *firstRest)
		}
		pageSection(os.Stdout, *rounds, false)
		return
	}
	if *storm {
		sc.cpuprofile = *cpuprofile
		res, err := runStorm(sc)
		if err != nil {
			fatal(fmt.Errorf("storm: %w", err))
		}
		printStorm(os.Stdout, res)
		return
	}
	if *serve != "" {
		if err := serveChild(*serve, *target, *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench relay:", err)
			os.Exit(1)
		}
		return
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fatal(err)
	}
	files := raiseOpenFiles()
	timedOpens = *timed

	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	go serveTarget(tl)
	tgt := tl.Addr().String()

	plain, err := startChild("plain", tgt, "")
	if err != nil {
		fatal(err)
	}
	defer plain.stop()
	gw, err := startChild("gateway", tgt, *cpuprofile)
	if err != nil {
		fatal(err)
	}
	defer gw.stop()
	wsy, err := startWebsockify(tgt)
	if err != nil {
		fatal(err)
	}

	paths := []*path{
		{name: "raw TCP", dial: func() (io.ReadWriteCloser, error) { return dialTCP(tgt) }, sessions: *sessions},
		// io.Copy between TCP connections splices through a pipe (4 more descriptors per
		// connection): where open files are few, the plain relay holds fewer sessions.
		{name: "plain relay", proc: plain, dial: func() (io.ReadWriteCloser, error) { return dialTCP(plain.addr) }, sessions: min(*sessions, int(files-1000)/6)},
		{name: "gateway /ws", proc: gw, dial: func() (io.ReadWriteCloser, error) { return dialMux(gw.addr, tgt) }, sessions: *sessions},
		{name: "gateway /websockify", proc: gw, dial: func() (io.ReadWriteCloser, error) {
			return dialWS(gw.addr, "/websockify?target="+tgt)
		}, sessions: *sessions},
	}
	if wsy != nil {
		defer wsy.stop()
		paths = append(paths, &path{name: "websockify 0.10", proc: wsy, dial: func() (io.ReadWriteCloser, error) {
			return dialWS(wsy.addr, "/")
		}, sessions: *wsySessions})
	} else {
		fmt.Fprintln(os.Stderr, "websockify is not installed (apt-get install websockify): its column is left out")
	}

	if *only != "" {
		paths = slices.DeleteFunc(paths, func(p *path) bool {
			if p.name == "raw TCP" || p.name == "plain relay" {
				return false
			}
			for _, w := range strings.Split(*only, ",") {
				if w != "" && strings.Contains(p.name, w) {
					return false
				}
			}
			return true
		})
	}

	res := map[string]map[string]figure{}
	add := func(p *path, key string, v float64) {
		if res[p.name] == nil {
			res[p.name] = map[string]figure{}
		}
		res[p.name][key] = append(res[p.name][key], v)
	}
	start := time.Now()
	for r := range *rounds {
		for _, p := range paths {
			fmt.Fprintf(os.Stderr, "%6.1fs round %d/%d: %s\n", time.Since(start).Seconds(), r+1, *rounds, p.name)
			up, upCPU, err := transfer(p, 'U', size)
			check(p, "upload", err)
			add(p, "up", up)
			down, downCPU, err := transfer(p, 'D', size)
			check(p, "download", err)
			add(p, "down", down)
			if p.proc != nil {
				add(p, "upcpu", upCPU)
				add(p, "downcpu", downCPU)
			}
			p50, p99, err := pingPong(p, *pings)
			check(p, "ping-pong", err)
			add(p, "p50", p50)
			add(p, "p99", p99)
			m, err := openMany(p, *timed)
			check(p, "sessions", err)
			add(p, "open", m.perOpen)
			add(p, "failed", float64(m.failed))
			add(p, "openbench", m.benchCPU)
			if p.proc != nil {
				add(p, "openrelay", m.relayCPU)
				add(p, "idle", m.idle)
				add(p, "used", m.used)
			}
			if p.name == "gateway /ws" && *hold > 0 {
				h := holdSessions(p, gw.addr, *hold)
				add(p, "held", float64(*hold-h.failed))
				add(p, "heldfail", float64(h.failed))
				add(p, "heldopen", h.perOpen)
				add(p, "heldmem", h.memory)
			}
		}
	}
	var class *classResult
	if *classroom > 0 {
		prof := ""
		if *cpuprofile != "" {
			prof = *cpuprofile + ".classroom"
		}
		if class, err = runClassroom(*learners, *classroom, prof); err != nil {
			fatal(fmt.Errorf("classroom: %w", err))
		}
	}
	var stormRes *stormResult
	if sc.learners > 0 {
		if stormRes, err = runStorm(sc); err != nil {
			fatal(fmt.Errorf("storm: %w", err))
		}
	}
	fmt.Fprintf(os.Stderr, "measured in %v\n", time.Since(start).Round(time.Second))
	printTable(os.Stdout, paths, res, size, *rounds, *pings)
	if class != nil {
		printClassroom(os.Stdout, paths, class)
		classroomNotes(os.Stdout, class)
	}
	if stormRes != nil {
		printStorm(os.Stdout, stormRes)
	}
	if *page {
		embedSection(os.Stdout)
		if *cold {
			firstStartSection(os.Stdout, *firstRest)
		}
		pageSection(os.Stdout, *rounds, false)
	}
}

func check(p *path, what string, err error) {
	if err != nil {
		fatal(fmt.Errorf("%s, %s: %w", p.name, what, err))
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// transfer moves size bytes one way and returns MB/s and the relay's CPU seconds per GB.
func transfer(p *path, op byte, size int64) (mbps, cpuPerGB float64, err error) {
	c, err := p.dial()
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	var before usage
	if p.proc != nil {
		before = p.proc.usage()
	}
	buf := make([]byte, chunk)
	t0 := time.Now()
	if _, err := c.Write(command(op, size)); err != nil {
		return 0, 0, err
	}
	if op == 'U' {
		for left := size; left > 0; {
			n := min(left, chunk)
			if _, err := c.Write(buf[:n]); err != nil {
				return 0, 0, err
			}
			left -= n
		}
		if _, err := io.ReadFull(c, buf[:1]); err != nil {
			return 0, 0, err
		}
	} else {
		for left := size; left > 0; {
			n, err := c.Read(buf[:min(left, chunk)])
			left -= int64(n)
			if err != nil && left > 0 {
				return 0, 0, err
			}
		}
	}
	el := time.Since(t0)
	if p.proc != nil {
		cpu := p.proc.usage().cpu - before.cpu
		cpuPerGB = cpu.Seconds() / (float64(size) / 1e9)
	}
	return float64(size) / 1e6 / el.Seconds(), cpuPerGB, nil
}

// pingPong sends 64-byte messages back and forth and returns p50 and p99 in µs.
func pingPong(p *path, n int) (p50, p99 float64, err error) {
	c, err := p.dial()
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if _, err := c.Write(command('E', 0)); err != nil {
		return 0, 0, err
	}
	msg := make([]byte, 64)
	back := make([]byte, 64)
	rtts := make([]time.Duration, 0, n)
	for i := range n + n/10 { // the first tenth warms up
		t0 := time.Now()
		if _, err := c.Write(msg); err != nil {
			return 0, 0, err
		}
		if _, err := io.ReadFull(c, back); err != nil {
			return 0, 0, err
		}
		if i >= n/10 {
			rtts = append(rtts, time.Since(t0))
		}
	}
	slices.Sort(rtts)
	us := func(q float64) float64 { return float64(rtts[int(q*float64(len(rtts)-1))]) / 1e3 }
	return us(0.50), us(0.99), nil
}

type manyResult struct {
	perOpen    float64 // µs per session over the first timed sessions, opened 8 at a time
	failed     int
	benchCPU   float64 // µs of this process's CPU (clients and target) per session opened
	relayCPU   float64 // µs of the relay's CPU per session opened
	idle, used float64 // KiB of relay memory per session, idle and after 32 KiB each way
}

// openMany opens p.sessions sessions at once (each proved by an echoed byte), measures the
// relay's memory, moves 32 KiB each way on each, measures again and closes them.
func openMany(p *path, timed int) (manyResult, error) {
	var r manyResult
	var base usage
	if p.proc != nil {
		p.proc.settle()
		base = p.proc.usage()
	}
	conns := make([]io.ReadWriteCloser, p.sessions)
	var failed atomic.Int64
	var next, opened atomic.Int64
	var wg sync.WaitGroup
	timed = min(timed, len(conns))
	var timedEl atomic.Int64
	// The CPU both sides spend while sessions open: the relay's, and this process's (the
	// clients and the target), which shares the machine with it.
	benchCPU0, relayCPU0 := procCPU(os.Getpid()), time.Duration(0)
	if p.proc != nil {
		relayCPU0 = p.proc.usage().cpu
	}
	t0 := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 1)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(conns)) {
					return
				}
				c, err := p.dial()
				if err == nil {
					_, err = c.Write(append(command('E', 0), 'x'))
					if err == nil {
						_, err = io.ReadFull(c, b)
					}
					if err != nil {
						c.Close()
					}
				}
				if err != nil {
					failed.Add(1)
					continue
				}
				conns[i] = c
				if opened.Add(1) == int64(timed) {
					timedEl.Store(int64(time.Since(t0)))
				}
			}
		}()
	}
	wg.Wait()
	benchCPU := procCPU(os.Getpid()) - benchCPU0
	var relayCPU time.Duration
	if p.proc != nil {
		relayCPU = p.proc.usage().cpu - relayCPU0
	}
	el := time.Duration(timedEl.Load())
	if el == 0 { // too many failed
		el = time.Since(t0)
	}
	r.perOpen = float64(el.Microseconds()) / float64(timed)
	r.failed = int(failed.Load())
	open := len(conns) - r.failed
	if open > 0 {
		r.benchCPU = float64(benchCPU.Microseconds()) / float64(open)
		r.relayCPU = float64(relayCPU.Microseconds()) / float64(open)
	}
	if p.proc != nil && open > 0 {
		p.proc.settle()
		r.idle = float64(p.proc.usage().rss-base.rss) / 1024 / float64(open)
	}
	// Traffic on every session, then memory again.
	next.Store(0)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := make([]byte, 32<<10)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(conns)) {
					return
				}
				if c := conns[i]; c != nil {
					c.Write(msg)
					io.ReadFull(c, msg)
				}
			}
		}()
	}
	wg.Wait()
	if p.proc != nil && open > 0 {
		p.proc.settle()
		r.used = float64(p.proc.usage().rss-base.rss) / 1024 / float64(open)
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	return r, nil
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"", 1}}
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("-size %q: write a number of bytes with KiB, MiB or GiB", s)
			}
			return n * u.n, nil
		}
	}
	return 0, nil
}

func median(f figure) float64 {
	s := slices.Clone(f)
	sort.Float64s(s)
	return s[len(s)/2]
}

func printTable(w io.Writer, paths []*path, res map[string]map[string]figure, size int64, rounds, pings int) {
	rows := []struct {
		key, label, format string
		ratio              bool
		higherBetter       bool
	}{
		{"up", "throughput up, MB/s", "%.0f", true, true},
		{"down", "throughput down, MB/s", "%.0f", true, true},
		{"upcpu", "relay CPU up, s/GB", "%.2f", false, false},
		{"downcpu", "relay CPU down, s/GB", "%.2f", false, false},
		{"p50", "ping-pong p50, µs", "%.0f", true, false},
		{"p99", "ping-pong p99, µs", "%.0f", true, false},
		{"open", fmt.Sprintf("open a session, µs (8 at a time, over the first %d)", timedOpens), "%.0f", true, false},
		{"openrelay", "… relay CPU per session opened, µs", "%.0f", false, false},
		{"openbench", "… the benchmark's own CPU per session opened (clients and target), µs", "%.0f", false, false},
		{"failed", "sessions that failed to open", "%.0f", false, false},
		{"idle", "relay memory per idle session, KiB", "%.1f", false, false},
		{"used", "relay memory per session after traffic, KiB", "%.1f", false, false},
		{"held", "program sessions held at once (no stream)", "%.0f", false, false},
		{"heldfail", "… that failed", "%.0f", false, false},
		{"heldopen", "… µs to open each (HELLO, LOOKUP, 8 at a time)", "%.0f", false, false},
		{"heldmem", "… gateway memory per session, KiB", "%.1f", false, false},
	}
	fmt.Fprintf(w, "%d rounds; each cell is the median [min–max]; ratios compare medians. Throughput moves %s each way in %d KiB writes; ping-pong is %d round trips of 64 bytes; the session test holds ", rounds, fmtSize(size), chunk>>10, pings)
	var ns []string
	for _, p := range paths {
		ns = append(ns, fmt.Sprintf("%d (%s)", p.sessions, p.name))
	}
	fmt.Fprintf(w, "%s sessions open at once.\n\n", strings.Join(ns, ", "))
	fmt.Fprint(w, "| figure |")
	for _, p := range paths {
		fmt.Fprintf(w, " %s |", p.name)
	}
	fmt.Fprint(w, "\n|---|")
	for range paths {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	cell := func(f figure, format string) string {
		if len(f) == 0 {
			return "—"
		}
		lo, hi := slices.Min(f), slices.Max(f)
		return fmt.Sprintf(format+" ["+format+"–"+format+"]", median(f), lo, hi)
	}
	for _, row := range rows {
		fmt.Fprintf(w, "| %s |", row.label)
		for _, p := range paths {
			fmt.Fprintf(w, " %s |", cell(res[p.name][row.key], row.format))
		}
		fmt.Fprintln(w)
		if !row.ratio {
			continue
		}
		for _, ref := range []string{"raw TCP", "plain relay"} {
			rf := res[ref][row.key]
			if len(rf) == 0 {
				continue
			}
			fmt.Fprintf(w, "| … × %s |", ref)
			for _, p := range paths {
				f := res[p.name][row.key]
				if len(f) == 0 || p.name == ref || (ref == "plain relay" && p.name == "raw TCP") {
					fmt.Fprint(w, " |")
					continue
				}
				fmt.Fprintf(w, " %.2f× |", median(f)/median(rf))
			}
			fmt.Fprintln(w)
		}
	}
}

func fmtSize(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
