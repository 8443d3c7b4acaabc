//go:build !unix || socketlab_portable

package build

import "os/exec"

// killsGroup says that cancelling a build kills the processes the go command started too.
const killsGroup = false

// ownGroup leaves cmd alone: without process groups, cancelling kills only the go command.
func ownGroup(cmd *exec.Cmd) {}
