package dissect

import (
	"fmt"
	"strconv"
	"strings"
)

// HTTP/1.x: a head of text lines (the request or status line, the headers, an empty line),
// then a body whose length the head says: Content-Length, chunked transfer coding, or, for
// a response, everything until the server closes. Responses pair with requests in order,
// because a response to HEAD, and 1xx, 204 and 304 responses, carry no body.

type httpState int

const (
	httpStart     httpState = iota // before a request or status line
	httpHeaders                    // inside the head
	httpBody                       // a body of known length
	httpToClose                    // a body that ends when the server closes
	httpChunkSize                  // before a chunk size line
	httpChunkData                  // inside a chunk's data
	httpChunkEnd                   // the CRLF after a chunk's data
	httpTrailers                   // header lines after the last chunk
	httpPlain                      // not HTTP any more: plain bytes
	httpEnded                      // the direction has ended
)

type httpDissector struct {
	sides   [2]httpSide
	methods []string // methods of the requests whose responses have not started
}

// httpSide is one direction's parser.
type httpSide struct {
	dir   Dir
	ls    lines
	state httpState

	head Message // the head being read

	// from the head's headers
	method  string // of a request
	status  int    // of a response
	length  int64  // Content-Length: -1 when absent, -2 when unusable
	chunked bool
	ctype   string

	// the body being read
	left    int64 // bytes still to come of the body or of the chunk's data
	bodyOff int   // offset where the body (or this chunk's data) starts
	size    int64 // the body's or this chunk's length
	total   int64 // a chunked body's length so far
	chunks  int
	chunk   Message // the chunk being read
}

func newHTTP() *httpDissector {
	h := &httpDissector{}
	h.sides[ToServer].dir = ToServer
	h.sides[ToClient].dir = ToClient
	return h
}

func (h *httpDissector) Name() string { return "http" }

func (h *httpDissector) Feed(dir Dir, b []byte) []Message {
	d := validDir(dir)
	if d < 0 {
		return nil
	}
	s := &h.sides[d]
	if s.state == httpEnded {
		return nil
	}
	if len(b) == 0 {
		return s.end()
	}
	var out []Message
	c := cursor{b}
	for len(c.b) > 0 && s.state != httpPlain {
		switch s.state {
		case httpBody, httpChunkData, httpToClose:
			n := int64(len(c.b))
			if s.state != httpToClose {
				n = min(n, s.left)
			}
			c.b = c.b[n:]
			s.ls.pos += int(n)
			s.left -= n
			if s.state == httpToClose {
				s.size += n
				continue
			}
			if s.left == 0 {
				out = s.dataDone(out)
			}
		default:
			l, ok := s.ls.next(&c)
			if !ok {
				continue
			}
			out = s.line(h, l, out)
		}
	}
	return out
}

// line handles one line in any of the line states.
func (s *httpSide) line(h *httpDissector, l line, out []Message) []Message {
	switch s.state {
	case httpStart:
		return s.startLine(l, out)
	case httpHeaders, httpTrailers:
		return s.headLine(h, l, out)
	case httpChunkSize:
		return s.chunkSizeLine(l, out)
	case httpChunkEnd:
		return s.chunkEndLine(l, out)
	}
	return out
}

// startLine reads a request or status line (or an empty line before one).
func (s *httpSide) startLine(l line, out []Message) []Message {
	if l.long {
		return s.plain(out, longLine(s.dir, l, "not an HTTP start line; the rest is shown as plain bytes"))
	}
	if len(l.text) == 0 {
		return append(out, Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "empty line",
			Notes: []Note{{l.off, l.n, "empty line", "an empty line before a request or response is allowed and skipped"}}})
	}
	var notes []Note
	var summary string
	var ok bool
	if s.dir == ToServer {
		notes, summary, ok = requestLine(l)
	} else {
		notes, summary, ok = statusLine(l)
	}
	if !ok {
		what := "request line (METHOD TARGET HTTP/1.1)"
		if s.dir == ToClient {
			what = "status line (HTTP/1.1 CODE REASON)"
		}
		return s.plain(out, Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "not HTTP: " + show(l.text, 40),
			Notes: []Note{{l.off, l.n, "not HTTP", "this line is not an HTTP " + what + "; the rest is shown as plain bytes"}}})
	}
	if s.dir == ToServer {
		s.method = string(l.text[:indexByte(l.text, ' ')])
	} else {
		s.status, _ = strconv.Atoi(string(l.text[9:12]))
	}
	if n, ok := l.noteEnd(); ok {
		notes = append(notes, n)
	}
	s.head = Message{Dir: s.dir, Off: l.off, Summary: summary, Notes: notes}
	s.length, s.chunked, s.ctype = -1, false, ""
	s.state = httpHeaders
	return out
}

// headLine reads a header or trailer line, or the empty line that ends the head or the trailers.
func (s *httpSide) headLine(h *httpDissector, l line, out []Message) []Message {
	msg := &s.head
	if s.state == httpTrailers {
		msg = &s.chunk
	}
	if l.long {
		msg.Len = l.off - msg.Off
		return s.plain(append(out, *msg), longLine(s.dir, l, "too long for a header; the rest is shown as plain bytes"))
	}
	if len(l.text) == 0 {
		if s.state == httpTrailers {
			msg.Notes = append(msg.Notes, Note{l.off, l.n, "end of body", fmt.Sprintf("an empty line ends the chunked body: %s in %s", plural(s.total, "byte", "bytes"), plural(int64(s.chunks), "chunk", "chunks"))})
			msg.Len = l.off + l.n - msg.Off
			s.state = httpStart
			return append(out, *msg)
		}
		return s.headDone(h, l, out)
	}
	if len(msg.Notes) >= maxNotes {
		msg.Len = l.off - msg.Off
		return s.plain(append(out, *msg), Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "too many header lines",
			Notes: []Note{{l.off, l.n, "too many headers", fmt.Sprintf("more than %d lines in one head; the rest is shown as plain bytes", maxNotes)}}})
	}
	n := s.header(l)
	if s.state == httpTrailers && n.Label == "header" {
		n.Label, n.Detail = "trailer", n.Detail+"; a header sent after the body"
	}
	msg.Notes = append(msg.Notes, n)
	if n, ok := l.noteEnd(); ok {
		msg.Notes = append(msg.Notes, n)
	}
	return out
}

// chunkSizeLine reads the line that starts a chunk with its size.
func (s *httpSide) chunkSizeLine(l line, out []Message) []Message {
	if l.long {
		return s.plain(out, longLine(s.dir, l, "not a chunk size line; the rest is shown as plain bytes"))
	}
	size, ext, ok := chunkSize(l.text)
	if !ok {
		return s.plain(out, Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "bad chunk size: " + show(l.text, 30),
			Notes: []Note{{l.off, l.n, "bad chunk size", "a chunk starts with its size in hexadecimal on a line of its own; the rest is shown as plain bytes"}}})
	}
	detail := fmt.Sprintf("0x%s = %s of data follow", strings.TrimSpace(string(l.text[:len(l.text)-len(ext)])), plural(size, "byte", "bytes"))
	if size == 0 {
		detail = "0: the last chunk; trailer headers may follow, then an empty line"
	}
	if ext != "" {
		detail += "; chunk extension " + show([]byte(ext), 40)
	}
	s.chunk = Message{Dir: s.dir, Off: l.off, Notes: []Note{{l.off, l.n, "chunk size", detail}}}
	if size == 0 {
		s.chunk.Summary = fmt.Sprintf("last chunk (body %s)", plural(s.total, "byte", "bytes"))
		s.state = httpTrailers
		return out
	}
	s.chunks++
	s.chunk.Summary = "chunk, " + plural(size, "byte", "bytes")
	s.left, s.size, s.bodyOff = size, size, l.off+l.n
	s.state = httpChunkData
	return out
}

// chunkEndLine reads the line ending after a chunk's data.
func (s *httpSide) chunkEndLine(l line, out []Message) []Message {
	if len(l.text) != 0 || l.long {
		s.chunk.Len = l.off - s.chunk.Off
		return s.plain(append(out, s.chunk), Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "chunk longer than its size",
			Notes: []Note{{l.off, l.n, "bad chunk", "a chunk's data must be followed by CR LF right where its size says; the rest is shown as plain bytes"}}})
	}
	s.chunk.Notes = append(s.chunk.Notes, Note{l.off, l.n, "end of chunk", "the line ending after the chunk's data"})
	s.chunk.Len = l.off + l.n - s.chunk.Off
	s.state = httpChunkSize
	return append(out, s.chunk)
}

// header explains one header line.
func (s *httpSide) header(l line) Note {
	text := string(l.text)
	if text[0] == ' ' || text[0] == '\t' {
		return Note{l.off, l.n, "folded header", "a line starting with a space continues the header above (an old form, refused by most servers today)"}
	}
	colon := strings.IndexByte(text, ':')
	if colon <= 0 || !isToken(text[:colon]) {
		return Note{l.off, l.n, "bad header", "not Name: value; a header name is one word followed straight by a colon"}
	}
	name := text[:colon]
	value := strings.Trim(text[colon+1:], " \t")
	detail := name + ": " + show([]byte(value), 60)
	switch key := strings.ToLower(name); key {
	case "content-length":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || !isDigits([]byte(value)) || (s.length >= 0 && s.length != n) {
			s.length = -2 // unusable
			return Note{l.off, l.n, "header", detail + " (not a usable length: a body length is one whole number of bytes)"}
		}
		if s.length != -2 {
			s.length = n
		}
	case "transfer-encoding":
		codings := strings.Split(strings.ToLower(value), ",")
		s.chunked = strings.TrimSpace(codings[len(codings)-1]) == "chunked"
	case "content-type":
		s.ctype = value
	}
	if about, ok := headerMeanings[strings.ToLower(name)]; ok {
		detail += " (" + about + ")"
	}
	return Note{l.off, l.n, "header", detail}
}

// headDone ends the head at the empty line l, says what body follows and emits the head.
func (s *httpSide) headDone(h *httpDissector, l line, out []Message) []Message {
	body, next := s.bodyRule(h)
	s.head.Notes = append(s.head.Notes, Note{l.off, l.n, "end of headers", "an empty line ends the head; " + body})
	s.head.Len = l.off + l.n - s.head.Off
	out = append(out, s.head)
	s.state = next
	s.bodyOff, s.size, s.total, s.chunks = l.off+l.n, 0, 0, 0
	switch next {
	case httpBody:
		s.left, s.size = s.length, s.length
	case httpPlain:
		s.ls.pending = nil
	}
	return out
}

// bodyRule decides what follows a head, in words and as the next state.
func (s *httpSide) bodyRule(h *httpDissector) (string, httpState) {
	if s.dir == ToServer {
		if len(h.methods) >= 64 {
			h.methods = h.methods[1:]
		}
		h.methods = append(h.methods, s.method)
		switch {
		case s.chunked:
			return "a chunked body follows", httpChunkSize
		case s.length > 0:
			return fmt.Sprintf("a body of %s follows (Content-Length)", plural(s.length, "byte", "bytes")), httpBody
		}
		return "no body follows", httpStart
	}
	method := "GET"
	if len(h.methods) > 0 {
		method = h.methods[0]
	}
	code := s.status
	if code >= 100 && code < 200 && code != 101 {
		return fmt.Sprintf("a %d response is provisional: no body, the real response comes next", code), httpStart
	}
	if len(h.methods) > 0 {
		h.methods = h.methods[1:]
	}
	switch {
	case code == 101:
		return "the connection now switches to another protocol; what follows is not HTTP", httpPlain
	case method == "CONNECT" && code >= 200 && code < 300:
		return "the connection is now a tunnel; what follows is not HTTP", httpPlain
	case method == "HEAD":
		return "no body: a response to HEAD has only headers", httpStart
	case code == 204 || code == 304:
		return fmt.Sprintf("no body: a %d response never has one", code), httpStart
	case s.chunked:
		return "a chunked body follows: chunks, each after its size, until a chunk of size 0", httpChunkSize
	case s.length == 0:
		return "no body (Content-Length: 0)", httpStart
	case s.length > 0:
		return fmt.Sprintf("a body of %s follows (Content-Length)", plural(s.length, "byte", "bytes")), httpBody
	}
	return "no length given, so the body runs until the server closes the connection", httpToClose
}

// dataDone ends a body of known length or a chunk's data.
func (s *httpSide) dataDone(out []Message) []Message {
	if s.state == httpChunkData {
		s.chunk.Notes = append(s.chunk.Notes, Note{s.bodyOff, int(s.size), "chunk data", plural(s.size, "byte", "bytes") + s.typeNote()})
		s.total += s.size
		s.state = httpChunkEnd
		return out
	}
	s.state = httpStart
	return append(out, Message{Dir: s.dir, Off: s.bodyOff, Len: int(s.size), Summary: "body, " + plural(s.size, "byte", "bytes"),
		Notes: []Note{{s.bodyOff, int(s.size), "body", plural(s.size, "byte", "bytes") + ", as Content-Length said" + s.typeNote()}}})
}

func (s *httpSide) typeNote() string {
	if s.ctype == "" {
		return ""
	}
	return "; Content-Type " + show([]byte(s.ctype), 40)
}

// end reports what the direction still held when it ended.
func (s *httpSide) end() []Message {
	var out []Message
	pos := s.ls.pos
	switch s.state {
	case httpStart, httpChunkSize:
		if l, ok := s.ls.flush(); ok {
			out = append(out, Message{Dir: s.dir, Off: l.off, Len: l.n, Summary: "unfinished line: " + show(l.text, 40),
				Notes: []Note{{l.off, l.n, "unfinished line", "the stream ended before this line's CR LF"}}})
		}
	case httpHeaders, httpTrailers:
		msg := &s.head
		if s.state == httpTrailers {
			msg = &s.chunk
		}
		if l, ok := s.ls.flush(); ok {
			msg.Notes = append(msg.Notes, Note{l.off, l.n, "unfinished line", "the stream ended before this line's CR LF"})
		}
		msg.Notes = append(msg.Notes, Note{pos, 0, "cut short", "the stream ended before the empty line that ends the headers"})
		msg.Len = pos - msg.Off
		out = append(out, *msg)
	case httpBody:
		got := s.size - s.left
		out = append(out, Message{Dir: s.dir, Off: s.bodyOff, Len: int(got), Summary: fmt.Sprintf("body cut short, %d of %d bytes", got, s.size),
			Notes: []Note{{s.bodyOff, int(got), "body cut short", fmt.Sprintf("Content-Length promised %s but the stream ended after %d", plural(s.size, "byte", "bytes"), got)}}})
	case httpChunkData, httpChunkEnd:
		if l, ok := s.ls.flush(); ok {
			s.chunk.Notes = append(s.chunk.Notes, Note{l.off, l.n, "unfinished line", "the stream ended before this line's CR LF"})
		}
		s.chunk.Notes = append(s.chunk.Notes, Note{pos, 0, "cut short", "the stream ended inside a chunk; the chunked body never reached its last chunk"})
		s.chunk.Len = pos - s.chunk.Off
		out = append(out, s.chunk)
	case httpToClose:
		if s.size > 0 {
			out = append(out, Message{Dir: s.dir, Off: s.bodyOff, Len: int(s.size), Summary: "body, " + plural(s.size, "byte", "bytes"),
				Notes: []Note{{s.bodyOff, int(s.size), "body", plural(s.size, "byte", "bytes") + ", read until the server closed the connection" + s.typeNote()}}})
		}
	}
	s.state = httpEnded
	s.ls.pending = nil
	return out
}

// plain appends m and leaves the rest of the direction unparsed.
func (s *httpSide) plain(out []Message, m Message) []Message {
	s.state = httpPlain
	s.ls.pending = nil
	return append(out, m)
}

// requestLine explains METHOD SP TARGET SP HTTP/x.y.
func requestLine(l line) ([]Note, string, bool) {
	parts := strings.Split(string(l.text), " ")
	if len(parts) != 3 || !isToken(parts[0]) || parts[1] == "" || !isVersion(parts[2]) {
		return nil, "", false
	}
	method, target, version := parts[0], parts[1], parts[2]
	off := l.off
	about, ok := methodMeanings[method]
	if !ok {
		about = "a method this dissector does not know; the server decides what it means"
	}
	notes := []Note{
		{off, len(method), "method", method + ": " + about},
		{off + len(method) + 1, len(target), "target", show([]byte(target), 60) + ": " + targetMeaning(method, target)},
		{off + len(method) + len(target) + 2, len(version), "version", version + ": " + versionMeaning(version)},
	}
	return notes, show(l.text, 60), true
}

// statusLine explains HTTP/x.y SP CODE SP REASON.
func statusLine(l line) ([]Note, string, bool) {
	t := l.text
	if len(t) < 12 || !isVersion(string(t[:8])) || t[8] != ' ' || !isDigits(t[9:12]) || (len(t) > 12 && t[12] != ' ') {
		return nil, "", false
	}
	code, _ := strconv.Atoi(string(t[9:12]))
	notes := []Note{
		{l.off, 8, "version", string(t[:8]) + ": the server's HTTP version"},
		{l.off + 9, 3, "status code", fmt.Sprintf("%d: %s", code, statusMeaning(code))},
	}
	if len(t) > 13 {
		notes = append(notes, Note{l.off + 13, len(t) - 13, "reason", show(t[13:], 60) + ": words for people; programs go by the code"})
	}
	return notes, show(t[9:], 60), true
}

// chunkSize reads a chunk size line: hex digits, optionally ";extension".
func chunkSize(t []byte) (size int64, ext string, ok bool) {
	s := string(t)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s, ext = s[:i], s[i:]
	}
	s = strings.TrimRight(s, " \t")
	if s == "" || len(s) > 15 {
		return 0, "", false
	}
	n, err := strconv.ParseInt(s, 16, 64)
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, ext, true
}

func isVersion(s string) bool {
	return len(s) == 8 && strings.HasPrefix(s, "HTTP/") && isDigits([]byte{s[5], s[7]}) && s[6] == '.'
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// isToken reports whether s is an HTTP token: a method or header name.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return s != ""
}

func targetMeaning(method, target string) string {
	switch {
	case method == "CONNECT":
		return "the host and port to open a tunnel to"
	case target == "*":
		return "the server as a whole rather than one resource"
	case strings.HasPrefix(target, "http://"), strings.HasPrefix(target, "https://"):
		return "a whole URL, the form used when talking to a proxy"
	case strings.Contains(target, "?"):
		return "the path of the resource, then after ? the query"
	}
	return "the path of the resource on this server"
}

func versionMeaning(v string) string {
	switch v {
	case "HTTP/1.1":
		return "the connection stays open for more requests unless a side sends Connection: close"
	case "HTTP/1.0":
		return "one request per connection, unless both sides ask to keep it open"
	}
	return "the HTTP version the client speaks"
}

var methodMeanings = map[string]string{
	"GET":     "asks for a resource",
	"HEAD":    "asks for a resource's headers only, without the body",
	"POST":    "sends data in the body for the server to process",
	"PUT":     "stores the body as the resource at this path",
	"DELETE":  "asks the server to remove the resource",
	"PATCH":   "changes part of the resource",
	"OPTIONS": "asks what the server allows",
	"CONNECT": "asks for a tunnel to another host, usually through a proxy",
	"TRACE":   "asks the server to echo the request back",
}

var headerMeanings = map[string]string{
	"host":              "which site on the server the request is for",
	"user-agent":        "the client program",
	"accept":            "the kinds of content the client takes",
	"accept-encoding":   "the compressions the client can undo",
	"accept-language":   "the languages the client prefers",
	"connection":        "whether the connection stays open after this exchange",
	"content-length":    "the body's length in bytes",
	"content-type":      "what kind of data the body holds",
	"content-encoding":  "how the body was compressed",
	"transfer-encoding": "how the body is framed; chunked: in pieces, each after its size",
	"date":              "when the message was made",
	"server":            "the server program",
	"location":          "where to go instead, for a redirect or a new resource",
	"last-modified":     "when the resource last changed",
	"etag":              "a tag for this version of the resource",
	"cache-control":     "how long copies may be kept",
	"set-cookie":        "a cookie for the client to send back later",
	"cookie":            "cookies the server set earlier",
	"authorization":     "credentials for the server",
	"referer":           "the page that linked here",
	"expect":            "the client waits for 100 Continue before it sends the body",
	"upgrade":           "asks to switch the connection to another protocol",
	"keep-alive":        "how long an idle connection is kept open",
	"if-modified-since": "send the resource only if it changed since then",
	"if-none-match":     "send the resource only if its tag changed",
}

var statusMeanings = map[int]string{
	100: "go on and send the body",
	101: "switching to the protocol asked for in Upgrade",
	200: "OK, the request worked",
	201: "created a new resource",
	202: "accepted, to be done later",
	204: "done, and there is no body to send",
	206: "here is the part of the resource asked for",
	301: "moved for good; the new address is in Location",
	302: "found elsewhere for now; see Location",
	303: "see the other resource in Location, with GET",
	304: "not modified since the copy the client has",
	307: "moved for now; repeat the same request at Location",
	308: "moved for good; repeat the same request at Location",
	400: "bad request: the server could not make sense of it",
	401: "credentials needed",
	403: "forbidden, whoever asks",
	404: "not found: nothing at this path",
	405: "this method is not allowed here",
	406: "none of the accepted kinds of content is available",
	408: "the server gave up waiting for the request",
	409: "conflicts with the resource's current state",
	410: "gone for good",
	411: "a Content-Length is required",
	413: "the body is too large",
	414: "the target is too long",
	415: "the body's kind of content is not supported",
	418: "I'm a teapot, a joke code that some servers keep",
	429: "too many requests; slow down",
	500: "the server failed while handling the request",
	501: "the server does not do this method",
	502: "a gateway got a bad answer from the server behind it",
	503: "unavailable for now; try later",
	504: "a gateway timed out waiting for the server behind it",
	505: "this HTTP version is not supported",
}

func statusMeaning(code int) string {
	if s, ok := statusMeanings[code]; ok {
		return s
	}
	switch code / 100 {
	case 1:
		return "informational: a provisional answer"
	case 2:
		return "success"
	case 3:
		return "redirection: look elsewhere"
	case 4:
		return "the client's request has a problem"
	case 5:
		return "the server failed"
	}
	return "not a standard class of status code"
}
