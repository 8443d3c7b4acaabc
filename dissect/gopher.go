package dissect

import (
	"fmt"
	"strconv"
	"strings"
)

// Gopher: the client sends one selector line (empty for the server's top menu); the server
// answers with a menu, a text, or a file, and closes. A menu line is a one-character type,
// then display text, selector, host and port separated by tabs. Menus and texts end with a
// line holding a single dot.

type gopher struct {
	sent  bool // the client's selector has been seen
	ended bool // the server's closing dot has been seen
	mode  byte // what the server sends, decided by its first line: 'm' a menu, 't' text
}

func newGopher() Dissector { return &byLines{name: "gopher", h: &gopher{}} }

func (g *gopher) line(dir Dir, l line) []Message {
	if l.long {
		return []Message{longLine(dir, l, "perhaps a binary file, which has no lines")}
	}
	t := l.text
	m := Message{Dir: dir, Off: l.off, Len: l.n}
	if dir == ToServer {
		if g.sent {
			m.Summary = "extra line: " + show(t, 40)
			m.Notes = lineNotes(l, Note{l.off, l.n, "extra line", "a Gopher client sends one selector line and then only reads"})
			return []Message{m}
		}
		g.sent = true
		sel, search, hasSearch := strings.Cut(string(t), "\t")
		about := "asks for the item with this selector"
		if sel == "" {
			about = "empty: asks for the server's top menu"
		}
		m.Summary = "selector " + strconv.Quote(show([]byte(sel), 50))
		m.Notes = append(m.Notes, Note{l.off, len(sel), "selector", about})
		if hasSearch {
			what := "search words, for a search item (type 7)"
			if strings.HasPrefix(search, "+") || strings.HasPrefix(search, "$") || strings.HasPrefix(search, "!") {
				what = "a Gopher+ request field"
			}
			m.Notes = append(m.Notes, Note{l.off + len(sel) + 1, len(search), "search", show([]byte(search), 50) + ": " + what})
		}
		m.Notes = lineNotes(l, m.Notes...)
		return []Message{m}
	}
	if string(t) == "." && !g.ended {
		g.ended = true
		m.Summary = "end"
		m.Notes = lineNotes(l, Note{l.off, l.n, "end", "a line holding only a dot ends the menu or text"})
		return []Message{m}
	}
	if g.ended {
		m.Summary = "after the end: " + show(t, 40)
		m.Notes = lineNotes(l, Note{l.off, l.n, "after the end", "the menu or text already ended with a dot"})
		return []Message{m}
	}
	if g.mode == 0 {
		g.mode = 't'
		if strings.IndexByte(string(t), '\t') >= 0 {
			g.mode = 'm' // a text may hold tabs too, but its first line rarely does
		}
	}
	if g.mode == 't' || strings.IndexByte(string(t), '\t') < 0 {
		m.Summary = show(t, 60)
		detail := "a line of text"
		if g.mode == 'm' {
			detail = "not a menu line: menu lines hold tab-separated fields"
		}
		if len(t) > 1 && t[0] == '.' && t[1] == '.' {
			detail = "a line of text; its first dot is doubled so that it is not taken for the end"
		}
		m.Notes = lineNotes(l, Note{l.off, len(t), "text", detail})
		return []Message{m}
	}
	return []Message{menuItem(l)}
}

// menuItem explains Tdisplay<TAB>selector<TAB>host<TAB>port.
func menuItem(l line) Message {
	fields := strings.Split(string(l.text), "\t")
	kind := fields[0][:min(1, len(fields[0]))]
	about, ok := gopherTypes[kind]
	if !ok {
		about = "a type this dissector does not know"
	}
	if kind == "" {
		about = "missing: a menu line starts with its type"
	}
	display := fields[0][len(kind):]
	m := Message{Dir: ToClient, Off: l.off, Len: l.n}
	m.Summary = fmt.Sprintf("%s %s", kind, show([]byte(display), 50))
	off := l.off
	m.Notes = append(m.Notes, Note{off, len(kind), "type", strconv.Quote(kind) + ": " + about})
	off += len(kind)
	m.Notes = append(m.Notes, Note{off, len(display), "display", "the text shown to the user"})
	off += len(display)
	names := []struct{ label, about string }{
		{"selector", "what a client sends to fetch this item"},
		{"host", "the server that holds the item"},
		{"port", "the port to connect to there"},
	}
	for i, f := range fields[1:] {
		off++ // the tab
		if i >= len(names) {
			m.Notes = append(m.Notes, Note{off, len(f), "extra field", "a field after the port, such as Gopher+'s +"})
			off += len(f)
			continue
		}
		detail := names[i].about
		if names[i].label == "port" {
			if p, err := strconv.Atoi(f); err != nil || p < 0 || p > 65535 {
				detail = "not a port number"
			}
		}
		m.Notes = append(m.Notes, Note{off, len(f), names[i].label, show([]byte(f), 50) + ": " + detail})
		off += len(f)
	}
	if len(fields) < 4 {
		m.Notes = append(m.Notes, Note{l.off, l.n - l.end, "short", fmt.Sprintf("a menu line has 4 tab-separated fields; this one has %d", len(fields))})
	}
	m.Notes = lineNotes(l, m.Notes...)
	return m
}

func (g *gopher) end(Dir) []Message { return nil }

var gopherTypes = map[string]string{
	"0": "a text file",
	"1": "a menu",
	"2": "a phone book server",
	"3": "an error",
	"4": "a BinHex file",
	"5": "a DOS binary file",
	"6": "a uuencoded file",
	"7": "a search: the client sends the selector, a tab and the words",
	"8": "a telnet session",
	"9": "a binary file",
	"+": "a mirror of the item above",
	"g": "a GIF image",
	"I": "an image",
	"T": "a tn3270 session",
	"h": "an HTML page",
	"i": "an information line: text to show, not a link",
	"s": "a sound",
	"d": "a document",
}
