package build

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBatchLeavesTheRelayAProcessor: compressing build outputs runs on at most all
// processors but one.
func TestBatchLeavesTheRelayAProcessor(t *testing.T) {
	var running, most atomic.Int32
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			batch(func() error {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
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
}
