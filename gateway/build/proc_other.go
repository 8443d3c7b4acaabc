//go:build !unix

package build

import (
	"os/exec"
	"time"
)

// ownGroup leaves cmd alone: without process groups, cancelling kills only the go command.
func ownGroup(cmd *exec.Cmd) {}

func cpuTime(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
