package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"socketlab/python"
)

// Python prepares a run of a Python program: it finds the system's python3 and writes the
// lab's socket module into a temporary directory. The returned command line runs file with
// args through the module's bootstrap; cleanup removes the directory.
func Python(file string, args []string) (argv []string, cleanup func(), err error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, nil, fmt.Errorf("running a Python program needs python3 on the PATH (Debian: apt-get install python3): %w", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "socketlab-python-")
	if err != nil {
		return nil, nil, err
	}
	if err := python.WriteTo(dir); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("writing the lab's socket module: %w", err)
	}
	// -B: no bytecode files in the module's directory or beside the learner's.
	// sys.argv[0] is the file as the user named it, as python3 FILE.py gives it.
	argv = append([]string{py, "-B", filepath.Join(dir, python.Boot), "--argv0", file, abs}, args...)
	return argv, func() { os.RemoveAll(dir) }, nil
}
