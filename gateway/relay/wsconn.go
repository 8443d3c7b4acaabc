package relay

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"socketlab/internal/wsframe"
	"socketlab/wire"
)

// The server's side of WebSocket (RFC 6455), written out for the two endpoints that carry
// learners' bytes: /ws, where each message is one frame of the wire protocol, and
// /websockify, where the messages are the bytes of one TCP connection. Both read frames
// straight into pooled buffers, unmask them in place, and write each server frame (header and
// payload) in one call, or, for a busy connection's bytes on their way down, the header and
// then the payload spliced from a pipe (splice_linux.go). Only binary messages are spoken; no
// extensions are agreed. The protocol's codec and checks are package wsframe's.

// relayBuf is the size of the data in the pooled buffers both directions copy through.
const relayBuf = 64 << 10

// wsMaxHeader is the largest server frame header: 2 bytes, 8 of length, no mask.
const wsMaxHeader = wsframe.MaxServerHeader

// relayBufs have room in front of relayBuf data bytes for a server frame header and a wire
// header, so a read from a socket leaves as one message in one write.
var relayBufs = sync.Pool{New: func() any { b := make([]byte, wsMaxHeader+wire.HeaderSize+relayBuf); return &b }}

func getRelayBuf() *[]byte  { return relayBufs.Get().(*[]byte) }
func putRelayBuf(b *[]byte) { relayBufs.Put(b) }

// upgrade answers a WebSocket handshake and takes the connection over from the HTTP server.
// When the request is not a handshake it answers with hint; ok is false whenever the caller
// has nothing more to do. client is the address the request came from, without its port.
func upgrade(w http.ResponseWriter, req *http.Request, origins []string, hint string) (ws *wsConn, client string, ok bool) {
	h := req.Header
	switch err := wsframe.CheckRequest(h); err {
	case nil:
	case wsframe.ErrNotUpgrade:
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, hint, http.StatusUpgradeRequired)
		return nil, "", false
	case wsframe.ErrVersion:
		w.Header().Set("Sec-WebSocket-Version", wsframe.Version)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, "", false
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, "", false
	}
	key := h.Get("Sec-WebSocket-Key")
	if err := originAllowed(req, origins); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return nil, "", false
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "this server cannot hand the connection over to a WebSocket", http.StatusInternalServerError)
		return nil, "", false
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, "", false
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		wsframe.AcceptKey(key) + "\r\n"
	if wsframe.HasToken(h.Values("Sec-WebSocket-Protocol"), "binary") {
		resp += "Sec-WebSocket-Protocol: binary\r\n" // what older noVNC asks for
	}
	conn.SetDeadline(time.Time{}) // the server's read and write timeouts were for HTTP
	if _, err := io.WriteString(conn, resp+"\r\n"); err != nil {
		conn.Close()
		return nil, "", false
	}
	// Bytes the client sent after the handshake may already sit in the server's reader.
	var early []byte
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ = brw.Reader.Peek(n)
		early = append([]byte(nil), early...)
	}
	client, _, err = net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		client = req.RemoteAddr
	}
	return &wsConn{conn: conn, early: early}, client, true
}

// WebSocket framing (the server's side).

const (
	wsContinuation = wsframe.OpContinuation
	wsText         = wsframe.OpText
	wsBinary       = wsframe.OpBinary
	wsClose        = wsframe.OpClose
	wsPing         = wsframe.OpPing
	wsPong         = wsframe.OpPong
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
	ws.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	ws.writeFrame(wsClose, wsframe.AppendClose(nil, status, reason))
}

// frameHeader writes an unmasked final frame's header into h and returns its length.
func frameHeader(h []byte, op byte, n int) int {
	return wsframe.Put(h, wsframe.Header{Fin: true, Op: op, Length: uint64(n)})
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

func (e *frameError) Error() string { return e.reason }

// toFrameError carries a breach wsframe found to the relay.
func toFrameError(e *wsframe.Error) *frameError {
	if e == nil {
		return nil
	}
	return &frameError{e.Code, e.Reason}
}

// checkClose checks a client's close frame's payload (RFC 6455 §7.4): a 1-byte payload or a
// code no endpoint sends is answered 1002, a reason that is not UTF-8 1007.
func checkClose(p []byte) (status int, ferr *frameError) {
	status, _, err := wsframe.ParseClose(p)
	return status, toFrameError(err)
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
				if st.op == wsClose {
					break // nothing after a close is read (RFC 6455 §5.5.1)
				}
			}
			continue
		}
		n := int(min(st.left, uint64(len(buf)-used)))
		p := buf[used : used+n]
		st.pos = wsframe.Mask(st.mask, st.pos, p)
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
				if st.op == wsClose {
					if _, err := checkClose(st.ctlBuf); err != nil {
						return used, buf[from:to], err
					}
				}
				st.control = append(st.control, ctlFrame{op: st.op, payload: append([]byte(nil), st.ctlBuf...)})
				st.ctlBuf = st.ctlBuf[:0]
				if st.op == wsClose {
					break // nothing after a close is read (RFC 6455 §5.5.1)
				}
			}
		}
	}
	return used, buf[from:to], nil
}

// wsHead is a client frame's header.
type wsHead = wsframe.Header

// parseHead parses a client frame's header at the start of b; it returns the header's length,
// or 0 if b holds only part of one. It checks what must hold of every client frame: no RSV
// bits (no extensions were agreed), a mask, a known opcode, control frames whole and small.
func parseHead(b []byte) (h wsHead, hl int, ferr *frameError) {
	h, hl = wsframe.Parse(b)
	if len(b) < 2 {
		return h, 0, nil
	}
	if err := h.CheckBits(true); err != nil {
		return h, 0, toFrameError(err)
	}
	if hl == 0 {
		return h, 0, nil
	}
	if err := h.CheckOp(); err != nil {
		return h, 0, toFrameError(err)
	}
	return h, hl, nil
}

// sequence checks a data frame's place in the message sequence: msgOp is the opcode of the
// message in progress (0 if none) and is updated. Text is refused: only binary is spoken.
func sequence(h wsHead, msgOp *byte) *frameError {
	if err := wsframe.Sequence(h, msgOp); err != nil {
		return toFrameError(err)
	}
	if h.Op == wsText {
		return &frameError{wsframe.CloseUnsupportedData, "this endpoint carries binary messages only"}
	}
	return nil
}

// header parses a frame header at the start of b; it returns 0 if b holds only part of one.
func (st *frameState) header(b []byte) (int, *frameError) {
	h, hl, err := parseHead(b)
	if err != nil || hl == 0 {
		return 0, err
	}
	if err := sequence(h, &st.msgOp); err != nil {
		return 0, err
	}
	st.mask = h.Mask
	st.op, st.left, st.pos, st.inFrame = h.Op, h.Length, 0, h.Length > 0
	return hl, nil
}

// maskBytes XORs p with the mask, starting at position pos of the key; it returns the
// position after p.
func maskBytes(key [4]byte, pos int, p []byte) int { return wsframe.Mask(key, pos, p) }

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

// msgBuf is the size of a session's read buffer: two of the largest frames, so a frame cut
// short at the end of one read always fits once the buffer is compacted.
const msgBuf = 2 * (wire.MaxFrame + 14)

var msgBufs = sync.Pool{New: func() any { b := make([]byte, msgBuf); return &b }}

// closeFrame is the error a message reader returns when the client sends a Close frame.
type closeFrame struct{ status int }

func (c closeFrame) Error() string {
	return fmt.Sprintf("the client closed the WebSocket (%d)", c.status)
}

// msgReader reads whole binary messages of at most limit bytes from a client. Most messages
// are one frame and come back as a slice of the read buffer, unmasked in place; only a
// message in several frames is gathered into a buffer of its own. A reader waits for bytes in
// a read into a small buffer of its own, and small messages are taken from there; a large
// buffer comes from a pool only for a frame that does not fit, or while bytes keep coming,
// and goes back when all are consumed, so an idle connection holds none. Pings are answered;
// pongs are ignored.
type msgReader struct {
	ws    *wsConn
	limit int

	buf    []byte  // the bytes read: small[:] or *pooled
	pooled *[]byte // the large buffer, while one is held
	r, w   int     // unread bytes: buf[r:w]
	busy   bool    // the last read filled the buffer: more is surely waiting
	msgOp  byte
	gather []byte // a message in several frames, so far
	small  [512]byte
}

func newMsgReader(ws *wsConn, limit int) *msgReader {
	return &msgReader{ws: ws, limit: limit}
}

// release gives the large buffer back if nothing unread is in it; call it when done.
func (m *msgReader) release() {
	if m.r < m.w {
		return
	}
	if m.pooled != nil {
		msgBufs.Put(m.pooled)
		m.pooled = nil
	}
	m.buf, m.r, m.w = nil, 0, 0
}

// large moves the unread bytes into a large buffer from the pool.
func (m *msgReader) large() {
	bp := msgBufs.Get().(*[]byte)
	m.w = copy(*bp, m.buf[m.r:m.w])
	m.r = 0
	m.buf, m.pooled = *bp, bp
}

// next returns the next message. It is valid until the next call. A *frameError means the
// client broke the WebSocket protocol; closeFrame that it closed the connection.
func (m *msgReader) next() ([]byte, error) {
	for {
		if m.buf != nil {
			h, hl, ferr := parseHead(m.buf[m.r:m.w])
			if ferr != nil {
				return nil, ferr
			}
			if hl > 0 && h.Length > uint64(m.limit) {
				return nil, &frameError{1009, fmt.Sprintf("a message is longer than the %d-byte frame limit", m.limit)}
			}
			if end := m.r + hl + int(h.Length); hl > 0 && end <= m.w {
				p := m.buf[m.r+hl : end]
				wsframe.Mask(h.Mask, 0, p)
				m.r = end
				if msg, done, err := m.frame(h, p); done || err != nil {
					return msg, err
				}
				continue
			}
			// The frame is not all here: make room behind it and read on.
			need := 14
			if hl > 0 {
				need = hl + int(h.Length)
			}
			switch {
			case m.pooled == nil && need > len(m.small):
				m.large()
			case len(m.buf)-m.r < need:
				m.w = copy(m.buf, m.buf[m.r:m.w])
				m.r = 0
			}
		}
		if err := m.fill(); err != nil {
			return nil, err
		}
	}
}

// frame takes one unmasked frame; done reports a whole message in msg.
func (m *msgReader) frame(h wsHead, p []byte) (msg []byte, done bool, err error) {
	switch h.Op {
	case wsPing:
		return nil, false, m.ws.writeFrame(wsPong, p)
	case wsPong:
		return nil, false, nil
	case wsClose:
		status, ferr := checkClose(p)
		if ferr != nil {
			return nil, false, ferr
		}
		return nil, false, closeFrame{status}
	}
	if ferr := sequence(h, &m.msgOp); ferr != nil {
		return nil, false, ferr
	}
	if h.Op == wsBinary && h.Fin {
		return p, true, nil // the usual case: a message in one frame
	}
	if h.Op == wsBinary {
		m.gather = m.gather[:0]
	}
	if len(m.gather)+len(p) > m.limit {
		return nil, false, &frameError{1009, fmt.Sprintf("a message is longer than the %d-byte frame limit", m.limit)}
	}
	m.gather = append(m.gather, p...)
	return m.gather, h.Fin, nil
}

// fill reads more bytes. With nothing unread and nothing more expected it first lets the
// large buffer go and waits in a read into the small one.
func (m *msgReader) fill() error {
	if m.r == m.w && !m.busy {
		m.release()
	}
	if m.buf == nil {
		m.buf = m.small[:]
	}
	if len(m.ws.early) > 0 {
		if m.pooled == nil {
			m.large()
		}
		n := copy(m.buf[m.w:], m.ws.early)
		m.ws.early = m.ws.early[n:]
		m.w += n
		return nil
	}
	if m.r == m.w {
		m.r, m.w = 0, 0
		if m.busy && m.pooled == nil {
			m.large() // bytes keep coming: read them in large pieces
		}
	}
	n, err := m.ws.conn.Read(m.buf[m.w:])
	m.busy = m.w+n == len(m.buf)
	m.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}
