package build

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// threadNice is the niceness of the calling goroutine's thread (the raw system call answers
// 20 - nice).
func threadNice(t *testing.T) int {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - p
}

// TestBatchLeavesTheRelayAProcessor: compressing build outputs runs at the builds' niceness,
// on at most all processors but one, and leaves the caller's thread as it was.
func TestBatchLeavesTheRelayAProcessor(t *testing.T) {
	before := threadNice(t)
	var running, most atomic.Int32
	var nice atomic.Int32
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			batch(func() error {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				nice.Store(int32(threadNice(t)))
				time.Sleep(20 * time.Millisecond)
				running.Add(-1)
				return nil
			})
		})
	}
	wg.Wait()
	if got, want := int(most.Load()), max(1, runtime.GOMAXPROCS(0)-1); got != want {
		t.Errorf("%d batch jobs ran at once, want %d (all processors but one)", got, want)
	}
	// With one processor the work runs where it is called (batch).
	if got := int(nice.Load()); runtime.GOMAXPROCS(0) >= 2 && got < buildNice {
		t.Errorf("batch work ran at niceness %d, want %d or more", got, buildNice)
	}
	if after := threadNice(t); after != before {
		t.Errorf("the caller's thread went from niceness %d to %d", before, after)
	}
}
