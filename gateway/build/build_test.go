package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// Every test service uses the same overlay, runtime and prelude, so the standard library
// compiled for js/wasm with the overlay is built once into GOCACHE and shared.
var (
	testOverlay = map[string][]byte{
		"fmt/zz_test_marker.go": []byte("package fmt\n\n// LabMarker shows that the overlay reached the build.\nfunc LabMarker() string { return \"overlay-ok\" }\n"),
	}
	testRuntime = fstest.MapFS{
		"go.mod":                                 {Data: []byte("module ignored\n")},
		"labrt/greet/greet.go":                   {Data: []byte("package greet\n\nfunc Hello() string { return \"runtime-ok\" }\n")},
		"labrt/greet/greet_test.go":              {Data: []byte("this is not Go and must not be copied\n")},
		"third_party/greetmod/go.mod":            {Data: []byte("module example.com/greetmod\n\ngo 1.22\n")},
		"third_party/greetmod/greetmod.go":       {Data: []byte("package greetmod\n\nconst Name = \"module-ok\"\n")},
		"third_party/greetmod/inner/inner.go":    {Data: []byte("package inner\n")},
		"third_party/greetmod/internal/x/x.go":   {Data: []byte("package x\n")},
		"third_party/greetmod/other/other_ok.go": {Data: []byte("package other\n")},
	}
	testModules = map[string]string{"example.com/greetmod": "third_party/greetmod"}
	// The prelude has three lines so that line numbers in main.go and prelude.go differ.
	testPrelude = []byte("package main\n\nimport \"socketlab/labrt/greet\"\n\nfunc labHello() string { return greet.Hello() }\n")
)

func newService(t testing.TB, edit func(*Options)) *Service {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	opts := &Options{
		CacheDir: t.TempDir(),
		Runtime:  testRuntime,
		Modules:  testModules,
		Overlay:  testOverlay,
		Prelude:  testPrelude,
		Logf:     t.Logf,
		Timeout:  3 * time.Minute, // a cold GOCACHE compiles the whole standard library
	}
	if edit != nil {
		edit(opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.running.Wait) // before the cache directory is removed
	return s
}

const hello = `package main

import "fmt"

func main() {
	fmt.Println("hello, lab")
}
`

// runWasm runs a compiled program under Node.js, if it is installed, and returns its output.
func runWasm(t *testing.T, s *Service, wasm string) (string, bool) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node is not installed; not running the program")
		return "", false
	}
	runner := filepath.Join(s.goroot, "lib", "wasm", "wasm_exec_node.js")
	if _, err := os.Stat(runner); err != nil {
		t.Logf("no %s; not running the program", runner)
		return "", false
	}
	out, err := exec.Command(node, runner, wasm).CombinedOutput()
	if err != nil {
		t.Fatalf("running %s: %v\n%s", wasm, err, out)
	}
	return string(out), true
}

// selfEmbed is excluded by its build constraint, which named files ignore (as with go run),
// and prints its own length.
const selfEmbed = `//go:build ignore

package main

import (
	_ "embed"
	"fmt"
)

//go:embed main.go
var self string

func main() { fmt.Println(len(self)) }
`

func TestBuildCompiles(t *testing.T) {
	s := newService(t, nil)
	tests := []struct {
		name, src, want string
	}{
		{"hello", hello, "hello, lab\n"},
		{"overlay", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(fmt.LabMarker()) }\n", "overlay-ok\n"},
		{"runtime via prelude", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(labHello()) }\n", "runtime-ok\n"},
		{"build constraint ignored, embed of itself", selfEmbed, fmt.Sprintln(len(selfEmbed))},
		{"module", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/greetmod\"\n)\n\nfunc main() { fmt.Println(greetmod.Name) }\n", "module-ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Build(context.Background(), []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK {
				t.Fatalf("build failed: %+v\n%s", r.Diagnostics, r.Output)
			}
			path, ok := s.WasmPath(r.Hash)
			if !ok {
				t.Fatalf("WasmPath(%s) found nothing", r.Hash)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("\x00asm")) {
				t.Fatalf("output starts with %q, not the wasm magic", b[:min(len(b), 8)])
			}
			if int64(len(b)) != r.Size {
				t.Errorf("Size = %d, file has %d bytes", r.Size, len(b))
			}
			// The learner does not wait for compression: twins are written when asked for.
			if _, err := os.Stat(path + ".gz"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the build wrote a gzip twin before it answered (%v)", err)
			}
			if out, ran := runWasm(t, s, path); ran && out != tt.want {
				t.Errorf("program printed %q, want %q", out, tt.want)
			}
		})
	}
	entries, err := os.ReadDir(filepath.Join(s.ws.mod, "cell"))
	if err != nil || len(entries) != 0 {
		t.Errorf("program directories left behind: %v %v", entries, err)
	}
	if _, err := os.Stat(filepath.Join(s.ws.mod, "labrt", "greet", "greet_test.go")); err == nil {
		t.Error("a runtime _test.go file was copied into the workspace")
	}
}

func TestBuildCached(t *testing.T) {
	s := newService(t, nil)
	first, err := s.Build(context.Background(), []byte(hello))
	if err != nil || !first.OK {
		t.Fatalf("first build: %v %+v", err, first)
	}
	if first.Cached {
		t.Error("the first build says it came from the cache")
	}
	if hash, ok := s.Compiled([]byte(hello)); !ok || hash != first.Hash {
		t.Errorf("Compiled after the build = %q, %v; want %q, true", hash, ok, first.Hash)
	}
	runs := s.compiles.Load()
	if _, ok := s.Compiled([]byte(hello + "// never built\n")); ok {
		t.Error("Compiled reports a program nobody built")
	}
	second, err := s.Build(context.Background(), []byte(hello))
	if err != nil {
		t.Fatal(err)
	}
	if !second.Cached || second.Hash != first.Hash || second.Size != first.Size || !second.OK {
		t.Errorf("second build = %+v, want a cache hit of %+v", second, first)
	}
	if n := s.compiles.Load() - runs; n != 0 {
		t.Errorf("the compiler ran %d times for a cached program", n)
	}
	if second.Elapsed*10 > first.Elapsed {
		t.Errorf("cache hit took %v, the build %v", second.Elapsed, first.Elapsed)
	}

	// A second service over the same cache directory finds the result on disk.
	s2, err := New(&Options{CacheDir: s.cacheDir, Runtime: testRuntime, Modules: testModules,
		Overlay: testOverlay, Prelude: testPrelude, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	third, err := s2.Build(context.Background(), []byte(hello))
	if err != nil || !third.Cached || third.Hash != first.Hash {
		t.Errorf("new service over the same cache: %v %+v", err, third)
	}

	// Anything that changes the output changes the hash.
	s3, err := New(&Options{CacheDir: s.cacheDir, Runtime: testRuntime, Modules: testModules,
		Overlay: testOverlay, Prelude: append([]byte("// changed\n"), testPrelude...), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s3.Compiled([]byte(hello)); ok {
		t.Error("Compiled finds the program under a different prelude")
	}
	if h := s3.hash([]byte(hello)); h == first.Hash {
		t.Error("a different prelude gives the same hash")
	}
}

func TestBuildShared(t *testing.T) {
	s := newService(t, nil)
	const n = 4
	results := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = s.Build(context.Background(), []byte(hello)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !results[i].OK || results[i].Hash != results[0].Hash {
			t.Fatalf("build %d: %v %+v", i, errs[i], results[i])
		}
	}
	if runs := s.compiles.Load(); runs != 1 {
		t.Errorf("%d identical builds ran the compiler %d times, want once", n, runs)
	}
}

func TestBuildDiagnostics(t *testing.T) {
	s := newService(t, nil)
	tests := []struct {
		name, src string
		want      []Diagnostic // Msg is a substring
	}{
		{
			name: "syntax error",
			src:  "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\"\n}\n",
			want: []Diagnostic{{Line: 6, Col: 18, Msg: "syntax error: unexpected newline"}},
		},
		{
			name: "type errors",
			src:  "package main\n\nfunc main() {\n\tvar x int = \"five\"\n\t_ = x\n\tundefinedThing()\n}\n",
			want: []Diagnostic{
				{Line: 4, Col: 14, Msg: `cannot use "five"`},
				{Line: 6, Col: 2, Msg: "undefined: undefinedThing"},
			},
		},
		{
			name: "embed outside the package",
			src:  "package main\n\nimport _ \"embed\"\n\n//go:embed ../../go.mod\nvar s string\n\nfunc main() { println(s) }\n",
			want: []Diagnostic{{Line: 5, Col: 12, Msg: "invalid pattern syntax"}},
		},
		{
			name: "no func main",
			src:  "package main\n\nfunc helper() {}\n",
			want: []Diagnostic{{Line: 0, Col: 0, Msg: "function main is undeclared in the main package; a program starts at func main()"}},
		},
		{
			name: "clash with the prelude",
			src:  "package main\n\nfunc labHello() {}\n\nfunc main() {}\n",
			want: []Diagnostic{{Line: 3, Col: 6, Msg: "labHello redeclared in this block (the lab adds code"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Build(context.Background(), []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK {
				t.Fatal("a broken program built")
			}
			if len(r.Diagnostics) != len(tt.want) {
				t.Fatalf("diagnostics = %+v, want %d like %+v\noutput:\n%s", r.Diagnostics, len(tt.want), tt.want, r.Output)
			}
			for i, d := range r.Diagnostics {
				w := tt.want[i]
				if d.Line != w.Line || d.Col != w.Col || !strings.Contains(d.Msg, w.Msg) {
					t.Errorf("diagnostic %d = %+v, want %+v", i, d, w)
				}
			}
			if strings.Contains(r.Output, "prelude.go") || strings.Contains(r.Output, s.cacheDir) || strings.Contains(r.Output, "# ") {
				t.Errorf("output not cleaned:\n%s", r.Output)
			}
			if d := r.Diagnostics[0]; d.Line > 0 && !strings.HasPrefix(r.Output, "main.go:") {
				t.Errorf("output does not start with main.go:\n%s", r.Output)
			}
			if _, ok := s.WasmPath(r.Hash); ok {
				t.Error("a broken program has a wasm file")
			}
			runs := s.compiles.Load()
			again, err := s.Build(context.Background(), []byte(tt.src))
			if err != nil || !again.Cached || again.OK || len(again.Diagnostics) != len(r.Diagnostics) {
				t.Errorf("second build of a broken program: %v %+v", err, again)
			}
			if s.compiles.Load() != runs {
				t.Error("the compiler ran again for a cached failure")
			}
		})
	}
}

func TestBuildRefused(t *testing.T) {
	s := newService(t, nil)
	tests := []struct {
		name, src string
		want      []Diagnostic // Msg is a substring
	}{
		{
			name: "os/exec",
			src:  "package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"ls\") }\n",
			want: []Diagnostic{{Line: 3, Col: 8, Msg: `import "os/exec" is not available in the lab (`}},
		},
		{
			name: "several in a group",
			src:  "package main\n\nimport (\n\t\"fmt\"\n\t\"unsafe\"\n\tjs \"syscall/js\"\n\t\"net\"\n\t\"C\"\n)\n",
			want: []Diagnostic{
				{Line: 5, Col: 2, Msg: `import "unsafe" is not available`},
				{Line: 6, Col: 5, Msg: `import "syscall/js" is not available`},
				{Line: 8, Col: 2, Msg: `import "C" is not available in the lab (cgo is off`},
			},
		},
		{"internal", "package main\n\nimport _ \"internal/poll\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "toolchain itself"}}},
		{"nested internal", "package main\n\nimport _ \"crypto/internal/fips140\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "not available"}}},
		{"vendor", "package main\n\nimport _ \"vendor/golang.org/x/net/dns/dnsmessage\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "not available"}}},
		{"runtime package", "package main\n\nimport _ \"socketlab/labrt/greet\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "linked into every program"}}},
		{"program directory", "package main\n\nimport _ \"socketlab/cell/x\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "not available"}}},
		{"module internal", "package main\n\nimport _ \"example.com/greetmod/internal/x\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "not available"}}},
		{"download", "package main\n\nimport _ \"github.com/jlaffaye/ftp\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "modules are not downloaded"}}},
		{"not std", "package main\n\nimport _ \"nosuch/pkg\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "check the spelling"}}},
		{"path trick", "package main\n\nimport _ \"../../etc\"\n", []Diagnostic{{Line: 3, Col: 10, Msg: "not available"}}},
		{"not main", "package lesson\n\nfunc Hello() {}\n", []Diagnostic{{Line: 1, Col: 9, Msg: "must be package main"}}},
		{"no package clause", "func main() {}\n", []Diagnostic{{Line: 1, Col: 1, Msg: "expected 'package'"}}},
		{"empty", "", []Diagnostic{{Line: 1, Col: 1, Msg: "expected 'package'"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Build(context.Background(), []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.Cached {
				t.Fatalf("result = %+v, want a refusal", r)
			}
			if len(r.Diagnostics) != len(tt.want) {
				t.Fatalf("diagnostics = %+v, want %+v", r.Diagnostics, tt.want)
			}
			for i, d := range r.Diagnostics {
				w := tt.want[i]
				if d.Line != w.Line || d.Col != w.Col || !strings.Contains(d.Msg, w.Msg) {
					t.Errorf("diagnostic %d = %+v, want %+v", i, d, w)
				}
			}
			if !strings.HasPrefix(r.Output, "main.go:") {
				t.Errorf("output = %q, want main.go:LINE:COL: lines", r.Output)
			}
		})
	}
	if n := s.compiles.Load(); n != 0 {
		t.Errorf("the compiler ran %d times for refused programs", n)
	}
}

func TestBuildLimits(t *testing.T) {
	t.Run("source too big", func(t *testing.T) {
		s := newService(t, func(o *Options) { o.MaxSource = 100 })
		src := hello + strings.Repeat("// padding\n", 10)
		_, err := s.Build(context.Background(), []byte(src))
		if !errors.Is(err, ErrSourceTooBig) || !strings.Contains(err.Error(), "the limit is 100") {
			t.Errorf("err = %v, want ErrSourceTooBig with the limit", err)
		}
		if s.compiles.Load() != 0 {
			t.Error("the compiler ran for an oversized source")
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s := newService(t, func(o *Options) { o.Timeout = time.Nanosecond })
		_, err := s.Build(context.Background(), []byte(hello))
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("err = %v, want ErrTimeout", err)
		}
		if entries, _ := os.ReadDir(filepath.Join(s.ws.mod, "cell")); len(entries) != 0 {
			t.Errorf("program directories left behind: %v", entries)
		}
	})
	t.Run("process group killed", func(t *testing.T) {
		// A go command that starts a child that would outlive it: on timeout the whole
		// process group must die, or Build would wait for the child's output pipe.
		if runtime.GOOS != "linux" {
			t.Skip("the check reads /proc")
		}
		if !killsGroup {
			t.Skip("this build has no process groups (proc_other.go): cancelling kills only the go command")
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go command")
		}
		dir := t.TempDir()
		pidFile := filepath.Join(dir, "child.pid")
		script := "#!/bin/sh\nif [ \"$1\" = env ]; then exec " + goCmd + " \"$@\"; fi\n" +
			"sleep 120 &\necho $! > " + pidFile + "\nwait\n"
		fake := filepath.Join(dir, "go")
		if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		s := newService(t, func(o *Options) { o.GoCmd = fake; o.Timeout = 500 * time.Millisecond })
		start := time.Now()
		_, err = s.Build(context.Background(), []byte(hello))
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("Build returned after %v; the child was not killed with the go command", took)
		}
		pid, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatal(err)
		}
		// SIGKILL is delivered asynchronously: give the kernel a moment to end the child.
		for deadline := time.Now().Add(3 * time.Second); alive(strings.TrimSpace(string(pid))); {
			if time.Now().After(deadline) {
				t.Errorf("child %s is still running", pid)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("output too big", func(t *testing.T) {
		s := newService(t, func(o *Options) { o.MaxOutput = 1024 })
		_, err := s.Build(context.Background(), []byte(hello))
		if !errors.Is(err, ErrOutputTooBig) {
			t.Errorf("err = %v, want ErrOutputTooBig", err)
		}
		if _, ok := s.WasmPath(s.hash([]byte(hello))); ok {
			t.Error("an oversized program was kept")
		}
	})
	t.Run("abandoned", func(t *testing.T) {
		s := newService(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Build(ctx, []byte(hello))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no go command", Options{GoCmd: "/nonexistent/go"}, "set Options.GoCmd"},
		{"bad overlay path", Options{Overlay: map[string][]byte{"../x.go": nil}}, "Options.Overlay"},
		{"reserved runtime dir", Options{Runtime: fstest.MapFS{"cell/x.go": {}}}, `"cell"`},
		{"module without go.mod", Options{Runtime: fstest.MapFS{"m/a.go": {}}, Modules: map[string]string{"example.com/m": "m"}}, "no m/go.mod"},
		{"module path", Options{Modules: map[string]string{"m": "m"}}, "want a module path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.CacheDir = t.TempDir()
			_, err := New(&tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestWarm(t *testing.T) {
	s := newService(t, nil)
	var logs []string
	var mu sync.Mutex
	s.logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, format)
	}
	s.Warm(context.Background(), [][]byte{[]byte(hello), []byte("package main\n\nimport \"os/exec\"\n")})
	path, ok := s.WasmPath(s.hash([]byte(hello)))
	if !ok {
		t.Fatal("Warm did not build the program")
	}
	// A warmed program is downloaded without a build: its twins are ready before anyone asks.
	for _, ext := range []string{".zst", ".gz"} {
		if _, err := os.Stat(path + ext); err != nil {
			t.Errorf("Warm left the program without its %s twin: %v", ext, err)
		}
	}
	joined := strings.Join(logs, "\n")
	if !strings.Contains(joined, "does not compile") || !strings.Contains(joined, "warmed %d programs") {
		t.Errorf("logs = %q, want the failure and a summary", logs)
	}
}

// alive reports whether a process exists and is not a zombie waiting to be reaped.
func alive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// TestToolchainGC checks that the toolchain's processes collect garbage less often than by
// default, and still under a limit that lets a large program build within the memory limit.
func TestToolchainGC(t *testing.T) {
	s := newService(t, func(o *Options) { o.Memory = 1 << 30 })
	if !slices.Contains(s.env, "GOGC=400") || !slices.Contains(s.env, "GOMEMLIMIT="+strconv.FormatInt((1<<30)/10*9, 10)) {
		t.Errorf("the builds' environment has no GOGC=400 and GOMEMLIMIT at nine tenths of 1 GiB: %q", s.env)
	}
	if got := gcEnv(0); !slices.Equal(got, []string{"GOGC=400"}) {
		t.Errorf("gcEnv(0) = %q: without a memory limit there is no GOMEMLIMIT", got)
	}
}

// eventually polls cond until it holds, and fails the test with what cond last said if it
// does not within d.
func eventually(t testing.TB, d time.Duration, cond func() (ok bool, why string)) {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(why)
		}
	}
}
