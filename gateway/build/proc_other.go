//go:build !unix

package build

import "os/exec"

// ownGroup leaves cmd alone: without process groups, cancelling kills only the go command.
func ownGroup(cmd *exec.Cmd) {}
