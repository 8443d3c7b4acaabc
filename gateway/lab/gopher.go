package lab

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Gopher (RFC 1436), gopher.lab port 70 over TCP. A client sends one line, the selector,
// and gets back either a menu or a text, then the server closes the connection.
//
// Menus are lines of the form TYPE DISPLAY <TAB> SELECTOR <TAB> HOST <TAB> PORT, each ending
// in CRLF, and end with a line holding only ".". Texts are sent with CRLF line endings, a
// leading "." doubled, and the same "." line at the end. A selector the server does not know
// gets a menu with one error item (type 3) and a way back to the top.
//
// The texts live in content/gopher; "/lab/servers.txt" is written from the running Network.
// The search item (type 7, selector "/search") takes words after a TAB and lists the texts
// that hold them.

// GopherMaxSelector is the longest selector gopher.lab accepts, in bytes, as RFC 1436 asks.
const GopherMaxSelector = 255

// gopherItem is one entry of a menu.
type gopherItem struct {
	kind     byte // '0' text, '1' menu, '3' error, '7' search
	display  string
	selector string
}

// gopherMenus are the menus by selector; "" is the top.
var gopherMenus = map[string][]gopherItem{
	"": {
		{'0', "Read me first: welcome to gopher.lab", "/welcome.txt"},
		{'1', "The lab network", "/lab"},
		{'1', "About Gopher", "/gopher"},
		{'7', "Search these texts", "/search"},
	},
	"/lab": {
		{'0', "What the lab is", "/lab/about.txt"},
		{'0', "Servers on the lab network (live list)", "/lab/servers.txt"},
		{'1', "Back to the top", ""},
	},
	"/gopher": {
		{'0', "What Gopher is", "/gopher/what.txt"},
		{'0', "How a menu line is built", "/gopher/menus.txt"},
		{'0', "Item types", "/gopher/types.txt"},
		{'1', "Deeper: Gopher by hand", "/gopher/byhand"},
		{'1', "Back to the top", ""},
	},
	"/gopher/byhand": {
		{'0', "Talking Gopher with nc", "/gopher/byhand/nc.txt"},
		{'1', "Back to About Gopher", "/gopher"},
	},
}

// gopherTexts maps text selectors to their files under content/gopher.
var gopherTexts = map[string]string{
	"/welcome.txt":          "welcome.txt",
	"/lab/about.txt":        "lab/about.txt",
	"/gopher/what.txt":      "gopher/what.txt",
	"/gopher/menus.txt":     "gopher/menus.txt",
	"/gopher/types.txt":     "gopher/types.txt",
	"/gopher/byhand/nc.txt": "gopher/byhand/nc.txt",
}

const (
	gopherServersSelector = "/lab/servers.txt" // written from the running Network
	gopherSearchSelector  = "/search"
)

// errSelectorTooLong reports a selector over GopherMaxSelector bytes.
var errSelectorTooLong = errors.New("selector too long")

// parseGopherRequest splits a request line (without its line ending) into the selector and,
// for a search, the words after the first TAB. Anything after a second TAB (Gopher+ adds
// "+" or "$" there) is ignored. A selector longer than GopherMaxSelector bytes is an error.
// A lone "/" means the top menu, like the empty selector.
func parseGopherRequest(line string) (selector, query string, err error) {
	selector, rest, _ := strings.Cut(line, "\t")
	query, _, _ = strings.Cut(rest, "\t")
	if len(selector) > GopherMaxSelector {
		return "", "", errSelectorTooLong
	}
	if selector == "/" {
		selector = ""
	}
	return selector, query, nil
}

func (n *Network) serveGopher(c net.Conn) {
	ic := n.idleConn(c)
	host, port := n.gopherHost(c.RemoteAddr())
	line, err := readLine(newLineReader(ic, n.maxLine), n.maxLine)
	var reply string
	switch {
	case errors.Is(err, errLineTooLong):
		n.note("gopher.lab", c.RemoteAddr(), "a request longer than the limit; closing", "max_bytes", n.maxLine)
		reply = gopherError(fmt.Sprintf("Request longer than %d bytes: send a selector of at most %d bytes and CR LF", n.maxLine, GopherMaxSelector), host, port)
	case err != nil:
		// Nothing arrived, or the client went away before its line ended.
		c.Close()
		return
	default:
		reply = n.gopherReply(line, host, port)
	}
	if _, err := io.WriteString(ic, reply); err != nil {
		c.Close()
		return
	}
	n.finish(c)
}

// gopherReply returns the whole answer to one request line, final "." line included. host
// and port are what the menus name for gopher.lab's own items.
func (n *Network) gopherReply(line, host string, port int) string {
	selector, query, err := parseGopherRequest(line)
	if err != nil {
		return gopherError(fmt.Sprintf("Selector longer than %d bytes: menus only use short ones", GopherMaxSelector), host, port)
	}
	if items, ok := gopherMenus[selector]; ok {
		return gopherMenu(items, host, port)
	}
	if selector == gopherSearchSelector {
		return n.gopherSearch(query, host, port)
	}
	if selector == gopherServersSelector {
		return gopherText(n.serversText())
	}
	if file, ok := gopherTexts[selector]; ok {
		b, err := fs.ReadFile(content, "content/gopher/"+file)
		if err != nil {
			return gopherError("This text is missing from the server: please report it", host, port)
		}
		return gopherText(string(b))
	}
	return gopherError(fmt.Sprintf("Nothing here has the selector %s: start again from the top menu", quoteSelector(selector)), host, port)
}

// gopherMenu renders menu items and the terminating "." line.
func gopherMenu(items []gopherItem, host string, port int) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteByte(it.kind)
		b.WriteString(gopherField(it.display))
		b.WriteByte('\t')
		b.WriteString(gopherField(it.selector))
		fmt.Fprintf(&b, "\t%s\t%d\r\n", host, port)
	}
	b.WriteString(".\r\n")
	return b.String()
}

// gopherError is a menu holding one error item and a link back to the top. Error items
// point nowhere useful; by custom their host is "error.host" and their port 1.
func gopherError(msg, host string, port int) string {
	return "3" + gopherField(msg) + "\t\terror.host\t1\r\n" +
		"1Back to the top\t\t" + host + "\t" + strconv.Itoa(port) + "\r\n" +
		".\r\n"
}

// gopherText sends a text with CRLF line endings, a leading "." doubled, and the final ".".
func gopherText(text string) string {
	var b strings.Builder
	text = strings.TrimSuffix(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, ".") {
			b.WriteByte('.')
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.String()
}

// gopherField makes s safe inside a menu line: no TAB, CR, LF or other control bytes.
func gopherField(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// quoteSelector shows a selector in a message: quoted, escaped and at most 60 bytes long.
func quoteSelector(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:60]) + "..."
	}
	return strconv.Quote(s)
}

// gopherSearch lists the texts that hold every word of query, case ignored.
func (n *Network) gopherSearch(query, host string, port int) string {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return gopherError("Search needs words: send /search, a TAB, and what to look for", host, port)
	}
	var hits []gopherItem
	for _, items := range gopherMenus {
		for _, it := range items {
			if it.kind != '0' || slices.ContainsFunc(hits, func(h gopherItem) bool { return h.selector == it.selector }) {
				continue
			}
			text := strings.ToLower(n.gopherPlain(it.selector))
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(text, w) }) {
				hits = append(hits, it)
			}
		}
	}
	if len(hits) == 0 {
		return gopherError(fmt.Sprintf("No text holds %s", quoteSelector(strings.Join(words, " "))), host, port)
	}
	slices.SortFunc(hits, func(a, b gopherItem) int { return strings.Compare(a.selector, b.selector) })
	return gopherMenu(hits, host, port)
}

// gopherPlain returns a text as stored, for searching.
func (n *Network) gopherPlain(selector string) string {
	if selector == gopherServersSelector {
		return n.serversText()
	}
	b, _ := fs.ReadFile(content, "content/gopher/"+gopherTexts[selector])
	return string(b)
}

// serversText lists the running services, one per line.
func (n *Network) serversText() string {
	var b strings.Builder
	b.WriteString("Servers on the lab network\n==========================\n\n")
	for _, s := range n.Services() {
		fmt.Fprintf(&b, "%-12s %-10v %5d/%s  %s\n", s.Name, s.Addr, s.Port, s.Proto, s.About)
	}
	return b.String()
}
