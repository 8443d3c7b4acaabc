package lab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"unicode/utf8"
)

// Count, count.lab port 51423 over TCP: the welcome and character-count server. For each
// client it sends "Welcome, ADDRESS" and "Please enter a string:", reads one line, answers
// "You entered N characters." and closes. N counts characters (UTF-8 runes; a byte that is
// not valid UTF-8 counts as one), not bytes, and leaves out the line ending.

// CountReply returns count.lab's answer to one line (given without its line ending), CRLF
// included.
func CountReply(line string) string {
	return fmt.Sprintf("You entered %d characters.\r\n", utf8.RuneCountInString(line))
}

func (n *Network) serveCount(c net.Conn) {
	ic := n.idleConn(c)
	if _, err := fmt.Fprintf(ic, "Welcome, %s\r\n", n.clientName(c.RemoteAddr())); err != nil {
		c.Close()
		return
	}
	if _, err := io.WriteString(ic, "Please enter a string:\r\n"); err != nil {
		c.Close()
		return
	}
	line, err := readLine(newLineReader(ic, n.maxLine), n.maxLine)
	switch {
	case errors.Is(err, errLineTooLong):
		n.note("count.lab", c.RemoteAddr(), "a line longer than the limit; closing", "max_bytes", n.maxLine)
		fmt.Fprintf(ic, "That line is longer than %d bytes. Closing the connection.\r\n", n.maxLine)
	case err != nil:
		c.Close()
		return
	default:
		if _, err := io.WriteString(ic, CountReply(line)); err != nil {
			c.Close()
			return
		}
	}
	n.finish(c)
}
