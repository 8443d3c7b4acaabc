package relay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"socketlab/wire"
)

// The websockify endpoint carries one TCP connection on one WebSocket, the way websockify
// and noVNC do: GET /websockify?target=HOST:PORT, binary messages in both directions, no
// framing of our own. The target is decided by the same route as every program's dial (lab
// names, the learner's own listeners, outside hosts only as the operator's --allow says), and
// the same limits apply: sessions per client, sockets per learner, bytes, rate and idle time.
//
// The WebSocket side is written out here rather than taken from a library: the relay reads
// each frame straight into a pooled buffer, unmasks it in place and writes it to the socket in
// one call, and writes each server frame (header and payload) in one call; downward, the
// target's bytes go through a pipe with splice(2) where the system has it (splice_linux.go).
// An idle connection holds no buffer or pipe: both directions wait for the socket to become
// readable before they take one from the pool.
//
// When the connection cannot be made the WebSocket is closed with status 4000 plus the
// protocol's close code (4001 refused, 4008 policy, 4010 limit, ...) and a reason for people.

// ServeWebsockify serves GET /websockify?target=HOST:PORT: a websockify-compatible bridge from
// one WebSocket to one TCP connection. The query parameter "learner" names the learner, as on
// /ws, so their own listeners are reachable at localhost:PORT; in a class the learner is the
// one who joined, and the parameter is ignored.
func (r *Relay) ServeWebsockify(w http.ResponseWriter, req *http.Request) {
	learnerID, ok := r.learnerOf(w, req)
	if !ok {
		return
	}
	ws, client, ok := upgrade(w, req, r.Origins, "this is a WebSocket endpoint: connect a websockify client (noVNC, websockify-js) to /websockify?target=HOST:PORT")
	if !ok {
		return
	}
	q := req.URL.Query()
	// The bridge runs on a goroutine of its own and this handler returns, so that the HTTP
	// server lets go of the request, its buffers and its (by now large) stack.
	r.sessions.Add(1)
	go func() {
		defer r.sessions.Done()
		r.websockify(ws, client, q.Get("target"), learnerID)
	}()
}

// websockify runs one bridge on an upgraded connection.
func (r *Relay) websockify(ws *wsConn, client, target, learnerID string) {
	defer ws.conn.Close()
	c, release, reason := r.admit(client)
	if release == nil {
		ws.closeWith(4000+int(wire.CodeLimit), reason)
		return
	}
	defer release()
	l := r.learners.join(learnerID, r.limits())
	defer r.learners.leave(l)
	s := &session{relay: r, learner: l, client: c}
	s.ctx, s.cancel = context.WithCancel(r.context())
	defer s.cancel()

	if target == "" {
		ws.closeWith(4000+int(wire.CodeInvalid), "say where to connect: /websockify?target=HOST:PORT (for example echo.lab:7)")
		return
	}
	if err := r.take(s.owner(), false); err != nil {
		ws.closeWith(4000+int(wire.CodeLimit), err.Error())
		return
	}
	defer r.release(s.owner(), false)
	dctx, cancel := context.WithTimeout(s.ctx, r.dialTimeout())
	tc, code, reason := s.dialRoute(dctx, target)
	cancel()
	if tc == nil {
		ws.closeWith(4000+int(code), reason)
		return
	}
	defer tc.Close()
	defer r.unregister(tc.LocalAddr().String())

	b := &bridge{s: s, ws: ws, tc: tc, idle: r.limits().IdleTimeout}
	b.touch()
	defer context.AfterFunc(s.ctx, func() { b.end(1001, "the lab is shutting down") })()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.down()
	}()
	b.up()
	<-done
	if m := b.why.Load(); m != nil && r.logRate.Allow(clientKey(client)+" websockify") {
		r.logger().Info("a websockify bridge ended early (logged once a minute per address)", "client", client, "learner", l.addr, "target", target, "reason", m.reason)
	}
}

// bridge copies one WebSocket to one TCP connection and back.
type bridge struct {
	s    *session
	ws   *wsConn
	tc   *net.TCPConn
	idle time.Duration

	lastActive atomic.Int64 // unix nanoseconds of the last byte either way
	why        atomic.Pointer[endReason]
}

type endReason struct {
	status int
	reason string
}

func (b *bridge) touch() { b.lastActive.Store(time.Now().UnixNano()) }

// end records why the bridge stops (the first reason wins) and closes both sides, so the
// other direction's goroutine returns too.
func (b *bridge) end(status int, reason string) {
	if b.why.CompareAndSwap(nil, &endReason{status, reason}) {
		b.ws.closeWith(status, reason)
		b.tc.Close()
		// Give the client a moment to answer the Close frame, then let go.
		b.ws.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
}

// account charges n bytes to the session's total and the learner's rate.
func (b *bridge) account(n int) bool {
	b.touch()
	s := b.s
	lim := s.relay.limits()
	if lim.BytesPerSession > 0 && s.bytes.Add(int64(n)) > lim.BytesPerSession {
		b.end(4000+int(wire.CodeLimit), fmt.Sprintf("this connection has moved more than %s, the lab's limit (--max-bytes)", formatBytes(lim.BytesPerSession)))
		return false
	}
	if waitN(s.ctx, s.learner.rate, n) != nil || waitN(s.ctx, s.client.rate, n) != nil {
		return false
	}
	return true
}

// idleCheck is called when a read deadline passes: it re-arms the deadline if either
// direction moved bytes since, and reports false (ending the bridge) if nothing did.
func (b *bridge) idleCheck(c net.Conn) bool {
	last := time.Unix(0, b.lastActive.Load())
	if time.Since(last) < b.idle {
		c.SetReadDeadline(last.Add(b.idle))
		return true
	}
	b.end(4000+int(wire.CodeTimeout), fmt.Sprintf("the connection carried nothing for %v, so the lab closed it (--idle-timeout)", b.idle))
	return false
}

// down copies the target's bytes to the client, one binary message per read.
func (b *bridge) down() {
	if b.idle > 0 {
		b.tc.SetReadDeadline(time.Now().Add(b.idle))
	}
	raw, err := b.tc.SyscallConn()
	if err != nil {
		b.end(1011, err.Error())
		return
	}
	readable := newReadWaiter(raw)
	sp := newSplicer(b.tc, b.ws)
	for {
		// Wait without a buffer or a pipe, so an idle connection holds neither.
		if err := readable.wait(); err != nil {
			if b.readFailed(b.tc, err, true) {
				continue
			}
			return
		}
		if sp != nil {
			if again, ok := b.spliceDown(sp); ok {
				if !again {
					return
				}
				continue
			} // no pipe to be had: read the plain way
		}
		bp := getRelayBuf()
		again := b.pumpDown(*bp)
		putRelayBuf(bp)
		if !again {
			return
		}
	}
}

// spliceDown moves the target's bytes to the client through sp's pipe while they keep
// coming, as messages of at most relayBuf bytes. It reports again as pumpDown does, and ok
// false when no pipe could be had (nothing was read then).
func (b *bridge) spliceDown(sp *splicer) (again, ok bool) {
	defer sp.release()
	for {
		k, ok, err := sp.fill(pipeSize)
		if !ok {
			return false, false
		}
		if k > 0 {
			if !b.account(k) {
				return false, true
			}
			if err := b.ws.spliceBinary(sp, nil, k, relayBuf); err != nil {
				b.end(1011, "the client connection failed: "+err.Error())
				return false, true
			}
		}
		if err != nil {
			return b.readFailed(b.tc, err, true), true
		}
		if k < pipeSize {
			return true, true // drained for now: give the pipe back while we wait
		}
	}
}

// pumpDown reads the target into buf while bytes keep coming and sends each read as one
// message. It reports true when the target is drained for now and the bridge goes on.
func (b *bridge) pumpDown(buf []byte) bool {
	for {
		n, err := b.tc.Read(buf[wsMaxHeader : wsMaxHeader+relayBuf])
		if n > 0 {
			if !b.account(n) {
				return false
			}
			if err := b.ws.writeBinary(buf, n); err != nil {
				b.end(1011, "the client connection failed: "+err.Error())
				return false
			}
		}
		if err != nil {
			return b.readFailed(b.tc, err, true)
		}
		if n < relayBuf {
			return true // drained for now: give the buffer back while we wait
		}
	}
}

// readFailed handles a read error on c; it reports true when the loop should go on (an idle
// deadline passed but the other direction was busy).
func (b *bridge) readFailed(c net.Conn, err error, target bool) bool {
	switch {
	case b.why.Load() != nil:
		return false // the bridge is ending
	case errors.Is(err, os.ErrDeadlineExceeded):
		return b.idle > 0 && b.idleCheck(c)
	case target && err == io.EOF:
		b.end(1000, "the server closed the connection")
	case target:
		b.end(4000+int(wire.CodeOf(err)), fmt.Sprintf("the connection to the server failed: %v", errors.Unwrap(err)))
	case err == io.EOF:
		b.end(1001, "the client went away without closing")
	default:
		b.end(1011, "the client connection failed: "+err.Error())
	}
	return false
}

// upBuf is the size of the pooled buffers the bridge reads a client's frames into. Reads and
// writes of a few frames at once cost less per byte than one each: every write to the target
// also wakes the process at the other end. On the benchmark, 256 KiB moved uploads for about a
// fifth less CPU than 64 KiB, and faster. A bridge holds one only while bytes keep coming.
const upBuf = 256 << 10

var upBufs = sync.Pool{New: func() any { b := make([]byte, upBuf); return &b }}

// up copies the client's messages to the target.
func (b *bridge) up() {
	ws := b.ws
	if b.idle > 0 {
		ws.conn.SetReadDeadline(time.Now().Add(b.idle))
	}
	raw, err := ws.conn.(syscall.Conn).SyscallConn()
	if err != nil {
		b.end(1011, err.Error())
		return
	}
	readable := newReadWaiter(raw)
	var (
		bp   *[]byte
		fill int // bytes in the buffer: a frame's start may wait there for the rest
	)
	release := func() {
		if bp != nil {
			upBufs.Put(bp)
			bp = nil
		}
	}
	defer release()
	var st frameState
	for {
		if fill == 0 && len(ws.early) == 0 {
			release()
			if err := readable.wait(); err != nil {
				if b.readFailed(ws.conn, err, false) {
					continue
				}
				return
			}
		}
		if bp == nil {
			bp = upBufs.Get().(*[]byte)
		}
		buf := *bp
		var n int
		if len(ws.early) > 0 {
			n = copy(buf[fill:], ws.early)
			ws.early = ws.early[n:]
		} else {
			n, err = ws.conn.Read(buf[fill:])
			if err != nil {
				if b.readFailed(ws.conn, err, false) {
					continue
				}
				return
			}
		}
		fill += n
		// Take every complete piece out of the buffer: payload bytes are unmasked in place
		// and written to the target; a header cut short stays for the next read.
		used, out, err := st.consume(buf[:fill])
		if err != nil {
			b.end(err.status, err.reason)
			return
		}
		if len(out) > 0 {
			if !b.account(len(out)) {
				return
			}
			if _, err := b.tc.Write(out); err != nil {
				if b.why.Load() == nil {
					b.end(4000+int(wire.CodeOf(err)), fmt.Sprintf("the connection to the server failed: %v", errors.Unwrap(err)))
				}
				return
			}
		}
		for _, ctl := range st.control {
			if !b.control(ctl) {
				return
			}
		}
		st.control = st.control[:0]
		fill = copy(buf, buf[used:fill])
	}
}

// control answers a control frame from the client; false ends the bridge.
func (b *bridge) control(f ctlFrame) bool {
	switch f.op {
	case wsPing:
		if err := b.ws.writeFrame(wsPong, f.payload); err != nil {
			b.end(1011, "the client connection failed: "+err.Error())
			return false
		}
	case wsClose:
		status, reason := 1000, "the client closed the connection"
		if len(f.payload) >= 2 {
			status = int(binary.BigEndian.Uint16(f.payload))
			if status == 1005 || status < 1000 {
				status = 1000
			}
		}
		// Echo the client's status, as the protocol asks, and close the target.
		b.end(status, reason)
		return false
	}
	return true
}
