//go:build !linux

package build

import "os/exec"

// sandboxed reports whether this system bounds each build's processes.
const sandboxed = false

// setLimits does nothing here: only the timeout and the cache caps bound a build.
func (s *Service) setLimits(pid int) error { return nil }

// peakMemory is not measured here.
func peakMemory(cmd *exec.Cmd) int64 { return 0 }
