package build

import (
	"runtime"
	"syscall"
)

// niced runs f on a thread of its own at the builds' niceness. The thread is never handed
// back: raising a thread's priority again takes a privilege, so the goroutine ends locked
// to it and the runtime ends the thread with it (runtime.LockOSThread).
func niced(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), buildNice) // at worst f runs at the relay's priority
		done <- f()
	}()
	return <-done
}
