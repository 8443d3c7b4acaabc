package lab

import (
	"errors"
	"io"
	"net"
)

// Discard (RFC 863), port 9: everything sent is read and thrown away; nothing is ever sent
// back. A TCP connection stays open until the client closes it or goes quiet for longer than
// IdleTimeout. There is no byte limit: discard is the sink for measuring how fast a client
// can send.

func (n *Network) serveDiscard(c net.Conn) {
	defer c.Close()
	ic := n.idleConn(c)
	cb := newConnBuf() // small while the client is quiet (echo.go)
	defer cb.release()
	for {
		k, err := ic.Read(cb.get())
		cb.read(k)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				n.note("discard.lab", c.RemoteAddr(), "connection failed", "err", err)
			}
			return
		}
	}
}

func (n *Network) discardPackets(pc net.PacketConn) {
	buf := make([]byte, 64<<10)
	for {
		if _, _, err := pc.ReadFrom(buf); err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("read failed", "service", "discard.lab", "proto", "udp", "err", err)
		}
	}
}
