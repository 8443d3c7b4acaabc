//go:build !linux || socketlab_portable

package relay

// The portable ways of rawio_linux.go's optimisations: the same behaviour through the net
// package alone, at the cost of a buffer held by an idle bridge and a hand-over to a writer
// for each of a program's writes.

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
)

// portableIO says that this build uses the portable paths.
const portableIO = true

// readWaiter does not wait: the caller reads into a buffer at once, and holds it while the
// socket is idle. (Waiting for readiness without a read cannot be had portably: the runtime
// forgets a readiness it saw before the wait.)
type readWaiter struct{}

func newReadWaiter(syscall.RawConn) *readWaiter { return nil }

func (*readWaiter) wait() error { return nil }

// writeNow writes nothing: every write of the program's goes through writeLoop, so the
// session's reader never waits for a socket.
func (st *stream) writeNow([]byte) int { return 0 }

// localAddrFor picks the local address of a try at a loopback target, so that the connection
// is registered before its server can accept it; the last try leaves the port to the system,
// and the connection is registered after the connect.
func localAddrFor(target string, try int) net.Addr {
	ap, err := netip.ParseAddrPort(target)
	if err != nil || !ap.Addr().IsLoopback() || try == 3 {
		return nil
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr().Unmap(), uint16(32768+rand.IntN(28232))))
}

// localPort returns the port the dialer will bind to (0: none chosen). A port another relayed
// connection holds is not registered again: the bind will fail, and the entry is theirs.
func (s *session) localPort(_ syscall.RawConn, ap netip.AddrPort, laddr net.Addr) int {
	a, ok := laddr.(*net.TCPAddr)
	if !ok || a == nil {
		return 0
	}
	if _, taken := s.relay.peers().LabAddrOf(net.TCPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr(), uint16(a.Port)))); taken {
		return 0
	}
	return a.Port
}
