//go:build !unix || socketlab_portable

package build

import (
	"os/exec"
	"time"
)

// killsGroup says that cancelling a build kills the processes the go command started too.
const killsGroup = false

// ownGroup leaves cmd alone: without process groups, cancelling kills only the go command.
func ownGroup(cmd *exec.Cmd) {}

func cpuTime(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
