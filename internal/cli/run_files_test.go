package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// filesOutput is what internal/runner/testdata/files.go prints in an empty directory, in
// the page as under socketlab run (lessons' browser test checks the page).
const filesOutput = `files at the start: 0
notes/a.txt: "first\nsecond\n"
removed: true
open missing.txt: no such file or directory
remove notes: directory not empty
hello.txt false
notes true
`

// checkRunFiles runs a program that works with files under socketlab run: it starts in an
// empty directory of its own, not the one socketlab run was started from, and the files it
// leaves are listed after it, where they are kept. A run that writes nothing leaves no
// directory behind.
func checkRunFiles(t *testing.T, cache, dir string) {
	src, err := os.ReadFile("../runner/testdata/files.go")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stdout, stderr, status := runProgramCase(t, cache, dir, runCase{src: string(src)})
	if status != 0 || stdout != filesOutput {
		t.Fatalf("status %d, stdout:\n%s\nwant 0 and:\n%s\nstderr:\n%s", status, stdout, filesOutput, stderr)
	}
	m := regexp.MustCompile(`(?m)^socketlab run: the program wrote 2 files, kept in (.+):\n\thello\.txt \(6 bytes\)\n\tnotes/a\.txt \(13 bytes\)\n$`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr does not list the two files:\n%s", stderr)
	}
	if filepath.Dir(m[1]) != tmp {
		t.Errorf("the files are kept in %s, want a new directory in $TMPDIR (%s)", m[1], tmp)
	}
	if b, err := os.ReadFile(filepath.Join(m[1], "notes", "a.txt")); err != nil || string(b) != "first\nsecond\n" {
		t.Errorf("notes/a.txt holds %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hello.txt")); err == nil {
		t.Errorf("the program wrote hello.txt beside its source, not in a directory of its own")
	}
	os.RemoveAll(m[1])

	// A run that writes nothing says nothing of files and leaves no directory.
	_, stderr, status = runProgramCase(t, cache, dir, runCase{src: "package main\n\nfunc main() {}\n"})
	if status != 0 || strings.Contains(stderr, "wrote") {
		t.Errorf("status %d, stderr %q; want 0 and no word of files", status, stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a run without files left %v in $TMPDIR", left)
	}
}
