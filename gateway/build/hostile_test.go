package build

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hostile tests compile what an attacker would send. They use a Go build cache of their
// own, in a temporary directory removed when the tests end, so a bomb that got through could
// not grow the cache other tests share.
var (
	hostileOnce  sync.Once
	hostileCache string
	hostileErr   error

	coldProgress  []Progress // what Progress said while the first build filled the empty cache
	afterProgress Progress   // and after it
)

func TestMain(m *testing.M) {
	code := m.Run()
	if hostileCache != "" {
		os.RemoveAll(hostileCache)
	}
	os.Exit(code)
}

// hostileService is a service with no runtime, overlay or prelude (a program needs only the
// Go runtime compiled, a few seconds), a private Go build cache and the given limits.
func hostileService(t *testing.T, edit func(*Options)) *Service {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	hostileOnce.Do(func() {
		hostileCache, hostileErr = os.MkdirTemp("", "socketlab-hostile-gocache-")
		if hostileErr != nil {
			return
		}
		// The first build compiles the Go runtime into the empty cache, which takes most of
		// a minute on a busy machine; the bombs are timed without it.
		start := time.Now()
		var warm *Service
		warm, hostileErr = New(&Options{CacheDir: t.TempDir(), GoCache: hostileCache, Timeout: 3 * time.Minute, Logf: t.Logf})
		if hostileErr == nil {
			// TestColdProgress looks at what Progress said meanwhile.
			done := make(chan struct{})
			seen := make(chan []Progress)
			go func() {
				var ps []Progress
				for {
					select {
					case <-done:
						seen <- ps
						return
					case <-time.After(20 * time.Millisecond):
						ps = append(ps, warm.Progress())
					}
				}
			}()
			_, hostileErr = warm.Build(context.Background(), []byte("package main\n\nfunc main() {}\n"))
			close(done)
			coldProgress = <-seen
			afterProgress = warm.Progress()
		}
		t.Logf("compiled the Go runtime into a private cache in %v", time.Since(start).Round(time.Millisecond))
	})
	if hostileErr != nil {
		t.Fatal(hostileErr)
	}
	opts := &Options{
		CacheDir:   t.TempDir(),
		GoCache:    hostileCache,
		MaxGoCache: 256 << 20,
		Memory:     512 << 20,
		CPU:        40 * time.Second,
		MaxFile:    64 << 20,
		Budget:     -1,
		Timeout:    50 * time.Second,
		Logf:       t.Logf,
	}
	if edit != nil {
		edit(opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.running.Wait)
	return s
}

// peakWatcher samples /proc for the processes of builds this test process started (each
// build's go command leads a process group of its own, and the compiler and linker belong to
// it) and keeps the largest VmHWM any of them reached.
type peakWatcher struct {
	stop chan struct{}
	done chan struct{}
	peak int64
	seen int
}

func watchPeak(t *testing.T) *peakWatcher {
	if runtime.GOOS != "linux" {
		t.Skip("measures memory from /proc")
	}
	w := &peakWatcher{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			w.sample()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *peakWatcher) finish() (peak int64, processes int) {
	close(w.stop)
	<-w.done
	return w.peak, w.seen
}

func (w *peakWatcher) sample() {
	me := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	leaders := map[int]bool{} // process groups led by a child of this process
	type proc struct{ pid, ppid, pgrp int }
	var procs []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		procs = append(procs, proc{pid, ppid, pgrp})
		if ppid == me && pgrp == pid {
			leaders[pid] = true
		}
	}
	for _, p := range procs {
		if !leaders[p.pgrp] {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				w.peak = max(w.peak, kb<<10)
				w.seen++
			}
		}
	}
}

func TestHostileCompileBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles bombs; skipped with -short")
	}
	bombs := []struct {
		name, src string
		limit     string
		edit      func(*Options)
	}{
		// 79 bytes: 1 GiB of initialised data for the linker to lay out.
		{"array", "package main\n\nvar a = [1 << 30]byte{1}\n\nfunc main() { println(a[len(a)-1]) }\n", LimitMemory, nil},
		{"generics", genericBomb(24), LimitMemory, nil},
		{"generics-cpu", genericBomb(25), LimitCPU, func(o *Options) { o.CPU, o.Memory = 3*time.Second, 2<<30 }},
	}
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			s := hostileService(t, b.edit)
			w := watchPeak(t)
			start := time.Now()
			r, err := s.Build(context.Background(), []byte(b.src))
			peak, seen := w.finish()
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			t.Logf("%s bomb: %v, peak VmHWM %s over %d samples, limit %q: %s", b.name, time.Since(start).Round(time.Millisecond), formatSize(peak), seen, r.Limit, r.Output)
			if r.OK || r.Limit != b.limit || len(r.Diagnostics) != 1 {
				t.Fatalf("result = ok %v, limit %q, diagnostics %v; want a failure naming the limit", r.OK, r.Limit, r.Diagnostics)
			}
			msg := r.Diagnostics[0].Msg
			for _, want := range []string{"more than", "and was stopped"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %q", msg, want)
				}
			}
			if r.Limit == LimitMemory && !strings.Contains(msg, "512 MiB of memory") {
				t.Errorf("message %q does not name the memory limit", msg)
			}
			if r.Limit == LimitCPU && !strings.Contains(msg, "3s of CPU time") {
				t.Errorf("message %q does not name the CPU limit", msg)
			}
			// RLIMIT_DATA bounds the heap; the resident set also holds the program text and
			// stacks.
			if peak > s.memory+128<<20 {
				t.Errorf("a build process reached %s resident, the limit is %s", formatSize(peak), formatSize(s.memory))
			}
			if got := dirSize(s.goCache); got > s.maxGoCache {
				t.Errorf("the Go build cache holds %s, over its cap of %s", formatSize(got), formatSize(s.maxGoCache))
			}
			// The same bomb again is answered from the cache, without running into the limit again.
			n := s.compiles.Load()
			r2, err := s.Build(context.Background(), []byte(b.src))
			if err != nil || !r2.Cached || r2.Limit != r.Limit || s.compiles.Load() != n {
				t.Errorf("second build: err %v, cached %v, limit %q; want the cached failure", err, r2 != nil && r2.Cached, r2.Limit)
			}
		})
	}
}

// genericBomb is a program whose generic functions instantiate each other 2^depth times,
// each time with a type of a shape of its own, so that the compiler cannot share the code.
func genericBomb(depth int) string {
	var b strings.Builder
	b.WriteString("package main\n\n")
	for i := range depth {
		fmt.Fprintf(&b, "func f%d[T any]() { f%d[[1]T](); f%d[struct{ x T }]() }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "func f%d[T any]() {}\n\nfunc main() { f0[int]() }\n", depth)
	return b.String()
}

func TestHostileCompileBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles; skipped with -short")
	}
	// A small budget: a build here uses about half a CPU second.
	s := hostileService(t, func(o *Options) { o.Budget = 500 * time.Millisecond })
	h := s.Handler()
	build := func(addr string, i int) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]string{"source": fmt.Sprintf("package main\n\nfunc main() { println(%d) }\n", i)})
		req := httptest.NewRequest(http.MethodPost, "/api/build", strings.NewReader(string(body)))
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	refused := false
	for i := range 20 {
		rec := build("192.0.2.7:4000", i)
		if rec.Code == http.StatusTooManyRequests {
			var e struct{ Error string }
			json.Unmarshal(rec.Body.Bytes(), &e)
			if !strings.Contains(e.Error, "compile-seconds") || rec.Header().Get("Retry-After") == "" {
				t.Errorf("refusal %q (Retry-After %q) does not say what to wait for", e.Error, rec.Header().Get("Retry-After"))
			}
			t.Logf("refused after %d builds: %s", i, e.Error)
			refused = true
			break
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("build %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if !refused {
		t.Fatal("20 builds from one address were never refused")
	}
	// The same program, compiled already, costs nothing and is still served.
	if rec := build("192.0.2.7:4001", 0); rec.Code != http.StatusOK {
		t.Errorf("a cached program: %d %s, want 200", rec.Code, rec.Body)
	}
	// Another address still builds, and so does the same address's IPv6 neighbour in another /64.
	for _, addr := range []string{"198.51.100.9:5000", "[2001:db8:1::1]:5000"} {
		if rec := build(addr, 1000); rec.Code != http.StatusOK {
			t.Errorf("from %s: %d %s, want 200", addr, rec.Code, rec.Body)
		}
	}
}

func TestClientOf(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":              "192.0.2.1",
		"[::ffff:192.0.2.1]:80":     "192.0.2.1",
		"[2001:db8:1:2:3::4]:80":    "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::]:443": "2001:db8:1:2::/64",
		"pipe":                      "pipe",
	} {
		if got := clientOf(in); got != want {
			t.Errorf("clientOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostileDirectives(t *testing.T) {
	s := &Service{allowed: func(string) bool { return true }, std: map[string]bool{}}
	refused := []string{
		"//go:wasmimport gojs syscall/js.valueGet\nfunc get(v, p uintptr) uintptr\n",
		"//go:wasmimport\tgojs\tsyscall/js.valueGet\nfunc get(v, p uintptr) uintptr\n",
		"//go:wasmimport  gojs   syscall/js.valueGet   \nfunc get(v, p uintptr) uintptr\n",
		"//go:wasmimport/* hidden */ gojs syscall/js.valueGet\nfunc get(v, p uintptr) uintptr\n",
		"//go:wasmimport gojs syscall/js.valueGet // a comment\nfunc get(v, p uintptr) uintptr\n",
		"//go:wasmimport gojs syscall/js.valueGet\r\nfunc get(v, p uintptr) uintptr\r\n",
		"var x = 1 //go:wasmimport gojs syscall/js.valueGet\n",
		"/*go:wasmimport gojs syscall/js.valueGet*/\nfunc get(v, p uintptr) uintptr\n",
		"func f() {\n\t//go:wasmimport gojs syscall/js.valueGet\n}\n",
		"//go:wasmexport run\nfunc run() {}\n",
		"//go:linkname now time.now\nfunc now() (int64, int32, int64)\n",
		"//go:cgo_import_dynamic libc_x x \"libc.so.6\"\n",
		"//go:cgo_unsafe_args\nfunc f() {}\n",
		"//go:noinlinex\nfunc f() {}\n",
		"//go:noinline/**/\nfunc f() {}\n",
		"//go:uintptrkeepalive\nfunc f(uintptr) {}\n",
	}
	for _, body := range refused {
		src := "package main\n\n" + body + "\nfunc main() {}\n"
		diags := s.checkSource([]byte(src))
		if len(diags) == 0 {
			t.Errorf("accepted:\n%s", src)
			continue
		}
		if d := diags[0]; d.Line < 3 || !strings.Contains(d.Msg, "is not available in the lab") {
			t.Errorf("%q: diagnostic %+v, want one at the directive saying it is not available", body, d)
		}
		if strings.Contains(body, "wasmimport") && !strings.Contains(diags[0].Msg, "JavaScript") {
			t.Errorf("%q: %q does not say why", body, diags[0].Msg)
		}
	}
	accepted := []string{
		"// go:wasmimport is a plain comment with a space\n",
		"var s = \"//go:wasmimport gojs syscall/js.valueGet\"\n",
		"var r = `\n//go:wasmimport gojs syscall/js.valueGet\n`\n",
		"//go:noinline\nfunc f() {}\n",
		"//go:nosplit\nfunc f() {}\n",
		"//go:generate echo hi\n",
		"//go:embed main.go\nvar src string\n",
	}
	for _, body := range accepted {
		src := "package main\n\n" + body + "\nfunc main() {}\n"
		if diags := s.checkSource([]byte(src)); len(diags) > 0 {
			t.Errorf("refused %q: %v", body, diags)
		}
	}
}

func TestHostileEviction(t *testing.T) {
	s := &Service{outDir: t.TempDir(), goCache: t.TempDir(), logf: t.Logf, maxPrograms: 10 << 20, maxGoCache: 10 << 20}
	old := time.Now().Add(-time.Hour)
	write := func(p string, size int, age time.Duration) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old.Add(age), old.Add(age))
	}
	// Eight programs of 2 MiB each, and 24 Go cache files of 1 MiB each: more than twice the caps.
	for i := range 8 {
		h := strings.Repeat(strconv.Itoa(i), 64)
		write(filepath.Join(s.outDir, h+".wasm"), 3<<19, time.Duration(i)*time.Minute)
		write(filepath.Join(s.outDir, h+".wasm.gz"), 1<<19, time.Duration(i)*time.Minute)
		write(filepath.Join(s.outDir, h+".json"), 10, time.Duration(i)*time.Minute)
	}
	write(filepath.Join(s.outDir, ".tmp-building.wasm"), 1<<20, 0)
	for i := range 24 {
		write(filepath.Join(s.goCache, fmt.Sprintf("%02x", i), fmt.Sprintf("%064x-d", i)), 1<<20, time.Duration(i)*time.Minute)
	}
	write(filepath.Join(s.goCache, "README"), 100, 0)
	// A program used recently is kept although it was built first.
	s.touch(strings.Repeat("0", 64))

	s.evict()
	if got := dirSize(s.outDir); got > s.maxPrograms {
		t.Errorf("programs hold %s, over their cap of %s", formatSize(got), formatSize(s.maxPrograms))
	}
	if got := dirSize(s.goCache); got > s.maxGoCache {
		t.Errorf("the Go build cache holds %s, over its cap of %s", formatSize(got), formatSize(s.maxGoCache))
	}
	for _, keep := range []string{strings.Repeat("0", 64) + ".json", strings.Repeat("7", 64) + ".wasm", ".tmp-building.wasm"} {
		if !exists(filepath.Join(s.outDir, keep)) {
			t.Errorf("%s was removed; it was used last or is in use", keep)
		}
	}
	for _, gone := range []string{strings.Repeat("1", 64) + ".wasm", strings.Repeat("1", 64) + ".json"} {
		if exists(filepath.Join(s.outDir, gone)) {
			t.Errorf("%s, used longest ago, was kept", gone)
		}
	}
	if !exists(filepath.Join(s.goCache, "17", fmt.Sprintf("%064x-d", 23))) || exists(filepath.Join(s.goCache, "00", fmt.Sprintf("%064x-d", 0))) {
		t.Error("the Go build cache did not lose its oldest files first")
	}
	if !exists(filepath.Join(s.goCache, "README")) {
		t.Error("the Go build cache lost its README")
	}
}

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// TestHostileProgramFlood compiles distinct programs into a small program cache: it stays
// under its cap, keeps the newest and compiles an evicted one again when asked.
func TestHostileProgramFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles; skipped with -short")
	}
	s := hostileService(t, func(o *Options) { o.MaxPrograms = 4 << 20 })
	prog := func(i int) []byte { return fmt.Appendf(nil, "package main\n\nfunc main() { println(%d) }\n", i) }
	var first *Result
	for i := range 6 {
		r, err := s.Build(context.Background(), prog(i))
		if err != nil || !r.OK {
			t.Fatalf("build %d: %v %+v", i, err, r)
		}
		if i == 0 {
			first = r
		}
		if got := dirSize(s.outDir); got > s.maxPrograms {
			t.Errorf("after build %d the programs hold %s, over their cap of %s", i, formatSize(got), formatSize(s.maxPrograms))
		}
		if _, ok := s.WasmPath(r.Hash); !ok {
			t.Errorf("build %d: the program just built was evicted", i)
		}
	}
	if _, ok := s.WasmPath(first.Hash); ok {
		t.Fatal("the first program is still there; the cap did not evict anything")
	}
	n := s.compiles.Load()
	if r, err := s.Build(context.Background(), prog(0)); err != nil || !r.OK || r.Cached || s.compiles.Load() != n+1 {
		t.Errorf("the evicted program: err %v, result %+v; want it compiled again", err, r)
	}
}

// A cached answer touches its program in the background: the program is marked as used soon
// after, and nothing is left running.
func TestTouchLater(t *testing.T) {
	s := &Service{outDir: t.TempDir()}
	h := strings.Repeat("a", 64)
	p := s.metaFile(h)
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	for range 10 {
		s.touchLater(h)
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime().After(old.Add(time.Minute)), "the program was not marked as used"
	})
	eventually(t, 10*time.Second, func() (bool, string) {
		s.touchMu.Lock()
		defer s.touchMu.Unlock()
		return len(s.touching) == 0, fmt.Sprintf("%d touches still running", len(s.touching))
	})
}

// In a compile storm, eviction keeps the programs in use: one asked for every second whose
// file times are up to a minute old (touch renews them once a minute), and the lesson cells'
// programs (Warm), which pages run without a build.
func TestEvictionKeepsProgramsInUse(t *testing.T) {
	s := &Service{outDir: t.TempDir(), logf: t.Logf, maxPrograms: 10 << 20}
	write := func(h string, age time.Duration) {
		for _, name := range []string{h + ".wasm", h + ".json"} {
			p := filepath.Join(s.outDir, name)
			if err := os.WriteFile(p, make([]byte, 1<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			when := time.Now().Add(-age)
			os.Chtimes(p, when, when)
		}
	}
	hot, lesson := strings.Repeat("a", 64), strings.Repeat("b", 64)
	write(hot, 30*time.Second)
	write(lesson, time.Hour)
	s.warmed = map[string]bool{lesson: true}
	var storm []string
	for i := range 6 {
		h := strings.Repeat(strconv.Itoa(i), 64)
		write(h, time.Duration(20-3*i)*time.Second)
		storm = append(storm, h)
	}
	s.touchLater(hot) // a cache hit now; its files are too recent to be touched again
	s.evict()
	for _, keep := range []string{hot, lesson, storm[4], storm[5]} {
		if !exists(filepath.Join(s.outDir, keep+".wasm")) {
			t.Errorf("%.8s was evicted, before the storm's older programs", keep)
		}
	}
	for _, gone := range storm[:2] {
		if exists(filepath.Join(s.outDir, gone+".wasm")) {
			t.Errorf("%.8s, the storm's oldest, was kept", gone)
		}
	}
	s.touchMu.Lock()
	defer s.touchMu.Unlock()
	if _, ok := s.lastHit[hot]; !ok || len(s.lastHit) != 1 {
		t.Errorf("the cache hits remembered: %v; want the one program still cached", s.lastHit)
	}
}
