package lessons

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Check is one condition of an exercise, read from a "check:" line. It
// looks at one run of a program: what it printed, its exit status and the
// socket events it caused. static/exercises.js evaluates the same checks in
// the page from their JSON form; static/test/check_cases.json keeps the two
// in step.
//
// The language, one check a line (ADDR is host:port as the program wrote
// it, such as time.lab:37 or localhost:8037; N is a whole number; CMP is
// "exactly", "at least" or "at most", and may be left out for "exactly"):
//
//	output contains "TEXT"            the output holds TEXT
//	output lacks "TEXT"               the output does not hold TEXT
//	output matches "REGEXP"           the regular expression matches somewhere (^ and $ match at lines)
//	exit N                            the program exited with status N
//	sent CMP N bytes [to ADDR]        bytes written on streams and datagrams, added up
//	received CMP N bytes [from ADDR]
//	sent CMP N datagrams [to ADDR]    UDP datagrams counted
//	received CMP N datagrams [from ADDR]
//	sent "TEXT" [to ADDR]             the bytes sent on one stream (or as datagrams) hold TEXT
//	received "TEXT" [from ADDR]
//	KIND before first KIND [on stream to ADDR]
//	                                  on a TCP stream the first event of one kind came before the first of the other
//	                                  (kinds: send, recv, fin-sent, fin-recv, close, reset, reset-sent)
//	accepted CMP N connections        a server's accepted connections
//	concurrent N                      at some moment N accepted connections had been answered and none of them closed
//	listened on port N                the program listened on port N
//	connected to ADDR                 a connection to ADDR was made
//	refused by ADDR                   a connection to ADDR was refused
//
// TEXT and REGEXP are written in double quotes with Go's escapes (\n, \r,
// \t, \", \\). A REGEXP must mean the same to Go and to JavaScript: no
// (?flags) groups, no \A or \z.
type Check struct {
	Text  string `json:"text"` // as written in the lesson
	Op    string `json:"op"`   // output-contains, output-lacks, output-matches, exit, count, data, order, accepted, concurrent, listened, connected, refused
	Str   string `json:"str,omitempty"`
	N     int    `json:"n,omitempty"`
	Cmp   string `json:"cmp,omitempty"`  // exactly, at least, at most
	Dir   string `json:"dir,omitempty"`  // sent, received
	Unit  string `json:"unit,omitempty"` // bytes, datagrams
	Peer  string `json:"peer,omitempty"`
	First string `json:"first,omitempty"`
	Then  string `json:"then,omitempty"`
}

// Event is a socket event as the lab runtime reports it (labnet.Event),
// in the page and in a native run's events file alike.
type Event struct {
	T      float64 `json:"t"`
	Stream uint32  `json:"stream"`
	Kind   string  `json:"kind"`
	Addr   string  `json:"addr,omitempty"`
	Local  string  `json:"local,omitempty"`
	Remote string  `json:"remote,omitempty"`
	N      int     `json:"n,omitempty"`
	Data   []byte  `json:"data,omitempty"`
	Code   string  `json:"code,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// Outcome is what one run of a program left behind, for checks to look at.
type Outcome struct {
	Output string  `json:"output"` // standard output and error, as the console shows them
	Exit   *int    `json:"exit"`   // the exit status; nil when the program was stopped
	Events []Event `json:"events"` // in the order they happened
}

// Result is a check's verdict on an Outcome.
type Result struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"` // what was seen instead, when not OK
}

// orderKinds are the events a "before" check may name.
var orderKinds = []string{"send", "recv", "fin-sent", "fin-recv", "close", "reset", "reset-sent"}

// checkToken is a word of a check line, or a quoted string.
type checkToken struct {
	text   string
	quoted bool
}

func tokenize(s string) ([]checkToken, error) {
	var toks []checkToken
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return toks, nil
		}
		if s[0] == '"' {
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, fmt.Errorf("the quoted text %s is never closed", clip(s))
			}
			text, err := strconv.Unquote(s[:end+1])
			if err != nil {
				return nil, fmt.Errorf("the quoted text %s has a bad escape (use \\n, \\r, \\t, \\\" or \\\\)", clip(s[:end+1]))
			}
			if !utf8.ValidString(text) {
				return nil, fmt.Errorf("the quoted text %s is not valid UTF-8: checks compare text, not raw bytes", clip(s[:end+1]))
			}
			toks = append(toks, checkToken{text, true})
			s = s[end+1:]
			if s != "" && s[0] != ' ' && s[0] != '\t' {
				return nil, fmt.Errorf("put a space after the quoted text %s", clip(strconv.Quote(text)))
			}
			continue
		}
		w, rest := nextWord(s)
		if strings.Contains(w, `"`) {
			return nil, fmt.Errorf("%q has a quote inside a word: quote the whole text", clip(w))
		}
		toks = append(toks, checkToken{w, false})
		s = rest
	}
}

// ParseCheck reads one check line; see Check for the language.
func ParseCheck(text string) (Check, error) {
	text = strings.TrimSpace(text)
	c := Check{Text: text}
	toks, err := tokenize(text)
	if err != nil {
		return c, err
	}
	p := &checkParser{toks: toks}
	if err := p.parse(&c); err != nil {
		return c, err
	}
	if p.i < len(toks) {
		return c, fmt.Errorf("%q is more than the check needs (it ends after %q)", clip(p.rest()), clip(toks[p.i-1].text))
	}
	return c, nil
}

type checkParser struct {
	toks []checkToken
	i    int
}

func (p *checkParser) rest() string {
	var words []string
	for _, t := range p.toks[p.i:] {
		if t.quoted {
			words = append(words, strconv.Quote(t.text))
		} else {
			words = append(words, t.text)
		}
	}
	return strings.Join(words, " ")
}

func (p *checkParser) peek() (checkToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return checkToken{}, false
}

// word takes the next token if it is the bare word w.
func (p *checkParser) word(w string) bool {
	if t, ok := p.peek(); ok && !t.quoted && t.text == w {
		p.i++
		return true
	}
	return false
}

func (p *checkParser) expect(what string, words ...string) error {
	for _, w := range words {
		if !p.word(w) {
			return fmt.Errorf("expected %s", what)
		}
	}
	return nil
}

func (p *checkParser) quoted(what string) (string, error) {
	t, ok := p.peek()
	if !ok || !t.quoted {
		return "", fmt.Errorf("expected %s in double quotes", what)
	}
	p.i++
	return t.text, nil
}

func (p *checkParser) number(what string) (int, error) {
	t, ok := p.peek()
	if ok && !t.quoted {
		if n, err := strconv.Atoi(t.text); err == nil && n >= 0 {
			p.i++
			return n, nil
		}
	}
	return 0, fmt.Errorf("expected %s, a whole number", what)
}

func (p *checkParser) addr() (string, error) {
	t, ok := p.peek()
	if !ok || t.quoted || !strings.Contains(t.text, ":") {
		return "", fmt.Errorf("expected an address, host:port as the program dials it (such as time.lab:37)")
	}
	p.i++
	return t.text, nil
}

func (p *checkParser) cmp() string {
	switch {
	case p.word("exactly"):
		return "exactly"
	case p.word("at"):
		if p.word("least") {
			return "at least"
		}
		if p.word("most") {
			return "at most"
		}
		p.i-- // let the number complain
	}
	return "exactly"
}

func (p *checkParser) parse(c *Check) error {
	first, ok := p.peek()
	if !ok {
		return fmt.Errorf("the check is empty")
	}
	p.i++
	switch first.text {
	case "output":
		switch {
		case p.word("contains"):
			c.Op = "output-contains"
		case p.word("lacks"):
			c.Op = "output-lacks"
		case p.word("matches"):
			c.Op = "output-matches"
		default:
			return fmt.Errorf(`after "output" write contains, lacks or matches, then the text in double quotes`)
		}
		s, err := p.quoted("the text")
		if err != nil {
			return err
		}
		c.Str = s
		if c.Op == "output-matches" {
			return checkRegexp(s)
		}
		return nil
	case "exit":
		n, err := p.number("the exit status")
		c.Op, c.N = "exit", n
		return err
	case "sent", "received":
		c.Dir = first.text
		prep := map[string]string{"sent": "to", "received": "from"}[c.Dir]
		if t, ok := p.peek(); ok && t.quoted {
			p.i++
			c.Op, c.Str = "data", t.text
		} else {
			c.Op, c.Cmp = "count", p.cmp()
			n, err := p.number("how many")
			if err != nil {
				return err
			}
			c.N = n
			switch {
			case p.word("bytes"), p.word("byte"):
				c.Unit = "bytes"
			case p.word("datagrams"), p.word("datagram"):
				c.Unit = "datagrams"
			default:
				return fmt.Errorf("expected bytes or datagrams after the number")
			}
		}
		if _, more := p.peek(); !more {
			return nil
		}
		if !p.word(prep) {
			return fmt.Errorf("expected %q and an address", prep)
		}
		peer, err := p.addr()
		c.Peer = peer
		return err
	case "accepted":
		c.Op, c.Cmp = "accepted", p.cmp()
		n, err := p.number("how many connections")
		if err != nil {
			return err
		}
		c.N = n
		if !p.word("connections") && !p.word("connection") {
			return fmt.Errorf("expected connections after the number")
		}
		return nil
	case "concurrent":
		n, err := p.number("how many connections at once")
		c.Op, c.N = "concurrent", n
		if err == nil && n < 1 {
			err = fmt.Errorf("concurrent takes a number of 1 or more")
		}
		return err
	case "listened":
		if err := p.expect(`"on port" and a number`, "on", "port"); err != nil {
			return err
		}
		n, err := p.number("the port")
		c.Op, c.N = "listened", n
		return err
	case "connected":
		if err := p.expect(`"to" and an address`, "to"); err != nil {
			return err
		}
		peer, err := p.addr()
		c.Op, c.Peer = "connected", peer
		return err
	case "refused":
		if err := p.expect(`"by" and an address`, "by"); err != nil {
			return err
		}
		peer, err := p.addr()
		c.Op, c.Peer = "refused", peer
		return err
	}
	if contains(orderKinds, first.text) && !first.quoted {
		c.Op, c.First = "order", first.text
		if !p.word("before") {
			return fmt.Errorf(`expected "before" after %s`, first.text)
		}
		p.word("first")
		t, ok := p.peek()
		if !ok || t.quoted || !contains(orderKinds, t.text) {
			return fmt.Errorf("expected an event after before: one of %s", strings.Join(orderKinds, ", "))
		}
		p.i++
		c.Then = t.text
		if _, more := p.peek(); !more {
			return nil
		}
		if err := p.expect(`"on stream to" and an address`, "on", "stream", "to"); err != nil {
			return err
		}
		peer, err := p.addr()
		c.Peer = peer
		return err
	}
	return fmt.Errorf("unknown check %q: a check starts with output, exit, sent, received, accepted, concurrent, listened, connected, refused or an event name (%s)", clip(first.text), strings.Join(orderKinds, ", "))
}

// checkRegexp accepts a regular expression that Go and JavaScript read alike.
func checkRegexp(re string) error {
	for _, bad := range []string{"(?", `\A`, `\z`, `\Z`, `\Q`, `\C`, `\p{`, `\P{`} {
		if strings.Contains(re, bad) {
			return fmt.Errorf("the regular expression %q uses %s, which JavaScript reads differently; leave it out", clip(re), bad)
		}
	}
	if _, err := regexp.Compile("(?m)" + re); err != nil {
		return fmt.Errorf("bad regular expression %q: %v", clip(re), err)
	}
	return nil
}

// Eval judges the check against one run.
func (c Check) Eval(o *Outcome) Result {
	fail := func(format string, args ...any) Result {
		return Result{Detail: fmt.Sprintf(format, args...)}
	}
	pass := Result{OK: true}
	// An event is to or from the peer when its own address is the peer's,
	// or when it belongs to a TCP stream dialed to the peer.
	dialed := map[uint32]bool{}
	for _, e := range o.Events {
		if (e.Kind == "dial" || e.Kind == "connected") && (samePeer(e.Addr, c.Peer) || samePeer(e.Remote, c.Peer)) {
			dialed[e.Stream] = true
		}
	}
	matchPeer := func(e Event) bool {
		return c.Peer == "" || samePeer(e.Addr, c.Peer) || samePeer(e.Remote, c.Peer) || dialed[e.Stream]
	}
	switch c.Op {
	case "output-contains":
		if strings.Contains(o.Output, c.Str) {
			return pass
		}
		return fail("the output does not contain %s", quote(c.Str))
	case "output-lacks":
		if !strings.Contains(o.Output, c.Str) {
			return pass
		}
		return fail("the output contains %s", quote(c.Str))
	case "output-matches":
		re, err := regexp.Compile("(?m)" + c.Str)
		if err != nil {
			return fail("bad regular expression: %v", err)
		}
		if re.MatchString(o.Output) {
			return pass
		}
		return fail("nothing in the output matches %s", quote(c.Str))
	case "exit":
		switch {
		case o.Exit == nil:
			return fail("the program did not exit: it was stopped")
		case *o.Exit != c.N:
			return fail("the program exited with status %d", *o.Exit)
		}
		return pass
	case "count":
		kinds := dirKinds(c.Dir, c.Unit)
		n := 0
		for _, e := range o.Events {
			if contains(kinds, e.Kind) && matchPeer(e) {
				if c.Unit == "bytes" {
					n += e.N
				} else {
					n++
				}
			}
		}
		if compare(n, c.Cmp, c.N) {
			return pass
		}
		return fail("%s %s %s", c.Dir, plural(n, strings.TrimSuffix(c.Unit, "s"), c.Unit), c.where())
	case "data":
		kinds := dirKinds(c.Dir, "bytes")
		var order []uint32
		data := map[uint32][]byte{}
		for _, e := range o.Events {
			if contains(kinds, e.Kind) && matchPeer(e) {
				if _, seen := data[e.Stream]; !seen {
					order = append(order, e.Stream)
				}
				data[e.Stream] = append(data[e.Stream], e.Data...)
			}
		}
		for _, s := range order {
			if bytes.Contains(data[s], []byte(c.Str)) {
				return pass
			}
		}
		if len(order) == 0 {
			return fail("no bytes were %s %s", c.Dir, c.where())
		}
		return fail("the bytes %s %s do not contain %s", c.Dir, c.where(), quote(c.Str))
	case "order":
		var streams []uint32
		tcp := map[uint32]bool{}
		peer := map[uint32]bool{}
		for _, e := range o.Events {
			if e.Kind == "connected" || e.Kind == "accept" {
				if !tcp[e.Stream] {
					streams = append(streams, e.Stream)
				}
				tcp[e.Stream] = true
			}
			if matchPeer(e) {
				peer[e.Stream] = true
			}
		}
		where := ""
		if c.Peer != "" {
			where = " to " + c.Peer
		}
		firstDetail := ""
		for _, s := range streams {
			if !peer[s] {
				continue
			}
			a, b := -1, -1
			for i, e := range o.Events {
				if e.Stream != s {
					continue
				}
				if e.Kind == c.First && a < 0 {
					a = i
				}
				if e.Kind == c.Then && b < 0 {
					b = i
				}
			}
			if a >= 0 && b >= 0 && a < b {
				return pass
			}
			if firstDetail == "" {
				switch {
				case a < 0:
					firstDetail = fmt.Sprintf("there was no %s on the stream%s", c.First, where)
				case b < 0:
					firstDetail = fmt.Sprintf("there was no %s on the stream%s", c.Then, where)
				default:
					firstDetail = fmt.Sprintf("the first %s came before the first %s on the stream%s", c.Then, c.First, where)
				}
			}
		}
		if firstDetail == "" {
			return fail("no TCP stream%s was seen", where)
		}
		return fail("%s", firstDetail)
	case "accepted":
		n := 0
		for _, e := range o.Events {
			if e.Kind == "accept" {
				n++
			}
		}
		if compare(n, c.Cmp, c.N) {
			return pass
		}
		return fail("accepted %s", plural(n, "connection", "connections"))
	case "concurrent":
		accepted := map[uint32]bool{}
		answered := map[uint32]bool{}
		active, most := 0, 0
		for _, e := range o.Events {
			switch e.Kind {
			case "accept":
				accepted[e.Stream] = true
			case "send":
				if accepted[e.Stream] && !answered[e.Stream] {
					answered[e.Stream] = true
					active++
					most = max(most, active)
				}
			case "close", "reset", "reset-sent":
				if answered[e.Stream] && accepted[e.Stream] {
					accepted[e.Stream] = false
					active--
				}
			}
		}
		switch {
		case most >= c.N:
			return pass
		case most == 0:
			return fail("no accepted connection was answered")
		case most == 1:
			return fail("at most 1 connection was answered at a time")
		}
		return fail("at most %d connections were answered at once", most)
	case "listened":
		var where []string
		for _, e := range o.Events {
			switch {
			case e.Kind == "listen":
				if i := strings.LastIndexByte(e.Local, ':'); i >= 0 && e.Local[i+1:] == strconv.Itoa(c.N) {
					return pass
				}
				where = append(where, e.Local)
			case e.Kind == "error" && e.Addr == "listen":
				return fail("listening failed: %s", firstNonEmpty(e.Error, e.Code))
			}
		}
		if len(where) == 0 {
			return fail("the program did not listen")
		}
		return fail("the program listened on %s", strings.Join(where, ", "))
	case "connected", "refused":
		failure := ""
		for _, e := range o.Events {
			if !matchPeer(e) {
				continue
			}
			if c.Op == "connected" && e.Kind == "connected" {
				return pass
			}
			if e.Kind == "error" {
				if c.Op == "refused" && e.Code == "connection refused" {
					return pass
				}
				if failure == "" {
					failure = firstNonEmpty(e.Code, e.Error)
				}
			}
		}
		if c.Op == "connected" {
			if failure != "" {
				return fail("the connection to %s failed: %s", c.Peer, failure)
			}
			return fail("no connection to %s was made", c.Peer)
		}
		if failure != "" {
			return fail("the connection to %s failed otherwise: %s", c.Peer, failure)
		}
		return fail("no connection to %s was refused", c.Peer)
	}
	return fail("unknown check %q", c.Op)
}

// where says which peer a count or data check looked at.
func (c Check) where() string {
	switch {
	case c.Peer == "":
		return "in all"
	case c.Dir == "sent":
		return "to " + c.Peer
	}
	return "from " + c.Peer
}

// samePeer reports whether addr is the address a check names: the same
// text, or for localhost:PORT, the loopback address with that port.
func samePeer(addr, want string) bool {
	if addr == "" {
		return false
	}
	if addr == want {
		return true
	}
	port, ok := strings.CutPrefix(want, "localhost:")
	return ok && (addr == "127.0.0.1:"+port || addr == "[::1]:"+port)
}

func dirKinds(dir, unit string) []string {
	switch {
	case dir == "sent" && unit == "datagrams":
		return []string{"sendto"}
	case dir == "sent":
		return []string{"send", "sendto"}
	case unit == "datagrams":
		return []string{"recvfrom"}
	}
	return []string{"recv", "recvfrom"}
}

func compare(n int, cmp string, want int) bool {
	switch cmp {
	case "at least":
		return n >= want
	case "at most":
		return n <= want
	}
	return n == want
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// quote writes s as JSON.stringify does in the page, so details read the
// same in Go and in JavaScript.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// Evaluate runs every check against o.
func Evaluate(checks []Check, o *Outcome) []Result {
	out := make([]Result, len(checks))
	for i, c := range checks {
		out[i] = c.Eval(o)
	}
	return out
}
