package memreturn

import (
	"runtime/metrics"
	"testing"
)

func TestWorth(t *testing.T) {
	for _, tt := range []struct {
		heap uint64
		want bool
	}{
		{0, false},
		{minHeap - 1, false}, // too little to bother
		{minHeap, true},
		{512 << 20, true},
	} {
		if got := worth(tt.heap); got != tt.want {
			t.Errorf("worth(%d) = %v, want %v", tt.heap, got, tt.want)
		}
	}
}

var sink [][]byte

// TestOnceReturnsABurst allocates a burst, lets it go, and checks that Once gives the
// system back its pages, where the runtime alone would keep most of them for minutes.
func TestOnceReturnsABurst(t *testing.T) {
	released := []metrics.Sample{{Name: "/memory/classes/heap/released:bytes"}}
	for i := 0; i < 64; i++ {
		sink = append(sink, make([]byte, 1<<20))
	}
	for _, b := range sink {
		b[0] = 1 // touch them
	}
	sink = nil // the burst is garbage now, which only a collection can tell
	metrics.Read(released)
	before := released[0].Value.Uint64()
	n := Once()
	metrics.Read(released)
	after := released[0].Value.Uint64()
	if n < 32<<20 {
		t.Errorf("Once returned %d MiB of a 64 MiB burst, want most of it", n>>20)
	}
	if after < before+32<<20 {
		t.Errorf("the runtime's released heap grew by %d MiB, want at least 32", (after-before)>>20)
	}
	if h := heap(); worth(h) {
		t.Errorf("after Once the heap holds %d MiB, want it below %d MiB, where Once leaves it alone", h>>20, minHeap>>20)
	}
}
