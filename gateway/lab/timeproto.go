package lab

import (
	"encoding/binary"
	"errors"
	"net"
	"time"
)

// Time (RFC 868), port 37: the current time as exactly 4 bytes, a big-endian unsigned count
// of seconds since 1900-01-01 00:00 UTC. Over TCP the server sends the 4 bytes as soon as the
// connection opens and then closes; over UDP any datagram gets a 4-byte datagram back.
//
// 32 bits of seconds run out in February 2036; the value then starts again from zero, which
// is what the protocol does everywhere.

// Epoch1900 is the number of seconds from 1900-01-01 to 1970-01-01, both UTC: the offset
// between the time protocol's count and Unix time.
const Epoch1900 = 2208988800

// TimeValue returns the time protocol's value for t.
func TimeValue(t time.Time) uint32 {
	return uint32(t.Unix() + Epoch1900)
}

// TimeFromValue turns a time protocol value back into a time, taking it to lie in the era
// that starts in 1900 (so it is right until 2036).
func TimeFromValue(v uint32) time.Time {
	return time.Unix(int64(v)-Epoch1900, 0).UTC()
}

func (n *Network) timeBytes() []byte {
	return binary.BigEndian.AppendUint32(nil, TimeValue(n.now()))
}

func (n *Network) serveTime(c net.Conn) {
	if _, err := n.idleConn(c).Write(n.timeBytes()); err != nil {
		c.Close()
		return
	}
	n.finish(c)
}

func (n *Network) timePackets(pc net.PacketConn) {
	n.answerDatagrams(pc, "time.lab", n.timeBytes)
}

// answerDatagrams answers every datagram that arrives, whatever it holds, with reply(): the
// UDP forms of the daytime and time protocols.
func (n *Network) answerDatagrams(pc net.PacketConn, name string, reply func() []byte) {
	buf := make([]byte, 64<<10)
	for {
		_, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			n.log.Warn("read failed", "service", name, "proto", "udp", "err", err)
			continue
		}
		if _, err := pc.WriteTo(reply(), from); err != nil {
			n.note(name, from, "reply failed", "proto", "udp", "err", err)
		}
	}
}
