package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"

	"socketlab/wire"
)

// wsClient is a small WebSocket client, written for the benchmark the way a careful browser
// client behaves: every message goes out in one write (header and masked payload together),
// with a fresh random mask, and reads go straight from a buffered reader into the caller's
// slice.
type wsClient struct {
	conn net.Conn
	br   *bufio.Reader

	wmu  sync.Mutex
	wbuf []byte

	left uint64 // payload bytes of the current frame not yet read
	mask bool
}

func dialWS(addr, path string) (*wsClient, error) { return dialWSBuf(addr, path, 64<<10) }

// dialWSBuf is dialWS with a read buffer of bufSize bytes.
func dialWSBuf(addr, path string, bufSize int) (*wsClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	noTimeWait(c)
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, bufSize)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, fmt.Errorf("handshake with %s%s: %s", addr, path, resp.Status)
	}
	return &wsClient{conn: c, br: br, wbuf: make([]byte, 14+chunk+wire.HeaderSize)}, nil
}

// writeMessage sends p as one binary message; pre is prepended (a wire frame header).
func (w *wsClient) writeMessage(pre, p []byte) error {
	n := len(pre) + len(p)
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if cap(w.wbuf) < 14+n {
		w.wbuf = make([]byte, 14+n)
	}
	b := w.wbuf[:14+n]
	b[0] = 0x82
	hl := 2
	switch {
	case n < 126:
		b[1] = 0x80 | byte(n)
	case n <= 0xffff:
		b[1] = 0x80 | 126
		binary.BigEndian.PutUint16(b[2:], uint16(n))
		hl = 4
	default:
		b[1] = 0x80 | 127
		binary.BigEndian.PutUint64(b[2:], uint64(n))
		hl = 10
	}
	key := mrand.Uint32()
	binary.LittleEndian.PutUint32(b[hl:], key)
	body := b[hl+4 : hl+4+n]
	copy(body, pre)
	copy(body[len(pre):], p)
	maskXOR(key, body)
	_, err := w.conn.Write(b[:hl+4+n])
	return err
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

// nextFrame reads a data frame's header; control frames are skipped (a Close is io.EOF).
func (w *wsClient) nextFrame() error {
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		op := h[0] & 0x0f
		if op >= 0x8 {
			if _, err := w.br.Discard(int(n)); err != nil {
				return err
			}
			if op == 0x8 {
				return io.EOF
			}
			continue
		}
		w.left = n
		return nil
	}
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
	w.wmu.Lock()
	w.conn.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}) // Close 1000, zero mask
	w.wmu.Unlock()
	return w.conn.Close()
}

func maskXOR(key uint32, p []byte) {
	k := uint64(key) | uint64(key)<<32
	i := 0
	for ; len(p)-i >= 8; i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k)
	}
	var kb [4]byte
	binary.LittleEndian.PutUint32(kb[:], key)
	for j := 0; i < len(p); i, j = i+1, j+1 {
		p[i] ^= kb[j&3]
	}
}

// muxConn is one stream of the gateway's multiplexed protocol (docs/protocol.md) on a
// session of its own: HELLO, CONNECT, then DATA within the gateway's credit, CONTINUE for
// what it reads.
type muxConn struct {
	ws *wsClient
	id uint32

	mu     sync.Mutex
	cond   *sync.Cond
	credit int
	err    error

	pr *io.PipeReader
}

// muxWindow is the credit the benchmark's client grants the gateway on each stream.
const muxWindow = 1 << 20

func dialMux(addr, target string) (*muxConn, error) {
	ws, err := dialWS(addr, "/ws?learner=benchmark-learner")
	if err != nil {
		return nil, err
	}
	m := &muxConn{ws: ws, id: 1}
	m.cond = sync.NewCond(&m.mu)
	fail := func(err error) (*muxConn, error) { ws.conn.Close(); return nil, err }
	if err := ws.writeMessage(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "bench"}.Append(nil)), nil); err != nil {
		return fail(err)
	}
	connect := wire.ConnectMsg{Kind: wire.KindDial, Window: muxWindow, Network: "tcp", Remote: target}
	if err := ws.writeMessage(wire.Append(nil, wire.Connect, m.id, connect.Append(nil)), nil); err != nil {
		return fail(err)
	}
	buf := make([]byte, 0, wire.MaxFrame)
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
			pr, pw := io.Pipe()
			m.pr = pr
			go m.readLoop(pw, buf)
			return m, nil
		case f.Type == wire.Close:
			var c wire.CloseMsg
			c.Unmarshal(f.Payload)
			return fail(errors.New(c.Reason))
		}
	}
}

// readLoop hands the gateway's bytes to the reader and returns credit once a quarter of the
// window has been read, as the program-side runtime does.
func (m *muxConn) readLoop(pw *io.PipeWriter, buf []byte) {
	var credit [4]byte
	owed := 0
	for {
		msg, err := m.ws.readMessage(buf)
		if err == nil {
			var f wire.Frame
			if f, err = wire.Decode(msg); err == nil {
				switch f.Type {
				case wire.Data:
					if _, err = pw.Write(f.Payload); err == nil {
						if owed += len(f.Payload); owed >= muxWindow/4 {
							binary.BigEndian.PutUint32(credit[:], uint32(owed))
							err = m.ws.writeMessage(wire.Append(nil, wire.Continue, m.id, nil), credit[:])
							owed = 0
						}
					}
				case wire.Continue:
					n, _ := wire.ParseCredit(f.Payload)
					m.mu.Lock()
					m.credit += int(n)
					m.cond.Broadcast()
					m.mu.Unlock()
				case wire.Fin:
					err = io.EOF
				case wire.Close:
					err = io.EOF
				}
			}
		}
		if err != nil {
			pw.CloseWithError(err)
			m.mu.Lock()
			m.err = err
			m.cond.Broadcast()
			m.mu.Unlock()
			return
		}
	}
}

func (m *muxConn) Write(p []byte) (int, error) {
	hdr := wire.Append(make([]byte, 0, wire.HeaderSize), wire.Data, m.id, nil)
	for done := 0; done < len(p); {
		m.mu.Lock()
		for m.credit == 0 && m.err == nil {
			m.cond.Wait()
		}
		if m.err != nil {
			m.mu.Unlock()
			return done, m.err
		}
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

func (m *muxConn) Read(p []byte) (int, error) { return m.pr.Read(p) }

func (m *muxConn) Close() error {
	m.ws.writeMessage(wire.Append(nil, wire.Close, 0, nil), nil)
	m.pr.Close()
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
