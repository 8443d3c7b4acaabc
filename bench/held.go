package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/wire"
)

// heldResult is what holding many sessions at once on the gateway showed.
type heldResult struct {
	failed  int
	perOpen float64 // µs per session, opened 8 at a time
	memory  float64 // KiB of gateway memory per session
}

// holdSessions opens n program sessions on the gateway's /ws at once, 8 at a time, as n
// programs that have started and looked a name up: each says HELLO and gets an answer to a
// LOOKUP. Each is a learner of its own (a learner may look up only so many names a second).
// They hold no stream, so each costs the gateway one descriptor, and n can reach
// 10,000 within a 20,000 open-files limit (with a stream each, every session costs two).
func holdSessions(p *path, addr string, n int) heldResult {
	p.proc.settle()
	base := p.proc.usage()
	conns := make([]*wsClient, n)
	var next, failed atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 4096)
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				c, err := holdOne(addr, fmt.Sprintf("bench-%d", i), buf)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					continue
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	r := heldResult{failed: int(failed.Load()), perOpen: float64(el.Microseconds()) / float64(n)}
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "bench: holding %d sessions: %d failed, the first with: %v\n", n, r.failed, *e)
	}
	if open := n - r.failed; open > 0 {
		p.proc.settle()
		r.memory = float64(p.proc.usage().rss-base.rss) / 1024 / float64(open)
	}
	for _, c := range conns {
		if c != nil {
			c.conn.Close()
		}
	}
	return r
}

// holdOne opens one session: HELLO, then a LOOKUP of a lab name that must be answered.
func holdOne(addr, learner string, buf []byte) (*wsClient, error) {
	c, err := dialWSBuf(addr, "/ws?learner="+learner, 512)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*wsClient, error) { c.conn.Close(); return nil, err }
	if err := c.writeMessages(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "bench"}.Append(nil)),
		wire.Append(nil, wire.Lookup, 1, wire.LookupMsg{Network: "ip", Host: "localhost"}.Append(nil))); err != nil {
		return fail(err)
	}
	for {
		msg, err := c.readMessage(buf)
		if err != nil {
			return fail(err)
		}
		f, err := wire.Decode(msg)
		if err != nil {
			return fail(err)
		}
		switch f.Type {
		case wire.Answer:
			return c, nil
		case wire.Close:
			var m wire.CloseMsg
			m.Unmarshal(f.Payload)
			return fail(errors.New(m.Reason))
		}
	}
}
