package grade

import (
	"fmt"
	"strings"
)

// A check line may end with words in parentheses, after the check itself: what an "output
// matches" check wants, said for people, since a regular expression says it only to those
// who read them:
//
//	output matches "^([0-9a-f]{2} ){3}[0-9a-f]{2}$" (a line of four bytes in hex, like "ec c2 0a 80")
//
// The page shows "the output shows a line of four bytes in hex, ..." and keeps the pattern
// behind a detail. Every other check is put in words without help (Check.Says).

// splitWords cuts the words in parentheses off the end of a check line: the first "(" outside
// quoted text starts them and the line's last character must close them.
func splitWords(text string) (check, words string, err error) {
	inQuote := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '(':
			if !strings.HasSuffix(text, ")") {
				return "", "", fmt.Errorf("the words in parentheses %q must end the check line, closed with )", clip(text[i:]))
			}
			words = strings.TrimSpace(text[i+1 : len(text)-1])
			if words == "" {
				return "", "", fmt.Errorf("the parentheses after the check are empty: say in words what the check wants, or leave them out")
			}
			return strings.TrimSpace(text[:i]), words, nil
		}
	}
	return text, "", nil
}

// kindWords words what the program does for an event kind, for "KIND before KIND" checks.
var kindWords = map[string]string{
	"send":       "sends data",
	"recv":       "receives data",
	"fin-sent":   "finishes sending (a FIN, with CloseWrite)",
	"fin-recv":   "hears the other side finish sending (its FIN)",
	"close":      "closes the connection",
	"reset":      "has the connection reset by the other side",
	"reset-sent": "resets the connection",
}

// describe says in plain words what the check wants, for the learner.
func (c Check) describe() string {
	switch c.Op {
	case "output-contains":
		return "the output contains " + quote(c.Str)
	case "output-lacks":
		return "the output does not contain " + quote(c.Str)
	case "output-matches":
		if c.Words != "" {
			return "the output shows " + c.Words
		}
		return "a line of the output matches the pattern " + quote(c.Str)
	case "exit":
		if c.N == 0 {
			return "the program ends without an error (exit status 0)"
		}
		return fmt.Sprintf("the program ends with exit status %d", c.N)
	case "count":
		unit := strings.TrimSuffix(c.Unit, "s")
		return fmt.Sprintf("the program %s %s %s%s", c.verb(), c.Cmp, plural(c.N, unit, c.Unit), c.toPeer())
	case "data":
		return fmt.Sprintf("the program %s %s%s", c.verb(), quote(c.Str), c.toPeer())
	case "order":
		s := fmt.Sprintf("the program first %s, and only then %s", kindWords[c.First], kindWords[c.Then])
		if c.Peer != "" {
			s += ", on the connection to " + c.Peer
		}
		return s
	case "faults":
		return "the program runs under the lab's faults " + c.Str + " (the Faults field)"
	case "accepted":
		return fmt.Sprintf("the program accepts %s %s", c.Cmp, plural(c.N, "connection", "connections"))
	case "concurrent":
		if c.N == 1 {
			return "the program serves a connection"
		}
		return fmt.Sprintf("the program serves %d connections at the same time", c.N)
	case "listened":
		return fmt.Sprintf("the program listens on port %d", c.N)
	case "connected":
		return "the program connects to " + c.Peer
	case "refused":
		return "a connection to " + c.Peer + " is refused"
	}
	return c.Text
}

// verb is "sends" or "receives".
func (c Check) verb() string {
	if c.Dir == "sent" {
		return "sends"
	}
	return "receives"
}

// toPeer is " to ADDR", " from ADDR" or "".
func (c Check) toPeer() string {
	switch {
	case c.Peer == "":
		return ""
	case c.Dir == "sent":
		return " to " + c.Peer
	}
	return " from " + c.Peer
}
