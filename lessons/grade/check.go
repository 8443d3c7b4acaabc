package grade

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"socketlab/event"
	"socketlab/gateway/faults"
)

// A Check is one condition of an exercise, read from a "check:" line. It
// looks at one run of a program: what it printed, its exit status and the
// socket events it caused. The page asks the gateway to judge a run
// (Handler); nothing else evaluates checks.
//
// The language, one check a line (ADDR is host:port as the program wrote
// it, such as time.lab:37 or localhost:8037; N is a whole number; CMP is
// "exactly", "at least" or "at most", and may be left out for "exactly"):
//
//	output contains "TEXT"            the output holds TEXT
//	output lacks "TEXT"               the output does not hold TEXT
//	output matches "REGEXP" (WORDS)   the regular expression matches somewhere (^ and $ match at lines);
//	                                  WORDS say for the learner what it wants (see words.go)
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
//	under faults SPEC                 the run had the lab's faults SPEC (package gateway/faults), or harsher;
//	                                  an exercise with faults gets this check by itself
//
// TEXT and REGEXP are written in double quotes with Go's escapes (\n, \r,
// \t, \", \\). A REGEXP must mean the same to Go and to JavaScript: no
// (?flags) groups, no \A or \z.
type Check struct {
	Text  string `json:"text"` // as written in the lesson
	Says  string `json:"says"` // what it wants, in plain words for the learner (see words.go)
	Words string `json:"words,omitempty"`
	Op    string `json:"op"` // output-contains, output-lacks, output-matches, exit, count, data, order, accepted, concurrent, listened, connected, refused, faults
	Str   string `json:"str,omitempty"`
	N     int    `json:"n,omitempty"`
	Cmp   string `json:"cmp,omitempty"`  // exactly, at least, at most
	Dir   string `json:"dir,omitempty"`  // sent, received
	Unit  string `json:"unit,omitempty"` // bytes, datagrams
	Peer  string `json:"peer,omitempty"`
	First string `json:"first,omitempty"`
	Then  string `json:"then,omitempty"`
}

// orderKinds are the events a "before" check may name.
var orderKinds = []event.Kind{event.Send, event.Recv, event.FinSent, event.FinRecv, event.Close, event.Reset, event.ResetSent}

// orderKindList names orderKinds for messages: "send, recv, ...".
func orderKindList() string {
	names := make([]string, len(orderKinds))
	for i, k := range orderKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

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
	check, words, err := splitWords(text)
	if err != nil {
		return c, err
	}
	toks, err := tokenize(check)
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
	if words != "" && c.Op != "output-matches" {
		return c, fmt.Errorf("only output matches takes words in parentheses (what its pattern wants); this check says itself in words")
	}
	c.Words = words
	c.Says = c.describe()
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
		return p.output(c)
	case "exit":
		n, err := p.number("the exit status")
		c.Op, c.N = "exit", n
		return err
	case "sent", "received":
		return p.traffic(c, first.text)
	case "accepted":
		return p.accepted(c)
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
		return p.peerCheck(c, "connected", "to")
	case "refused":
		return p.peerCheck(c, "refused", "by")
	case "under":
		return p.faults(c)
	}
	if slices.Contains(orderKinds, event.Kind(first.text)) && !first.quoted {
		return p.order(c, first.text)
	}
	return fmt.Errorf("unknown check %q: a check starts with output, exit, sent, received, accepted, concurrent, listened, connected, refused, under or an event name (%s)", clip(first.text), orderKindList())
}

// output reads the rest of "output contains|lacks|matches TEXT".
func (p *checkParser) output(c *Check) error {
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
}

// traffic reads the rest of "sent|received CMP N bytes|datagrams [to|from ADDR]"
// and of "sent|received TEXT [to|from ADDR]".
func (p *checkParser) traffic(c *Check, dir string) error {
	c.Dir = dir
	prep := map[string]string{"sent": "to", "received": "from"}[c.Dir]
	if t, ok := p.peek(); ok && t.quoted {
		p.i++
		c.Op, c.Str = "data", t.text
	} else if err := p.count(c); err != nil {
		return err
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
}

// count reads "CMP N bytes|datagrams".
func (p *checkParser) count(c *Check) error {
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
	return nil
}

// accepted reads the rest of "accepted CMP N connections".
func (p *checkParser) accepted(c *Check) error {
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
}

// peerCheck reads the rest of "connected to ADDR" and "refused by ADDR".
func (p *checkParser) peerCheck(c *Check, op, prep string) error {
	if err := p.expect(strconv.Quote(prep)+" and an address", prep); err != nil {
		return err
	}
	peer, err := p.addr()
	c.Op, c.Peer = op, peer
	return err
}

// order reads the rest of "KIND before [first] KIND [on stream to ADDR]".
func (p *checkParser) order(c *Check, first string) error {
	c.Op, c.First = "order", first
	if !p.word("before") {
		return fmt.Errorf(`expected "before" after %s`, first)
	}
	p.word("first")
	t, ok := p.peek()
	if !ok || t.quoted || !slices.Contains(orderKinds, event.Kind(t.text)) {
		return fmt.Errorf("expected an event after before: one of %s", orderKindList())
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

// nextWord returns the first space-separated word of s and what follows it.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// clip shortens s for quoting in an error message.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// faults reads the rest of "under faults SPEC".
func (p *checkParser) faults(c *Check) error {
	if err := p.expect(`"faults" and the lab's faults, such as segment=1`, "faults"); err != nil {
		return err
	}
	t, ok := p.peek()
	if !ok || t.quoted {
		return fmt.Errorf(`under faults takes the lab's faults, such as segment=1 or loss=0.5,seed=8`)
	}
	p.i++
	sp, err := faults.Parse(t.text)
	if err != nil {
		return err
	}
	c.Op, c.Str = "faults", sp.String()
	return nil
}

// FaultsCheck is the check that a run had the lab's faults sp: an exercise that runs under
// faults has it, so that a run without them (the Faults field left empty) does not pass.
func FaultsCheck(sp faults.Spec) Check {
	c, err := ParseCheck("under faults " + sp.String())
	if err != nil {
		panic("grade: a canonical spec does not parse: " + err.Error())
	}
	return c
}
