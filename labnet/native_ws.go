//go:build linux

package labnet

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/base64"
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

	"socketlab/wire"
)

// In a native learner program package net is the lab's, so the runtime cannot use it to reach
// the gateway. rawWS is a WebSocket client of its own: a TCP socket opened with system calls
// and handed to the runtime's poller through os.NewFile, and the client side of the WebSocket
// protocol (RFC 6455) written out: the HTTP upgrade, masked frames out, the server's frames
// in. It carries binary messages only and offers no extensions.

// rawWS is one WebSocket connection to the gateway. Reading and writing use buffers it keeps,
// so a message costs no allocation either way.
type rawWS struct {
	f  *os.File
	br *bufio.Reader

	// The one reader's: a failed read leaves the stream out of step; a frame header; a
	// control frame's payload.
	rerr error
	hdr  [8]byte
	ctl  [125]byte

	wmu  sync.Mutex
	werr error
	wbuf []byte        // a whole frame on its way out: header, masking key, masked payload
	keys *rand.ChaCha8 // masking keys, seeded from crypto/rand

	closeOnce sync.Once
}

// maxHeader is the longest client frame header: 2 bytes, a 64-bit length, the masking key.
const maxHeader = 14

const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

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

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptKey is the Sec-WebSocket-Accept value that proves the server read key.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// handshake sends the HTTP upgrade request and checks the answer.
func (c *rawWS) handshake(u *url.URL) error {
	var nonce [16]byte
	crand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
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
	header := map[string]string{}
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
		if prev, ok := header[name]; ok {
			value = prev + "," + value
		}
		header[name] = strings.TrimSpace(value)
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
	if !strings.EqualFold(header["upgrade"], "websocket") || !hasToken(header["connection"], "upgrade") {
		return errors.New("the gateway's answer does not upgrade the connection to a WebSocket")
	}
	if header["sec-websocket-accept"] != acceptKey(key) {
		return errors.New("the gateway's Sec-WebSocket-Accept does not match the key sent; is something in between?")
	}
	if ext := header["sec-websocket-extensions"]; ext != "" {
		return fmt.Errorf("the gateway chose WebSocket extensions (%s) that were not offered", ext)
	}
	return nil
}

func hasToken(list, token string) bool {
	for t := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

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

// header is a frame's first bytes, decoded.
type header struct {
	fin    bool
	op     byte
	masked bool
	length uint64
}

func (c *rawWS) readHeader() (header, error) {
	b := c.hdr[:]
	if _, err := io.ReadFull(c.br, b[:2]); err != nil {
		return header{}, err
	}
	h := header{fin: b[0]&0x80 != 0, op: b[0] & 0x0F, masked: b[1]&0x80 != 0, length: uint64(b[1] & 0x7F)}
	if b[0]&0x70 != 0 {
		return h, c.protocolError("the gateway set reserved bits in a frame")
	}
	switch h.length {
	case 126:
		if _, err := io.ReadFull(c.br, b[:2]); err != nil {
			return h, err
		}
		h.length = uint64(binary.BigEndian.Uint16(b[:2]))
	case 127:
		if _, err := io.ReadFull(c.br, b[:8]); err != nil {
			return h, err
		}
		h.length = binary.BigEndian.Uint64(b[:8])
	}
	if h.masked {
		return h, c.protocolError("the gateway masked a frame; servers must not")
	}
	return h, nil
}

// readMessage reads one message, whose fragments may have control frames between them, into
// buf.
func (c *rawWS) readMessage(buf []byte) ([]byte, error) {
	limit := min(len(buf), wire.MaxFrame)
	n := 0
	started := false
	for {
		h, err := c.readHeader()
		if err != nil {
			return nil, readErr(err)
		}
		if h.op >= opClose {
			if !h.fin || h.length > 125 {
				return nil, c.protocolError("the gateway sent a fragmented or over-long control frame")
			}
			payload := c.ctl[:h.length]
			if _, err := io.ReadFull(c.br, payload); err != nil {
				return nil, readErr(err)
			}
			if err := c.control(h.op, payload); err != nil {
				return nil, err
			}
			continue
		}
		switch h.op {
		case opContinuation:
			if !started {
				return nil, c.protocolError("the gateway continued a message it never started")
			}
		case opText, opBinary:
			if started {
				return nil, c.protocolError("the gateway started a message inside another")
			}
			started = true
		default:
			return nil, c.protocolError(fmt.Sprintf("the gateway sent a frame with the unknown opcode %d", h.op))
		}
		if h.length > uint64(limit-n) {
			c.closeWith(1009, "message too big")
			return nil, fmt.Errorf("the gateway sent a message over the %d-byte limit", wire.MaxFrame)
		}
		end := n + int(h.length)
		if _, err := io.ReadFull(c.br, buf[n:end]); err != nil {
			return nil, readErr(err)
		}
		n = end
		if h.fin {
			return buf[:n], nil
		}
	}
}

// control answers a ping or a close.
func (c *rawWS) control(op byte, payload []byte) error {
	switch op {
	case opPing:
		return c.writeFrame(context.Background(), opPong, nil, payload)
	case opPong:
		return nil
	case opClose:
		code, reason := 0, ""
		if len(payload) >= 2 {
			code, reason = int(binary.BigEndian.Uint16(payload)), string(payload[2:])
		}
		c.closeWith(code, "")
		if reason == "" {
			return fmt.Errorf("the gateway closed the WebSocket (status %d)", code)
		}
		return fmt.Errorf("the gateway closed the WebSocket: %s", reason)
	}
	return c.protocolError(fmt.Sprintf("the gateway sent a control frame with the unknown opcode %d", op))
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the gateway closed the connection")
	}
	return err
}

// protocolError closes the connection with status 1002 and returns why.
func (c *rawWS) protocolError(why string) error {
	c.closeWith(1002, "protocol error")
	return errors.New(why)
}

var errWSClosed = errors.New("the WebSocket to the gateway is closed")

// closeWith sends a close frame with code (none when 0), unless a write is in the way, and
// closes the socket.
func (c *rawWS) closeWith(code int, reason string) {
	c.closeOnce.Do(func() {
		if c.wmu.TryLock() {
			if c.werr == nil {
				var payload []byte
				if code != 0 {
					payload = append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
				}
				c.f.SetWriteDeadline(time.Now().Add(time.Second))
				c.f.Write(c.encode(opClose, nil, payload))
				c.werr = errWSClosed
			}
			c.wmu.Unlock()
		}
		c.f.Close()
	})
}

// Close ends the connection normally.
func (c *rawWS) Close() error {
	c.closeWith(1000, "")
	return nil
}

// WriteFrame sends one wire frame as one binary message, in one write.
func (c *rawWS) WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error {
	var h [wire.HeaderSize]byte
	h[0] = byte(t)
	binary.BigEndian.PutUint32(h[1:], stream)
	return c.writeFrame(ctx, opBinary, h[:], payload)
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
	buf := append(c.wbuf[:0], 0x80|op)
	switch {
	case n <= 125:
		buf = append(buf, 0x80|byte(n))
	case n <= 0xFFFF:
		buf = binary.BigEndian.AppendUint16(append(buf, 0x80|126), uint16(n))
	default:
		buf = binary.BigEndian.AppendUint64(append(buf, 0x80|127), uint64(n))
	}
	key := uint32(c.keys.Uint64())
	buf = binary.LittleEndian.AppendUint32(buf, key)
	start := len(buf)
	buf = buf[:start+n]
	maskCopy(buf[start:], head, key)
	maskCopy(buf[start+len(head):], body, key>>(8*(len(head)&3))|key<<(32-8*(len(head)&3)))
	return buf
}

// maskCopy copies src to dst, XORed with the masking key (its first byte in the key's low
// bits), eight bytes at a time.
func maskCopy(dst, src []byte, key uint32) {
	k := uint64(key) | uint64(key)<<32
	i := 0
	for ; i+8 <= len(src); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])^k)
	}
	for ; i < len(src); i++ {
		dst[i] = src[i] ^ byte(k>>(8*(i&7)))
	}
}
