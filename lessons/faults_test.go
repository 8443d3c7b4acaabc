package lessons

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestFaultsAttribute: a cell's faults= is the spec its runs go under (an output block's own
// faults= and an exercise's faults: line override it), kept in canonical form, shown in the
// cell's Faults field and in the expected output's summary; a bad spec is a load error that
// says what to write.
func TestFaultsAttribute(t *testing.T) {
	src := lesson("A one-read client.\n\n" +
		"```go run id=client faults=\"delay=10ms, segment=1\"\nfunc main() {}\n```\n\n" +
		"```output\nread 1\n```\n\n" +
		"```output faults=\"\"\nread 4\n```\n\n" +
		"```output faults=loss=0.5\nread 4\n```\n\n" +
		"```exercise\ntitle: Read it all\ncheck: exit 0\n```\n\n" +
		"```exercise\ntitle: Under loss\nfaults: loss=0.3,seed=7\ncheck: exit 0\n```\n")
	ls, err := Load(fstest.MapFS{"a.md": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	c := l.Cells[0]
	if c.Faults != "segment=1,delay=10ms" {
		t.Errorf("cell faults %q, want the canonical segment=1,delay=10ms", c.Faults)
	}
	var runs []string
	for _, r := range c.Runs {
		runs = append(runs, r.Faults)
	}
	if strings.Join(runs, "|") != "segment=1,delay=10ms||loss=0.5" {
		t.Errorf("the runs' faults %q, want the cell's, none, then loss=0.5", runs)
	}
	if l.Exercises[0].Faults != c.Faults || l.Exercises[1].Faults != "loss=0.3,seed=7" {
		t.Errorf("exercise faults %q and %q, want the cell's and loss=0.3,seed=7", l.Exercises[0].Faults, l.Exercises[1].Faults)
	}
	html := string(l.HTML)
	for _, want := range []string{
		`<input class="faults" value="segment=1,delay=10ms"`,
		`(under the faults <code>segment=1,delay=10ms</code>)`,
		`(on a clean network)`,
		`(under the faults <code>loss=0.5</code>)`,
		`, under the faults <code>loss=0.3,seed=7</code>.`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page does not hold %s", want)
		}
	}

	for name, body := range map[string]string{
		"cell":     "```go run faults=loss=1.5\nfunc main() {}\n```\n",
		"output":   "```go run\nfunc main() {}\n```\n\n```output faults=jitter=1\nx\n```\n",
		"exercise": "```go run\nfunc main() {}\n```\n\n```exercise\ntitle: X\nfaults: segment=0\ncheck: exit 0\n```\n",
	} {
		_, err := Load(fstest.MapFS{"a.md": {Data: []byte(lesson(body))}})
		want := map[string]string{
			"cell":     "loss=1.5: a probability between 0 and 1, such as loss=0.3",
			"output":   `"jitter" is not a fault`,
			"exercise": "faults: segment=0: a whole number of at least 1",
		}[name]
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s with bad faults: err = %v, want one containing %q", name, err, want)
		}
	}
}
