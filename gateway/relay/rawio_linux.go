//go:build !socketlab_portable

package relay

// The data path's Linux optimisations on raw descriptors: waiting for a socket to have bytes
// without holding a buffer, writing a program's bytes from the session's reader without
// waiting, and choosing a dialed connection's local port before it connects. rawio_other.go
// holds the portable ways (macOS, Windows, and Linux with -tags socketlab_portable).

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// portableIO says that this build uses the portable paths.
const portableIO = false

// readWaiter blocks until a socket has bytes (or end of file, or an error) to read, without
// reading any: the caller takes a buffer only then. It is made once per socket, so that a
// wait makes no closure.
type readWaiter struct {
	raw syscall.RawConn
	fn  func(fd uintptr) bool
	err error
	one [1]byte
}

func newReadWaiter(raw syscall.RawConn) *readWaiter {
	w := &readWaiter{raw: raw}
	w.fn = w.peek
	return w
}

func (w *readWaiter) wait() error {
	w.err = nil
	if err := w.raw.Read(w.fn); err != nil {
		return err
	}
	return w.err
}

func (w *readWaiter) peek(fd uintptr) bool {
	for {
		_, _, e := syscall.Recvfrom(int(fd), w.one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
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
			w.err = os.NewSyscallError("read", e)
		}
		return true
	}
}

// writeNow writes what the socket takes of p without waiting and returns how much that was.
// An error is left for writeLoop's next write to meet and report. Call with mu held.
func (st *stream) writeNow(p []byte) int {
	if st.nowFn == nil {
		st.nowFn = st.writeSome
	}
	st.now, st.nowN = p, 0
	st.raw.Write(st.nowFn)
	st.now = nil
	return st.nowN
}

// writeSome is writeNow's work on the descriptor; it is made once per stream, so that a write
// makes no closure.
func (st *stream) writeSome(fd uintptr) bool {
	for {
		k, err := syscall.Write(int(fd), st.now[st.nowN:])
		if err == syscall.EINTR {
			continue
		}
		if k > 0 {
			st.nowN += k
			if st.nowN < len(st.now) {
				continue
			}
		}
		return true
	}
}

// localPort binds a socket about to connect to ap to a port of its own and returns it (0 when
// none could be had). laddr is unused: here the port is chosen in the socket's Control.
func (s *session) localPort(c syscall.RawConn, ap netip.AddrPort, _ net.Addr) int {
	var port int
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
		switch a := got.(type) {
		case *syscall.SockaddrInet4:
			port = a.Port
		case *syscall.SockaddrInet6:
			port = a.Port
		}
	})
	return port
}

// localAddrFor is the dialer's local address for a try at target: none, as localPort binds.
func localAddrFor(string, int) net.Addr { return nil }
