package gateway

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

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
// one call, and writes each server frame (header and payload) in one call. An idle connection
// holds no buffer at all: both directions wait for the socket to become readable before they
// take one from the pool.
//
// When the connection cannot be made the WebSocket is closed with status 4000 plus the
// protocol's close code (4001 refused, 4008 policy, 4010 limit, ...) and a reason for people.

// wsAcceptGUID is the fixed string a WebSocket server hashes with the client's key.
const wsAcceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// relayBuf is the size of the pooled buffers both directions copy through.
const relayBuf = 64 << 10

// wsMaxHeader is the largest server frame header: 2 bytes, 8 of length, no mask.
const wsMaxHeader = 10

var relayBufs = sync.Pool{New: func() any { b := make([]byte, wsMaxHeader+relayBuf); return &b }}

func getRelayBuf() *[]byte  { return relayBufs.Get().(*[]byte) }
func putRelayBuf(b *[]byte) { relayBufs.Put(b) }

// ServeWebsockify serves GET /websockify?target=HOST:PORT: a websockify-compatible bridge from
// one WebSocket to one TCP connection. The query parameter "learner" names the learner, as on
// /ws, so their own listeners are reachable at localhost:PORT.
func (r *Relay) ServeWebsockify(w http.ResponseWriter, req *http.Request) {
	h := req.Header
	if !headerHasToken(h, "Connection", "upgrade") || !headerHasToken(h, "Upgrade", "websocket") {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "this is a WebSocket endpoint: connect a websockify client (noVNC, websockify-js) to /websockify?target=HOST:PORT", http.StatusUpgradeRequired)
		return
	}
	if h.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "only WebSocket version 13 is spoken here", http.StatusBadRequest)
		return
	}
	key := h.Get("Sec-WebSocket-Key")
	if key == "" {
		http.Error(w, "the WebSocket handshake has no Sec-WebSocket-Key", http.StatusBadRequest)
		return
	}
	if err := originAllowed(req, r.Origins); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "this server cannot hand the connection over to a WebSocket", http.StatusInternalServerError)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	sum := sha1.Sum([]byte(key + wsAcceptGUID))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n"
	if headerHasToken(h, "Sec-WebSocket-Protocol", "binary") {
		resp += "Sec-WebSocket-Protocol: binary\r\n" // what older noVNC asks for
	}
	if _, err := io.WriteString(conn, resp+"\r\n"); err != nil {
		conn.Close()
		return
	}
	// Bytes the client sent after the handshake may already sit in the server's reader.
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ = brw.Reader.Peek(n)
		early = append([]byte(nil), early...)
	}
	ws := &wsConn{conn: conn, early: early}
	q := req.URL.Query()
	client, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		client = req.RemoteAddr
	}
	// The bridge runs on a goroutine of its own and this handler returns, so that the HTTP
	// server lets go of the request, its buffers and its (by now large) stack.
	r.sessions.Add(1)
	go func() {
		defer r.sessions.Done()
		r.websockify(ws, client, q.Get("target"), q.Get("learner"))
	}()
}

// websockify runs one bridge on an upgraded connection.
func (r *Relay) websockify(ws *wsConn, client, target, learnerID string) {
	defer ws.conn.Close()
	release, reason := r.admit(client)
	if release == nil {
		ws.closeWith(4000+int(wire.CodeLimit), reason)
		return
	}
	defer release()
	l := r.learners.join(learnerID, r.limits())
	defer r.learners.leave(l)
	s := &session{relay: r, learner: l}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer s.cancel()

	if target == "" {
		ws.closeWith(4000+int(wire.CodeInvalid), "say where to connect: /websockify?target=HOST:PORT (for example echo.lab:7)")
		return
	}
	if err := l.takeSocket(r.limits(), false); err != nil {
		ws.closeWith(4000+int(wire.CodeLimit), err.Error())
		return
	}
	defer l.releaseSocket(false)
	dctx, cancel := context.WithTimeout(s.ctx, r.dialTimeout())
	tc, code, reason := s.dialRoute(dctx, target)
	cancel()
	if tc == nil {
		ws.closeWith(4000+int(code), reason)
		return
	}
	defer tc.Close()
	defer r.relayed.Delete(tc.LocalAddr().String())

	b := &bridge{s: s, ws: ws, tc: tc, idle: r.limits().IdleTimeout}
	b.touch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.down()
	}()
	b.up()
	<-done
	if m := b.why.Load(); m != nil {
		r.logf("websockify to %s ended: %s", target, m.reason)
	}
}

// dialRoute routes target as a program's dial is routed and connects to it; on failure it
// returns a code and a reason for people. The connection is registered (Relay.LabAddrOf)
// before the server can accept it, so a lab server that greets at once already knows whose it
// is; the caller removes it with r.relayed.Delete(conn.LocalAddr().String()) when done.
func (s *session) dialRoute(ctx context.Context, target string) (*net.TCPConn, wire.Code, string) {
	targets, code, reason := s.route(ctx, "tcp", target)
	if code != wire.CodeClosed {
		return nil, code, reason
	}
	var registered string
	d := net.Dialer{ControlContext: func(_ context.Context, network, address string, c syscall.RawConn) error {
		if hook := s.relay.connectHook; hook != nil {
			if err := hook(network, address); err != nil {
				return err
			}
		}
		registered = s.registerLocal(address, c)
		return nil
	}}
	var err error
	for i := 0; i < len(targets); i++ {
		t := targets[i]
		var c net.Conn
		for try := 0; try < 4; try++ {
			// A chosen port may already pair with this very destination: pick another.
			if c, err = d.DialContext(ctx, "tcp", t); !errors.Is(err, syscall.EADDRNOTAVAIL) {
				break
			}
			s.relay.relayed.Delete(registered)
		}
		if err == nil {
			tc := c.(*net.TCPConn)
			if local := tc.LocalAddr().String(); local != registered {
				s.relay.relayed.Delete(registered)
				_, port, _ := net.SplitHostPort(local)
				s.relay.relayed.Store(local, net.JoinHostPort(s.learner.addr.String(), port))
			}
			return tc, wire.CodeClosed, ""
		}
		if registered != "" {
			s.relay.relayed.Delete(registered)
		}
	}
	code = wire.CodeOf(err)
	if ctx.Err() != nil && s.ctx.Err() == nil {
		code = wire.CodeTimeout
	}
	return nil, code, fmt.Sprintf("cannot connect to %s: %v", target, errors.Unwrap(err))
}

// registerLocal binds a socket about to connect to a loopback address to a port of its own
// and records it as the learner's, returning the real local address ("" when the target is
// not on loopback: it is recorded after the connect).
func (s *session) registerLocal(address string, c syscall.RawConn) string {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return ""
	}
	var local string
	c.Control(func(fd uintptr) {
		// A port of our choosing binds at once; bind to port 0 searches the whole range,
		// which grows slow when thousands of ports are in use. A few tries, then port 0.
		// SO_REUSEADDR lets the port be one a closed connection still holds in TIME_WAIT.
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		bound := false
		for try := 0; try < 9 && !bound; try++ {
			port := 0
			if try < 8 {
				port = 32768 + rand.IntN(28232)
			}
			var sa syscall.Sockaddr = &syscall.SockaddrInet4{Addr: ap.Addr().Unmap().As4(), Port: port}
			if ap.Addr().Is6() && !ap.Addr().Is4In6() {
				sa = &syscall.SockaddrInet6{Addr: ap.Addr().As16(), Port: port}
			}
			bound = syscall.Bind(int(fd), sa) == nil
		}
		if !bound {
			return
		}
		got, err := syscall.Getsockname(int(fd))
		if err != nil {
			return
		}
		var port int
		switch a := got.(type) {
		case *syscall.SockaddrInet4:
			port = a.Port
		case *syscall.SockaddrInet6:
			port = a.Port
		}
		local = netip.AddrPortFrom(ap.Addr(), uint16(port)).String()
	})
	if local != "" {
		_, port, _ := net.SplitHostPort(local)
		s.relay.relayed.Store(local, net.JoinHostPort(s.learner.addr.String(), port))
	}
	return local
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
	if s.learner.rate.wait(s.ctx, n) != nil {
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
	for {
		// Wait without a buffer, so an idle connection holds none.
		if err := waitReadable(raw); err != nil {
			if b.readFailed(b.tc, err, true) {
				continue
			}
			return
		}
		bp := getRelayBuf()
		again := b.pumpDown(*bp)
		putRelayBuf(bp)
		if !again {
			return
		}
	}
}

// pumpDown reads the target into buf while bytes keep coming and sends each read as one
// message. It reports true when the target is drained for now and the bridge goes on.
func (b *bridge) pumpDown(buf []byte) bool {
	for {
		n, err := b.tc.Read(buf[wsMaxHeader:])
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
	var (
		bp   *[]byte
		fill int // bytes in the buffer: a frame's start may wait there for the rest
	)
	release := func() {
		if bp != nil {
			putRelayBuf(bp)
			bp = nil
		}
	}
	defer release()
	var st frameState
	for {
		if fill == 0 && len(ws.early) == 0 {
			release()
			if err := waitReadable(raw); err != nil {
				if b.readFailed(ws.conn, err, false) {
					continue
				}
				return
			}
		}
		if bp == nil {
			bp = getRelayBuf()
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

// waitReadable blocks until the socket has bytes (or end of file, or an error) to read,
// without reading any: the caller takes a buffer only then.
func waitReadable(raw syscall.RawConn) error {
	var one [1]byte
	var serr error
	err := raw.Read(func(fd uintptr) bool {
		for {
			_, _, e := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if e == syscall.EINTR {
				continue
			}
			if e == syscall.EAGAIN {
				return false
			}
			// Data or end of file: the next Read reports it. An error (a reset) is reported
			// here and only here: peeking consumes the socket's pending error, and a Read
			// after it would see end of file instead.
			if e != nil {
				serr = os.NewSyscallError("read", e)
			}
			return true
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// WebSocket framing (the server's side).

const (
	wsContinuation = 0x0
	wsText         = 0x1
	wsBinary       = 0x2
	wsClose        = 0x8
	wsPing         = 0x9
	wsPong         = 0xA
)

// wsConn is the server's end of an upgraded connection.
type wsConn struct {
	conn  net.Conn
	early []byte // bytes read with the handshake, not yet consumed

	wmu    sync.Mutex
	closed bool // a Close frame has been sent
}

// writeBinary sends buf[wsMaxHeader:wsMaxHeader+n] as one binary message, writing the header
// into the space before it so the frame goes out in one call.
func (ws *wsConn) writeBinary(buf []byte, n int) error {
	var h [wsMaxHeader]byte
	hl := frameHeader(h[:], wsBinary, n)
	start := wsMaxHeader - hl
	copy(buf[start:], h[:hl])
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closed {
		return net.ErrClosed
	}
	_, err := ws.conn.Write(buf[start : wsMaxHeader+n])
	return err
}

// writeFrame sends a small frame (control frames).
func (ws *wsConn) writeFrame(op byte, payload []byte) error {
	var h [wsMaxHeader]byte
	hl := frameHeader(h[:], op, len(payload))
	msg := append(h[:hl:hl], payload...)
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closed {
		return net.ErrClosed
	}
	if op == wsClose {
		ws.closed = true
	}
	_, err := ws.conn.Write(msg)
	return err
}

// closeWith sends a Close frame with status and reason (cut to what a Close frame holds).
func (ws *wsConn) closeWith(status int, reason string) {
	if len(reason) > 123 {
		reason = reason[:123]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	p := binary.BigEndian.AppendUint16(nil, uint16(status))
	ws.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	ws.writeFrame(wsClose, append(p, reason...))
}

// frameHeader writes an unmasked final frame's header into h and returns its length.
func frameHeader(h []byte, op byte, n int) int {
	h[0] = 0x80 | op
	switch {
	case n < 126:
		h[1] = byte(n)
		return 2
	case n <= 0xffff:
		h[1] = 126
		binary.BigEndian.PutUint16(h[2:], uint16(n))
		return 4
	}
	h[1] = 127
	binary.BigEndian.PutUint64(h[2:], uint64(n))
	return 10
}

// frameState parses the client's frames as bytes arrive, across reads.
type frameState struct {
	inFrame bool   // inside a frame's payload
	op      byte   // the frame's opcode
	left    uint64 // payload bytes still to come
	mask    [4]byte
	pos     int    // bytes of this frame's payload unmasked so far, mod 4
	msgOp   byte   // the opcode of the data message in progress, 0 if none
	ctlBuf  []byte // a control frame's payload, gathered whole
	control []ctlFrame
}

type ctlFrame struct {
	op      byte
	payload []byte
}

type frameError struct {
	status int
	reason string
}

// consume parses what it can of buf. It returns how many bytes it used and the data payload
// bytes found, unmasked in place (they alias buf: one span as it lies, several gathered at
// the front). Control frames are collected in st.control.
func (st *frameState) consume(buf []byte) (used int, out []byte, ferr *frameError) {
	// Data usually arrives as one span; only a second span makes us gather them at the front.
	var spans int
	var from, to int
	for used < len(buf) {
		if !st.inFrame {
			hl, err := st.header(buf[used:])
			if err != nil {
				return used, buf[from:to], err
			}
			if hl == 0 {
				break // the header is not all here yet
			}
			used += hl
			if st.left == 0 && st.op >= wsClose {
				st.control = append(st.control, ctlFrame{op: st.op})
			}
			continue
		}
		n := int(min(st.left, uint64(len(buf)-used)))
		p := buf[used : used+n]
		st.pos = maskBytes(st.mask, st.pos, p)
		switch {
		case st.op >= wsClose:
			st.ctlBuf = append(st.ctlBuf, p...)
		case spans == 0:
			from, to, spans = used, used+n, 1
		default:
			if spans == 1 {
				to = copy(buf, buf[from:to])
				from, spans = 0, 2
			}
			to += copy(buf[to:], p)
		}
		used += n
		st.left -= uint64(n)
		if st.left == 0 {
			st.inFrame = false
			if st.op >= wsClose {
				st.control = append(st.control, ctlFrame{op: st.op, payload: append([]byte(nil), st.ctlBuf...)})
				st.ctlBuf = st.ctlBuf[:0]
			}
		}
	}
	return used, buf[from:to], nil
}

// header parses a frame header at the start of b; it returns 0 if b holds only part of one.
func (st *frameState) header(b []byte) (int, *frameError) {
	if len(b) < 2 {
		return 0, nil
	}
	fin, op := b[0]&0x80 != 0, b[0]&0x0f
	if b[0]&0x70 != 0 {
		return 0, &frameError{1002, "no WebSocket extensions were agreed, yet a frame has RSV bits set"}
	}
	if b[1]&0x80 == 0 {
		return 0, &frameError{1002, "a client's frames must be masked"}
	}
	hl := 2
	n := uint64(b[1] & 0x7f)
	switch n {
	case 126:
		hl = 4
	case 127:
		hl = 10
	}
	if len(b) < hl+4 {
		return 0, nil
	}
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		n = binary.BigEndian.Uint64(b[2:])
	}
	switch op {
	case wsBinary, wsText:
		if st.msgOp != 0 {
			return 0, &frameError{1002, "a new message began before the last one ended"}
		}
		if op == wsText {
			return 0, &frameError{1003, "this bridge carries binary messages only"}
		}
		if !fin {
			st.msgOp = op
		}
	case wsContinuation:
		if st.msgOp == 0 {
			return 0, &frameError{1002, "a continuation frame with no message to continue"}
		}
		if fin {
			st.msgOp = 0
		}
	case wsClose, wsPing, wsPong:
		if !fin || n > 125 {
			return 0, &frameError{1002, "a control frame must be whole and at most 125 bytes"}
		}
	default:
		return 0, &frameError{1002, fmt.Sprintf("unknown WebSocket opcode %#x", op)}
	}
	copy(st.mask[:], b[hl:hl+4])
	st.op, st.left, st.pos, st.inFrame = op, n, 0, n > 0
	return hl + 4, nil
}

// maskBytes XORs p with the mask, starting at position pos of the key, eight bytes at a time
// where it can; it returns the position after p.
func maskBytes(key [4]byte, pos int, p []byte) int {
	i := 0
	for ; i < len(p) && (pos+i)&3 != 0; i++ {
		p[i] ^= key[(pos+i)&3]
	}
	if len(p)-i >= 8 {
		k32 := uint64(binary.LittleEndian.Uint32(key[:]))
		k := k32 | k32<<32
		for ; len(p)-i >= 32; i += 32 {
			q := p[i : i+32]
			binary.LittleEndian.PutUint64(q, binary.LittleEndian.Uint64(q)^k)
			binary.LittleEndian.PutUint64(q[8:], binary.LittleEndian.Uint64(q[8:])^k)
			binary.LittleEndian.PutUint64(q[16:], binary.LittleEndian.Uint64(q[16:])^k)
			binary.LittleEndian.PutUint64(q[24:], binary.LittleEndian.Uint64(q[24:])^k)
		}
		for ; len(p)-i >= 8; i += 8 {
			binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k)
		}
	}
	for ; i < len(p); i++ {
		p[i] ^= key[(pos+i)&3]
	}
	return (pos + len(p)) & 3
}

// originAllowed applies the gateway's origin rule: no Origin (not a browser), the gateway's
// own host, or a host matching one of the --origin patterns.
func originAllowed(req *http.Request, patterns []string) error {
	o := req.Header.Get("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("the Origin header %q is not a URL", o)
	}
	if strings.EqualFold(u.Host, req.Host) {
		return nil
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return nil
		}
	}
	return fmt.Errorf("pages from %s may not connect to this gateway; its operator can allow them with --origin %s", u.Host, u.Host)
}

// headerHasToken reports whether a comma-separated header lists token (any case).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
