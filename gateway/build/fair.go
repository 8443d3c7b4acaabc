package build

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// fairQueue hands out the compiler slots. Compiles that find no free slot wait in a queue of
// their learner's, and the learners with compiles waiting take turns: each freed slot goes to
// the next learner in the round, so one learner's ten edits wait behind each other, not in
// front of everyone else's. A learner who joins the queue joins the round at its end.
type fairQueue struct {
	mu      sync.Mutex
	free    int                  // slots free
	round   []string             // learners with compiles waiting, in the order they are served
	waiting map[string][]*waiter // each learner's waiting compiles, oldest first
	n       int                  // compiles waiting in all
	spare   []*waiter            // work that takes a slot only when no compile waits (vet), oldest first

	avg time.Duration // a moving average of compile times, for estimates
}

type waiter struct {
	ready   chan struct{} // closed when the slot is granted
	granted bool
}

func newFairQueue(slots int) *fairQueue {
	return &fairQueue{free: slots, waiting: map[string][]*waiter{}, avg: 2 * time.Second}
}

// acquire waits for a slot for a compile of learner's; release gives it back. queued, when
// not nil, is called once the compile is in the queue (not when a slot is free at once) with
// the waiter, so that its place in line can be asked for.
func (q *fairQueue) acquire(ctx context.Context, learner string, queued func(*waiter)) (release func(), err error) {
	q.mu.Lock()
	if q.free > 0 && q.n == 0 {
		q.free--
		q.mu.Unlock()
		return q.release, nil
	}
	w := &waiter{ready: make(chan struct{})}
	if len(q.waiting[learner]) == 0 {
		q.round = append(q.round, learner)
	}
	q.waiting[learner] = append(q.waiting[learner], w)
	q.n++
	q.mu.Unlock()
	if queued != nil {
		queued(w)
	}
	select {
	case <-w.ready:
		return q.release, nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if w.granted { // granted as ctx ended: pass the slot on
		q.mu.Unlock()
		q.release()
	} else {
		q.remove(learner, w)
		q.mu.Unlock()
	}
	return nil, fmt.Errorf("build abandoned while waiting for a free slot: %w", context.Cause(ctx))
}

// remove takes a waiter that gave up out of its learner's queue. Call with mu held.
func (q *fairQueue) remove(learner string, w *waiter) {
	ws := q.waiting[learner]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			q.n--
			break
		}
	}
	if len(ws) > 0 {
		q.waiting[learner] = ws
		return
	}
	delete(q.waiting, learner)
	for i, l := range q.round {
		if l == learner {
			q.round = append(q.round[:i:i], q.round[i+1:]...)
			break
		}
	}
}

// maxSpare bounds the work waiting for a spare slot; more is refused at once.
const maxSpare = 64

// errNoSpare is the answer of acquireSpare when too much waits for a spare slot already.
var errNoSpare = errors.New("the compilers are busy; nothing more waits for a spare one")

// acquireSpare waits for a slot that no compile wants: it is granted only when no compile
// waits, and a compile that comes later is served first. For work that must never delay a
// Run, such as vet.
func (q *fairQueue) acquireSpare(ctx context.Context) (release func(), err error) {
	q.mu.Lock()
	if q.free > 0 && q.n == 0 && len(q.spare) == 0 {
		q.free--
		q.mu.Unlock()
		return q.release, nil
	}
	if len(q.spare) >= maxSpare {
		q.mu.Unlock()
		return nil, errNoSpare
	}
	w := &waiter{ready: make(chan struct{})}
	q.spare = append(q.spare, w)
	q.mu.Unlock()
	select {
	case <-w.ready:
		return q.release, nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if w.granted {
		q.mu.Unlock()
		q.release()
	} else {
		q.spare = slices.DeleteFunc(q.spare, func(x *waiter) bool { return x == w })
		q.mu.Unlock()
	}
	return nil, fmt.Errorf("given up while waiting for a spare compiler slot: %w", context.Cause(ctx))
}

// release gives a slot to the next learner in the round, else to the oldest work waiting for
// a spare slot, or frees it.
func (q *fairQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 && len(q.spare) > 0 {
		w := q.spare[0]
		q.spare = q.spare[1:]
		w.granted = true
		close(w.ready)
		return
	}
	if q.n == 0 {
		q.free++
		return
	}
	learner := q.round[0]
	q.round = q.round[1:]
	ws := q.waiting[learner]
	w := ws[0]
	if len(ws) > 1 {
		q.waiting[learner] = ws[1:]
		q.round = append(q.round, learner) // the learner's next compile waits for the next round
	} else {
		delete(q.waiting, learner)
	}
	q.n--
	w.granted = true
	close(w.ready)
}

// place says how many compiles will start before w, if no one else joins, and whether w is
// still waiting at all.
func (q *fairQueue) place(w *waiter) (ahead int, waiting bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for at, learner := range q.round {
		for i, x := range q.waiting[learner] {
			if x != w {
				continue
			}
			// Round by round, every learner with compiles left takes one; those before w's
			// learner in the round take one more in w's round.
			for j, other := range q.round {
				turns := i
				if j < at {
					turns++
				}
				ahead += min(len(q.waiting[other]), turns)
			}
			return ahead, true
		}
	}
	return 0, false
}

// took notes a compile's time for estimates.
func (q *fairQueue) took(d time.Duration) {
	q.mu.Lock()
	q.avg = (4*q.avg + d) / 5
	q.mu.Unlock()
}

// estimate is how long until a compile with ahead compiles before it starts, given slots
// compilers at once: the compiles ahead, slot by slot, at the average compile time.
func (q *fairQueue) estimate(ahead, slots int) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	return time.Duration((ahead/slots)+1) * q.avg
}

type learnerKey struct{}

// WithLearner returns ctx marked with the learner a build is for: compiles wait in a queue of
// their learner's, and learners take turns (fairQueue). Without it a build counts as its
// client address's (WithClient), or else as everyone's.
func WithLearner(ctx context.Context, learner string) context.Context {
	return context.WithValue(ctx, learnerKey{}, learner)
}

func learnerOf(ctx context.Context) string {
	if l, ok := ctx.Value(learnerKey{}).(string); ok && l != "" {
		return "learner " + l
	}
	c, _ := ctx.Value(clientKey{}).(string)
	return "client " + c
}

type ticketKey struct{}

// WithTicket returns ctx marked with a ticket that Place answers for while the build waits.
// The page makes one up for each Run.
func WithTicket(ctx context.Context, ticket string) context.Context {
	return context.WithValue(ctx, ticketKey{}, ticket)
}

// validTicket accepts a ticket of 8 to 64 letters, digits, '-' and '_'.
func validTicket(t string) bool {
	if len(t) < 8 || len(t) > 64 {
		return false
	}
	for _, c := range []byte(t) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Place is where a build waits: Waiting is false once its compile has started (or it is not
// known), else Ahead compiles start before it if no one else comes, in about Estimate.
type Place struct {
	Waiting  bool          `json:"waiting"`
	Ahead    int           `json:"ahead"`
	Estimate time.Duration `json:"-"`
}

// PlaceOf says where the build of the request with ticket waits.
func (s *Service) PlaceOf(ticket string) Place {
	s.mu.Lock()
	f := s.tickets[ticket]
	s.mu.Unlock()
	if f == nil {
		return Place{}
	}
	w := f.queued.Load()
	if w == nil {
		return Place{}
	}
	ahead, waiting := s.queue.place(w)
	if !waiting {
		return Place{}
	}
	return Place{Waiting: true, Ahead: ahead, Estimate: s.queue.estimate(ahead, s.slots)}
}
