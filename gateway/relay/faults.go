package relay

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/gateway/faults"
	"socketlab/wire"
)

// The lab's faults on a session's sockets (package faults says what each one is). A clean
// session takes none of these paths: its streams keep the splice and write-at-once fast path.

// segmentGap is the pause between the pieces the gateway writes to a peer under segment=N,
// so that the peer's reads see them one by one rather than gathered in its receive buffer.
const segmentGap = 5 * time.Millisecond

// holdTime is how long a datagram held back by the reorder fault waits for a later one to
// overtake it before it goes anyway.
const holdTime = 200 * time.Millisecond

// sessionFaults reads the faults a session asks for (the "faults" query parameter of /ws),
// adds them to the gateway's default and gives them a seed. A spec it cannot read is the
// reason the session is refused.
func (r *Relay) sessionFaults(query string) (faults.Spec, string) {
	own, err := faults.Parse(query)
	if err != nil {
		return faults.Spec{}, "the faults asked for: " + err.Error()
	}
	sp := faults.Add(r.Faults, own)
	if sp.Clean() {
		return faults.Spec{}, ""
	}
	return sp.WithSeed(rand.Uint64N(1_000_000)), ""
}

// sleepCtx waits d or until ctx ends; it reports whether the whole wait passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// pacer keeps one direction of a socket to the rate fault: a piece of n bytes takes n/rate
// seconds of the link, and the next waits for the link to be free.
type pacer struct {
	rate int
	free time.Time
}

// wait holds a piece of n bytes until the link has carried it; false: ctx ended.
func (p *pacer) wait(ctx context.Context, n int) bool {
	if p == nil || p.rate == 0 {
		return true
	}
	now := time.Now()
	if p.free.Before(now) {
		p.free = now
	}
	p.free = p.free.Add(time.Duration(n) * time.Second / time.Duration(p.rate))
	return sleepCtx(ctx, p.free.Sub(now))
}

// piece is the most a rate-capped direction sends at once: a twentieth of a second's worth.
func (p *pacer) piece() int {
	if p == nil || p.rate == 0 {
		return wire.MaxData
	}
	return max(1, p.rate/20)
}

// streamFaults is a TCP stream's share of the faults.
type streamFaults struct {
	spec     faults.Spec
	in, out  pacer     // to the program, to the peer
	left     int       // with spec.Reset: bytes still to cross before the reset; under st.mu
	queuedAt time.Time // when the program's oldest pending bytes came; under st.mu
}

func newStreamFaults(sp faults.Spec) *streamFaults {
	if !sp.Streams() {
		return nil
	}
	return &streamFaults{spec: sp, in: pacer{rate: sp.Rate}, out: pacer{rate: sp.Rate}, left: sp.ResetAfter}
}

// pieceSize is the largest piece of n bytes that may go at once under segment and rate.
func (fx *streamFaults) pieceSize(p *pacer, n int) int {
	if fx.spec.Segment > 0 {
		n = min(n, fx.spec.Segment)
	}
	return min(n, p.piece())
}

// cross takes up to n bytes that are about to cross the stream off the reset fault's
// allowance: it returns how many may go, and whether the stream is reset after them.
func (st *stream) cross(n int) (int, bool) {
	fx := st.fx
	if !fx.spec.Reset {
		return n, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	n = min(n, fx.left)
	fx.left -= n
	return n, fx.left == 0
}

// resetByLab resets the connection on the lab's reset-after fault: the peer sees a RST and
// the program ECONNRESET.
func (st *stream) resetByLab() {
	st.mu.Lock()
	already := st.done
	st.closeLocked(true)
	st.mu.Unlock()
	st.s.remove(st.id)
	if !already {
		n := st.fx.spec.ResetAfter
		st.s.sendClose(st.id, wire.CodeReset, fmt.Sprintf("connection reset by peer: the lab reset it after %d bytes (reset-after=%d)", n, n))
	}
}

// readFaulty is readLoop under faults: the peer's bytes go to the program after the delay, at
// the rate, in pieces of at most the segment size, each its own DATA frame.
func (st *stream) readFaulty() {
	rs := reading{st: st, idle: st.s.relay.limits().IdleTimeout}
	st.mu.Lock()
	rs.conn = st.conn
	st.mu.Unlock()
	if st.fx.spec.Reset && st.fx.left == 0 {
		st.resetByLab() // reset-after=0: the connection is reset as soon as it is made
		return
	}
	if rs.idle > 0 {
		rs.conn.SetReadDeadline(time.Now().Add(rs.idle))
	}
	buf := make([]byte, wire.MaxData)
	for {
		credit, ok := st.waitCredit()
		if !ok {
			return
		}
		k, err := rs.conn.Read(buf[:min(credit, len(buf))])
		if k > 0 && !st.deliverFaulty(buf[:k], time.Now()) {
			return
		}
		if err != nil && !rs.failed(err) {
			return
		}
	}
}

// deliverFaulty sends bytes read at the given time to the program under the faults; false:
// the stream must stop.
func (st *stream) deliverFaulty(p []byte, at time.Time) bool {
	fx := st.fx
	ctx := st.s.ctx
	if !sleepCtx(ctx, time.Until(at.Add(fx.spec.Delay))) {
		return false
	}
	for len(p) > 0 {
		n, reset := st.cross(fx.pieceSize(&fx.in, len(p)))
		if n > 0 {
			if !fx.in.wait(ctx, n) || !st.toProgram(n) || st.s.send(wire.Data, st.id, p[:n]) != nil {
				return false
			}
		}
		p = p[n:]
		if reset {
			st.resetByLab()
			return false
		}
	}
	return true
}

// errResetByLab ends a write cut short by the reset fault.
var errResetByLab = errors.New("reset by the lab")

// writeFaulty writes the program's bytes to the peer under the faults: after the delay, at
// the rate, in pieces of at most the segment size with a pause between them.
func (st *stream) writeFaulty(conn *net.TCPConn, out []byte, queued time.Time) error {
	fx := st.fx
	ctx := st.s.ctx
	if !sleepCtx(ctx, time.Until(queued.Add(fx.spec.Delay))) {
		return ctx.Err()
	}
	for len(out) > 0 {
		n, reset := st.cross(fx.pieceSize(&fx.out, len(out)))
		if n > 0 {
			if !fx.out.wait(ctx, n) {
				return ctx.Err()
			}
			if _, err := conn.Write(out[:n]); err != nil {
				return err
			}
		}
		out = out[n:]
		if reset {
			st.resetByLab()
			return errResetByLab
		}
		if fx.spec.Segment > 0 && len(out) > 0 && !sleepCtx(ctx, segmentGap) {
			return ctx.Err()
		}
	}
	return nil
}

// blackhole answers a dial under the blackhole fault: nothing, until the dial times out.
func (st *stream) blackhole(ctx context.Context, target string) {
	<-ctx.Done()
	if st.s.ctx.Err() != nil {
		st.abort()
		return
	}
	st.finish(wire.CodeTimeout, fmt.Sprintf("cannot connect to %s: connection timed out: the lab's blackhole fault answers no connect (after %v)", target, st.s.relay.dialTimeout()))
}

// udpFaults is a UDP socket's share of the faults: a random source and a pacer each way, and
// a datagram held back by the reorder fault.
type udpFaults struct {
	spec faults.Spec
	rin  *rand.Rand // choices for datagrams to the program
	in   pacer
	held *wire.DatagramMsg // to the program, held back

	out    chan outDatagram // the program's datagrams, in order, to sendLoop
	queued atomic.Int64     // bytes in out
	once   sync.Once
	done   chan struct{}
}

// outDatagram is one of the program's datagrams on its way out under the faults.
type outDatagram struct {
	data []byte
	to   *net.UDPAddr
	addr string // the destination as the program named it
	at   time.Time
}

func newUDPFaults(sp faults.Spec, key uint32) *udpFaults {
	if !sp.Datagrams() {
		return nil
	}
	return &udpFaults{spec: sp, rin: sp.Rand(key, faults.ToProgram), in: pacer{rate: sp.Rate}, out: make(chan outDatagram, 256), done: make(chan struct{})}
}

// fate is what the faults do to one datagram, drawn in a fixed order so that a seed gives the
// same fates whatever the probabilities.
type fate struct{ lost, dup, held bool }

func (fx *udpFaults) draw(r *rand.Rand) fate {
	l, d, h := r.Float64(), r.Float64(), r.Float64()
	return fate{lost: l < fx.spec.Loss, dup: d < fx.spec.Dup, held: h < fx.spec.Reorder}
}

// toProgram passes a datagram to the program under the faults. When a datagram is held back,
// readLoop sets a read deadline and calls flushHeld when it passes. false: stop.
func (u *udpSock) toProgramFaulty(msg wire.DatagramMsg) bool {
	fx := u.fx
	f := fx.draw(fx.rin)
	if !sleepCtx(u.s.ctx, fx.spec.Delay) || !fx.in.wait(u.s.ctx, len(msg.Data)) {
		return false
	}
	if f.lost {
		return u.s.send(wire.Lost, u.id, wire.LostMsg{Addr: msg.Addr, Data: msg.Data}.Append(nil)) == nil
	}
	if f.held && fx.held == nil {
		held := wire.DatagramMsg{Addr: msg.Addr, Data: append([]byte(nil), msg.Data...)}
		fx.held = &held
		u.pc.SetReadDeadline(time.Now().Add(holdTime))
		return true
	}
	for range 1 + b2i(f.dup) {
		if u.s.send(wire.Datagram, u.id, msg.Append(nil)) != nil {
			return false
		}
	}
	return u.flushHeld()
}

// flushHeld sends the datagram held back, if there is one.
func (u *udpSock) flushHeld() bool {
	fx := u.fx
	if fx == nil || fx.held == nil {
		return true
	}
	held := fx.held
	fx.held = nil
	u.pc.SetReadDeadline(time.Time{})
	return u.s.send(wire.Datagram, u.id, held.Append(nil)) == nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxQueuedOut bounds the bytes of a UDP socket's datagrams waiting under the faults.
const maxQueuedOut = 1 << 20

// fromProgramFaulty queues the program's datagram for sendLoop; a full queue (256 datagrams
// or maxQueuedOut bytes) drops it, as a router's full queue would.
func (u *udpSock) fromProgramFaulty(data []byte, to *net.UDPAddr, addr string) {
	fx := u.fx
	if fx.queued.Add(int64(len(data))) <= maxQueuedOut {
		d := outDatagram{data: append([]byte(nil), data...), to: to, addr: addr, at: time.Now()}
		select {
		case fx.out <- d:
			return
		default:
		}
	}
	fx.queued.Add(-int64(len(data)))
	u.s.send(wire.Lost, u.id, wire.LostMsg{Sent: true, Addr: addr, Data: data}.Append(nil))
}

// sendLoop writes the program's datagrams under the faults, in the order it sent them.
func (u *udpSock) sendLoop() {
	fx := u.fx
	r := fx.spec.Rand(u.id, faults.FromProgram)
	out := pacer{rate: fx.spec.Rate}
	var held *outDatagram
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	write := func(d outDatagram) bool {
		if !out.wait(u.s.ctx, len(d.data)) {
			return false
		}
		u.writeTo(d.data, d.to)
		return true
	}
	for {
		var d outDatagram
		select {
		case d = <-fx.out:
			fx.queued.Add(-int64(len(d.data)))
		case <-timer.C:
			if held != nil && !write(*held) {
				return
			}
			held = nil
			continue
		case <-fx.done:
			return
		case <-u.s.ctx.Done():
			return
		}
		f := fx.draw(r)
		if !sleepCtx(u.s.ctx, time.Until(d.at.Add(fx.spec.Delay))) {
			return
		}
		switch {
		case f.lost:
			u.s.send(wire.Lost, u.id, wire.LostMsg{Sent: true, Addr: d.addr, Data: d.data}.Append(nil))
			continue
		case f.held && held == nil:
			held = &d
			timer.Reset(holdTime)
			continue
		}
		for range 1 + b2i(f.dup) {
			if !write(d) {
				return
			}
		}
		if held != nil {
			timer.Stop()
			if !write(*held) {
				return
			}
			held = nil
		}
	}
}

// stopFaults ends sendLoop.
func (fx *udpFaults) stop() {
	if fx != nil {
		fx.once.Do(func() { close(fx.done) })
	}
}
