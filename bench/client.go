package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"slices"
	"sync"

	"socketlab/internal/wsframe"
	"socketlab/wire"
)

// wsClient is a small WebSocket client, written for the benchmark the way a careful browser
// client behaves: every message goes out in one write (header and masked payload together),
// with a fresh random mask, and reads go straight from a buffered reader into the caller's
// slice. It reads the binary messages as one byte stream, answers pings, and refuses what
// the protocol forbids (and text: the relays speak binary) with the close code it asks for.
type wsClient struct {
	conn net.Conn
	br   *bufio.Reader

	wmu  sync.Mutex
	wbuf []byte

	left  uint64 // payload bytes of the current frame not yet read
	msgOp byte   // the opcode of the message in progress, 0 between messages
	ctl   [wsframe.MaxControl]byte
}

// Its read buffer is small: a frame's header and small messages come through it, and reads
// of a large payload into a large slice bypass it.
func dialWS(addr, path string) (*wsClient, error) { return dialWSBuf(addr, path, 4<<10) }

// dialWSBuf is dialWS with a read buffer of bufSize bytes.
func dialWSBuf(addr, path string, bufSize int) (*wsClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	noTimeWait(c)
	key := wsframe.NewKey()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, bufSize)
	if err := readHandshake(br, wsframe.AcceptKey(key)); err != nil {
		c.Close()
		return nil, fmt.Errorf("handshake with %s%s: %v", addr, path, err)
	}
	return &wsClient{conn: c, br: br}, nil // wbuf grows with the largest message written
}

// readHandshake reads the server's answer to the handshake: a 101 whose Sec-WebSocket-Accept
// is accept. It reads the header lines in place, as a browser's network code would, rather
// than build an http.Response: the benchmark's client shares the machine with the relay it
// measures, so what it spends on each session opening counts against the relay.
func readHandshake(br *bufio.Reader, accept string) error {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 101 ")) {
		return fmt.Errorf("answered %q", bytes.TrimSpace(status))
	}
	accepted := false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(name, []byte("Sec-WebSocket-Accept")) && string(bytes.TrimSpace(value)) == accept {
			accepted = true
		}
	}
	if !accepted {
		return errors.New("the answer has no matching Sec-WebSocket-Accept")
	}
	return nil
}

// writeMessage sends p as one binary message; pre is prepended (a wire frame header).
func (w *wsClient) writeMessage(pre, p []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.wbuf = appendMessage(w.wbuf[:0], pre, p)
	_, err := w.conn.Write(w.wbuf)
	return err
}

// writeMessages sends each of msgs as a binary message, all in one write.
func (w *wsClient) writeMessages(msgs ...[]byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.wbuf = w.wbuf[:0]
	for _, m := range msgs {
		w.wbuf = appendMessage(w.wbuf, m, nil)
	}
	_, err := w.conn.Write(w.wbuf)
	return err
}

// appendMessage appends to buf a masked binary message carrying pre and then p.
func appendMessage(buf, pre, p []byte) []byte {
	return appendFrame(buf, wsframe.OpBinary, pre, p)
}

// appendFrame appends to buf a masked frame with opcode op carrying pre and then p.
func appendFrame(buf []byte, op byte, pre, p []byte) []byte {
	n := len(pre) + len(p)
	start := len(buf)
	buf = slices.Grow(buf, wsframe.MaxHeader+n)[:start+wsframe.MaxHeader+n]
	h := wsframe.Header{Fin: true, Op: op, Masked: true, Length: uint64(n)}
	binary.LittleEndian.PutUint32(h.Mask[:], mrand.Uint32())
	hl := wsframe.Put(buf[start:], h)
	body := buf[start+hl : start+hl+n]
	pos := wsframe.MaskCopy(body, pre, h.Mask, 0)
	wsframe.MaskCopy(body[len(pre):], p, h.Mask, pos)
	return buf[:start+hl+n]
}

func (w *wsClient) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		n := min(len(p)-done, chunk)
		if err := w.writeMessage(nil, p[done:done+n]); err != nil {
			return done, err
		}
		done += n
	}
	return len(p), nil
}

// nextFrame reads a data frame's header; control frames are answered or skipped (a Close is
// io.EOF). A breach of the protocol is a *wsframe.Error, and the server is told.
func (w *wsClient) nextFrame() error {
	for {
		b, err := w.br.Peek(2)
		if err != nil {
			return err
		}
		h, _ := wsframe.Parse(b)
		if err := h.CheckBits(false); err != nil {
			return w.fail(err)
		}
		hl := wsframe.Len(b[1])
		if b, err = w.br.Peek(hl); err != nil {
			return err
		}
		h, _ = wsframe.Parse(b)
		w.br.Discard(hl)
		if err := h.CheckOp(); err != nil {
			return w.fail(err)
		}
		if h.IsControl() {
			p := w.ctl[:h.Length]
			if _, err := io.ReadFull(w.br, p); err != nil {
				return err
			}
			switch h.Op {
			case wsframe.OpPing:
				if err := w.writeFrame(wsframe.OpPong, p); err != nil {
					return err
				}
			case wsframe.OpClose:
				if _, _, err := wsframe.ParseClose(p); err != nil {
					return w.fail(err)
				}
				return io.EOF
			}
			continue
		}
		if err := wsframe.Sequence(h, &w.msgOp); err != nil {
			return w.fail(err)
		}
		if h.Op == wsframe.OpText {
			return w.fail(&wsframe.Error{Code: wsframe.CloseUnsupportedData, Reason: "a text message: the relays speak binary"})
		}
		w.left = h.Length
		return nil
	}
}

// writeFrame sends one frame with opcode op and payload p.
func (w *wsClient) writeFrame(op byte, p []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.wbuf = appendFrame(w.wbuf[:0], op, nil, p)
	_, err := w.conn.Write(w.wbuf)
	return err
}

// fail tells the server why the client gives up, and returns err.
func (w *wsClient) fail(err *wsframe.Error) error {
	w.writeFrame(wsframe.OpClose, wsframe.AppendClose(nil, err.Code, wsframe.CloseName(err.Code)))
	return err
}

// Read reads the byte stream the binary messages carry.
func (w *wsClient) Read(p []byte) (int, error) {
	for w.left == 0 {
		if err := w.nextFrame(); err != nil {
			return 0, err
		}
	}
	n, err := w.br.Read(p[:min(uint64(len(p)), w.left)])
	w.left -= uint64(n)
	return n, err
}

// readMessage reads one whole message into buf (grown as needed).
func (w *wsClient) readMessage(buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if err := w.nextFrame(); err != nil {
			return nil, err
		}
		start := len(buf)
		buf = append(buf, make([]byte, w.left)...)
		if _, err := io.ReadFull(w.br, buf[start:]); err != nil {
			return nil, err
		}
		w.left = 0
		return buf, nil // the relays under test send whole messages
	}
}

func (w *wsClient) Close() error {
	w.writeFrame(wsframe.OpClose, wsframe.AppendClose(nil, wsframe.CloseNormal, ""))
	return w.conn.Close()
}

// muxConn is one stream of the gateway's multiplexed protocol (docs/protocol.md) on a
// session of its own: HELLO, CONNECT, then DATA within the gateway's credit, CONTINUE for
// what it reads. Whoever needs the gateway's frames reads them, in the caller's goroutine:
// Read takes a DATA payload straight from the socket into the caller's slice, and Write,
// when it has no credit, reads until a CONTINUE comes. So a byte is copied once on the way
// in, as with plain TCP, and nothing is handed between goroutines.
type muxConn struct {
	ws *wsClient
	id uint32

	rmu     sync.Mutex // held by whoever reads from the WebSocket
	left    int        // payload bytes of the current DATA frame not yet read
	owed    int        // bytes read and not yet returned as credit
	early   []byte     // DATA that came while Write waited for credit
	readErr error      // what ended reading: every later read reports it

	mu     sync.Mutex
	cond   *sync.Cond
	credit int
}

// muxWindow is the credit the benchmark's client grants the gateway on each stream: 4 MiB,
// about what Linux lets a TCP receive buffer grow to (tcp_rmem's largest is 6 MiB), so the
// gateway's downward pace is set by the client reading, as the references' is by TCP, and not
// by a credit round trip every quarter window. The program-side runtime grants 256 KiB.
const muxWindow = 4 << 20

func dialMux(addr, target string) (*muxConn, error) {
	ws, err := dialWS(addr, "/ws?learner=benchmark-learner")
	if err != nil {
		return nil, err
	}
	m := &muxConn{ws: ws, id: 1}
	m.cond = sync.NewCond(&m.mu)
	fail := func(err error) (*muxConn, error) { ws.conn.Close(); return nil, err }
	// HELLO and CONNECT go in one write: CONNECT needs nothing from HELLO's answer.
	connect := wire.ConnectMsg{Kind: wire.KindDial, Window: muxWindow, Network: "tcp", Remote: target}
	if err := ws.writeMessages(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "bench"}.Append(nil)),
		wire.Append(nil, wire.Connect, m.id, connect.Append(nil))); err != nil {
		return fail(err)
	}
	buf := make([]byte, 0, 256) // HELLO's and CONNECTED's answers are small; it grows if need be
	for {
		msg, err := ws.readMessage(buf)
		if err != nil {
			return fail(err)
		}
		f, err := wire.Decode(msg)
		if err != nil {
			return fail(err)
		}
		switch {
		case f.Type == wire.Connected:
			var c wire.ConnectedMsg
			if err := c.Unmarshal(f.Payload); err != nil {
				return fail(err)
			}
			m.credit = int(c.Window)
			return m, nil
		case f.Type == wire.Close:
			var c wire.CloseMsg
			c.Unmarshal(f.Payload)
			return fail(errors.New(c.Reason))
		}
	}
}

// nextData reads frames until a DATA frame's payload is next on the socket. Call with rmu
// held.
func (m *muxConn) nextData() error {
	for m.left == 0 {
		if err := m.readFrame(); err != nil {
			return err
		}
	}
	return nil
}

// readFrame reads one frame: a DATA frame's payload is left on the socket for the caller,
// credit is added, the end of the stream is io.EOF. Call with rmu held.
func (m *muxConn) readFrame() error {
	if m.readErr == nil {
		m.readErr = m.frame()
	}
	if m.readErr != nil {
		m.mu.Lock()
		m.cond.Broadcast() // a writer waiting for credit gets the error
		m.mu.Unlock()
	}
	return m.readErr
}

func (m *muxConn) frame() error {
	if err := m.ws.nextFrame(); err != nil {
		return err
	}
	n := int(m.ws.left)
	if n < wire.HeaderSize {
		return errors.New("a frame without its header")
	}
	var h [wire.HeaderSize + 4]byte
	if _, err := io.ReadFull(m.ws.br, h[:wire.HeaderSize]); err != nil {
		return err
	}
	n -= wire.HeaderSize
	m.ws.left = 0
	switch wire.Type(h[0]) {
	case wire.Data:
		m.left = n
	case wire.Continue:
		if n != 4 {
			return errors.New("a CONTINUE frame of the wrong size")
		}
		if _, err := io.ReadFull(m.ws.br, h[wire.HeaderSize:]); err != nil {
			return err
		}
		m.mu.Lock()
		m.credit += int(binary.BigEndian.Uint32(h[wire.HeaderSize:]))
		m.cond.Broadcast()
		m.mu.Unlock()
	case wire.Fin, wire.Close:
		return io.EOF
	default:
		_, err := m.ws.br.Discard(n)
		return err
	}
	return nil
}

// consumed counts n bytes read and returns credit once a quarter of the window has been
// read, as the program-side runtime does. Call with rmu held.
func (m *muxConn) consumed(n int) error {
	if m.owed += n; m.owed < muxWindow/4 {
		return nil
	}
	var credit [4]byte
	binary.BigEndian.PutUint32(credit[:], uint32(m.owed))
	m.owed = 0
	return m.ws.writeMessage(wire.Append(nil, wire.Continue, m.id, nil), credit[:])
}

func (m *muxConn) Read(p []byte) (int, error) {
	m.rmu.Lock()
	defer func() {
		m.rmu.Unlock()
		m.mu.Lock()
		m.cond.Broadcast() // a writer waiting to read for credit may now
		m.mu.Unlock()
	}()
	if len(m.early) > 0 {
		n := copy(p, m.early)
		m.early = m.early[n:]
		return n, m.consumed(n)
	}
	if err := m.nextData(); err != nil {
		return 0, err
	}
	n, err := m.ws.br.Read(p[:min(len(p), m.left)])
	m.left -= n
	if err != nil {
		return n, err
	}
	return n, m.consumed(n)
}

// awaitCredit waits until the gateway grants credit, reading its frames meanwhile unless
// another goroutine is.
func (m *muxConn) awaitCredit() error {
	for {
		m.mu.Lock()
		if m.credit > 0 {
			m.mu.Unlock()
			return nil
		}
		if !m.rmu.TryLock() {
			m.cond.Wait() // the reader broadcasts what it finds
			m.mu.Unlock()
			continue
		}
		m.mu.Unlock()
		err := m.readFrame()
		if err == nil && m.left > 0 { // DATA before the credit: keep it for Read
			start := len(m.early)
			m.early = append(m.early, make([]byte, m.left)...)
			_, err = io.ReadFull(m.ws.br, m.early[start:])
			m.left = 0
		}
		m.rmu.Unlock()
		if err != nil {
			return err
		}
	}
}

func (m *muxConn) Write(p []byte) (int, error) {
	hdr := wire.Append(make([]byte, 0, wire.HeaderSize), wire.Data, m.id, nil)
	for done := 0; done < len(p); {
		if err := m.awaitCredit(); err != nil {
			return done, err
		}
		m.mu.Lock()
		n := min(len(p)-done, m.credit, wire.MaxData)
		m.credit -= n
		m.mu.Unlock()
		if err := m.ws.writeMessage(hdr, p[done:done+n]); err != nil {
			return done, err
		}
		done += n
	}
	return len(p), nil
}

func (m *muxConn) Close() error {
	m.ws.writeMessage(wire.Append(nil, wire.Close, 0, nil), nil)
	return m.ws.Close()
}

// tcpConn is a plain TCP connection that resets on close, so thousands of benchmark
// connections leave no TIME_WAIT behind.
type tcpConn struct{ *net.TCPConn }

func dialTCP(addr string) (io.ReadWriteCloser, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	noTimeWait(c)
	return tcpConn{c.(*net.TCPConn)}, nil
}

// noTimeWait makes closing c reset it rather than leave it in TIME_WAIT: the benchmark opens
// tens of thousands of connections, and their waiting ports would crowd out the next round's
// (and every other program's on this machine). It closes each only when done with it.
func noTimeWait(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
}
