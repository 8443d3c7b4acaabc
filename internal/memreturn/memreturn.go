// Package memreturn gives the gateway's memory back to the system after a burst.
//
// The Go runtime keeps heap pages it no longer uses and returns them slowly, a little each
// second. After an attack or a full classroom ends, a gateway that peaked at 150 MiB holds
// tens of MiB more than it needs for minutes; an operator watching its resident size cannot
// tell that from a leak. Run collects now and then when the heap is big enough to matter,
// and gives its free pages back at once.
package memreturn

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// minHeap is the least memory held worth a collection to give back: below it, collecting and
// faulting pages back in costs more than the memory is worth.
const minHeap = 16 << 20

// worth says whether a heap of this many bytes (objects, garbage among them, and free pages
// the runtime keeps) is worth a collection and giving its free pages back. Only a collection
// can tell how much of it is garbage: after a burst the collector may not run again for
// minutes, its goal set by the burst's live heap. It costs a few milliseconds of CPU on a
// heap of tens of MiB, once a period.
func worth(heap uint64) bool { return heap >= minHeap }

var samples = []metrics.Sample{
	{Name: "/memory/classes/total:bytes"},         // all the runtime has mapped
	{Name: "/memory/classes/heap/released:bytes"}, // of which given back to the system
}

// heap reads how many bytes the runtime holds from the system: the heap's objects (garbage
// among them), its free pages, goroutine stacks and the runtime's own structures.
func heap() uint64 {
	metrics.Read(samples)
	return samples[0].Value.Uint64() - samples[1].Value.Uint64()
}

// Once collects and returns the heap's free pages if the heap is big enough to be worth it,
// and says how many bytes the heap gave back.
func Once() uint64 {
	before := heap()
	if !worth(before) {
		return 0
	}
	debug.FreeOSMemory()
	if after := heap(); after < before {
		return before - after
	}
	return 0
}

// Run calls Once every period until ctx ends, logging what it returns.
func Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n := Once(); n > 0 && log != nil {
				log.Debug("gave free heap memory back to the system", "MiB", n>>20)
			}
		}
	}
}
