package labnet

import (
	"sync"
	"time"
)

// guard is a mutex with a broadcast: every socket keeps its state under one, and goroutines
// blocked in Read, Write, Accept or a dial wait for the state to change or a deadline to pass.
type guard struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change; nil until someone waits
}

// broadcast wakes every waiter. Call with mu held.
func (g *guard) broadcast() {
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}

// noDeadline is a wait without a deadline.
var noDeadline time.Time

// wait releases mu until the state changes or the deadline passes (a zero deadline never
// does), then takes mu again. It reports whether the deadline had already passed, in which case
// it does not wait at all. Call with mu held.
func (g *guard) wait(deadline time.Time) (expired bool) {
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return true
	}
	if g.changed == nil {
		g.changed = make(chan struct{})
	}
	ch := g.changed
	g.mu.Unlock()
	if deadline.IsZero() {
		<-ch
	} else {
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
	g.mu.Lock()
	return false
}
