package dissect

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The lab's line servers: chat.lab (port 5000) answers each line, count.lab (port 51423)
// welcomes the client and counts the characters of one line, daytime.lab (port 13) sends
// one line with the date.

type chat struct {
	lines int // lines from the server so far
}

func newChat() Dissector { return &byLines{name: "chat", h: &chat{}} }

func (c *chat) line(dir Dir, l line) []Message {
	if l.long {
		return []Message{longLine(dir, l, "chat.lab closes the connection after a line this long")}
	}
	m := Message{Dir: dir, Off: l.off, Len: l.n, Summary: show(l.text, 60)}
	if dir == ToServer {
		key := strings.TrimRight(strings.ToLower(strings.TrimSpace(string(l.text))), ".!? \t")
		detail := "a line for chat.lab, which answers it with one line"
		switch key {
		case "bye", "goodbye", "quit", "exit":
			detail = "asks to leave: chat.lab says goodbye and closes the connection"
		}
		m.Notes = lineNotes(l, Note{l.off, l.n - l.end, "line", detail})
		return []Message{m}
	}
	c.lines++
	label, detail := "reply", "chat.lab's answer to the line before"
	switch {
	case c.lines == 1:
		label, detail = "greeting", "chat.lab speaks first, as soon as the connection opens"
	case strings.HasPrefix(string(l.text), "Goodbye"):
		detail = "the last line: chat.lab closes the connection after it"
	}
	m.Notes = lineNotes(l, Note{l.off, l.n - l.end, label, detail})
	return []Message{m}
}

func (c *chat) end(Dir) []Message { return nil }

type count struct {
	lines [2]int
}

func newCount() Dissector { return &byLines{name: "count", h: &count{}} }

func (c *count) line(dir Dir, l line) []Message {
	if l.long {
		return []Message{longLine(dir, l, "count.lab refuses a line this long")}
	}
	c.lines[dir]++
	t := string(l.text)
	m := Message{Dir: dir, Off: l.off, Len: l.n, Summary: show(l.text, 60)}
	if dir == ToServer {
		label, detail := "line", fmt.Sprintf("the line to count: %s; count.lab counts characters, not bytes, and leaves out the line ending",
			plural(int64(utf8.RuneCount(l.text)), "character", "characters"))
		if c.lines[dir] > 1 {
			label, detail = "extra line", "count.lab reads only one line"
		}
		m.Notes = lineNotes(l, Note{l.off, l.n - l.end, label, detail})
		return []Message{m}
	}
	switch {
	case strings.HasPrefix(t, "Welcome, "):
		m.Notes = []Note{
			{l.off, 8, "welcome", "count.lab greets the client as soon as it connects"},
			{l.off + 9, len(t) - 9, "your address", show([]byte(t[9:]), 60) + ": the address count.lab sees the connection coming from"},
		}
	case strings.HasPrefix(t, "Please enter"):
		m.Notes = []Note{{l.off, len(t), "prompt", "count.lab now waits for one line"}}
	case strings.HasPrefix(t, "You entered "):
		m.Notes = []Note{{l.off, len(t), "answer", "how many characters the line had; count.lab closes the connection after this"}}
	default:
		m.Notes = []Note{{l.off, len(t), "line", "a line from count.lab"}}
	}
	m.Notes = lineNotes(l, m.Notes...)
	return []Message{m}
}

func (c *count) end(Dir) []Message { return nil }

type daytime struct{}

func newDaytime() Dissector { return &byLines{name: "daytime", h: daytime{}} }

func (daytime) line(dir Dir, l line) []Message {
	if l.long {
		return []Message{longLine(dir, l, "a daytime line is short")}
	}
	m := Message{Dir: dir, Off: l.off, Len: l.n, Summary: show(l.text, 60)}
	if dir == ToServer {
		m.Notes = lineNotes(l, Note{l.off, l.n, "ignored", "a daytime server sends its line without waiting for the client"})
		return []Message{m}
	}
	m.Notes = lineNotes(l, daytimeNote(l.off, l.text))
	return []Message{m}
}

func (daytime) end(Dir) []Message { return nil }

// daytimeLayouts are forms of the daytime line that real servers send: the lab's, and the
// one many Unix servers use.
var daytimeLayouts = []string{
	"Monday, January 2, 2006 15:04:05-MST",
	"Mon Jan _2 15:04:05 2006",
	time.RFC1123,
	"02 JAN 2006 15:04:05 MST",
}

func daytimeNote(off int, t []byte) Note {
	s := strings.TrimSpace(string(t))
	for _, layout := range daytimeLayouts {
		if d, err := time.Parse(layout, s); err == nil {
			return Note{off, len(t), "date and time", d.Format("2006-01-02 15:04:05 MST") + "; the format is for people to read, each server picks its own"}
		}
	}
	return Note{off, len(t), "date and time", "text for people to read; each daytime server picks its own format"}
}

// The time protocol (RFC 868): the server sends 4 bytes, a big-endian count of seconds
// since 1900-01-01 00:00 UTC, and closes. Over UDP any datagram asks for the time.

// Epoch1900 is the number of seconds from 1900-01-01 to 1970-01-01, both UTC.
const Epoch1900 = 2208988800

// timeValue explains one 4-byte time value at off.
func timeValue(dir Dir, off int, b []byte) Message {
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	unix := int64(v) - Epoch1900
	date := time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05 UTC")
	return Message{Dir: dir, Off: off, Len: 4, Summary: "time " + date, Notes: []Note{
		{off, 4, "seconds since 1900", fmt.Sprintf("%02x %02x %02x %02x read as one big-endian number: %d", b[0], b[1], b[2], b[3], v)},
		{off, 4, "Unix time", fmt.Sprintf("%d - %d = %d seconds since 1970", v, Epoch1900, unix)},
		{off, 4, "date", date},
	}}
}

type timeProto struct {
	got    [4]byte
	n      int // server bytes so far
	client int // client bytes so far
	ended  [2]bool
}

func newTime() Dissector { return &timeProto{} }

func (p *timeProto) Name() string { return "time" }

func (p *timeProto) Feed(dir Dir, b []byte) []Message {
	d := validDir(dir)
	if d < 0 || p.ended[d] {
		return nil
	}
	if len(b) == 0 {
		p.ended[d] = true
		switch {
		case dir == ToServer && p.client > 0:
			return []Message{{Dir: dir, Off: 0, Len: p.client, Summary: plural(int64(p.client), "byte", "bytes") + " to a time server",
				Notes: []Note{{0, p.client, "ignored", "a time server sends its 4 bytes without reading anything"}}}}
		case dir == ToClient && p.n > 0 && p.n < 4:
			return []Message{{Dir: dir, Off: 0, Len: p.n, Summary: "cut short",
				Notes: []Note{{0, p.n, "cut short", fmt.Sprintf("a time value is 4 bytes; the stream ended after %d", p.n)}}}}
		case dir == ToClient && p.n > 4:
			extra := p.n - 4
			return []Message{{Dir: dir, Off: 4, Len: extra, Summary: plural(int64(extra), "more byte", "more bytes"),
				Notes: []Note{{4, extra, "unexpected", "a time server sends 4 bytes and closes; these came after them"}}}}
		}
		return nil
	}
	if dir == ToServer {
		p.client += len(b)
		return nil
	}
	if p.n >= 4 {
		p.n += len(b)
		return nil
	}
	k := copy(p.got[p.n:], b)
	p.n += len(b)
	if p.n-len(b)+k == 4 {
		return []Message{timeValue(dir, 0, p.got[:])}
	}
	return nil
}

// datagrams counts the bytes of each direction for datagram offsets.
type datagrams struct {
	pos [2]int
}

func (g *datagrams) request(dir Dir, b []byte, what string) Message {
	off := g.pos[dir]
	g.pos[dir] += len(b)
	return Message{Dir: dir, Off: off, Len: len(b), Summary: "request, " + plural(int64(len(b)), "byte", "bytes"),
		Notes: []Note{{off, len(b), "request", "any datagram asks for " + what + "; what it holds does not matter, and it may be empty"}}}
}

type timeDatagrams struct{ datagrams }

func (p *timeDatagrams) Name() string { return "time" }

func (p *timeDatagrams) Feed(dir Dir, b []byte) []Message {
	if validDir(dir) < 0 {
		return nil
	}
	if dir == ToServer {
		return []Message{p.request(dir, b, "the time")}
	}
	off := p.pos[dir]
	p.pos[dir] += len(b)
	if len(b) != 4 {
		return []Message{{Dir: dir, Off: off, Len: len(b), Summary: "not a time value",
			Notes: []Note{{off, len(b), "not a time value", fmt.Sprintf("a time reply is one datagram of 4 bytes; this one has %d", len(b))}}}}
	}
	return []Message{timeValue(dir, off, b)}
}

type daytimeDatagrams struct{ datagrams }

func (p *daytimeDatagrams) Name() string { return "daytime" }

func (p *daytimeDatagrams) Feed(dir Dir, b []byte) []Message {
	if validDir(dir) < 0 {
		return nil
	}
	if dir == ToServer {
		return []Message{p.request(dir, b, "the date")}
	}
	off := p.pos[dir]
	p.pos[dir] += len(b)
	t := b[:min(len(b), MaxLine)]
	t = []byte(strings.TrimRight(string(t), "\r\n"))
	return []Message{{Dir: dir, Off: off, Len: len(b), Summary: show(t, 60), Notes: []Note{daytimeNote(off, t)}}}
}
