package cli

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCheckCommand runs socketlab check on testdata/check: greet.md's cell and exercise are
// as the lesson says, shout.md has a wrong output block and an exercise its solution fails.
// Both show, each with the file and line, and the command exits 1. (The same code runs our
// own lessons in go test ./lessons: TestLessonCells and TestExercises.)
func TestCheckCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs lesson programs against a real gateway; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil && os.Getenv("CI") == "" {
		t.Skip("no go command on PATH: the lesson programs cannot be built")
	}
	var out, errb bytes.Buffer
	status := Main([]string{"check", "-j", "2", "testdata/check"}, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	got := out.String()
	if status != 1 {
		t.Errorf("socketlab check: status %d, want 1\nstdout:\n%s\nstderr:\n%s", status, got, errb.String())
	}
	for _, want := range []string{
		"ok    greet.md:8 cell greet-1 (1 run)\n",
		"ok    greet.md:38 exercise greet-twice (twice.go, twice.wrong.go fails 1 check)\n",
		"--    greet.md:45 exercise greet-other-word: no solution to run (write one as testdata/check/exercises/greet/other-word.go)\n",
		"FAIL  shout.md:8 cell shout-1 (1 run)\n",
		`shout.md:8 (cell shout-1), output block on line 21 (args ["hello"]): the output is not what the lesson shows: line 1 is "HELLO", want "hello"`,
		"FAIL  shout.md:25 exercise shout-loud (loud.go)\n",
		`testdata/check/exercises/shout/loud.go fails "output contains \"HELLO!\"": the output does not contain "HELLO!"`,
		"FAIL: 2 lessons, 2 cells (1 failed), 3 exercises (1 failed, 1 without a solution)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("socketlab check does not print %q; it prints:\n%s", want, got)
		}
	}
	// One line per cell and exercise, in the lessons' order, then the summary.
	var firsts []string
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if !strings.HasPrefix(line, " ") {
			firsts = append(firsts, strings.Fields(line)[1])
		}
	}
	if w := "greet.md:8 greet.md:38 greet.md:45 shout.md:8 shout.md:25 2"; strings.Join(firsts, " ") != w {
		t.Errorf("the lines name %q, want %q", strings.Join(firsts, " "), w)
	}
}

// TestCheckBadInput: a folder that is not there, or holds a broken lesson, exits 1 naming
// the file and line; a bad command line exits 2 with the usage.
func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := "---\ntitle: Broken\norder: 1\n---\n\n```go run wat=1\npackage main\n```\n"
	if err := os.WriteFile(dir+"/broken.md", []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	// A broken Python lesson beside a sound Go one, and a Python lesson with no Go original.
	pydir, orphan := t.TempDir(), t.TempDir()
	good := "---\ntitle: Fine\norder: 1\n---\n\n```go run\npackage main\n\nfunc main() {}\n```\n"
	badPy := "---\ntitle: Broken\norder: 1\n---\n\n```python run wat=1\nprint(1)\n```\n"
	fine := "---\ntitle: Fine\norder: 1\n---\n\n```python run\nprint(1)\n```\n"
	for _, f := range []struct{ path, text string }{
		{pydir + "/fine.md", good}, {pydir + "/python/fine.md", badPy},
		{orphan + "/fine.md", good}, {orphan + "/python/other.md", fine},
	} {
		os.MkdirAll(f.path[:strings.LastIndex(f.path, "/")], 0o755)
		if err := os.WriteFile(f.path, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"check", pydir}, 1, pydir + "/python/fine.md:6: "},
		{[]string{"check", orphan}, 1, orphan + "/python/other.md:1: there is no other.md beside the python/ folder"},
		{[]string{"check"}, 2, "usage: socketlab check"},
		{[]string{"check", "a", "b"}, 2, "name one folder of lessons"},
		{[]string{"check", "-j", "-1", dir}, 2, "-j must be 0 (one per CPU) or more"},
		{[]string{"check", dir + "/nowhere"}, 1, "no such file or directory"},
		{[]string{"check", t.TempDir()}, 1, "no lessons in"},
		{[]string{"check", dir}, 1, dir + "/broken.md:6: "},
		{[]string{"--lessons", dir}, 1, dir + "/broken.md:6: "},
		{[]string{"--lessons", "builtin", "--lessons", "../../lessons/content"}, 1, "lesson 01-time.md is also in builtin"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := Main(tt.args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
		if status != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("socketlab %q: status %d, stderr %q; want %d and %q", tt.args, status, errb.String(), tt.status, tt.stderr)
		}
	}
}

// TestCheckPython runs socketlab check on testdata/checkpy, a Go lesson and its Python
// version: the Python cells run natively with their arguments, input and exit status, the
// exercise's Python solutions run, and the broken cells (a wrong output block, a syntax
// error) are named by file and line; the command exits 1.
func TestCheckPython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs lesson programs against a real gateway; skipped with -short")
	}
	for _, tool := range []string{"go", "python3"} {
		if _, err := exec.LookPath(tool); err != nil && os.Getenv("CI") == "" {
			t.Skipf("no %s command on PATH", tool)
		}
	}
	var out, errb bytes.Buffer
	status := Main([]string{"check", "-j", "2", "testdata/checkpy"}, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	got := out.String()
	if status != 1 {
		t.Errorf("socketlab check: status %d, want 1\nstdout:\n%s\nstderr:\n%s", status, got, errb.String())
	}
	for _, want := range []string{
		"ok    hello.md:8 cell hello-1 (1 run)\n",
		"ok    python/hello.md:8 cell py-hello-1 (1 run)\n",
		"FAIL  python/hello.md:21 cell py-hello-2 (1 run)\n",
		`python/hello.md:21 (cell py-hello-2), output block on line 24 (args []): the output is not what the lesson shows: line 1 is "42", want "43"`,
		"FAIL  python/hello.md:30 cell py-hello-3 (0 runs)\n",
		"python/hello.md:31: '(' was never closed (line 1 of the cell)",
		"ok    python/hello.md:34 exercise py-hello-shout (shout.py, shout.wrong.py fails 1 check)\n",
		"FAIL: 2 lessons, 4 cells (2 failed), 1 exercise (0 failed)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("socketlab check does not print %q; it prints:\n%s", want, got)
		}
	}
}
