package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityDocFlags checks that every flag docs/security.md names exists, so the document
// cannot promise a knob the command does not have.
func TestSecurityDocFlags(t *testing.T) {
	doc, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	var usage bytes.Buffer
	if status := Main([]string{"-h"}, func(string) string { return "" }, strings.NewReader(""), &usage, &usage); status != 0 {
		t.Fatalf("socketlab -h exited %d", status)
	}
	have := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z-]*)`).FindAllStringSubmatch(usage.String(), -1) {
		have[m[1]] = true
	}
	named := regexp.MustCompile("`[^`]*--([a-z][a-z-]+)").FindAllSubmatch(doc, -1)
	named = append(named, regexp.MustCompile(`\(--([a-z][a-z-]+)\)`).FindAllSubmatch(doc, -1)...)
	if len(named) < 15 {
		t.Fatalf("found only %d flag mentions in docs/security.md; is the pattern still right?", len(named))
	}
	for _, m := range named {
		if name := string(m[1]); !have[name] {
			t.Errorf("docs/security.md names --%s, which socketlab does not have", name)
		}
	}
	// And the other way: every flag that bounds or opens something is in the doc, so that its
	// table of limits stays whole. These say how to run, not what to allow.
	notLimits := map[string]bool{"lab-ports": true, "log-format": true, "quiet": true}
	for name := range have {
		if !notLimits[name] && !bytes.Contains(doc, []byte("--"+name)) {
			t.Errorf("socketlab has --%s, which docs/security.md does not name: add it to the table of limits", name)
		}
	}
}
