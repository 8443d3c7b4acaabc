// Package dissect annotates the bytes of a socket conversation: it cuts each direction of a
// stream into protocol units (an HTTP request, an FTP reply, a Gopher menu line) and says
// what each span of bytes means, in a few plain words, for the wire view.
//
// For picks a Dissector by the server's port. A Dissector is stateful and belongs to one
// stream: feed it the bytes of both directions in the order they were seen, in chunks of
// any size, and it returns the Messages that each chunk completes. The Messages do not
// depend on how the bytes were cut into chunks.
//
// Offsets (Message.Off, Note.Off) count the bytes of one direction from the start of the
// stream: the first byte the client sent is offset 0 of ToServer, the first byte the server
// sent is offset 0 of ToClient.
//
// # End of a direction
//
// Over TCP, Feed with no bytes says that the direction has ended (a FIN, a close or a reset
// was seen): the dissector then reports what it still holds, such as an HTTP/1.0 body that
// runs until the server closes, or a last line without its newline. Bytes fed after that
// are ignored. Over UDP every Feed is one whole datagram, and an empty one is a datagram.
//
// # Limits
//
// A dissector holds at most one line of text per direction (MaxLine bytes; longer lines
// are reported cut) and never keeps bodies or file contents: memory stays bounded whatever
// the peer sends. Traffic that breaks its protocol is reported once, and the rest of that
// direction is left as plain bytes.
package dissect

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dir says which way bytes travel.
type Dir int

const (
	ToServer Dir = iota // from the client (the side that connected) to the server
	ToClient            // from the server back to the client
)

func (d Dir) String() string {
	switch d {
	case ToServer:
		return "to-server"
	case ToClient:
		return "to-client"
	}
	return "dir(" + strconv.Itoa(int(d)) + ")"
}

// MarshalText writes "to-server" or "to-client", so that JSON for the page is readable.
func (d Dir) MarshalText() ([]byte, error) {
	if d != ToServer && d != ToClient {
		return nil, fmt.Errorf("dissect: %d is not a direction (0 to-server, 1 to-client)", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText writes.
func (d *Dir) UnmarshalText(b []byte) error {
	switch string(b) {
	case "to-server":
		*d = ToServer
	case "to-client":
		*d = ToClient
	default:
		return fmt.Errorf("dissect: %q is not a direction: use to-server or to-client", b)
	}
	return nil
}

// Note says what one span of bytes means.
type Note struct {
	Off    int    `json:"off"` // offset in the direction's bytes
	Len    int    `json:"len"`
	Label  string `json:"label"`            // what the span is: "method", "reply code", "data address"
	Detail string `json:"detail,omitempty"` // its value and meaning: "GET: asks for a resource"
}

// Message is one protocol unit: a request head, a reply, a menu line, a chunk of a body.
type Message struct {
	Dir     Dir    `json:"dir"`
	Off     int    `json:"off"` // offset in the direction's bytes
	Len     int    `json:"len"`
	Summary string `json:"summary"` // a short label for the sequence diagram
	Notes   []Note `json:"notes,omitempty"`
}

// Dissector cuts one stream into Messages. See the package documentation for how to feed it.
type Dissector interface {
	// Name names the protocol: "http", "ftp", "time", "daytime", "gopher", "chat",
	// "count" or "plain".
	Name() string
	// Feed takes the next bytes of one direction and returns the Messages they complete.
	Feed(dir Dir, b []byte) []Message
}

// LabelDataAddress is the Label of the Note that carries an FTP data address (from PASV,
// EPSV, PORT or EPRT replies and commands). Its Detail is "host:port", ready for
// net.SplitHostPort; after EPSV the host is empty (":40123"), meaning the host of the
// control connection.
const LabelDataAddress = "data address"

// DataAddress returns the FTP data address that m announces, if it announces one.
func DataAddress(m Message) (addr string, ok bool) {
	for _, n := range m.Notes {
		if n.Label == LabelDataAddress {
			return n.Detail, true
		}
	}
	return "", false
}

// MaxLine is the longest line, line ending included, that a dissector keeps whole. Longer
// lines are reported with their full length but only their first MaxLine bytes looked at.
const MaxLine = 16 << 10

// maxNotes bounds the Notes of one Message, so that a flood of header or reply lines cannot
// grow memory before the unit ends.
const maxNotes = 256

// For returns a new Dissector for one stream whose server listens on port, over proto
// ("tcp" or "udp"; "tcp4" and the like count as their family). By port: 80 (and 8000,
// 8080, where learners' own web servers usually listen) HTTP, 21 FTP control, 37 time,
// 13 daytime, 70 Gopher, 5000 chat, 51423 count. Over UDP only time and daytime are
// known. Anything else gets a plain dissector, which annotates nothing.
func For(port int, proto string) Dissector {
	udp := strings.HasPrefix(strings.ToLower(proto), "udp")
	if udp {
		switch port {
		case 37:
			return &timeDatagrams{}
		case 13:
			return &daytimeDatagrams{}
		}
		return plain{}
	}
	switch port {
	case 80, 8000, 8080:
		return newHTTP()
	case 21:
		return newFTP()
	case 37:
		return newTime()
	case 13:
		return newDaytime()
	case 70:
		return newGopher()
	case 5000:
		return newChat()
	case 51423:
		return newCount()
	}
	return plain{}
}

// plain annotates nothing: the bytes speak for themselves.
type plain struct{}

func (plain) Name() string               { return "plain" }
func (plain) Feed(Dir, []byte) []Message { return nil }

// validDir maps a Dir that is neither ToServer nor ToClient to -1.
func validDir(d Dir) int {
	if d == ToServer || d == ToClient {
		return int(d)
	}
	return -1
}

// line is one line of a stream, as lines gives it out.
type line struct {
	off  int    // stream offset of its first byte
	n    int    // its whole length, line ending included
	text []byte // without the ending; only the first MaxLine bytes of a long line. It may
	// share memory with the fed chunk: copy it to keep it past the call.
	end  int  // length of the ending: 2 for CRLF, 1 for LF, 0 when the stream ended first
	long bool // longer than MaxLine
}

// noteEnd returns a Note on a line ending that is not CRLF, for protocols that want CRLF.
func (l line) noteEnd() (Note, bool) {
	switch {
	case l.end == 1:
		return Note{l.off + l.n - 1, 1, "line ending", "LF alone; this protocol ends lines with CR LF, though many servers accept LF"}, true
	case l.end == 0:
		return Note{l.off + l.n, 0, "line ending", "missing: the stream ended before the line did"}, true
	}
	return Note{}, false
}

// lines cuts one direction into lines. It keeps at most MaxLine bytes of an unfinished line.
type lines struct {
	pos     int // stream offset of the next byte fed
	start   int // stream offset of the pending line's first byte
	pending []byte
	size    int  // full length of the pending line so far
	last    byte // the last byte of the pending line so far
}

// cursor walks through one fed chunk.
type cursor struct {
	b []byte
}

// next takes bytes from c up to the end of a line. ok is false when c ran out first; the
// partial line is kept for the next chunk.
func (ls *lines) next(c *cursor) (l line, ok bool) {
	if ls.size == 0 {
		ls.start = ls.pos
	}
	i := indexByte(c.b, '\n')
	take := len(c.b)
	if i >= 0 {
		take = i + 1
	}
	part := c.b[:take]
	c.b = c.b[take:]
	if ls.size == 0 && i >= 0 {
		// The whole line is in this chunk: hand it out without copying.
		ls.pos += take
		end := 0
		if i > 0 && part[i-1] == '\r' {
			end = 1
		}
		l := line{off: ls.start, n: take, end: 1 + end, long: take > MaxLine}
		l.text = part[:min(take-l.end, MaxLine)]
		ls.start = ls.pos
		return l, true
	}
	if room := MaxLine - len(ls.pending); room > 0 {
		ls.pending = append(ls.pending, part[:min(room, len(part))]...)
	}
	before := ls.last
	if i > 0 {
		before = part[i-1]
	}
	ls.pos += take
	ls.size += take
	if take > 0 {
		ls.last = part[take-1]
	}
	if i < 0 {
		return line{}, false
	}
	end := 1
	if before == '\r' && ls.size >= 2 {
		end = 2
	}
	return ls.cut(end), true
}

// flush returns the unfinished line, if any, as a line without an ending.
func (ls *lines) flush() (line, bool) {
	if ls.size == 0 {
		return line{}, false
	}
	return ls.cut(0), true
}

// cut turns the pending bytes into a line with an ending of end bytes and starts a new one.
func (ls *lines) cut(end int) line {
	l := line{off: ls.start, n: ls.size, end: end, long: ls.size > MaxLine}
	text := ls.pending[:min(len(ls.pending), ls.size-end)]
	l.text = append([]byte(nil), text...)
	ls.pending = ls.pending[:0]
	if cap(ls.pending) > 4<<10 {
		ls.pending = nil // do not keep a big buffer for the rest of the stream
	}
	ls.size = 0
	ls.last = 0
	ls.start = ls.pos
	return l
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// show renders bytes for a Summary or Detail: printable text as is, anything else escaped,
// cut to about limit runes.
func show(b []byte, limit int) string {
	var sb strings.Builder
	n := 0
	for len(b) > 0 {
		if n >= limit {
			sb.WriteString("…")
			break
		}
		r, size := utf8.DecodeRune(b)
		switch {
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == utf8.RuneError && size <= 1, !unicode.IsPrint(r) && r != ' ':
			for _, x := range b[:max(size, 1)] {
				fmt.Fprintf(&sb, `\x%02x`, x)
			}
		default:
			sb.Write(b[:size])
		}
		b = b[max(size, 1):]
		n++
	}
	return sb.String()
}

// longLine is the Message for a line too long to look at.
func longLine(dir Dir, l line, what string) Message {
	return Message{Dir: dir, Off: l.off, Len: l.n,
		Summary: fmt.Sprintf("line of %d bytes", l.n),
		Notes:   []Note{{l.off, l.n, "long line", fmt.Sprintf("%d bytes without a line ending in the first %d; %s", l.n, MaxLine, what)}}}
}

// plural writes "1 byte", "2 bytes".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// lineHandler is a protocol made of lines, like FTP's control connection or chat.
type lineHandler interface {
	line(dir Dir, l line) []Message
	end(dir Dir) []Message // after the direction's last line
}

// byLines feeds a lineHandler whole lines, whatever the chunks.
type byLines struct {
	name  string
	h     lineHandler
	ls    [2]lines
	ended [2]bool
}

func (p *byLines) Name() string { return p.name }

func (p *byLines) Feed(dir Dir, b []byte) []Message {
	d := validDir(dir)
	if d < 0 || p.ended[d] {
		return nil
	}
	var out []Message
	if len(b) == 0 {
		p.ended[d] = true
		if l, ok := p.ls[d].flush(); ok {
			out = append(out, p.h.line(dir, l)...)
		}
		p.ls[d].pending = nil
		return append(out, p.h.end(dir)...)
	}
	c := cursor{b}
	for len(c.b) > 0 {
		if l, ok := p.ls[d].next(&c); ok {
			out = append(out, p.h.line(dir, l)...)
		}
	}
	return out
}

// lineNotes returns a Note on the line's ending when it is not CR LF, as a slice to start from.
func lineNotes(l line, notes ...Note) []Note {
	if n, ok := l.noteEnd(); ok {
		notes = append(notes, n)
	}
	return notes
}
