package lessons

import (
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestDefaultLessons(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) == 0 {
		t.Fatal("no lessons embedded")
	}
	for _, l := range ls {
		if l.Summary == "" {
			t.Errorf("%s has no summary (the index shows it)", l.Slug)
		}
		for _, c := range l.Cells {
			f, err := parser.ParseFile(token.NewFileSet(), "main.go", c.Source, 0)
			if err != nil {
				t.Errorf("%s.md:%d: cell does not parse: %v", l.Slug, c.Line, err)
				continue
			}
			if f.Name.Name != "main" {
				t.Errorf("%s.md:%d: cell is package %s, want main", l.Slug, c.Line, f.Name.Name)
			}
			if got, err := format.Source([]byte(c.Source)); err != nil || string(got) != c.Source {
				t.Errorf("%s.md:%d: cell is not gofmt'd", l.Slug, c.Line)
			}
			if len(c.Runs) == 0 {
				t.Errorf("%s.md:%d: cell has no output block: say what it prints (```output or ```output match right after it)", l.Slug, c.Line)
			}
		}
		if len(l.Exercises) == 0 {
			t.Errorf("%s.md has no exercise: every lesson ends with at least one", l.Slug)
		} else if last, cell := l.Exercises[len(l.Exercises)-1], l.Cells[len(l.Cells)-1]; last.Line < cell.Line {
			t.Errorf("%s.md:%d: the lesson's last exercise comes before its last cell (line %d): end the lesson with an exercise", l.Slug, last.Line, cell.Line)
		}
	}
}

// TestSolutionsFormatted checks that the exercises' solutions are gofmt'd
// package main programs (TestCellsVet vets them with the cells).
func TestSolutionsFormatted(t *testing.T) {
	files, err := filepath.Glob("testdata/exercises/*/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no solutions found (%v)", err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := format.Source(src); err != nil || string(got) != string(src) {
			t.Errorf("%s is not gofmt'd (%v)", name, err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
		if err == nil && f.Name.Name != "main" {
			t.Errorf("%s is package %s, want main", name, f.Name.Name)
		}
	}
}

// TestTimeLesson pins what other parts of socketlab rely on in the first
// lesson: the slug, the cells' ids, the address and the output words.
func TestTimeLesson(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	if l.Slug != "01-time" || l.Order != 1 || len(l.Cells) != 2 {
		t.Fatalf("first lesson is %s (order %d, %d cells), want 01-time (order 1, 2 cells)", l.Slug, l.Order, len(l.Cells))
	}
	client, refused := l.Cells[0], l.Cells[1]
	if client.ID != "01-time-1" || refused.ID != "01-time-2" {
		t.Errorf("cell ids %q, %q", client.ID, refused.ID)
	}
	for _, s := range []string{`"time.lab:37"`, `net.Dial("tcp", `, "io.ReadFull", "binary.BigEndian.Uint32", "2208988800", `"server time is"`, `"local clock is %d seconds off\n"`, "os.Exit(1)"} {
		if !strings.Contains(client.Source, s) {
			t.Errorf("time client lacks %s", s)
		}
	}
	if len(client.Args) != 0 {
		t.Errorf("time client args = %q, want none", client.Args)
	}
	if !reflect.DeepEqual(refused.Args, []string{"time.lab:38"}) {
		t.Errorf("refused cell args = %q, want [time.lab:38]", refused.Args)
	}
	if !strings.Contains(refused.Source, "errors.As(err, &opErr)") {
		t.Error("refused cell does not look inside the *net.OpError")
	}
}

// TestCellsVet type-checks and vets every lesson cell and every exercise
// solution with the local Go toolchain, as ordinary native programs.
func TestCellsVet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), "module cells\n\ngo 1.22\n")
	where := map[string]string{}
	for _, l := range ls {
		for _, c := range l.Cells {
			pkg := strings.ReplaceAll(c.ID, "-", "_")
			write(filepath.Join(dir, pkg, "main.go"), c.Source)
			where[pkg] = l.Slug + ".md:" + strconv.Itoa(c.Line)
		}
	}
	solutions, _ := filepath.Glob("testdata/exercises/*/*.go")
	for _, name := range solutions {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		pkg := "solution_" + strings.NewReplacer("-", "_", ".", "_", "/", "_").Replace(strings.TrimPrefix(name, "testdata/exercises/"))
		write(filepath.Join(dir, pkg, "main.go"), string(src))
		where[pkg] = name
	}
	cmd := exec.Command(goTool, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet on the lesson cells failed: %v\n%s\n(cells: %v)", err, out, where)
	}
}
