//go:build unix

package relay

import "syscall"

// openFileLimit is the process's limit on open descriptors (RLIMIT_NOFILE), or 0 if unknown.
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}
