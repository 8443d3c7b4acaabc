package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "b.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644)
	var out strings.Builder
	ReportFiles(&out, dir)
	want := "socketlab run: the program wrote 2 files, kept in " + dir + ":\n\ta.txt (6 bytes)\n\tsub/b.txt (1 byte)\n"
	if out.String() != want {
		t.Errorf("ReportFiles says:\n%s\nwant:\n%s", out.String(), want)
	}

	// A directory with nothing in it (or only empty directories) is removed, silently.
	empty := filepath.Join(t.TempDir(), "run")
	os.MkdirAll(filepath.Join(empty, "made-but-empty"), 0o755)
	out.Reset()
	ReportFiles(&out, empty)
	if out.Len() != 0 {
		t.Errorf("ReportFiles of an empty directory says %q", out.String())
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("the empty working directory is still there (%v)", err)
	}
}
