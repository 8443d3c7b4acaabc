package relay

import (
	"context"
	"testing"
	"time"
)

// The rates keep the token bucket's behaviour: a burst is free, past it a take is refused and
// a wait is paid in time, more than a burst at once is waited for rather than refused, and a
// rate of 0 or less is no limit.
func TestLimiters(t *testing.T) {
	l := newLimiter(1000, 100)
	if !l.AllowN(time.Now(), 100) {
		t.Error("a whole burst was refused")
	}
	if l.AllowN(time.Now(), 50) {
		t.Error("a take past the burst was allowed")
	}
	start := time.Now()
	if err := waitN(context.Background(), l, 150); err != nil { // more than the burst
		t.Fatal(err)
	}
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("150 bytes at 1000/s after an empty bucket took %v, want about 150ms", took)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitN(ctx, newLimiter(1, 1), 5); err == nil {
		t.Error("a wait in an ended context succeeded")
	}

	free := newLimiter(0, 0)
	if !free.AllowN(time.Now(), 1<<30) || waitN(context.Background(), free, 1<<30) != nil {
		t.Error("no limit limited")
	}

	lookups := newLimiter(0.3, 0.6) // a burst below one rounds up to one
	if !lookups.Allow() || lookups.Allow() {
		t.Error("a fractional burst is not one lookup")
	}

	p := &PerClient{Rate: 1, Burst: 2}
	if !p.Allow("a") || !p.Allow("a") || p.Allow("a") || !p.Allow("b") {
		t.Error("PerClient: want a burst of 2 per client")
	}
}
