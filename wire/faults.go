package wire

import "strings"

// WithFaults adds a program's faults spec (package gateway/faults; "" for none) to the
// gateway's URL as its "faults" query parameter, which the gateway checks when the session
// opens. The Go runtime does this from SOCKETLAB_FAULTS; the runner does it for Python
// programs, whose module takes the URL as it is.
func WithFaults(url, spec string) string {
	if url == "" || spec == "" {
		return url
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "faults=" + queryEscape(spec)
}

// queryEscape escapes s for a query value: what is not a letter, digit or one of -._~,= is
// written as %XX. (Not net/url: the runtime linked into every program stays small.)
func queryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~,=", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
