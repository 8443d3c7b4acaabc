package build

import (
	"os/exec"
	"syscall"
	"unsafe"
)

// sandboxed reports whether this system bounds each build's processes.
const sandboxed = true

// setLimits bounds the process pid, and every process it starts afterwards, with the memory,
// CPU and file-size limits of the service. The go command is limited right after it starts:
// it loads the packages before starting any compiler, so the compiler and linker inherit the
// limits. Go programs ignore SIGXCPU and SIGXFSZ, so the CPU limit is hard (SIGKILL) and a
// write beyond the file limit fails with EFBIG.
func (s *Service) setLimits(pid int) error {
	set := func(resource int, v uint64) error {
		lim := syscall.Rlimit{Cur: v, Max: v}
		_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(resource),
			uintptr(unsafe.Pointer(&lim)), 0, 0, 0)
		if errno != 0 {
			return errno
		}
		return nil
	}
	if s.memory > 0 {
		// RLIMIT_DATA counts the memory a Go process has mapped writable (its heap), not the
		// address space the runtime only reserves. RLIMIT_AS is a backstop with room for the
		// program text, stacks and the linker's mapped output file.
		if err := set(syscall.RLIMIT_DATA, uint64(s.memory)); err != nil {
			return err
		}
		if err := set(syscall.RLIMIT_AS, uint64(2*s.memory+(512<<20))); err != nil {
			return err
		}
	}
	if s.cpu > 0 {
		if err := set(syscall.RLIMIT_CPU, uint64((s.cpu+999_999_999)/1_000_000_000)); err != nil {
			return err
		}
	}
	if s.maxFile > 0 {
		if err := set(syscall.RLIMIT_FSIZE, uint64(s.maxFile)); err != nil {
			return err
		}
	}
	// Builds yield the CPU to the relay: while a class compiles (or someone floods the
	// service with builds), the sockets of programs already running stay quick. The compiler
	// and linker inherit the niceness as they inherit the limits.
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, buildNice)
}

// buildNice is the niceness builds run at: low priority, as a batch job.
const buildNice = 10

// peakMemory is the largest resident set of a finished command or any process it waited for
// (the compiler, the linker), in bytes.
func peakMemory(cmd *exec.Cmd) int64 {
	if cmd.ProcessState == nil {
		return 0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) << 10 // kilobytes on Linux
	}
	return 0
}
