package lab

import (
	"errors"
	"io"
	"net"
)

// Echo (RFC 862), port 7: every byte that arrives goes straight back. Over TCP a connection
// may echo at most MaxEchoBytes in all; over UDP each datagram comes back whole, as one
// datagram, to the address it came from.

func (n *Network) serveEcho(c net.Conn) {
	ic := n.idleConn(c)
	buf := make([]byte, 32<<10)
	var total int64
	for {
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
