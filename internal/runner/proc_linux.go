package runner

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the program killed when this process dies, so that a harness killed
// in the middle of a run leaves no learner program behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
