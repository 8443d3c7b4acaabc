package lessons_test

// The lessons run for real here: every cell, natively (go build with the lab's overlay, as
// `socketlab run` does), its sockets going through a gateway started by the test to the lab's
// real servers on loopback. A server cell runs while the cells that need it (with=) run, and
// every run's console text and exit status are compared with the output blocks of the lesson.
// The work is internal/check's, which `socketlab check DIR` runs on an author's lessons.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"socketlab/internal/check"
	"socketlab/lessons"
)

var (
	envOnce sync.Once
	envErr  error
	env     *check.Lab
	envStop func()
)

// TestMain shuts the shared gateway down after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if envStop != nil {
		envStop()
	}
	os.Exit(code)
}

// startLab starts the gateway and the build service once for all tests. Compiled programs
// go to $SOCKETLAB_TEST_CACHE when it is set (handy while writing lessons), else to a
// temporary directory.
func startLab(t *testing.T) *check.Lab {
	t.Helper()
	if testing.Short() {
		t.Skip("runs every lesson program against a real gateway; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH: the lesson programs cannot be built")
	}
	envOnce.Do(func() {
		env, envStop, envErr = check.Start(context.Background(), os.Getenv("SOCKETLAB_TEST_CACHE"))
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return env
}

// TestLessonCells runs every cell of every lesson, the Python track's too (their subtests
// are py-SLUG), with its declared arguments and input against a real gateway, and checks the
// output and exit status the lesson shows.
func TestLessonCells(t *testing.T) {
	e := startLab(t)
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lessons.WithPython(ls) {
		t.Run(l.Key(), func(t *testing.T) {
			t.Parallel()
			for _, err := range e.Errors(l) {
				t.Error(err)
			}
		})
	}
}

// TestBrokenLesson runs testdata/broken/broken.md, whose cells fail in two ways, and checks
// that each failure names the lesson file, the cell and the line.
func TestBrokenLesson(t *testing.T) {
	e := startLab(t)
	ls, err := lessons.Load(os.DirFS("testdata/broken"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, err := range e.Errors(ls[0]) {
		msgs = append(msgs, err.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"broken.md:8 (cell broken-1) does not compile",
		"broken.md:12: undefined: missing (line 4 of the cell)",
		`broken.md:18 (cell broken-2), output block on line 31 (args ["a" "b"]): exit status 3, want 0`,
		`broken.md:18 (cell broken-2), output block on line 31 (args ["a" "b"]): the output is not what the lesson shows: line 1 is "2", want "3"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the errors do not say %q; they are:\n%s", want, all)
		}
	}
	if len(msgs) != 3 {
		t.Errorf("%d errors, want 3:\n%s", len(msgs), all)
	}
}

func showExit(e *int) string {
	if e == nil {
		return "none: stopped"
	}
	return fmt.Sprint(*e)
}
