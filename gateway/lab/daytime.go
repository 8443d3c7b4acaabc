package lab

import (
	"io"
	"net"
	"time"
)

// Daytime (RFC 867), port 13: the current date and time as one line of text for people to
// read, in UTC, ending in CRLF. The RFC leaves the format open; ours looks like
// "Thursday, February 29, 2024 12:34:56-UTC". Over TCP the server sends the line as soon as
// the connection opens and then closes; over UDP every datagram, whatever it holds, gets the
// line back as one datagram.

// DaytimeLayout is the time layout of the daytime line, without its CRLF.
const DaytimeLayout = "Monday, January 2, 2006 15:04:05-MST"

// DaytimeLine returns the daytime server's reply for t, CRLF included.
func DaytimeLine(t time.Time) string {
	return t.UTC().Format(DaytimeLayout) + "\r\n"
}

func (n *Network) serveDaytime(c net.Conn) {
	if _, err := io.WriteString(n.idleConn(c), DaytimeLine(n.now())); err != nil {
		c.Close()
		return
	}
	n.finish(c)
}

func (n *Network) daytimePackets(pc net.PacketConn) {
	n.answerDatagrams(pc, "daytime.lab", func() []byte { return []byte(DaytimeLine(n.now())) })
}
