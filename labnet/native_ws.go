//go:build linux

package labnet

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"socketlab/internal/wsframe"
	"socketlab/wire"
)

// In a native learner program package net is the lab's, so the runtime cannot use it to reach
// the gateway. rawWS is a WebSocket client of its own: a TCP socket opened with system calls
// and handed to the runtime's poller through os.NewFile, and the client side of the WebSocket
// protocol (RFC 6455): the HTTP upgrade, masked frames out, the server's frames in, with the
// codec and checks of package wsframe. It offers no extensions.

// rawWS is one WebSocket connection to the gateway. Reading and writing use buffers it keeps,
// so a message costs no allocation either way.
type rawWS struct {
	f  *os.File
	br *bufio.Reader

	// The one reader's: a failed read leaves the stream out of step; a control frame's
	// payload.
	rerr error
	ctl  [wsframe.MaxControl]byte

	wmu  sync.Mutex
	werr error
	wbuf []byte        // a whole frame on its way out: header, masking key, masked payload
	keys *rand.ChaCha8 // masking keys, seeded from crypto/rand

	closeOnce sync.Once
}

// maxHeader is the longest client frame header: 2 bytes, a 64-bit length, the masking key.
const maxHeader = wsframe.MaxHeader

// maxHandshake bounds the gateway's HTTP answer to the upgrade request.
const maxHandshake = 16 << 10

// dialRawWebSocket connects to a ws:// URL whose host is an IP address or "localhost".
func dialRawWebSocket(ctx context.Context, rawURL string) (transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "ws" {
		return nil, fmt.Errorf("%q: a native program reaches the gateway with ws:// URLs only", rawURL)
	}
	ap, err := gatewayAddr(u)
	if err != nil {
		return nil, err
	}
	f, err := connectTCP(ctx, ap)
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	crand.Read(seed[:])
	c := &rawWS{
		f:    f,
		br:   bufio.NewReaderSize(f, 4096),
		wbuf: make([]byte, maxHeader+wire.MaxFrame),
		keys: rand.NewChaCha8(seed),
	}
	release := bindContext(ctx, f.SetDeadline)
	err = c.handshake(u)
	release()
	if err != nil {
		f.Close()
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, ctxErr(ctx, err)
		}
		return nil, err
	}
	return c, nil
}

// gatewayAddr is the address of the gateway in u. Names other than localhost are not
// resolved: resolving them would need the very package net the lab replaces.
func gatewayAddr(u *url.URL) (netip.AddrPort, error) {
	host := u.Hostname()
	var addr netip.Addr
	if host == "localhost" {
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	} else {
		var err error
		if addr, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, fmt.Errorf("gateway host %q: give an IP address or localhost (a native program cannot look names up outside the lab)", host)
		}
	}
	port := 80
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return netip.AddrPort{}, fmt.Errorf("gateway port %q is not a port number", p)
		}
		port = int(n)
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// connectTCP opens a non-blocking TCP socket to ap and waits for the connection in the
// runtime's poller.
func connectTCP(ctx context.Context, ap netip.AddrPort) (*os.File, error) {
	var (
		family int
		sa     syscall.Sockaddr
	)
	if ap.Addr().Is4() {
		family, sa = syscall.AF_INET, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		family, sa = syscall.AF_INET6, &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// As package net does for every TCP socket: each frame leaves in one write, and Nagle's
	// algorithm would hold the tail of one back until the gateway acknowledges the last,
	// which it may delay by tens of milliseconds.
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("setsockopt", err)
	}
	err = syscall.Connect(fd, sa)
	if err != nil && err != syscall.EINPROGRESS && err != syscall.EINTR {
		syscall.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	f := os.NewFile(uintptr(fd), "socketlab-gateway")
	if err == nil {
		return f, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	release := bindContext(ctx, f.SetWriteDeadline)
	var connErr error
	err = rc.Write(func(fd uintptr) bool {
		n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		switch {
		case err != nil:
			connErr = err
			return true
		case n == 0:
			// No error yet: done if connected, else still in progress.
			_, err := syscall.Getpeername(int(fd))
			return err == nil
		}
		switch errno := syscall.Errno(n); errno {
		case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
			return false
		default:
			connErr = errno
			return true
		}
	})
	release()
	if err == nil && connErr != nil {
		err = os.NewSyscallError("connect", connErr)
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, ctxErr(ctx, err)
		}
		return nil, err
	}
	return f, nil
}

// bindContext makes set (a deadline setter of the socket) follow ctx until release is called;
// release clears the deadline again.
func bindContext(ctx context.Context, set func(time.Time) error) (release func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	if d, ok := ctx.Deadline(); ok {
		set(d)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		set(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !stop() {
			<-fired
		}
		set(time.Time{})
	}
}

// ctxErr reports an error that ctx caused as ctx's error. The socket's deadlines come only
// from contexts, and one may fire a moment before its context says it is done.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// handshake sends the HTTP upgrade request and checks the answer.
func (c *rawWS) handshake(u *url.URL) error {
	key := wsframe.NewKey()
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"User-Agent: socketlab-labnet\r\n\r\n"
	if _, err := io.WriteString(c.f, req); err != nil {
		return err
	}

	budget := maxHandshake
	line := func() (string, error) {
		b, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return "", errors.New("the gateway's answer has an over-long line; is this a socketlab gateway?")
		}
		if err != nil {
			if err == io.EOF {
				err = errors.New("the gateway closed the connection during the WebSocket handshake")
			}
			return "", err
		}
		if budget -= len(b); budget < 0 {
			return "", errors.New("the gateway's answer to the WebSocket handshake is too long")
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	status, err := line()
	if err != nil {
		return err
	}
	proto, rest, _ := strings.Cut(status, " ")
	code, reason, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") {
		return fmt.Errorf("the gateway did not answer in HTTP (%q); is the URL right?", truncate(status, 60))
	}
	header := fields{}
	for {
		l, err := line()
		if err != nil {
			return err
		}
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return fmt.Errorf("the gateway sent a malformed header line %q", truncate(l, 60))
		}
		name = strings.ToLower(strings.TrimSpace(name))
		header[name] = append(header[name], strings.TrimSpace(value))
	}
	if code != "101" {
		// The body, if small, usually says why (a wrong path, a refused origin).
		body := make([]byte, 200)
		n, _ := io.ReadAtLeast(c.br, body, 1)
		why := strings.TrimSpace(string(body[:n]))
		if why != "" {
			why = ": " + why
		}
		return fmt.Errorf("the gateway refused the WebSocket (HTTP %s %s)%s", code, reason, truncate(why, 200))
	}
	switch err := wsframe.CheckResponse(header, key); err {
	case nil:
		return nil
	case wsframe.ErrNoUpgrade:
		return errors.New("the gateway's answer does not upgrade the connection to a WebSocket")
	case wsframe.ErrAccept:
		return errors.New("the gateway's Sec-WebSocket-Accept does not match the key sent; is something in between?")
	case wsframe.ErrExtension:
		return fmt.Errorf("the gateway chose WebSocket extensions (%s) that were not offered", strings.Join(header.Values("Sec-WebSocket-Extensions"), ", "))
	default:
		return err
	}
}

// fields are the header fields of the gateway's answer, by lower-case name.
type fields map[string][]string

func (f fields) Values(name string) []string { return f[strings.ToLower(name)] }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// ReadMessage reads the next whole message into buf. Control frames are answered on the way:
// a ping gets its pong, a close ends the connection with the gateway's reason.
func (c *rawWS) ReadMessage(ctx context.Context, buf []byte) ([]byte, error) {
	if c.rerr != nil {
		return nil, c.rerr
	}
	var release func()
	if ctx.Done() != nil { // checked here: the method value would be made even if unused
		release = bindContext(ctx, c.f.SetReadDeadline)
	}
	msg, err := c.readMessage(buf)
	if release != nil {
		release()
	}
	if err != nil {
		err = ctxErr(ctx, err)
		c.rerr = err
	}
	return msg, err
}

// readHeader reads a frame's header, straight from the reader's buffer, and checks it on
// its own: no reserved bits, no mask, a known opcode, control frames whole and small.
func (c *rawWS) readHeader() (wsframe.Header, error) {
	b, err := c.br.Peek(2)
	if err != nil {
		return wsframe.Header{}, err
	}
	h, _ := wsframe.Parse(b)
	if err := h.CheckBits(false); err != nil {
		return h, c.protocolError(err)
	}
	n := wsframe.Len(b[1])
	if b, err = c.br.Peek(n); err != nil {
		return h, err
	}
	h, _ = wsframe.Parse(b)
	c.br.Discard(n)
	if err := h.CheckOp(); err != nil {
		return h, c.protocolError(err)
	}
	return h, nil
}

// readMessage reads one message, whose fragments may have control frames between them, into
// buf.
func (c *rawWS) readMessage(buf []byte) ([]byte, error) {
	limit := min(len(buf), wire.MaxFrame)
	n := 0
	var msgOp, first byte
	for {
		h, err := c.readHeader()
		if err != nil {
			return nil, readErr(err)
		}
		if h.IsControl() {
			payload := c.ctl[:h.Length]
			if _, err := io.ReadFull(c.br, payload); err != nil {
				return nil, readErr(err)
			}
			if err := c.control(h.Op, payload); err != nil {
				return nil, err
			}
			continue
		}
		if h.Op != wsframe.OpContinuation {
			first = h.Op
		}
		if err := wsframe.Sequence(h, &msgOp); err != nil {
			return nil, c.protocolError(err)
		}
		if h.Length > uint64(limit-n) {
			c.closeWith(wsframe.CloseTooBig, "message too big")
			return nil, fmt.Errorf("the gateway sent a message over the %d-byte limit", wire.MaxFrame)
		}
		end := n + int(h.Length)
		if _, err := io.ReadFull(c.br, buf[n:end]); err != nil {
			return nil, readErr(err)
		}
		n = end
		if h.Fin {
			if first == wsframe.OpText && !utf8.Valid(buf[:n]) {
				return nil, c.protocolError(&wsframe.Error{Code: wsframe.CloseInvalidPayload, Reason: "a text message that is not UTF-8"})
			}
			return buf[:n], nil
		}
	}
}

// control answers a ping or a close.
func (c *rawWS) control(op byte, payload []byte) error {
	switch op {
	case wsframe.OpPing:
		return c.writeFrame(context.Background(), wsframe.OpPong, nil, payload)
	case wsframe.OpPong:
		return nil
	case wsframe.OpClose:
		code, reason, err := wsframe.ParseClose(payload)
		if err != nil {
			return c.protocolError(err)
		}
		if code == wsframe.CloseNoStatus {
			code = 0 // echoed as a close frame without a code
		}
		c.closeWith(code, "")
		if len(reason) == 0 {
			return fmt.Errorf("the gateway closed the WebSocket (status %d, %s)", code, wsframe.CloseName(code))
		}
		return fmt.Errorf("the gateway closed the WebSocket: %s", reason)
	}
	return c.protocolError(&wsframe.Error{Code: wsframe.CloseProtocolError, Reason: fmt.Sprintf("a control frame with the unknown opcode %d", op)})
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the gateway closed the connection")
	}
	return err
}

// protocolError closes the connection with the code err carries (1002, or 1007 for bad
// UTF-8) and returns why.
func (c *rawWS) protocolError(err *wsframe.Error) error {
	c.closeWith(err.Code, wsframe.CloseName(err.Code))
	return fmt.Errorf("the gateway broke the WebSocket protocol: %w", err)
}

var errWSClosed = errors.New("the WebSocket to the gateway is closed")

// closeWith sends a close frame with code (none when 0), unless a write is in the way, and
// closes the socket.
func (c *rawWS) closeWith(code int, reason string) {
	c.closeOnce.Do(func() {
		if c.wmu.TryLock() {
			if c.werr == nil {
				c.f.SetWriteDeadline(time.Now().Add(time.Second))
				c.f.Write(c.encode(wsframe.OpClose, nil, wsframe.AppendClose(nil, code, reason)))
				c.werr = errWSClosed
			}
			c.wmu.Unlock()
		}
		c.f.Close()
	})
}

// Close ends the connection normally.
func (c *rawWS) Close() error {
	c.closeWith(wsframe.CloseNormal, "")
	return nil
}

// WriteFrame sends one wire frame as one binary message, in one write.
func (c *rawWS) WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error {
	var h [wire.HeaderSize]byte
	h[0] = byte(t)
	binary.BigEndian.PutUint32(h[1:], stream)
	return c.writeFrame(ctx, wsframe.OpBinary, h[:], payload)
}

// writeFrame sends one WebSocket frame whose payload is head followed by body.
func (c *rawWS) writeFrame(ctx context.Context, op byte, head, body []byte) error {
	if len(head)+len(body) > wire.MaxFrame {
		return fmt.Errorf("a message of %d bytes is over the %d-byte limit", len(head)+len(body), wire.MaxFrame)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	buf := c.encode(op, head, body)
	var release func()
	if ctx.Done() != nil {
		release = bindContext(ctx, c.f.SetWriteDeadline)
	}
	_, err := c.f.Write(buf)
	if release != nil {
		release()
	}
	if err != nil {
		err = ctxErr(ctx, err)
		c.werr = err
	}
	return err
}

// encode lays out one whole frame in c.wbuf, masked with a fresh key as a client's frames
// must be: the payload is head followed by body, masked as it is copied. Call with wmu held.
func (c *rawWS) encode(op byte, head, body []byte) []byte {
	n := len(head) + len(body)
	h := wsframe.Header{Fin: true, Op: op, Masked: true, Length: uint64(n)}
	binary.LittleEndian.PutUint32(h.Mask[:], uint32(c.keys.Uint64()))
	hl := wsframe.Put(c.wbuf, h)
	buf := c.wbuf[:hl+n]
	pos := wsframe.MaskCopy(buf[hl:], head, h.Mask, 0)
	wsframe.MaskCopy(buf[hl+len(head):], body, h.Mask, pos)
	return buf
}
