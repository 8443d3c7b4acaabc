package labnet

import (
	"sync"
	"time"
)

// guard is a mutex with a broadcast: every socket keeps its state under one, and goroutines
// blocked in Read, Write, Accept or a dial wait for the state to change or a deadline to pass.
// A waiter's channel and timer come from a pool and go back to it, so waiting makes nothing
// new: a stream that blocks on every message (a ping-pong) does not allocate for it.
type guard struct {
	mu      sync.Mutex
	waiters []*waiter // blocked in wait; each is woken once and removed by broadcast
}

// waiter is one goroutine blocked in guard.wait.
type waiter struct {
	wake  chan struct{} // buffered: broadcast never blocks
	timer *time.Timer   // for a deadline; made on first use, stopped when idle
}

var waiterPool = sync.Pool{New: func() any { return &waiter{wake: make(chan struct{}, 1)} }}

// broadcast wakes every waiter. Call with mu held.
func (g *guard) broadcast() {
	for i, w := range g.waiters {
		w.wake <- struct{}{}
		g.waiters[i] = nil
	}
	g.waiters = g.waiters[:0]
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
	w := waiterPool.Get().(*waiter)
	g.waiters = append(g.waiters, w)
	g.mu.Unlock()
	if deadline.IsZero() {
		<-w.wake
	} else {
		if w.timer == nil {
			w.timer = time.NewTimer(time.Until(deadline))
		} else {
			w.timer.Reset(time.Until(deadline))
		}
		select {
		case <-w.wake:
		case <-w.timer.C:
		}
		w.timer.Stop()
	}
	g.mu.Lock()
	if i := indexOf(g.waiters, w); i >= 0 {
		// The deadline came first: nobody woke us, so nobody will.
		last := len(g.waiters) - 1
		copy(g.waiters[i:], g.waiters[i+1:])
		g.waiters[last] = nil
		g.waiters = g.waiters[:last]
	} else {
		// broadcast took us off the list and left a wake-up, which we may not have taken yet.
		select {
		case <-w.wake:
		default:
		}
	}
	waiterPool.Put(w)
	return false
}

func indexOf(ws []*waiter, w *waiter) int {
	for i, x := range ws {
		if x == w {
			return i
		}
	}
	return -1
}
