package build

import (
	"os/exec"
	"strings"
	"sync"
)

var goroot struct {
	sync.Mutex
	dir string
}

// GOROOT returns the root of the toolchain of the go command in PATH, as go env GOROOT says.
// It asks once per process (a failure is asked again): a gateway, and every socketlab run,
// needs it to read the toolchain's files, and the toolchain does not move while we run.
func GOROOT() (string, error) {
	goroot.Lock()
	defer goroot.Unlock()
	if goroot.dir != "" {
		return goroot.dir, nil
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", err
	}
	goroot.dir = strings.TrimSpace(string(out))
	return goroot.dir, nil
}
