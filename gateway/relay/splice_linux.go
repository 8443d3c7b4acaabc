//go:build linux && !socketlab_portable

package relay

import (
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"

	"socketlab/wire"
)

// Downward, a busy connection's bytes need not pass through the gateway's memory at all: the
// server's frames are not masked, so the payload of a WebSocket message can go from the
// target's socket into a pipe and from the pipe into the WebSocket's socket with splice(2),
// the kernel moving page references instead of copying. Only the frame's header is written
// from user space, with MSG_MORE so it leaves in the same segment as the payload.

const (
	spliceMove     = 0x1 // SPLICE_F_MOVE
	spliceNonblock = 0x2 // SPLICE_F_NONBLOCK
	spliceMore     = 0x4 // SPLICE_F_MORE

	// pipeSize is what one fill takes from a socket at most; the pipe is made this large so
	// that a read is not cut short by the pipe's slots (one per socket buffer fragment).
	pipeSize = 1 << 20
)

// pipe is a kernel pipe between the two sockets, held only while a connection is busy.
type pipe struct {
	r, w    int
	cleanup runtime.Cleanup
}

// close closes the pipe now, and not again when it is collected.
func (p *pipe) close() {
	p.cleanup.Stop()
	syscall.Close(p.r)
	syscall.Close(p.w)
}

var pipes = sync.Pool{New: func() any {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil
	}
	syscall.Syscall(syscall.SYS_FCNTL, uintptr(fds[1]), syscall.F_SETPIPE_SZ, pipeSize)
	p := &pipe{r: fds[0], w: fds[1]}
	// The pool drops what it holds at a collection; the descriptors go with it.
	p.cleanup = runtime.AddCleanup(p, func(fds [2]int) { syscall.Close(fds[0]); syscall.Close(fds[1]) }, fds)
	return p
}}

// splicer moves one connection's bytes to a WebSocket through a pipe. Its functions are made
// once, so moving a message allocates nothing.
type splicer struct {
	src, dst syscall.RawConn
	p        *pipe
	in       int // bytes in the pipe
	want     int // what fill asks for
	err      error
	eof      bool

	hdr  [wsMaxHeader + 16]byte // the frame's header and the caller's prefix
	hdrN int
	out  int // bytes of the current message still in the pipe
	more bool

	fillFn, sendFn func(fd uintptr) bool
}

// newSplicer reports nil when either side is not a socket the kernel can splice.
func newSplicer(src *net.TCPConn, ws *wsConn) *splicer {
	dc, ok := ws.conn.(syscall.Conn)
	if !ok {
		return nil
	}
	dst, err := dc.SyscallConn()
	if err != nil {
		return nil
	}
	s, err := src.SyscallConn()
	if err != nil {
		return nil
	}
	sp := &splicer{src: s, dst: dst}
	sp.fillFn = sp.fillSome
	sp.sendFn = sp.sendSome
	return sp
}

// fill moves up to n bytes (at most pipeSize) from the socket into the pipe, waiting until
// there are some. It reports io.EOF when the peer has finished sending and the pipe is empty.
// ok is false when no pipe can be had; the caller then reads the plain way.
func (sp *splicer) fill(n int) (k int, ok bool, err error) {
	if sp.p == nil {
		p, _ := pipes.Get().(*pipe)
		if p == nil {
			return 0, false, nil
		}
		sp.p = p
	}
	sp.want, sp.err, sp.eof = min(n, pipeSize-sp.in), nil, false
	before := sp.in
	if err := sp.src.Read(sp.fillFn); err != nil {
		return sp.in - before, true, err
	}
	if sp.eof && sp.in == before {
		return 0, true, io.EOF
	}
	return sp.in - before, true, sp.err
}

func (sp *splicer) fillSome(fd uintptr) bool {
	for {
		n, e := syscall.Splice(int(fd), nil, sp.p.w, nil, sp.want, spliceMove|spliceNonblock)
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return false
		case e != nil:
			sp.err = os.NewSyscallError("read", e)
		case n == 0:
			sp.eof = true
		default:
			sp.in += int(n)
		}
		return true
	}
}

// send writes one binary message: prefix (at most 16 bytes) then n bytes from the pipe. Call
// it with ws.wmu held. more says another message follows at once.
func (sp *splicer) send(prefix []byte, n int, more bool) error {
	sp.hdrN = frameHeader(sp.hdr[:], wsBinary, len(prefix)+n)
	sp.hdrN += copy(sp.hdr[sp.hdrN:], prefix)
	sp.out, sp.more, sp.err = n, more, nil
	if err := sp.dst.Write(sp.sendFn); err != nil {
		return err
	}
	sp.in -= n - sp.out
	return sp.err
}

func (sp *splicer) sendSome(fd uintptr) bool {
	for sp.hdrN > 0 {
		n, e := syscall.SendmsgN(int(fd), sp.hdr[:sp.hdrN], nil, nil, syscall.MSG_MORE|syscall.MSG_NOSIGNAL)
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return false
		case e != nil:
			sp.err = os.NewSyscallError("write", e)
			return true
		}
		copy(sp.hdr[:], sp.hdr[n:sp.hdrN])
		sp.hdrN -= n
	}
	for sp.out > 0 {
		flags := spliceMove | spliceNonblock
		if sp.more {
			flags |= spliceMore
		}
		n, e := syscall.Splice(sp.p.r, nil, int(fd), nil, sp.out, flags)
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return false
		case e != nil:
			sp.err = os.NewSyscallError("write", e)
			return true
		case n == 0:
			sp.err = io.ErrUnexpectedEOF
			return true
		}
		sp.out -= int(n)
	}
	return true
}

// release gives the pipe back when it is empty, and closes it when bytes were left in it.
func (sp *splicer) release() {
	if sp.p == nil {
		return
	}
	if sp.in == 0 {
		pipes.Put(sp.p)
	} else {
		sp.p.close() // bytes of a message that did not go out: nobody wants them
	}
	sp.p, sp.in = nil, 0
}

// spliceMessages sends the k bytes at the front of sp's pipe to the program as DATA frames of
// stream id, each at most wire.MaxData long.
func (ws *wsConn) spliceMessages(sp *splicer, id uint32, k int) error {
	var prefix [wire.HeaderSize]byte
	wire.Append(prefix[:0], wire.Data, id, nil)
	return ws.spliceBinary(sp, prefix[:], k, wire.MaxData)
}

// spliceBinary sends the k bytes at the front of sp's pipe as binary messages of at most max
// bytes each after prefix, under the write lock so no other frame comes between.
func (ws *wsConn) spliceBinary(sp *splicer, prefix []byte, k, max int) error {
	ws.wmu.Lock()
	defer ws.wmu.Unlock()
	if ws.closed {
		return net.ErrClosed
	}
	for k > 0 {
		n := min(k, max)
		k -= n
		if err := sp.send(prefix, n, k > 0); err != nil {
			return err
		}
	}
	return nil
}
