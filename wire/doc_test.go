package wire

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestProtocolDocExamples decodes every example frame in docs/protocol.md, so the document
// and the code cannot drift apart.
func TestProtocolDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	want := []Type{Hello, Hello, Lookup, Answer, Connect, Connected, Data, Fin, Close}
	var got []Type
	for _, line := range strings.Split(string(doc), "\n") {
		_, rest, ok := strings.Cut(line, "→ ")
		if !ok || !(strings.HasPrefix(line, "program") || strings.HasPrefix(line, "gateway")) {
			continue
		}
		_, rest, _ = strings.Cut(rest, " ") // "gateway " or "program "
		var raw []byte
		for _, tok := range strings.Fields(rest) {
			b, err := hex.DecodeString(tok)
			if err != nil {
				break // the description starts
			}
			raw = append(raw, b...)
		}
		f, err := Decode(raw)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		got = append(got, f.Type)
		var m interface{ Unmarshal([]byte) error }
		switch f.Type {
		case Hello:
			m = &HelloMsg{}
		case Lookup:
			m = &LookupMsg{}
		case Answer:
			m = &AnswerMsg{}
		case Connect:
			m = &ConnectMsg{}
		case Connected:
			m = &ConnectedMsg{}
		case Close:
			m = &CloseMsg{}
		}
		if m != nil {
			if err := m.Unmarshal(f.Payload); err != nil {
				t.Errorf("%q: %v", line, err)
			}
		}
	}
	if strings.Join(typeNames(got), " ") != strings.Join(typeNames(want), " ") {
		t.Errorf("the document's example has frames %v, want %v", got, want)
	}
}

func typeNames(ts []Type) []string {
	var s []string
	for _, t := range ts {
		s = append(s, t.String())
	}
	return s
}
