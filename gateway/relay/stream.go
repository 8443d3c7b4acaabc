package relay

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"socketlab/wire"
)

// stream is one TCP connection the gateway holds for a program.
type stream struct {
	s      *session
	id     uint32
	window uint32 // credit granted to the program

	mu      sync.Mutex
	changed chan struct{}
	waiters int // goroutines in waitLocked: only they need changed closed
	conn    *net.TCPConn
	credit  int // bytes the gateway may still send to the program
	allow   int // bytes the program may still send: the window plus credit returned
	raw     syscall.RawConn
	now     []byte // what writeNow is writing, and how much of it is out
	nowN    int
	nowFn   func(fd uintptr) bool
	pending []byte // bytes from the program, not yet written to the socket
	charged int    // bytes at the front of pending already charged to the learner
	writing bool   // a writer (writeLoop) is running: new bytes queue behind its batch
	owed    int    // bytes written and not yet returned to the program as credit
	fin     bool   // the program finished sending
	closing bool   // the program closed the stream: write what is pending, then close
	sawEOF  bool   // the peer finished sending (FIN passed to the program)
	wrote   bool   // CloseWrite done on the socket
	done    bool
	owner   owner         // who the socket is charged to until done (none: not counted)
	real    string        // the real local address of a dialed connection, while it is open
	fx      *streamFaults // the lab's faults on this stream, or nil

	lastActive atomic.Int64 // unix nanoseconds of the last byte either way

	small [dataAt + 512]byte // what an idle stream reads into
}

func newStream(s *session, id, credit uint32) *stream {
	st := &stream{s: s, id: id, window: s.relay.window(), credit: int(credit), changed: make(chan struct{})}
	st.allow = int(st.window)
	st.fx = newStreamFaults(s.faults)
	st.lastActive.Store(time.Now().UnixNano())
	return st
}

// broadcast wakes whoever waits for the state to change. Call with mu held.
func (st *stream) broadcast() {
	if st.waiters > 0 {
		close(st.changed)
		st.changed = make(chan struct{})
	}
}

// waitLocked releases mu until the state changes. Call with mu held.
func (st *stream) waitLocked() {
	ch := st.changed
	st.waiters++
	st.mu.Unlock()
	select {
	case <-ch:
	case <-st.s.ctx.Done():
	}
	st.mu.Lock()
	st.waiters--
}

// attachLocked gives the stream its connected socket. Call with mu held.
func (st *stream) attachLocked(conn *net.TCPConn) {
	st.conn = conn
	st.raw, _ = conn.SyscallConn()
}

// run carries the connected stream until it ends. The peer's bytes are read here; the
// program's are written by the session's reader as they come (fromProgramData), and only
// when the socket cannot take them at once by a writer started for the occasion.
func (st *stream) run() {
	if st.fx != nil {
		st.readFaulty()
		return
	}
	st.readLoop()
}

// kickLocked starts the writer when there is work for it and it is not running. Call with mu
// held.
func (st *stream) kickLocked() {
	if st.writing || st.conn == nil || st.done || len(st.pending) == 0 && !st.fin {
		return
	}
	st.writing = true
	st.s.wg.Add(1)
	go func() {
		defer st.s.wg.Done()
		st.writeLoop()
	}()
}

// readLoop copies the peer's bytes to the program, never more than the program's credit. An
// idle stream waits in a read into its small buffer, so it holds no large one. A read that
// fills it means more is coming: the stream then moves the bytes through a pipe with splice(2)
// (or, where it cannot, reads into a pooled buffer) until the socket is drained for now.
func (st *stream) readLoop() {
	rs := reading{st: st, idle: st.s.relay.limits().IdleTimeout}
	st.mu.Lock()
	rs.conn = st.conn
	st.mu.Unlock()
	if rs.idle > 0 {
		rs.conn.SetReadDeadline(time.Now().Add(rs.idle))
	}
	defer rs.release()
	for {
		credit, ok := st.waitCredit()
		if !ok {
			return
		}
		var err error
		switch {
		case rs.waiting:
			err = rs.waitReadable()
		case rs.splicing:
			if !rs.splice(credit) {
				return
			}
			continue
		default:
			if err, ok = rs.read(credit); !ok {
				return
			}
		}
		if err != nil && !rs.failed(err) {
			return
		}
	}
}

// reading is readLoop's state: how the stream moves the peer's bytes at the moment.
type reading struct {
	st   *stream
	conn *net.TCPConn
	idle time.Duration

	bp       *[]byte
	sp       *splicer
	readable *readWaiter
	splicing bool // moving bytes through sp's pipe
	waiting  bool // a bulk transfer paused: wait for the socket without buffer or pipe
}

func (rs *reading) release() {
	if rs.bp != nil {
		putRelayBuf(rs.bp)
	}
	if rs.sp != nil {
		rs.sp.release()
	}
}

// waitCredit waits until the program has given credit, and returns it; ok is false when the
// stream is done or the session ends.
func (st *stream) waitCredit() (credit int, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for st.credit == 0 && !st.done {
		st.waitLocked()
		if st.s.ctx.Err() != nil {
			return 0, false
		}
	}
	return st.credit, !st.done
}

// waitReadable waits, holding no buffer or pipe, until the socket has bytes, then splices.
func (rs *reading) waitReadable() error {
	if rs.readable == nil {
		rs.readable = newReadWaiter(rs.st.raw)
	}
	err := rs.readable.wait()
	if err == nil {
		rs.waiting, rs.splicing = false, true
	}
	return err
}

// splice moves up to credit bytes through the pipe to the program. It reports false when the
// stream must stop; a read error is handled here too.
func (rs *reading) splice(credit int) bool {
	st := rs.st
	n := min(credit, pipeSize)
	k, ok, err := rs.sp.fill(n)
	if !ok {
		rs.splicing, rs.bp = false, getRelayBuf() // no pipe to be had: read the plain way
		return true
	}
	if k > 0 && (!st.toProgram(k) || st.s.ws.spliceMessages(rs.sp, st.id, k) != nil) {
		return false
	}
	if k < n && err == nil {
		// Drained for now. A bulk transfer waits for more without holding the pipe;
		// a short answer goes back to the small buffer.
		rs.sp.release()
		rs.splicing, rs.waiting = false, k >= bulkRead
	}
	return err == nil || rs.failed(err)
}

// read reads once into the small buffer or a pooled one and sends what came; a full small
// buffer switches to splicing (or a pooled buffer), a short read gives the pooled one back.
// ok false: the stream must stop.
func (rs *reading) read(credit int) (err error, ok bool) {
	st := rs.st
	buf := st.small[:]
	if rs.bp != nil {
		buf = *rs.bp
	}
	n := min(len(buf)-dataAt, credit, wire.MaxData)
	k, err := rs.conn.Read(buf[dataAt : dataAt+n])
	if k > 0 && (!st.toProgram(k) || st.s.sendData(st.id, buf, k) != nil) {
		return err, false
	}
	switch {
	case rs.bp == nil && k == len(st.small)-dataAt:
		if rs.sp == nil {
			rs.sp = newSplicer(rs.conn, st.s.ws)
		}
		if rs.sp != nil {
			rs.splicing = true
		} else {
			rs.bp = getRelayBuf()
		}
	case rs.bp != nil && k < n:
		putRelayBuf(rs.bp) // drained for now: wait without it
		rs.bp = nil
	}
	return err, true
}

// failed handles a read error: an idle deadline that passed while the program was sending
// is re-armed (true: go on); an idle stream, the peer's FIN or a failure end the reading.
func (rs *reading) failed(err error) bool {
	st := rs.st
	if errors.Is(err, os.ErrDeadlineExceeded) {
		last := time.Unix(0, st.lastActive.Load())
		if time.Since(last) < rs.idle {
			rs.conn.SetReadDeadline(last.Add(rs.idle)) // the program has been sending: not idle
			return true
		}
		st.finish(wire.CodeTimeout, fmt.Sprintf("the connection carried nothing for %v, so the lab closed it (--idle-timeout)", rs.idle))
		return false
	}
	if err == io.EOF {
		// Half-close: the peer is done sending, the program may still write.
		st.s.send(wire.Fin, st.id, nil)
		st.halfClosed(&st.sawEOF)
		return false
	}
	st.mu.Lock()
	done := st.done
	st.mu.Unlock()
	if !done {
		st.finish(wire.CodeOf(err), fmt.Sprintf("the connection failed: %v", errors.Unwrap(err)))
	}
	return false
}

// bulkRead is a read large enough to say the peer is streaming: when the socket is drained
// after one, the stream waits to splice again rather than to read a small answer.
const bulkRead = 16 << 10

// toProgram takes k bytes read from the socket off the program's credit and charges them; it
// reports false when the stream must stop.
func (st *stream) toProgram(k int) bool {
	st.mu.Lock()
	st.credit -= k
	st.mu.Unlock()
	st.s.moved(true, k)
	return st.account(k)
}

// writeLoop writes the program's bytes that the socket could not take at once, and finishes
// the sending direction when the program does. It returns when nothing is left to do, so an
// idle stream has no writer and keeps no buffer.
func (st *stream) writeLoop() {
	var out []byte
	for {
		st.mu.Lock()
		if st.done || len(st.pending) == 0 && !st.fin {
			st.writing = false
			if len(st.pending) == 0 {
				st.pending = nil
			}
			st.mu.Unlock()
			return
		}
		out, st.pending = st.pending, out[:0]
		charged := st.charged
		st.charged = 0
		fin := st.fin && len(out) == 0
		closing := st.closing
		conn := st.conn
		var queued time.Time
		if st.fx != nil {
			queued = st.fx.queuedAt
			st.fx.queuedAt = time.Now() // bytes that come from now on wait from now
		}
		st.mu.Unlock()

		if fin && closing {
			// Everything the program wrote before Close is out: now close, as close(2) does.
			st.abort()
			return
		}
		if fin {
			conn.CloseWrite()
			st.halfClosed(&st.wrote)
			return
		}
		if !st.account(len(out) - charged) {
			return
		}
		if err := st.write(conn, out, queued); err != nil {
			st.mu.Lock()
			done := st.done
			st.mu.Unlock()
			if !done {
				st.finish(wire.CodeOf(err), fmt.Sprintf("the connection failed: %v", errors.Unwrap(err)))
			}
			return
		}
		st.mu.Lock()
		give := st.wroteLocked(len(out))
		st.mu.Unlock()
		if !st.giveCredit(give) {
			return
		}
	}
}

// write writes the program's bytes that were queued at the given time to the socket.
func (st *stream) write(conn *net.TCPConn, out []byte, queued time.Time) error {
	if st.fx != nil {
		return st.writeFaulty(conn, out, queued)
	}
	_, err := conn.Write(out)
	return err
}

// wroteLocked notes n bytes written to the socket and says how much credit to return now.
//
// Credit goes back in batches, once a quarter of the window has been written, rather than
// after every write: a stream that moves small messages back and forth then costs one
// WebSocket message each way per exchange, not two. It cannot stall: a program out of credit
// has a whole window outstanding, and once that is written it is more than a quarter.
func (st *stream) wroteLocked(n int) int {
	st.lastActive.Store(time.Now().UnixNano())
	st.owed += n
	if st.closing || st.owed < int(st.window)/4 {
		return 0
	}
	give := st.owed
	st.allow += give
	st.owed = 0
	return give
}

// giveCredit sends a CONTINUE for n bytes (none when n is 0); false means the session is gone.
func (st *stream) giveCredit(n int) bool {
	if n == 0 {
		return true
	}
	var credit [4]byte
	if st.s.send(wire.Continue, st.id, wire.Credit(credit[:0], uint32(n))) != nil {
		st.abort()
		return false
	}
	return true
}

// fromProgramData takes a DATA frame's bytes. When nothing is queued before them they are
// written to the socket at once, as far as it takes them without waiting, by the session's
// reader; only what is left is queued for writeLoop. A small write so costs no hand-over
// between goroutines, and nothing is copied.
func (st *stream) fromProgramData(p []byte) error {
	st.mu.Lock()
	if st.fin {
		st.mu.Unlock()
		return protocolError{fmt.Sprintf("stream %d: DATA after FIN", st.id)}
	}
	if len(p) > st.allow {
		st.mu.Unlock()
		return protocolError{fmt.Sprintf("stream %d: the program sent past its window of %d bytes", st.id, st.window)}
	}
	st.allow -= len(p)
	st.s.moved(false, len(p))
	give := 0
	if st.fx != nil && len(st.pending) == 0 && !st.writing {
		st.fx.queuedAt = time.Now()
	}
	if st.fx == nil && len(st.pending) == 0 && !st.writing && st.raw != nil && !st.done && len(p) > 0 && st.s.chargeNow(len(p)) {
		n := st.writeNow(p)
		p = p[n:]
		st.charged = len(p) // charged above, to be written by writeLoop
		give = st.wroteLocked(n)
	}
	if len(p) > 0 {
		st.pending = append(st.pending, p...)
		st.kickLocked()
	}
	st.mu.Unlock()
	st.giveCredit(give)
	return nil
}

// account charges n bytes to the learner's rate and the session's total; it reports false
// (and ends the stream) when the stream must stop.
func (st *stream) account(n int) bool {
	st.lastActive.Store(time.Now().UnixNano())
	over, err := st.s.charge(n)
	switch {
	case over != "":
		st.finish(wire.CodeLimit, over)
		return false
	case err != nil:
		st.abort()
		return false
	}
	return true
}

// charge counts n bytes, either way, against the session's total and the learner's rate: it
// waits as long as the rate requires, and returns the reason when the total is used up, or an
// error when the session ends meanwhile.
func (s *session) charge(n int) (over string, err error) {
	lim := s.relay.limits()
	if lim.BytesPerSession > 0 && s.bytes.Add(int64(n)) > lim.BytesPerSession {
		return fmt.Sprintf("this program has moved more than %s, the lab's limit per run (--max-bytes)", formatBytes(lim.BytesPerSession)), nil
	}
	if err := waitN(s.ctx, s.learner.rate, n); err != nil {
		return "", err
	}
	return "", waitN(s.ctx, s.client.rate, n)
}

// chargeNow charges n bytes if that needs no waiting and stays within the session's total; if
// it reports false nothing was charged.
func (s *session) chargeNow(n int) bool {
	lim := s.relay.limits()
	if lim.BytesPerSession > 0 && s.bytes.Load()+int64(n) > lim.BytesPerSession {
		return false
	}
	// The address's limiter is asked first without taking, since the learner's tokens
	// cannot be given back; a rare race with another session of the same address only
	// makes this charge wait in charge instead.
	now := time.Now()
	if c := s.client.rate; c.Limit() != rate.Inf && c.TokensAt(now) < float64(n) {
		return false
	}
	if !s.learner.rate.AllowN(now, n) || !s.client.rate.AllowN(now, n) {
		return false
	}
	s.bytes.Add(int64(n))
	return true
}

// halfClosed records that one direction has finished (side is st.sawEOF or st.wrote); when
// both have, the connection is over and the program is told.
func (st *stream) halfClosed(side *bool) {
	st.mu.Lock()
	*side = true
	both := st.sawEOF && st.wrote
	st.mu.Unlock()
	if both {
		st.finish(wire.CodeClosed, "")
	}
}

// fromProgram applies a frame the program sent for this stream.
func (st *stream) fromProgram(f wire.Frame) error {
	if f.Type == wire.Data {
		return st.fromProgramData(f.Payload)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	switch f.Type {
	case wire.Continue:
		n, err := wire.ParseCredit(f.Payload)
		if err != nil {
			return protocolError{err.Error()}
		}
		if st.credit+int(n) > 1<<30 {
			return protocolError{fmt.Sprintf("stream %d: credit beyond 1 GiB", st.id)}
		}
		st.credit += int(n)
	case wire.Fin:
		st.fin = true
		st.kickLocked()
	case wire.Close:
		var m wire.CloseMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return protocolError{err.Error()}
		}
		st.s.remove(st.id)
		if m.Code == wire.CodeReset || st.conn == nil {
			st.closeLocked(m.Code == wire.CodeReset)
			return nil
		}
		st.fin, st.closing = true, true
		st.kickLocked()
	}
	st.broadcast()
	return nil
}

// drainAndClose ends a stream whose program has gone: the bytes it wrote are written, then the
// socket is closed. A stream still connecting is simply closed.
func (st *stream) drainAndClose() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return
	}
	if st.conn == nil {
		st.closeLocked(false)
		return
	}
	st.fin, st.closing = true, true
	st.kickLocked()
	st.broadcast()
}

// closeLocked closes the socket; with reset the peer sees a RST. Call with mu held.
func (st *stream) closeLocked(reset bool) {
	if st.done {
		return
	}
	st.done = true
	if st.owner.l != nil {
		st.s.relay.release(st.owner, false)
	}
	if st.real != "" {
		st.s.relay.unregister(st.real)
	}
	if st.conn != nil {
		if reset {
			st.conn.SetLinger(0)
		}
		st.conn.Close()
	}
	st.broadcast()
}

// finish ends the stream from the gateway's side and tells the program why.
func (st *stream) finish(code wire.Code, reason string) {
	st.mu.Lock()
	already := st.done
	st.closeLocked(false)
	st.mu.Unlock()
	st.s.remove(st.id)
	if !already {
		st.s.sendClose(st.id, code, reason)
	}
}

// abort closes the socket without a word to the program (the session is going away).
func (st *stream) abort() {
	st.mu.Lock()
	st.closeLocked(false)
	st.mu.Unlock()
}
