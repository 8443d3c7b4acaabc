package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"socketlab/gateway/policy"
	"socketlab/gateway/relay"
)

// Each relay under test runs in a process of its own (this program started again with
// -serve), so that its CPU time and memory can be read from /proc without the client's.

// serveChild runs one relay until stdin closes. It prints its address on the first line of
// stdout, and "gc" after a collection asked for with SIGUSR1.
func serveChild(kind, target, cpuprofile string) error {
	if kind == "classroom" {
		return serveClassLab(cpuprofile, flag.Args())
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	switch kind {
	case "plain":
		go servePlain(l, target)
	case "lab":
		if err := serveLab(l); err != nil {
			return err
		}
	case "gateway":
		var rules policy.Flag
		if err := rules.Set(target[:strings.LastIndex(target, ":")] + "/32" + target[strings.LastIndex(target, ":"):]); err != nil {
			return err
		}
		off := relay.Limits{Sessions: -1, SessionsPerClient: -1, SocketsPerLearner: -1, BytesPerSecond: -1, BytesPerSession: -1,
			SocketsPerClient: -1, ListenersPerClient: -1, BytesPerSecondPerClient: -1, ReserveFDs: -1}
		rl := &relay.Relay{Policy: policy.New(rules, nil), Limits: off}
		mux := http.NewServeMux()
		mux.Handle("/ws", rl)
		mux.HandleFunc("GET /websockify", rl.ServeWebsockify)
		go (&http.Server{Handler: mux}).Serve(l)
	default:
		return fmt.Errorf("unknown relay %q", kind)
	}
	fmt.Println(l.Addr())
	answerGC(os.Stdout)
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// answerGC makes this relay process answer SIGUSR1 with a collection, memory given back, and
// one line on w: "gc HEAP STACKS MAPPED GOROUTINES" (bytes in use, bytes the runtime keeps
// mapped), which the benchmark reads after asking.
func answerGC(w io.Writer) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		for range sig {
			runtime.GC()
			debug.FreeOSMemory()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			writeHeapProfile() // before the answer, after which the soak may stop the gateway
			fmt.Fprintf(w, "gc %d %d %d %d\n", m.HeapInuse, m.StackInuse, m.Sys-m.HeapReleased, runtime.NumGoroutine())
		}
	}()
}

// heapProfiles (the environment's SOCKETLAB_BENCH_HEAP, set by -soak-heap) is where a relay
// writes a heap profile after each collection SIGUSR1 asks for: heap-1.pprof, heap-2.pprof,
// ... (go tool pprof -base heap-1.pprof heap-2.pprof shows what the second holds more).
var heapProfiles atomic.Int32

// cpuProfile is the CPU profile being written since the last collection, heap-N's
// cpu-N+1.pprof: cpu-2.pprof covers what happened between the first and the second.
var cpuProfile *os.File

func writeHeapProfile() {
	dir := os.Getenv("SOCKETLAB_BENCH_HEAP")
	if dir == "" {
		return
	}
	if cpuProfile != nil {
		pprof.StopCPUProfile()
		cpuProfile.Close()
	}
	if f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", heapProfiles.Load()+2))); err == nil {
		cpuProfile = f
		pprof.StartCPUProfile(f)
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", heapProfiles.Add(1))))
	if err != nil {
		fmt.Fprintln(os.Stderr, "heap profile:", err)
		return
	}
	defer f.Close()
	pprof.Lookup("heap").WriteTo(f, 0)
	// And every memory class the runtime counts, with its threads' count: what the heap
	// profile does not see (stacks, the runtime's own structures).
	var all []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/sched/") {
			all = append(all, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(all)
	var b strings.Builder
	for _, m := range all {
		if m.Value.Kind() == metrics.KindUint64 {
			fmt.Fprintf(&b, "%s %d\n", m.Name, m.Value.Uint64())
		}
	}
	threads, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(threads)) {
		if strings.HasPrefix(line, "Threads:") {
			b.WriteString(line)
		}
	}
	os.WriteFile(strings.TrimSuffix(f.Name(), ".pprof")+".txt", []byte(b.String()), 0o644)
}

// servePlain is the reference two-hop relay: no WebSocket, no framing, two io.Copy per
// connection (which the kernel may splice).
func servePlain(l net.Listener, target string) {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			fmt.Fprintln(os.Stderr, "plain relay:", err)
			time.Sleep(100 * time.Millisecond) // out of descriptors: let connections close
			continue
		}
		go func() {
			defer c.Close()
			t, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer t.Close()
			go func() {
				io.Copy(t, c)
				t.(*net.TCPConn).CloseWrite()
			}()
			io.Copy(c, t)
		}()
	}
}

// relayProc is a running relay under test.
type relayProc struct {
	cmd  *exec.Cmd
	addr string
	out  *bufio.Reader
	in   io.Closer
	gcs  bool // answers SIGUSR1 with a collection
}

func startChild(kind, target, cpuprofile string) (*relayProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", kind, "-target", target}
	if cpuprofile != "" {
		args = append(args, "-cpuprofile", cpuprofile)
	}
	return startProc(exec.Command(self, args...), true)
}

// startWebsockify starts Debian's websockify towards target, or returns nil when it is not
// installed.
func startWebsockify(target string) (*relayProc, error) {
	path, err := exec.LookPath("websockify")
	if err != nil {
		return nil, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(path, addr, target)
	p, err := startProc(cmd, false)
	if err != nil {
		return nil, err
	}
	p.addr = addr
	// It prints its banner on stderr; wait until it accepts connections.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return p, nil
		}
		if i == 100 {
			p.stop()
			return nil, fmt.Errorf("websockify did not start listening on %s", addr)
		}
		time.Sleep(50 * time.Millisecond) // polling another program's start-up: no event to wait for
	}
}

func startProc(cmd *exec.Cmd, ours bool) (*relayProc, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the benchmark
	cmd.Stderr = os.Stderr
	if !ours {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &relayProc{cmd: cmd, in: in, out: bufio.NewReader(out), gcs: ours}
	if ours {
		line, err := p.out.ReadString('\n')
		if err != nil {
			p.stop()
			return nil, fmt.Errorf("relay did not start: %v", err)
		}
		p.addr = strings.TrimSpace(line)
	}
	return p, nil
}

// settle asks a Go relay to collect its garbage and give memory back, so RSS shows what it
// keeps.
func (p *relayProc) settle() {
	if !p.gcs {
		return
	}
	p.cmd.Process.Signal(syscall.SIGUSR1)
	p.out.ReadString('\n')
}

func (p *relayProc) stop() {
	p.in.Close()
	if p.gcs {
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(5 * time.Second):
		}
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	// websockify forks a process per connection; they go with their parent's group only if
	// asked, so end any left.
	for _, pid := range descendants(p.cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// usage is the CPU time and resident memory of a process and all its descendants.
type usage struct {
	cpu time.Duration
	rss int64
}

func (p *relayProc) usage() usage {
	var u usage
	for _, pid := range append([]int{p.cmd.Process.Pid}, descendants(p.cmd.Process.Pid)...) {
		u.cpu += procCPU(pid)
		u.rss += procRSS(pid)
	}
	return u
}

const clockTicks = 100 // USER_HZ on Linux

func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	// After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	var t int64
	for _, i := range []int{11, 12, 13, 14} {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		t += v
	}
	return time.Duration(t) * time.Second / clockTicks
}

func procRSS(pid int) int64 {
	// Proportional set size: pages shared by websockify's forked processes count once.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// descendants lists the processes below pid.
func descendants(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(pid)
	return out
}
