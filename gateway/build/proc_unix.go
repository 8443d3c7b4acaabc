//go:build unix && !socketlab_portable

package build

import (
	"os/exec"
	"syscall"
	"time"
)

// killsGroup says that cancelling a build kills the processes the go command started too.
const killsGroup = true

// ownGroup starts cmd in a process group of its own and makes cancelling it kill the whole
// group, so that the compiler and linker the go command started stop too.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// cpuTime is the CPU time a finished command and the processes it waited for used.
func cpuTime(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
