package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestFairQueueTurns: with one slot, learners with compiles waiting take turns, each learner's
// compiles in the order they came, and place counts what starts before a waiter.
func TestFairQueueTurns(t *testing.T) {
	q := newFairQueue(1)
	ctx := context.Background()
	hold, err := q.acquire(ctx, "first", nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	waiters := map[string]*waiter{}
	var wg sync.WaitGroup
	enqueue := func(learner, name string) {
		seen := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := q.acquire(ctx, learner, func(w *waiter) {
				mu.Lock()
				waiters[name] = w
				mu.Unlock()
				close(seen)
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			release()
		}()
		<-seen
	}
	for _, c := range [][2]string{{"ann", "a1"}, {"ann", "a2"}, {"ann", "a3"}, {"bob", "b1"}, {"cid", "c1"}, {"bob", "b2"}} {
		enqueue(c[0], c[1])
	}
	want := map[string]int{"a1": 0, "b1": 1, "c1": 2, "a2": 3, "b2": 4, "a3": 5}
	for name, ahead := range want {
		if got, waiting := q.place(waiters[name]); !waiting || got != ahead {
			t.Errorf("place(%s) = %d, %v; want %d compiles ahead", name, got, waiting, ahead)
		}
	}
	hold()
	wg.Wait()
	if got := fmt.Sprint(order); got != "[a1 b1 c1 a2 b2 a3]" {
		t.Errorf("served in the order %s, want [a1 b1 c1 a2 b2 a3]", got)
	}
	if _, waiting := q.place(waiters["a3"]); waiting {
		t.Error("a served compile still has a place in line")
	}
	if q.free != 1 || q.n != 0 || len(q.round) != 0 || len(q.waiting) != 0 {
		t.Errorf("after everything: free %d, waiting %d, round %v, queues %v", q.free, q.n, q.round, q.waiting)
	}
}

// TestFairQueueGiveUp: a compile whose request ends leaves the queue, and its learner leaves
// the round when it was their last.
func TestFairQueueGiveUp(t *testing.T) {
	q := newFairQueue(1)
	hold, _ := q.acquire(context.Background(), "x", nil)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	queued := make(chan struct{})
	go func() {
		_, err := q.acquire(ctx, "quitter", func(*waiter) { close(queued) })
		errc <- err
	}()
	<-queued
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("a compile whose request ended got a slot")
	}
	if q.n != 0 || len(q.round) != 0 || len(q.waiting) != 0 {
		t.Errorf("the quitter is still in line: waiting %d, round %v", q.n, q.round)
	}
	hold()
	if q.free != 1 {
		t.Errorf("the slot was not freed: free %d", q.free)
	}
}

// TestFairCompiles compiles real programs with one compiler slot: a learner who sends four
// edits at once does not make two others wait behind all four; a program already compiled is
// answered while compiles wait; identical sources from many learners compile once; and a
// waiting build's place in line is served at /api/build/queue.
func TestFairCompiles(t *testing.T) {
	s := newService(t, func(o *Options) { o.Concurrency = 1; o.Budget = -1 })
	warm, err := s.Build(context.Background(), []byte(hello))
	if err != nil || !warm.OK {
		t.Fatalf("warming: %v %+v", err, warm)
	}
	prog := func(tag string) []byte {
		return fmt.Appendf(nil, "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(%q, %d) }\n", tag, time.Now().UnixNano())
	}
	var mu sync.Mutex
	var done []string
	var wg sync.WaitGroup
	start := func(learner, name, ticket string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := WithTicket(WithLearner(context.Background(), learner), ticket)
			r, err := s.Build(ctx, prog(name))
			if err != nil || !r.OK {
				t.Errorf("%s: %v %+v", name, err, r)
			}
			mu.Lock()
			done = append(done, name)
			mu.Unlock()
		}()
	}
	waitQueued := func(n int) {
		t.Helper()
		eventually(t, time.Minute, func() (bool, string) {
			s.queue.mu.Lock()
			defer s.queue.mu.Unlock()
			return s.queue.n >= n, fmt.Sprintf("%d compiles waiting after a minute, want %d", s.queue.n, n)
		})
	}
	start("greedy", "g1", "ticket-g1")
	waitQueued(0)
	for s.compiles.Load() < 2 { // g1 holds the slot (the warm-up was the first compile)
		time.Sleep(5 * time.Millisecond)
	}
	for i := 2; i <= 4; i++ {
		start("greedy", fmt.Sprintf("g%d", i), fmt.Sprintf("ticket-g%d", i))
		waitQueued(i - 1)
	}
	start("bob", "b1", "ticket-b1")
	waitQueued(4)
	start("cid", "c1", "ticket-c1")
	waitQueued(5)

	// c1 waits behind g2 (greedy's turn came first) and b1, not behind all of greedy's.
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/build/queue?ticket=ticket-c1")
	if err != nil {
		t.Fatal(err)
	}
	var place struct {
		Waiting    bool  `json:"waiting"`
		Ahead      int   `json:"ahead"`
		EstimateMS int64 `json:"estimate_ms"`
	}
	json.NewDecoder(resp.Body).Decode(&place)
	resp.Body.Close()
	if !place.Waiting || place.Ahead != 2 || place.EstimateMS <= 0 {
		t.Errorf("c1's place in line: %+v, want waiting with 2 ahead and an estimate", place)
	}
	if p := s.PlaceOf("ticket-g4"); !p.Waiting || p.Ahead != 4 {
		t.Errorf("g4's place in line: %+v, want 4 ahead (g2, b1, c1, g3)", p)
	}

	// A program compiled before is answered from the cache while all these wait.
	began := time.Now()
	r, err := s.Build(WithLearner(context.Background(), "dan"), []byte(hello))
	s.queue.mu.Lock()
	still := s.queue.n
	s.queue.mu.Unlock()
	if err != nil || !r.Cached || still == 0 {
		t.Errorf("a cached program: %v, cached %v, answered after the queue emptied (%d waiting)", err, r != nil && r.Cached, still)
	}
	t.Logf("a cached program answered in %v with %d compiles waiting", time.Since(began), still)

	wg.Wait()
	pos := map[string]int{}
	for i, name := range done {
		pos[name] = i
	}
	t.Logf("finished in the order %v", done)
	if pos["b1"] > pos["g3"] || pos["c1"] > pos["g3"] {
		t.Errorf("bob's and cid's compiles finished after greedy's third: %v", done)
	}
	if fmt.Sprint(done) != "[g1 g2 b1 c1 g3 g4]" {
		t.Errorf("finished in the order %v, want [g1 g2 b1 c1 g3 g4]", done)
	}

	// Eight learners send the same new program at once: one compile.
	before := s.compiles.Load()
	same := prog("same")
	var own, others int
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Build(WithLearner(context.Background(), fmt.Sprint("learner", i)), same)
			if err != nil || !r.OK {
				t.Errorf("learner %d: %v %+v", i, err, r)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if r.Shared || r.Cached {
				others++
			} else {
				own++
			}
		}()
	}
	wg.Wait()
	if n := s.compiles.Load() - before; n != 1 || own != 1 || others != 7 {
		t.Errorf("the same program from 8 learners was compiled %d times, %d answered by their own compile and %d by another's or the cache; want 1, 1 and 7", n, own, others)
	}
}

// TestFairQueueSpare: work that waits for a spare slot (vet) starts only when no compile
// waits, even a compile that came after it, gives up with its context, and is refused past
// maxSpare.
func TestFairQueueSpare(t *testing.T) {
	q := newFairQueue(1)
	ctx := context.Background()
	hold, err := q.acquire(ctx, "ann", nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	done := func(name string, release func(), err error) {
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		release()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r, err := q.acquireSpare(ctx); done("vet", r, err) }()
	eventually(t, time.Minute, func() (bool, string) {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.spare) == 1, "the spare slot was never taken"
	})
	queued := make(chan struct{})
	go func() {
		defer wg.Done()
		r, err := q.acquire(ctx, "bob", func(*waiter) { close(queued) })
		done("compile", r, err)
	}()
	<-queued
	// One that gives up leaves no trace.
	gctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	if _, err := q.acquireSpare(gctx); err == nil {
		t.Error("a spare slot was granted while the only one was held")
	}
	cancel()
	hold()
	wg.Wait()
	if got := fmt.Sprint(order); got != "[compile vet]" {
		t.Errorf("order %s, want the compile first, then vet", got)
	}
	if q.free != 1 || len(q.spare) != 0 || q.n != 0 {
		t.Errorf("after all: free %d, spare %d, waiting %d; want 1, 0, 0", q.free, len(q.spare), q.n)
	}
	// Past maxSpare, vet is refused at once.
	hold, _ = q.acquire(ctx, "ann", nil)
	defer hold()
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	for range maxSpare {
		wg.Add(1)
		go func() { defer wg.Done(); q.acquireSpare(wctx) }()
	}
	for {
		q.mu.Lock()
		n := len(q.spare)
		q.mu.Unlock()
		if n == maxSpare {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := q.acquireSpare(ctx); !errors.Is(err, errNoSpare) {
		t.Errorf("past maxSpare: %v, want errNoSpare", err)
	}
	stop()
	wg.Wait()
}
