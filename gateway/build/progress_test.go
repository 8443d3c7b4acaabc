package build

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestColdProgress: while a build fills an empty Go cache (hostileService's first build, the
// Go runtime for WebAssembly), Progress counts the packages compiled, up to the number the
// build needs; a build that takes them from the cache does not count as compiling.
func TestColdProgress(t *testing.T) {
	s := hostileService(t, nil)
	if len(coldProgress) == 0 {
		t.Fatal("no Progress was seen while the private cache was filled")
	}
	var last Progress
	climbs := 0
	for _, p := range coldProgress {
		if p.Done < last.Done && p.Done != 0 {
			t.Errorf("Progress went back from %+v to %+v", last, p)
		}
		if p.Done > last.Done {
			climbs++
		}
		if p.Total > 0 && p.Done > p.Total {
			t.Errorf("Progress %+v: done past the total", p)
		}
		if p.Done > 0 {
			last = p
		}
	}
	t.Logf("%d samples, the last while compiling: %+v", len(coldProgress), last)
	if !last.Compiling || last.Done < stdlibAfter || last.Total < 15 || climbs < 3 {
		t.Errorf("while the runtime compiled, Progress got to %+v in %d steps; want compiling, more than %d packages of a total of at least 15", last, climbs, stdlibAfter)
	}
	if afterProgress != (Progress{}) {
		t.Errorf("after the build, Progress is %+v, want nothing", afterProgress)
	}

	// A warm build compiles its program alone: not "compiling".
	var ps []Progress
	stop := make(chan struct{})
	got := make(chan []Progress)
	go func() {
		for {
			select {
			case <-stop:
				got <- ps
				return
			case <-time.After(5 * time.Millisecond):
				ps = append(ps, s.Progress())
			}
		}
	}()
	if _, err := s.Build(context.Background(), []byte("package main\n\nfunc main() { println(1) }\n")); err != nil {
		t.Fatal(err)
	}
	close(stop)
	for _, p := range <-got {
		if p.Compiling {
			t.Errorf("a build with a warm cache shows %+v", p)
			break
		}
	}
}

// TestProgressWriter: -v's lines are counted and dropped, the compiler's messages pass.
func TestProgressWriter(t *testing.T) {
	var out bytes.Buffer
	calls := 0
	p := &progress{out: &out, first: func() { calls++ }}
	text := "internal/goarch\ninternal/abi\nruntime\nerrors\nsync\nio\nos\n" +
		"# command-line-arguments\n./main.go:4:2: undefined: x\nvendor/golang.org/x/net/dns/dnsmessage\ncommand-line-arguments\n" +
		"socketlab/labnet\nnote: module requires Go 1.99\ntrailing"
	for _, chunk := range []string{text[:5], text[5:40], text[40:]} {
		p.Write([]byte(chunk))
	}
	p.flush()
	if got := int(p.done.Load()); got != 10 {
		t.Errorf("counted %d packages, want 10", got)
	}
	if calls != 1 {
		t.Errorf("the count of all packages started %d times, want once", calls)
	}
	want := "# command-line-arguments\n./main.go:4:2: undefined: x\nnote: module requires Go 1.99\ntrailing"
	if out.String() != want {
		t.Errorf("passed on %q, want %q", out.String(), want)
	}
	if strings.Contains(out.String(), "runtime") {
		t.Error("a -v line got through")
	}
}

func TestProgressString(t *testing.T) {
	for _, tt := range []struct {
		p    Progress
		want string
	}{
		{Progress{Compiling: true, Done: 31, Total: 212}, "compiling Go's standard library for WebAssembly, once: 31 of 212 packages"},
		{Progress{Compiling: true, Done: 12}, "compiling Go's standard library for WebAssembly, once: 12 packages so far"},
		{Progress{Done: 2, Total: 20}, ""},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
}
