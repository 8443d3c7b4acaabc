package static

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite test/python_errors.json from the Python interpreters on this machine")

// pyFixture is test/python_errors.json: programs with a syntax error (and one without), and
// what real Python interpreters printed for them, which test/pyerrors.test.js reads with
// pyerrors.js.
type pyFixture struct {
	Cases []pyCase `json:"cases"`
	Runs  []pyRun  `json:"runs"`
}

type pyCase struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Exec runs the program through exec(compile(...)), as a runtime in the page does: the
	// syntax error comes after a traceback of the code that compiled it.
	Exec bool `json:"exec,omitempty"`
}

type pyRun struct {
	Python string `json:"python"`
	Case   string `json:"case"`
	Stderr string `json:"stderr"`
	// Error is what the interpreter's SyntaxError says, read from the exception itself: the
	// answer the parser must find in Stderr. Null when the program compiles.
	Error *pyError `json:"error"`
}

type pyError struct {
	Type      string `json:"type"`
	Msg       string `json:"msg"`
	Line      int    `json:"lineno"`
	Offset    int    `json:"offset"`
	EndLine   int    `json:"end_lineno"`
	EndOffset int    `json:"end_offset"`
}

const pyFixtureFile = "test/python_errors.json"

// pyErrorScript prints the SyntaxError of main.py as JSON, or null.
const pyErrorScript = `import json
src = open("main.py", encoding="utf-8").read()
try:
    compile(src, "main.py", "exec")
    print("null")
except SyntaxError as e:
    print(json.dumps({"type": type(e).__name__, "msg": e.msg, "lineno": e.lineno, "offset": e.offset,
                      "end_lineno": e.end_lineno, "end_offset": e.end_offset}))
`

// pythons finds the interpreters to run: python3 from PATH, and the 3.12 and 3.13 of pyenv
// when this machine has them (their answers are kept in the fixture, so that the parser is
// tested on them everywhere).
func pythons(t *testing.T) []string {
	var found []string
	if p, err := exec.LookPath("python3"); err == nil {
		found = append(found, p)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("python3 is not installed; the Python error fixtures are checked against it (apt-get install python3)")
	} else {
		t.Log("python3 is not installed; the fixtures are not checked against it")
	}
	home, _ := os.UserHomeDir()
	for _, v := range []string{"3.12", "3.13"} {
		m, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", v+".*", "bin", "python3"))
		found = append(found, m...)
	}
	return found
}

func pyVersion(t *testing.T, py string) string {
	out, err := exec.Command(py, "-c", "import platform; print(platform.python_version())").Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	return strings.TrimSpace(string(out))
}

// runPython runs c under py in a directory of its own and returns what it printed to standard
// error, and its SyntaxError.
func runPython(t *testing.T, py, version string, c pyCase) pyRun {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(c.Source), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"main.py"}
	if c.Exec {
		args = []string{"-c", `exec(compile(open("main.py", encoding="utf-8").read(), "main.py", "exec"))`}
	}
	cmd := exec.Command(py, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONIOENCODING=utf-8", "NO_COLOR=1", "PYTHON_COLORS=0", "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run() // a program with an error exits with 1: its standard error is the point
	check := exec.Command(py, "-c", pyErrorScript)
	check.Dir = dir
	out, err := check.Output()
	if err != nil {
		t.Fatalf("%s reading the error of %s: %v", py, c.Name, err)
	}
	// Python names the file by its whole path: the fixture keeps main.py.
	text := strings.ReplaceAll(stderr.String(), dir+string(filepath.Separator), "")
	run := pyRun{Python: version, Case: c.Name, Stderr: text}
	if err := json.Unmarshal(out, &run.Error); err != nil {
		t.Fatalf("%s: %v: %s", py, err, out)
	}
	return run
}

// TestPythonErrorFixtures runs every case of test/python_errors.json under the Python
// interpreters of this machine and checks that they print what the fixture says (with
// -update, it writes what they print). test/pyerrors.test.js then checks the parser on it.
func TestPythonErrorFixtures(t *testing.T) {
	b, err := os.ReadFile(pyFixtureFile)
	if err != nil {
		t.Fatal(err)
	}
	var fx pyFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	for _, py := range pythons(t) {
		version := pyVersion(t, py)
		kept := map[string]pyRun{}
		for _, r := range fx.Runs {
			if r.Python == version {
				kept[r.Case] = r
			}
		}
		for _, c := range fx.Cases {
			got := runPython(t, py, version, c)
			if *update {
				fx.Runs = slices.DeleteFunc(fx.Runs, func(r pyRun) bool { return r.Python == version && r.Case == c.Name })
				fx.Runs = append(fx.Runs, got)
				continue
			}
			want, ok := kept[c.Name]
			if !ok {
				t.Errorf("Python %s is not in %s for %q: run go test ./static -run PythonErrorFixtures -update", version, pyFixtureFile, c.Name)
				continue
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if !bytes.Equal(gj, wj) {
				t.Errorf("Python %s, %q: prints\n%s\nthe fixture has\n%s\n(-update rewrites it)", version, c.Name, gj, wj)
			}
		}
	}
	if *update {
		slices.SortStableFunc(fx.Runs, func(a, b pyRun) int { return strings.Compare(a.Python+" "+a.Case, b.Python+" "+b.Case) })
		out, err := json.MarshalIndent(fx, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pyFixtureFile, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
