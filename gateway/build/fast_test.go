package build

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// A program that imports what an earlier one imported is compiled and linked without the go
// command, and comes out the same: the overlay, the runtime and the prelude reach it, errors
// are go build's, and an archive gone from the Go build cache sends it back to go build.
func TestDirectPath(t *testing.T) {
	s := newService(t, nil)
	prog := func(n int, body string) []byte {
		return []byte(fmt.Sprintf("package main\n\nimport \"fmt\"\n\nfunc main() {\n\t%s\n\tfmt.Println(%d, fmt.LabMarker(), labHello())\n}\n", body, n))
	}
	build := func(src []byte) *Result {
		t.Helper()
		r, err := s.Build(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := build(prog(1, ""))
	if !first.OK || s.directBuilds.Load() != 0 {
		t.Fatalf("first build: %+v, %d direct; want go build's program", first, s.directBuilds.Load())
	}
	second := build(prog(2, "// an edit"))
	if !second.OK || s.directBuilds.Load() != 1 {
		t.Fatalf("second build: %+v, %d direct; want a program built directly", second, s.directBuilds.Load())
	}
	if second.CPU <= 0 {
		t.Errorf("the direct build's CPU time is %v; the budget needs it", second.CPU)
	}
	wasm, _ := s.WasmPath(second.Hash)
	if out, ran := runWasm(t, s, wasm); ran && out != "2 overlay-ok runtime-ok\n" {
		t.Errorf("the directly built program printed %q", out)
	}

	bad := build(prog(3, "x := 1"))
	if bad.OK || len(bad.Diagnostics) != 1 || bad.Diagnostics[0].Line != 6 || !strings.Contains(bad.Diagnostics[0].Msg, "declared and not used") {
		t.Errorf("a program with an error: %+v; want go build's diagnostic at line 6", bad)
	}
	if s.directBuilds.Load() != 1 {
		t.Errorf("%d direct builds; a program with an error must be answered by go build", s.directBuilds.Load())
	}

	// An archive removed from the Go build cache: go build again, which compiles fmt anew
	// (a link configuration naming its work directory is not kept); the next go build takes
	// fmt from the cache and keeps one, and the program after it is built directly.
	lc := s.linkConfigFor(importKey(prog(0, "")))
	if lc == nil {
		t.Fatal("no link configuration kept for a program importing fmt")
	}
	var fmtArchive string
	for line := range strings.Lines(string(lc.cfg)) {
		if f, ok := strings.CutPrefix(strings.TrimSpace(line), "packagefile fmt="); ok {
			fmtArchive = f
		}
	}
	if fmtArchive == "" {
		t.Fatalf("the link configuration names no archive for fmt:\n%s", lc.cfg)
	}
	if err := os.Remove(fmtArchive); err != nil {
		t.Fatal(err)
	}
	if r := build(prog(4, "")); !r.OK || s.directBuilds.Load() != 1 {
		t.Fatalf("after an archive went: %+v, %d direct; want go build", r, s.directBuilds.Load())
	}
	if r := build(prog(5, "")); !r.OK || s.directBuilds.Load() != 1 {
		t.Fatalf("then: %+v, %d direct; want go build", r, s.directBuilds.Load())
	}
	if r := build(prog(6, "")); !r.OK || s.directBuilds.Load() != 2 {
		t.Fatalf("and then: %+v, %d direct; want a direct build", r, s.directBuilds.Load())
	}
}

func TestImportKey(t *testing.T) {
	a := importKey([]byte("package main\nimport (\"net\"\n\"fmt\"\n\"fmt\")\n"))
	b := importKey([]byte("package main\n\nimport \"fmt\"\nimport \"net\"\n\nfunc main() {}\n"))
	if a != b || a != "fmt\nnet" {
		t.Errorf("importKey: %q and %q; want both \"fmt\\nnet\"", a, b)
	}
	if k := importKey([]byte("package main\nimport (")); k != "" {
		t.Errorf("importKey of a broken file: %q; want \"\"", k)
	}
}

func TestWorkDir(t *testing.T) {
	dir, rest := workDir("WORK=/tmp/go-build123\n./main.go:3:2: oops\n")
	if dir != "/tmp/go-build123" || rest != "./main.go:3:2: oops\n" {
		t.Errorf("workDir: %q, %q", dir, rest)
	}
	if dir, rest := workDir("./main.go:3:2: WORK=/x\n"); dir != "" || rest != "./main.go:3:2: WORK=/x\n" {
		t.Errorf("workDir of output without the line: %q, %q", dir, rest)
	}
}
