package metrics

import (
	"fmt"
	"testing"
	"time"
)

// TestLineBudget: a client address gets linesPerMinute session lines a minute; the lines held
// back are told with its next line; the addresses of one IPv6 /64 share a budget; and a
// stream of new addresses never grows the memory beyond its bound.
func TestLineBudget(t *testing.T) {
	var b lineBudget
	now := time.Now()
	for i := range linesPerMinute {
		if ok, _ := b.take("192.0.2.7", now); !ok {
			t.Fatalf("line %d of the first minute was held back", i+1)
		}
	}
	for range 5 {
		if ok, _ := b.take("192.0.2.7", now.Add(time.Second)); ok {
			t.Fatal("a line past the minute's budget was written")
		}
	}
	if ok, _ := b.take("192.0.2.8", now); !ok {
		t.Error("another address was held back by the first")
	}
	if ok, skipped := b.take("192.0.2.7", now.Add(time.Minute)); !ok || skipped != 5 {
		t.Errorf("the next minute's first line: written %v, telling %d held back; want true and 5", ok, skipped)
	}
	for i := range linesPerMinute {
		b.take(fmt.Sprintf("2001:db8::%x", i+1), now)
	}
	if ok, _ := b.take("2001:db8::ffff", now); ok {
		t.Error("the addresses of one /64 did not share a budget")
	}
	for i := range 3 * mostClients {
		b.take(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now)
		if len(b.clients) > mostClients {
			t.Fatalf("%d addresses remembered, want at most %d", len(b.clients), mostClients)
		}
	}
}

// BenchmarkMoved is what the relay's data path pays to count bytes, per read or write.
func BenchmarkMoved(b *testing.B) {
	m := New(nil, nil)
	b.RunParallel(func(pb *testing.PB) {
		down := false
		for pb.Next() {
			m.Moved(down, 16<<10)
			down = !down
		}
	})
}
