package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"socketlab/event"
	"socketlab/gateway/faults"
)

// Outcome is what one run of a program left behind, for checks to look at.
type Outcome struct {
	Output string        `json:"output"` // standard output and error, as the console shows them
	Exit   *int          `json:"exit"`   // the exit status; nil when the program was stopped or failed
	Events []event.Event `json:"events"` // in the order they happened
	// State is how the page saw the run end: "error" when the program
	// crashed or could not start, so that an exit check says so rather
	// than "stopped". Empty for a native run.
	State string `json:"state,omitempty"`
}

// Result is a check's verdict on an Outcome.
type Result struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"` // what was seen instead, when not OK
}

var pass = Result{OK: true}

func fail(format string, args ...any) Result {
	return Result{Detail: fmt.Sprintf(format, args...)}
}

// Evaluate runs every check against o.
func Evaluate(checks []Check, o *Outcome) []Result {
	out := make([]Result, len(checks))
	for i, c := range checks {
		out[i] = c.Eval(o)
	}
	return out
}

// Eval judges the check against one run.
func (c Check) Eval(o *Outcome) Result {
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
		return c.evalMatches(o)
	case "exit":
		return c.evalExit(o)
	case "count":
		return c.evalCount(o)
	case "data":
		return c.evalData(o)
	case "order":
		return c.evalOrder(o)
	case "accepted":
		return c.evalAccepted(o)
	case "concurrent":
		return c.evalConcurrent(o)
	case "listened":
		return c.evalListened(o)
	case "connected", "refused":
		return c.evalPeer(o)
	case "faults":
		return c.evalFaults(o)
	}
	return fail("unknown check %q", c.Op)
}

// evalFaults finds the run's faults (its faults event) and says whether they cover the
// check's.
func (c Check) evalFaults(o *Outcome) Result {
	want, err := faults.Parse(c.Str)
	if err != nil {
		return fail("bad faults: %v", err)
	}
	for _, e := range o.Events {
		if e.Kind != event.Faults {
			continue
		}
		if had, err := faults.Parse(e.Text); err == nil && had.Covers(want) {
			return pass
		}
		return fail("the run had the faults %s, not %s: put %s in the Faults field and run it again", e.Text, c.Str, c.Str)
	}
	return fail("the run had no faults: put %s in the Faults field and run it again", c.Str)
}

// peerMatcher says whether an event is to or from the check's peer: its own
// address is the peer's, or it belongs to a TCP stream dialed to the peer.
// Without a peer every event matches.
func (c Check) peerMatcher(o *Outcome) func(event.Event) bool {
	dialed := map[uint32]bool{}
	for _, e := range o.Events {
		if (e.Kind == event.Dial || e.Kind == event.Connected) && (samePeer(e.Addr, c.Peer) || samePeer(e.Remote, c.Peer)) {
			dialed[e.Stream] = true
		}
	}
	return func(e event.Event) bool {
		return c.Peer == "" || samePeer(e.Addr, c.Peer) || samePeer(e.Remote, c.Peer) || dialed[e.Stream]
	}
}

func (c Check) evalMatches(o *Outcome) Result {
	re, err := regexp.Compile("(?m)" + c.Str)
	if err != nil {
		return fail("bad regular expression: %v", err)
	}
	if re.MatchString(o.Output) {
		return pass
	}
	if c.Words != "" {
		return fail("the output does not show %s", c.Words)
	}
	return fail("nothing in the output matches %s", quote(c.Str))
}

func (c Check) evalExit(o *Outcome) Result {
	switch {
	case o.Exit == nil && o.State == "error":
		return fail("the program failed before it could exit: the console says why")
	case o.Exit == nil:
		return fail("the program did not exit: it was stopped")
	case *o.Exit != c.N:
		return fail("the program exited with status %d", *o.Exit)
	}
	return pass
}

func (c Check) evalCount(o *Outcome) Result {
	kinds := dirKinds(c.Dir, c.Unit)
	matchPeer := c.peerMatcher(o)
	n := 0
	for _, e := range o.Events {
		if slices.Contains(kinds, e.Kind) && matchPeer(e) {
			if c.Unit == "bytes" {
				n = addBytes(n, e)
			} else {
				n++
			}
		}
	}
	if compare(n, c.Cmp, c.N) {
		return pass
	}
	return fail("%s %s %s", c.Dir, plural(n, strings.TrimSuffix(c.Unit, "s"), c.Unit), c.where())
}

// addBytes adds an event's byte count to n. N is the run's claim: it counts as
// no less than the bytes the event carries, never below zero, and the sum stops
// at 1<<40 rather than wrap around.
func addBytes(n int, e event.Event) int {
	const most = 1 << 40
	return min(n+min(max(e.N, len(e.Data)), most), most)
}

func (c Check) evalData(o *Outcome) Result {
	kinds := dirKinds(c.Dir, "bytes")
	matchPeer := c.peerMatcher(o)
	var order []uint32
	data := map[uint32][]byte{}
	for _, e := range o.Events {
		if slices.Contains(kinds, e.Kind) && matchPeer(e) {
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
}

func (c Check) evalOrder(o *Outcome) Result {
	matchPeer := c.peerMatcher(o)
	var streams []uint32
	tcp := map[uint32]bool{}
	peer := map[uint32]bool{}
	for _, e := range o.Events {
		if (e.Kind == event.Connected || e.Kind == event.Accept) && !tcp[e.Stream] {
			streams = append(streams, e.Stream)
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
		ok, detail := c.streamOrder(o.Events, s, where)
		if ok {
			return pass
		}
		if firstDetail == "" {
			firstDetail = detail
		}
	}
	if firstDetail == "" {
		return fail("no TCP stream%s was seen", where)
	}
	return fail("%s", firstDetail)
}

// streamOrder says whether on stream s the first c.First came before the
// first c.Then, and if not, why.
func (c Check) streamOrder(events []event.Event, s uint32, where string) (bool, string) {
	a, b := -1, -1
	for i, e := range events {
		if e.Stream != s {
			continue
		}
		if e.Kind == event.Kind(c.First) && a < 0 {
			a = i
		}
		if e.Kind == event.Kind(c.Then) && b < 0 {
			b = i
		}
	}
	switch {
	case a >= 0 && b >= 0 && a < b:
		return true, ""
	case a < 0:
		return false, fmt.Sprintf("there was no %s on the stream%s", c.First, where)
	case b < 0:
		return false, fmt.Sprintf("there was no %s on the stream%s", c.Then, where)
	}
	return false, fmt.Sprintf("the first %s came before the first %s on the stream%s", c.Then, c.First, where)
}

func (c Check) evalAccepted(o *Outcome) Result {
	n := 0
	for _, e := range o.Events {
		if e.Kind == event.Accept {
			n++
		}
	}
	if compare(n, c.Cmp, c.N) {
		return pass
	}
	return fail("accepted %s", plural(n, "connection", "connections"))
}

func (c Check) evalConcurrent(o *Outcome) Result {
	accepted := map[uint32]bool{}
	answered := map[uint32]bool{}
	active, most := 0, 0
	for _, e := range o.Events {
		switch e.Kind {
		case event.Accept:
			accepted[e.Stream] = true
		case event.Send:
			if accepted[e.Stream] && !answered[e.Stream] {
				answered[e.Stream] = true
				active++
				most = max(most, active)
			}
		case event.Close, event.Reset, event.ResetSent:
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
}

func (c Check) evalListened(o *Outcome) Result {
	var where []string
	for _, e := range o.Events {
		switch {
		case e.Kind == event.Listen:
			if i := strings.LastIndexByte(e.Local, ':'); i >= 0 && e.Local[i+1:] == strconv.Itoa(c.N) {
				return pass
			}
			where = append(where, e.Local)
		case e.Kind == event.Error && e.Addr == "listen":
			return fail("listening failed: %s", firstNonEmpty(e.Error, e.Code))
		}
	}
	if len(where) == 0 {
		return fail("the program did not listen")
	}
	return fail("the program listened on %s", strings.Join(where, ", "))
}

// evalPeer judges "connected to ADDR" and "refused by ADDR".
func (c Check) evalPeer(o *Outcome) Result {
	matchPeer := c.peerMatcher(o)
	failure := ""
	for _, e := range o.Events {
		if !matchPeer(e) {
			continue
		}
		if c.Op == "connected" && e.Kind == event.Connected {
			return pass
		}
		if e.Kind == event.Error {
			if c.Op == "refused" && e.Code == "connection refused" {
				return pass
			}
			if failure == "" {
				failure = firstNonEmpty(e.Code, e.Error)
			}
		}
	}
	switch {
	case c.Op == "connected" && failure != "":
		return fail("the connection to %s failed: %s", c.Peer, failure)
	case c.Op == "connected":
		return fail("no connection to %s was made", c.Peer)
	case failure != "":
		return fail("the connection to %s failed otherwise: %s", c.Peer, failure)
	}
	return fail("no connection to %s was refused", c.Peer)
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

func dirKinds(dir, unit string) []event.Kind {
	switch {
	case dir == "sent" && unit == "datagrams":
		return []event.Kind{event.SendTo}
	case dir == "sent":
		return []event.Kind{event.Send, event.SendTo}
	case unit == "datagrams":
		return []event.Kind{event.RecvFrom}
	}
	return []event.Kind{event.Recv, event.RecvFrom}
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

// quote writes s as JSON, the way details have always read in the page.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
