package main

import (
	"fmt"
	"os"
	"syscall"
)

// raiseOpenFiles lifts the limit on open files as far as the system lets this process, so the
// session test can hold 10,000 sessions: through a relay each is a descriptor in the client,
// two in the relay and one in the target, and the relays (children) inherit the limit. Root
// may raise the hard limit up to fs.nr_open; anyone else only the soft limit up to the hard.
// It returns the limit in force.
func raiseOpenFiles() uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	want := uint64(200000)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		var n uint64
		if _, err := fmt.Sscan(string(b), &n); err == nil && n < want {
			want = n
		}
	}
	if lim.Max < want {
		raised := syscall.Rlimit{Cur: want, Max: want}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return want
		}
	}
	lim.Cur = min(lim.Max, want)
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Cur < 50000 {
		fmt.Fprintf(os.Stderr, "bench: only %d open files are allowed (ulimit -n); the session test may fail beyond about %d sessions\n", lim.Cur, lim.Cur/4)
	}
	return lim.Cur
}
