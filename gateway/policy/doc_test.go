package policy

import (
	"context"
	"net"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The operator's guide is tested against the code it describes.
const securityDoc = "../../docs/security.md"

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatalf("read the operator's guide: %v", err)
	}
	return string(b)
}

// docSection returns the text under a heading, up to the next heading of the same or a
// higher level.
func docSection(t *testing.T, doc, heading string) string {
	t.Helper()
	level := strings.Index(heading, " ")
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", securityDoc, heading)
	}
	for i := 0; i < len(rest); {
		line, _, _ := strings.Cut(rest[i:], "\n")
		if n := len(line) - len(strings.TrimLeft(line, "#")); n > 0 && n <= level && strings.HasPrefix(line[n:], " ") {
			return rest[:i]
		}
		i += len(line) + 1
	}
	return rest
}

// tableRows returns the cells of every row of the Markdown tables in text, header and
// separator rows left out.
func tableRows(text string) [][]string {
	var rows [][]string
	header := true
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			header = true
			continue
		}
		if header || strings.HasPrefix(line, "|---") {
			header = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

// allowFlag finds --allow and its value, quoted as a shell would need it or bare.
var allowFlag = regexp.MustCompile("--allow\\s+(?:'([^']*)'|\"([^\"]*)\"|([^\\s`'\"|]+))")

func allowValues(text string) []string {
	var out []string
	for _, m := range allowFlag.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1]+m[2]+m[3])
	}
	return out
}

// TestDocAllowExamples parses every --allow example in the guide.
func TestDocAllowExamples(t *testing.T) {
	values := allowValues(readDoc(t))
	if len(values) < 15 {
		t.Fatalf("found %d --allow examples in %s, expected at least 15: %q", len(values), securityDoc, values)
	}
	for _, v := range values {
		var f Flag
		if err := f.Set(v); err != nil {
			t.Errorf("%s: --allow %s: %v", securityDoc, v, err)
		}
	}
}

var prefixInDoc = regexp.MustCompile(`[0-9a-f:.]+/[0-9]+`)

// TestDocBlockedTable checks that the guide's table of blocked ranges lists exactly the
// ranges in the code, in the same words.
func TestDocBlockedTable(t *testing.T) {
	section := docSection(t, readDoc(t), "### What stays blocked")
	inDoc := map[netip.Prefix]string{}
	for _, row := range tableRows(section) {
		for _, s := range prefixInDoc.FindAllString(row[0], -1) {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				t.Errorf("%s: %q in the blocked table is not a prefix: %v", securityDoc, s, err)
				continue
			}
			inDoc[p] = row[1]
		}
	}
	for _, s := range specials {
		what, ok := inDoc[s.prefix]
		if !ok {
			t.Errorf("%s does not list %v (%s)", securityDoc, s.prefix, s.what)
			continue
		}
		if !strings.HasPrefix(what, s.what) {
			t.Errorf("%s calls %v %q; the gateway says %q", securityDoc, s.prefix, what, s.what)
		}
		delete(inDoc, s.prefix)
	}
	for p := range inDoc {
		t.Errorf("%s lists %v, which the code does not block", securityDoc, p)
	}
}

// TestDocReasons replays the guide's table of refusals and checks each reason word for word.
func TestDocReasons(t *testing.T) {
	rows := tableRows(docSection(t, readDoc(t), "### What the learner sees"))
	if len(rows) < 4 {
		t.Fatalf("found %d example refusals in %s", len(rows), securityDoc)
	}
	for _, row := range rows {
		dest, rules, want := strings.Trim(row[0], "`"), allowValues(row[1]), strings.Trim(row[2], "`")
		hostport, proto, _ := strings.Cut(dest, "/")
		host, portStr, err := net.SplitHostPort(hostport)
		port, perr := strconv.Atoi(portStr)
		if err != nil || perr != nil {
			t.Errorf("%s: cannot read the destination %q", securityDoc, dest)
			continue
		}
		p := newTestPolicy(t, rules, newDNS(t))
		d, err := p.Decide(context.Background(), proto, host, port)
		if err != nil || d.Allowed || d.Reason != want {
			t.Errorf("%s with %q:\n got %+v, %v\nwant %q", dest, rules, d, err, want)
		}
	}
}

// TestDocSpellings checks the guide's table of unusual spellings.
func TestDocSpellings(t *testing.T) {
	rows := tableRows(docSection(t, readDoc(t), "### Unusual address spellings"))
	if len(rows) < 4 {
		t.Fatalf("found %d spellings in %s", len(rows), securityDoc)
	}
	for _, row := range rows {
		written := strings.Trim(row[0], "`")
		want := strings.Fields(row[1])[0]
		_, addr, err := ParseHost(written)
		if err != nil || addr.String() != want {
			t.Errorf("%s says %s reads as %s; ParseHost gives %v, %v", securityDoc, written, want, addr, err)
		}
	}
	if !slices.ContainsFunc(rows, func(r []string) bool { return strings.Contains(r[0], "2130706433") }) {
		t.Errorf("%s lost its decimal example", securityDoc)
	}
}
