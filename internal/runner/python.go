package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"socketlab/python"
)

// PythonArgv0 is sys.argv[0] of a lesson's Python program, as the Go programs' is "main".
const PythonArgv0 = "main.py"

// Python prepares a run of a Python program: it finds the system's python3 and writes the
// lab's socket module into a temporary directory. The returned command line runs file with
// args through the module's bootstrap; cleanup removes the directory.
func Python(file string, args []string) (argv []string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "socketlab-python-")
	if err != nil {
		return nil, nil, err
	}
	if err := python.WriteTo(dir); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("writing the lab's socket module: %w", err)
	}
	// sys.argv[0] is the file as the user named it, as python3 FILE.py gives it.
	argv, err = PythonCommand(dir, file, file)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return append(argv, args...), func() { os.RemoveAll(dir) }, nil
}

// PythonCommand is the command line that runs the Python program file, its sys.argv[0]
// being argv0, through the lab's socket module written to moduleDir (python.WriteTo). The
// program's arguments go after it.
func PythonCommand(moduleDir, argv0, file string) ([]string, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("running a Python program needs python3 on the PATH (Debian: apt-get install python3): %w", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	// -B: no bytecode files in the module's directory or beside the learner's.
	return []string{py, "-B", filepath.Join(moduleDir, python.Boot), "--argv0", argv0, abs}, nil
}
