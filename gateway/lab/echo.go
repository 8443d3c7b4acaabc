package lab

import (
	"errors"
	"io"
	"net"
	"sync"
)

// Echo (RFC 862), port 7: every byte that arrives goes straight back. Over TCP a connection
// may echo at most MaxEchoBytes in all; over UDP each datagram comes back whole, as one
// datagram, to the address it came from.

// A connection of echo or discard reads into readIdle bytes of its own while its client is
// quiet; a read that fills them means more is coming, and the connection borrows a readBusy
// buffer from readBufs until a read leaves room again (the socket is drained for now). A
// connection that waits holds a few hundred bytes, not 32 KiB: thousands of clients holding
// connections open cost the gateway little while they do, and leave nothing behind when
// they go.
const (
	readIdle = 512
	readBusy = 32 << 10
)

var readBufs = sync.Pool{New: func() any { b := make([]byte, readBusy); return &b }}

// connBuf is a connection's read buffer, small while idle (see readIdle).
type connBuf struct {
	idle []byte
	busy *[]byte
}

func newConnBuf() *connBuf { return &connBuf{idle: make([]byte, readIdle)} }

// get is the buffer for the next read.
func (b *connBuf) get() []byte {
	if b.busy != nil {
		return *b.busy
	}
	return b.idle
}

// read says how many bytes the last read into get() returned.
func (b *connBuf) read(k int) {
	switch {
	case b.busy == nil && k == len(b.idle):
		b.busy = readBufs.Get().(*[]byte)
	case b.busy != nil && k < len(*b.busy):
		b.release()
	}
}

// release gives the borrowed buffer back.
func (b *connBuf) release() {
	if b.busy != nil {
		readBufs.Put(b.busy)
		b.busy = nil
	}
}

func (n *Network) serveEcho(c net.Conn) {
	ic := n.idleConn(c)
	cb := newConnBuf()
	defer cb.release()
	var total int64
	for {
		buf := cb.get()
		room := min(int64(len(buf)), n.maxEcho-total)
		k, err := ic.Read(buf[:room])
		if k > 0 {
			if _, werr := ic.Write(buf[:k]); werr != nil {
				c.Close()
				return
			}
			total += int64(k)
			if total >= n.maxEcho {
				n.note("echo.lab", c.RemoteAddr(), "reached the limit; closing", "max_bytes", n.maxEcho)
				n.finish(c)
				return
			}
		}
		cb.read(k)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				n.note("echo.lab", c.RemoteAddr(), "connection failed", "err", err)
			}
			// The client half-closed (or went away): everything it sent has been echoed,
			// so closing now hands it a clean end of stream.
			c.Close()
			return
		}
	}
}

func (n *Network) echoPackets(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		k, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("read failed", "service", "echo.lab", "proto", "udp", "err", err)
			continue
		}
		if _, err := pc.WriteTo(buf[:k], from); err != nil {
			n.note("echo.lab", from, "reply failed", "proto", "udp", "err", err)
		}
	}
}
