package labnet

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"socketlab/event"
	"socketlab/wire"
)

// stream is one TCP connection carried over the session.
type stream struct {
	s      *session
	id     uint32
	addr   string // what the program dialed, as the wire view names it
	local  string
	remote string

	guard // over everything below

	ready   bool  // Connected (or Accept) arrived
	openErr error // the dial failed

	rq rqueue // received, not yet read by the program
	// later holds what the peer did after the bytes still in rq (its FIN, close or reset),
	// told in the order the program meets it: after those bytes are read.
	later   []event.Event
	unacked int   // bytes read (or dropped) and not yet credited back
	rfin    bool  // the peer finished sending
	rshut   bool  // the program shut its reading side
	err     error // the stream failed (reset, session lost)

	credit int  // bytes the program may still send
	wfin   bool // the program finished sending
	closed bool // the program closed the socket
	linger int  // -1: default; 0: reset on close

	rdl, wdl time.Time
}

func newStream(s *session, id uint32) *stream {
	return &stream{s: s, id: id, linger: -1}
}

// handle applies one frame from the gateway. A DATA payload lies in buf, a frame buffer that
// the stream's queue may keep (kept reports it).
func (st *stream) handle(f wire.Frame, buf *[]byte) (kept bool, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch f.Type {
	case wire.Connected:
		var m wire.ConnectedMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return false, err
		}
		st.ready = true
		st.credit = int(m.Window)
		st.local, st.remote = m.Local, m.Remote
		st.s.emit(event.Event{Stream: st.id, Kind: event.Connected, Addr: st.addr, Local: m.Local, Remote: m.Remote, Micros: int(m.Micros)})
	case wire.Data:
		if st.rq.n+st.unacked+len(f.Payload) > window {
			return false, errnoErr(syscall.EPROTO, "the gateway sent more than the stream's window")
		}
		if st.closed || st.rshut {
			// Nobody will read these bytes; keep the gateway's credit flowing. Not from
			// here: the session's reader must not wait for a write.
			st.unacked += len(f.Payload)
			if st.unacked >= creditBatch {
				n := st.unacked
				st.unacked = 0
				go st.s.sendCredit(st.id, n)
			}
			return false, nil
		}
		// The recv event is told when the program reads the bytes (see Read), so events
		// follow the program's own order: a reply that arrives while the program is still
		// sending shows after what it sent before reading.
		off := cap(*buf) - cap(f.Payload) // the payload is a slice of buf
		kept = st.rq.push(buf, off, off+len(f.Payload))
		if st.s.segment > 0 {
			st.rq.mark(len(f.Payload)) // the lab sent it as one piece: a read returns no more
		}
	case wire.Continue:
		n, err := wire.ParseCredit(f.Payload)
		if err != nil {
			return false, err
		}
		st.credit += int(n)
	case wire.Fin:
		st.rfin = true
		st.tell(event.Event{Stream: st.id, Kind: event.FinRecv, Addr: st.addr})
	case wire.Close:
		var m wire.CloseMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return false, err
		}
		st.s.remove(st.id)
		if !st.ready {
			st.openErr = closeError(m)
			st.s.emit(event.Event{Stream: st.id, Kind: event.Error, Addr: st.addr, Error: m.Reason, Code: m.Code.String()})
			break
		}
		if m.Code == wire.CodeClosed {
			st.rfin = true
			if st.err == nil {
				st.err = syscall.EPIPE // writing to a connection the gateway has closed
			}
			st.tell(event.Event{Stream: st.id, Kind: event.Close, Addr: st.addr})
		} else {
			st.err = closeError(m)
			st.tell(event.Event{Stream: st.id, Kind: event.Reset, Addr: st.addr, Error: m.Reason, Code: m.Code.String()})
		}
	default:
		return false, errnoErr(syscall.EPROTO, "unexpected "+f.Type.String()+" frame for a stream")
	}
	st.broadcast()
	return kept, nil
}

// tell emits e now, or, when bytes the peer sent before it are still unread, after the
// program reads them. Call with mu held.
func (st *stream) tell(e event.Event) {
	if st.rq.n > 0 || len(st.later) > 0 {
		st.later = append(st.later, e)
		return
	}
	st.s.emit(e)
}

// takeLater returns the held events once nothing is left unread before them. Call with mu
// held; emit them after unlocking.
func (st *stream) takeLater() []event.Event {
	if st.rq.n > 0 || len(st.later) == 0 {
		return nil
	}
	l := st.later
	st.later = nil
	return l
}

// unread hands over what is queued and the held events when the program stops reading:
// the bytes arrived, and the wire view shows them, though the program never read them. Call
// with mu held; emit the events after unlocking.
func (st *stream) unread() []event.Event {
	var es []event.Event
	if st.rq.n > 0 {
		b := make([]byte, st.rq.n)
		st.rq.readAll(b)
		es = append(es, event.Event{Stream: st.id, Kind: event.Recv, Addr: st.addr, N: len(b), Data: b})
	}
	es = append(es, st.later...)
	st.later = nil
	return es
}

func (st *stream) emitAll(es []event.Event) {
	for _, e := range es {
		st.s.emit(e)
	}
}

// fail ends the stream with err (the session is gone).
func (st *stream) fail(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err == nil || st.err == syscall.EPIPE {
		st.err = err
	}
	if !st.ready && st.openErr == nil {
		st.openErr = err
	}
	st.broadcast()
}

// Read hands the program what the peer sent. In step mode it pauses first, and says
// afterwards what the read returned.
func (st *stream) Read(p []byte) (int, error) {
	if len(p) == 0 || !steppingNow() {
		return st.read(p)
	}
	if !st.s.pause(event.Event{Stream: st.id, Kind: event.Recv, Addr: st.addr, N: len(p)},
		fmt.Sprintf("about to read from %s (up to %s)", st.addr, plural(len(p), "byte"))) {
		return st.read(p)
	}
	n, err := st.read(p)
	st.s.told(readResult(st.id, st.addr, p[:n], err))
	return n, err
}

// readResult is what a stepped read returned, as an event and in words.
func readResult(id uint32, addr string, got []byte, err error) (event.Event, string) {
	e := event.Event{Stream: id, Kind: event.Recv, Addr: addr, N: len(got), Data: got[:min(len(got), 64)]}
	switch {
	case len(got) > 0:
		return e, fmt.Sprintf("the read returned %s from %s", plural(len(got), "byte"), addr)
	case err == io.EOF:
		return e, fmt.Sprintf("the read returned EOF: %s has finished sending", addr)
	case err != nil:
		e.Error = err.Error()
		return e, "the read failed: " + err.Error()
	}
	return e, "the read returned 0 bytes"
}

func (st *stream) read(p []byte) (int, error) {
	st.mu.Lock()
	for {
		switch {
		case st.closed:
			st.mu.Unlock()
			return 0, net.ErrClosed
		case st.rq.n > 0:
			n := st.rq.read(p)
			st.unacked += n
			var credit int
			if st.unacked >= creditBatch {
				credit, st.unacked = st.unacked, 0
			}
			later := st.takeLater()
			st.mu.Unlock()
			st.s.emit(event.Event{Stream: st.id, Kind: event.Recv, Addr: st.addr, N: n, Data: p[:n], Fault: st.s.segmentFault})
			st.emitAll(later)
			if credit > 0 {
				st.s.sendCredit(st.id, credit)
			}
			return n, nil
		case st.rfin || st.rshut:
			st.mu.Unlock()
			return 0, io.EOF
		case st.err != nil && st.err != syscall.EPIPE:
			err := st.err
			st.mu.Unlock()
			return 0, err
		case len(p) == 0:
			st.mu.Unlock()
			return 0, nil
		}
		if st.wait(st.rdl) {
			st.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
	}
}

func (st *stream) Write(p []byte) (int, error) {
	if len(p) > 0 && steppingNow() {
		st.s.pause(event.Event{Stream: st.id, Kind: event.Send, Addr: st.addr, N: len(p)}, fmt.Sprintf("about to send %s to %s", plural(len(p), "byte"), st.addr))
	}
	written := 0
	for written < len(p) {
		st.mu.Lock()
		for {
			if err := st.writeErr(); err != nil {
				st.mu.Unlock()
				return written, err
			}
			if st.credit > 0 {
				break
			}
			if st.wait(st.wdl) {
				st.mu.Unlock()
				return written, os.ErrDeadlineExceeded
			}
		}
		n := min(len(p)-written, st.credit, wire.MaxData)
		if seg := st.s.segment; seg > 0 {
			n = min(n, seg) // an event for each piece the lab will write to the peer
		}
		st.credit -= n
		st.mu.Unlock()
		chunk := p[written : written+n]
		// The event goes first: the reply may arrive before send returns.
		st.s.emit(event.Event{Stream: st.id, Kind: event.Send, Addr: st.addr, N: n, Data: chunk, Fault: st.s.segmentFault})
		if err := st.s.send(wire.Data, st.id, chunk); err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// writeErr says why the program cannot write now, if it cannot. Call with mu held.
func (st *stream) writeErr() error {
	switch {
	case st.closed:
		return net.ErrClosed
	case st.wfin:
		return syscall.EPIPE
	case st.err != nil:
		return st.err
	}
	return nil
}

func (st *stream) CloseWrite() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return net.ErrClosed
	}
	if st.wfin || st.err != nil {
		st.mu.Unlock()
		return nil
	}
	st.wfin = true
	st.broadcast()
	st.mu.Unlock()
	st.s.pause(event.Event{Stream: st.id, Kind: event.FinSent, Addr: st.addr}, "about to finish sending to "+st.addr+" (half-close: FIN)")
	st.s.emit(event.Event{Stream: st.id, Kind: event.FinSent, Addr: st.addr})
	return st.s.send(wire.Fin, st.id, nil)
}

func (st *stream) CloseRead() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return net.ErrClosed
	}
	st.rshut = true
	n := st.rq.n + st.unacked
	es := st.unread()
	st.unacked = 0
	st.broadcast()
	st.mu.Unlock()
	st.emitAll(es)
	if n > 0 {
		go st.s.sendCredit(st.id, n)
	}
	return nil
}

func (st *stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return net.ErrClosed
	}
	st.closed = true
	gone := st.err != nil && st.err != syscall.EPIPE
	code, kind := wire.CodeClosed, event.Close
	if st.linger == 0 {
		code, kind = wire.CodeReset, event.ResetSent
	}
	es := st.unread()
	st.broadcast()
	st.mu.Unlock()
	st.emitAll(es)
	st.s.remove(st.id)
	if gone {
		return nil
	}
	st.s.pause(event.Event{Stream: st.id, Kind: kind, Addr: st.addr}, "about to close the connection to "+st.addr)
	st.s.emit(event.Event{Stream: st.id, Kind: kind, Addr: st.addr})
	st.s.send(wire.Close, st.id, wire.CloseMsg{Code: code}.Append(nil))
	return nil
}

// SetLinger with 0 makes Close reset the connection, as SO_LINGER does on Linux.
func (st *stream) SetLinger(sec int) error {
	st.mu.Lock()
	st.linger = sec
	st.mu.Unlock()
	return nil
}

func (st *stream) SetReadDeadline(t time.Time) error {
	st.mu.Lock()
	st.rdl = t
	st.broadcast()
	st.mu.Unlock()
	return nil
}

func (st *stream) SetWriteDeadline(t time.Time) error {
	st.mu.Lock()
	st.wdl = t
	st.broadcast()
	st.mu.Unlock()
	return nil
}
