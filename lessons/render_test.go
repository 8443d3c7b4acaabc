package lessons

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"socketlab/lessons/grade"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html from the current renderer")

// TestGolden renders each testdata/*.md and compares the body HTML with
// testdata/SLUG.golden.html. Run with -update after an intended change and
// review the diff.
func TestGolden(t *testing.T) {
	ls, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) == 0 {
		t.Fatal("no lessons in testdata")
	}
	for _, l := range ls {
		t.Run(l.Slug, func(t *testing.T) {
			golden := filepath.Join("testdata", l.Slug+".golden.html")
			if *update {
				if err := os.WriteFile(golden, []byte(l.HTML), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(l.HTML) != string(want) {
				t.Errorf("rendered HTML differs from %s (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", golden, l.HTML, want)
			}
		})
	}
}

func TestLoadTestdata(t *testing.T) {
	ls, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		slug, title, summary string
		order                int
		cells                []Cell
	}{
		{"basic", "A small lesson", "One runnable cell and one plain block.", 1, []Cell{{
			ID: "basic-1", Lesson: "basic", Index: 1, Line: 11, Lang: "go",
			Args:   []string{"-p", "37"},
			Source: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, lab\")\n}\n",
		}}},
		{"escaping", "Escaping <and> & quotes", "Markup in text, code and attributes stays text.", 2, []Cell{{
			ID: "escaping-client", Lesson: "escaping", Index: 1, Line: 18, Lang: "go",
			Args:   []string{"-m", "hello world", "-x"},
			Source: "\npackage main\n\nfunc main() { println(\"</textarea><script>\") }\n",
		}}},
	}
	if len(ls) != len(want) {
		t.Fatalf("got %d lessons, want %d", len(ls), len(want))
	}
	for i, w := range want {
		l := ls[i]
		if l.Slug != w.slug || l.Title != w.title || l.Summary != w.summary || l.Order != w.order {
			t.Errorf("lesson %d = {%q %q %q %d}, want {%q %q %q %d}", i, l.Slug, l.Title, l.Summary, l.Order, w.slug, w.title, w.summary, w.order)
		}
		if !reflect.DeepEqual(l.Cells, w.cells) {
			t.Errorf("%s cells:\n got %#v\nwant %#v", l.Slug, l.Cells, w.cells)
		}
	}
}

// TestRenderedMarkup checks the properties the goldens show, so that an
// -update cannot quietly accept a regression in escaping.
func TestRenderedMarkup(t *testing.T) {
	ls, err := Load(os.DirFS("testdata"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(ls[0].HTML) + string(ls[1].HTML)
	for _, must := range []string{
		`<section class="cell" id="cell-basic-1" data-cell="basic-1">`,
		`<div class="gutter" aria-hidden="true"><div class="line">1</div>`,
		`<div class="line">7</div></div>`, // seven lines, the last newline not counted
		`<input class="args" value="-p 37">`,
		`<input class="args" value="-m &#34;hello world&#34; -x">`,
		`<textarea class="code" spellcheck="false" aria-label="Go code">` + "\n\npackage main", // blank first line kept
		`println(&#34;&lt;/textarea&gt;&lt;script&gt;&#34;)`,
		`<span class="hl-kw">var</span>`,
		`<span class="hl-com">// 37 is the port</span>`,
		`<span class="hl-str">&#34;time.lab:37&#34;</span>`,
		`<span class="hl-pre">len</span>`,
		`<pre><code class="language-sh">$ echo &#34;&lt;tag&gt;&#34; &amp; echo &#39;done&#39;`,
		`<pre><code>no language at all`,
		`<td align="right">37</td>`,
		`<a href="/lessons/basic">good one</a>`,
		`<h2 id="dialing">Dialing</h2>`,
	} {
		if !strings.Contains(page, must) {
			t.Errorf("rendered HTML lacks %s", must)
		}
	}
	for _, mustNot := range []string{"<script>", "<b>", `<div class="x">`, "javascript:", "style="} {
		if strings.Contains(page, mustNot) {
			t.Errorf("rendered HTML contains %s", mustNot)
		}
	}
}

func TestPythonCell(t *testing.T) {
	ls, err := Load(fstest.MapFS{"p.md": {Data: []byte(lesson("```python run args=\"time.lab 37\"\nimport socket\nprint(socket.gethostname())\n```\n\n```go run\npackage main\n```\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	cells := ls[0].Cells
	if len(cells) != 2 || cells[0].Lang != "python" || cells[1].Lang != "go" {
		t.Fatalf("cells' languages: %+v", cells)
	}
	page := string(ls[0].HTML)
	for _, must := range []string{
		`<section class="cell" id="cell-p-1" data-cell="p-1" data-lang="python">`,
		`aria-label="Python code">import socket`,
		`<section class="cell" id="cell-p-2" data-cell="p-2">`,
	} {
		if !strings.Contains(page, must) {
			t.Errorf("rendered HTML lacks %s", must)
		}
	}
}

func lesson(body string) string {
	return "---\ntitle: T\norder: 1\n---\n" + body
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string // each must appear in the error
	}{
		{"bad info string", fstest.MapFS{
			"a.md": {Data: []byte(lesson("text\n\n```go run args=\"x\" name=y\nfunc main() {}\n```\n"))},
		}, []string{`a.md:7: info string`, `unknown attribute "name"`}},
		{"go followed by something else", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go runn\n```\n"))},
		}, []string{`a.md:5:`, `only "run" may follow`}},
		{"info error inside a list", fstest.MapFS{
			"a.md": {Data: []byte(lesson("- item\n\n  ```go run id=1x\n  package main\n  ```\n"))},
		}, []string{`a.md:7:`, `id "1x"`}},
		{"empty cell", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\n\n```\n"))},
		}, []string{`a.md:5: the go run block is empty`}},
		{"duplicate cell id", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run id=x\npackage main\n```\n\n```go run id=x\npackage main\n```\n"))},
		}, []string{`a.md:9: cell id "x" is already used by the cell on line 5`}},
		{"duplicate order", fstest.MapFS{
			"a.md": {Data: []byte(lesson(""))},
			"b.md": {Data: []byte(lesson(""))},
		}, []string{`b.md:1: order 1 is already taken by a.md`}},
		{"bad file name", fstest.MapFS{
			"Big Lesson.md": {Data: []byte(lesson(""))},
		}, []string{`Big Lesson.md:1: the file name`}},
		{"not UTF-8", fstest.MapFS{
			"a.md": {Data: []byte(lesson("\xff\xfe"))},
		}, []string{`a.md:1: the file is not valid UTF-8`}},
		{"output block with no cell", fstest.MapFS{
			"a.md": {Data: []byte(lesson("text\n\n```output\nhello\n```\n"))},
		}, []string{`a.md:7: an output block must come right after a go run cell`}},
		{"output block after text", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\nSome words.\n\n```output\nhello\n```\n"))},
		}, []string{`a.md:11: an output block must come right after a go run cell`}},
		{"output block after plain code", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go\npackage main\n```\n```output\nhello\n```\n"))},
		}, []string{`a.md:8: an output block must come right after`}},
		{"unclosed hole", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n```output match\nok\ntime {{.*\n```\n"))},
		}, []string{`a.md:8: output match: line 2 of the block opens {{ but never closes it`}},
		{"bad regexp in a hole", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n```output match\nport {{[0-9}}\n```\n"))},
		}, []string{`a.md:8: output match: line 1 of the block: {{[0-9}} is not a regular expression`}},
		{"bad stdin escape", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run stdin=\"a\\qb\"\npackage main\n```\n"))},
		}, []string{`a.md:5: info string`, `unknown escape \q`}},
		{"with names nobody", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run with=server\npackage main\n```\n"))},
		}, []string{`a.md:5: with=server: no cell in this lesson has id=server`}},
		{"with names itself", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run id=s with=s\npackage main\n```\n"))},
		}, []string{`a.md:5: with=s names the cell itself`}},
		{"with chains", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run id=a with=b\npackage main\n```\n\n```go run id=b with=c\npackage main\n```\n\n```go run id=c\npackage main\n```\n"))},
		}, []string{`a.md:5: with=b names a cell that itself needs another (with=c)`}},
		{"exercise before any cell", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```exercise\ntitle: T\ncheck: exit 0\n```\n"))},
		}, []string{`a.md:5: the exercise comes before any go run cell`}},
		{"exercise unknown key", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\n# a comment\n\nhint: none\n```\n"))},
		}, []string{`a.md:13: unknown exercise key "hint"`}},
		{"exercise line without a colon", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\njust words\n```\n"))},
		}, []string{`a.md:11: exercise line "just words" is not key: value`}},
		{"exercise bad check", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\ncheck: exit 0\ncheck: recieved 4 bytes\n```\n"))},
		}, []string{`a.md:12: check "recieved 4 bytes": unknown check "recieved"`}},
		{"exercise without title", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ncheck: exit 0\n```\n"))},
		}, []string{`a.md:9: the exercise has no title: line`}},
		{"exercise without checks", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\n```\n"))},
		}, []string{`a.md:9: the exercise has no check: lines`}},
		{"exercise names an unknown cell", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\ncell: client\ncheck: exit 0\n```\n"))},
		}, []string{`a.md:11: cell: client: no cell in this lesson has id=client`}},
		{"exercise names a cell number out of range", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\ncell: 2\ncheck: exit 0\n```\n"))},
		}, []string{`a.md:11: cell: 2: no cell`}},
		{"exercise key twice", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\ntitle: T\ntitle: U\ncheck: exit 0\n```\n"))},
		}, []string{`a.md:11: exercise title is set twice (first on line 10)`}},
		{"exercise id twice", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```go run\npackage main\n```\n\n```exercise\nid: x\ntitle: T\ncheck: exit 0\n```\n\n```exercise\nid: x\ntitle: U\ncheck: exit 1\n```\n"))},
		}, []string{`a.md:15: exercise id "x" is already used by the exercise on line 9`}},
		{"exercise info string with more", fstest.MapFS{
			"a.md": {Data: []byte(lesson("```exercise id=x\n```\n"))},
		}, []string{`a.md:5: info string "exercise id=x": write just "exercise"`}},
		{"every file reported", fstest.MapFS{
			"a.md": {Data: []byte("no front matter")},
			"b.md": {Data: []byte("---\ntitle: B\norder: x\n---\n")},
		}, []string{`a.md:1: missing front matter`, `b.md:3: order must be`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := Load(tt.files)
			if err == nil {
				t.Fatalf("Load succeeded with %d lessons, want an error", len(ls))
			}
			if ls != nil {
				t.Errorf("Load returned lessons along with the error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadOrderAndLineEndings(t *testing.T) {
	fsys := fstest.MapFS{
		"zeta.md":   {Data: []byte("---\r\ntitle: Zeta\r\norder: 1\r\n---\r\n\r\n```go run\r\npackage main\r\n```\r\n")},
		"alpha.md":  {Data: []byte("\uFEFF---\ntitle: Alpha\norder: 3\n---\nHello.\n")},
		"middle.md": {Data: []byte("---\ntitle: Middle\norder: 2\n---\n")},
		"notes.txt": {Data: []byte("not a lesson")},
		"sub/x.md":  {Data: []byte("not a lesson either: only the top folder counts")},
	}
	ls, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, l := range ls {
		slugs = append(slugs, l.Slug)
	}
	if want := []string{"zeta", "middle", "alpha"}; !reflect.DeepEqual(slugs, want) {
		t.Errorf("order = %v, want %v", slugs, want)
	}
	c := ls[0].Cells[0]
	if c.Source != "package main\n" || c.Line != 6 {
		t.Errorf("CRLF cell = %q on line %d, want %q on line 6", c.Source, c.Line, "package main\n")
	}
}

func TestFrontMatter(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    frontMatter
		body    string
		skipped int
	}{
		{"plain", "---\ntitle: Hello\nsummary: A first look.\norder: 2\n---\nBody\n",
			frontMatter{"Hello", "A first look.", 2}, "Body\n", 5},
		{"quotes, comments, blank lines, spaces",
			"--- \n# about\n\n  title:   \"Colons: fine\"  \nsummary: 'it''s'\norder:  10\n---\n",
			frontMatter{"Colons: fine", "it''s", 10}, "", 7},
		{"no summary, nothing after", "---\ntitle: T\norder: 1\n---",
			frontMatter{"T", "", 1}, "", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm, body, skipped, err := parseFrontMatter("x.md", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			if fm != tt.want || string(body) != tt.body || skipped != tt.skipped {
				t.Errorf("got %+v, %q, %d; want %+v, %q, %d", fm, body, skipped, tt.want, tt.body, tt.skipped)
			}
		})
	}
}

func TestFrontMatterErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"empty file", "", 1, "missing front matter"},
		{"starts with text", "# Title\n---\n", 1, "missing front matter"},
		{"never closed", "---\ntitle: T\norder: 1\n", 1, "no closing --- line"},
		{"never closed, no newline", "---", 1, "no closing --- line"},
		{"not key: value", "---\ntitle: T\njust words\n---\n", 3, `"just words" is not key: value`},
		{"unknown key", "---\ntitle: T\nauthor: someone\n---\n", 3, `unknown front matter key "author"`},
		{"key twice", "---\ntitle: A\norder: 1\ntitle: B\n---\n", 4, "title is set twice (first on line 2)"},
		{"empty title", "---\ntitle:\norder: 1\n---\n", 2, "title is empty"},
		{"empty quoted title", "---\ntitle: \"\"\norder: 1\n---\n", 2, "title is empty"},
		{"unclosed quote", "---\ntitle: \"Hello\norder: 1\n---\n", 2, "opens with \" but does not end with one"},
		{"lone quote", "---\ntitle: '\n---\n", 2, "opens with '"},
		{"order not a number", "---\ntitle: T\norder: first\n---\n", 3, `order must be a whole number of 1 or more, not "first"`},
		{"order zero", "---\ntitle: T\norder: 0\n---\n", 3, "order must be"},
		{"order negative", "---\ntitle: T\norder: -3\n---\n", 3, "order must be"},
		{"no title", "---\norder: 1\n---\n", 1, "no title"},
		{"no order", "---\ntitle: T\n---\n", 1, "no order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := parseFrontMatter("x.md", []byte(tt.src))
			var fe *fileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *fileError", err)
			}
			if fe.File != "x.md" || fe.Line != tt.line || !strings.Contains(fe.Msg, tt.want) {
				t.Errorf("err = %q, want x.md:%d: …%s…", err, tt.line, tt.want)
			}
		})
	}
}

func FuzzFrontMatter(f *testing.F) {
	for _, seed := range []string{
		"---\ntitle: Hello\nsummary: A first look.\norder: 2\n---\nBody\n",
		"---\n# c\n\ntitle: \"q\"\norder: 1\n---",
		"---\ntitle: T\norder: 1\n",
		"---\ntitle: 'x\n---\n",
		"---\r\ntitle: T\r\norder: 1\r\n---\r\n",
		"",
		"---",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fm, body, skipped, err := parseFrontMatter("f.md", src)
		if err != nil {
			var fe *fileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *fileError", err)
			}
			if lines := strings.Count(string(src), "\n") + 1; fe.Line < 1 || fe.Line > lines {
				t.Fatalf("error on line %d of a %d-line input: %v", fe.Line, lines, err)
			}
			if !strings.HasPrefix(err.Error(), "f.md:") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if fm.Title == "" || strings.ContainsAny(fm.Title, "\n") || fm.Order < 1 || strings.Contains(fm.Summary, "\n") {
			t.Fatalf("accepted bad front matter %+v", fm)
		}
		head := src[:len(src)-len(body)]
		if string(head)+string(body) != string(src) {
			t.Fatalf("body %q is not the end of the input", body)
		}
		if got := strings.Count(string(head), "\n"); got != skipped && !(got == skipped-1 && len(body) == 0) {
			t.Fatalf("skipped = %d but the front matter holds %d newlines", skipped, got)
		}
	})
}

func TestParseInfo(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	tests := []struct {
		info string
		want blockInfo
		err  string
	}{
		{info: "go"},
		{info: "python"},
		{info: "python run", want: blockInfo{Kind: cellBlock, Lang: "python"}},
		{info: `python run args="-p 37" id=client`, want: blockInfo{Kind: cellBlock, Lang: "python", Name: "client", Args: str("-p 37")}},
		{info: "python3 run"},
		{info: "  go  "},
		{info: "text"},
		{info: "golang run"},
		{info: "sh go run"},
		{info: "outputs"},
		{info: "go run", want: blockInfo{Kind: cellBlock, Lang: "go"}},
		{info: "go\trun\t", want: blockInfo{Kind: cellBlock, Lang: "go"}},
		{info: "go run id=client", want: blockInfo{Kind: cellBlock, Lang: "go", Name: "client"}},
		{info: `go run args="-p 37" id=client`, want: blockInfo{Kind: cellBlock, Lang: "go", Name: "client", Args: str("-p 37")}},
		{info: `go run args='-m "hi there"'`, want: blockInfo{Kind: cellBlock, Lang: "go", Args: str(`-m "hi there"`)}},
		{info: `go run args=""`, want: blockInfo{Kind: cellBlock, Lang: "go", Args: str("")}},
		{info: `go run args=time.lab:38`, want: blockInfo{Kind: cellBlock, Lang: "go", Args: str("time.lab:38")}},
		{info: `go run with=server stdin="hello\nbye\n" exit=1`, want: blockInfo{Kind: cellBlock, Lang: "go", With: "server", Stdin: str("hello\nbye\n"), Exit: num(1)}},
		{info: `go run stdin='a\tb\\c'`, want: blockInfo{Kind: cellBlock, Lang: "go", Stdin: str("a\tb\\c")}},
		{info: "output", want: blockInfo{Kind: outputBlock}},
		{info: "output match", want: blockInfo{Kind: outputBlock, Match: true}},
		{info: `output match args="-r /foo" exit=1`, want: blockInfo{Kind: outputBlock, Match: true, Args: str("-r /foo"), Exit: num(1)}},
		{info: `output stdin="x\n"`, want: blockInfo{Kind: outputBlock, Stdin: str("x\n")}},
		{info: "exercise", want: blockInfo{Kind: exerciseBlock}},
		{info: "go runn", err: `only "run" may follow`},
		{info: "python exec", err: `after "python" only "run" may follow`},
		{info: "go title=x", err: `only "run" may follow`},
		{info: "go run args", err: `"args" has no value`},
		{info: "go run args=", err: "args= has no value"},
		{info: "go run args= x", err: "args= has no value"},
		{info: "go run =x", err: "no name before ="},
		{info: `go run args="-p 37`, err: "never closed"},
		{info: `go run args="a"b`, err: "must be followed by a space"},
		{info: `go run args=a"b"`, err: "quote inside it"},
		{info: "go run id=a id=b", err: "id is given twice"},
		{info: "go run step=1", err: `unknown attribute "step" (known: args, id, stdin, exit, with, faults)`},
		{info: "go run id=Client", err: `id "Client"`},
		{info: "go run id=2", err: `id "2"`},
		{info: "go run id=a_b", err: `id "a_b"`},
		{info: "go run with=The-Server", err: `with "The-Server"`},
		{info: "go run {.class}", err: "has no value"},
		{info: "go run exit=x", err: "exit=x: the exit status is a whole number from 0 to 255"},
		{info: "go run exit=256", err: "from 0 to 255"},
		{info: `go run stdin="a\x"`, err: `unknown escape \x`},
		{info: `go run stdin="a\"`, err: `lone \`},
		{info: "output exact", err: `after "output" only "match"`},
		{info: "output match match", err: `only "match" and the attributes`},
		{info: "output id=x", err: `unknown attribute "id" (known: args, stdin, exit, faults)`},
		{info: "output with=x", err: `unknown attribute "with"`},
		{info: "exercise id=x", err: `write just "exercise"`},
	}
	for _, tt := range tests {
		t.Run(tt.info, func(t *testing.T) {
			got, err := parseInfo(tt.info)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %s; want %s", showInfo(got), showInfo(tt.want))
			}
		})
	}
}

func showInfo(bi blockInfo) string {
	s := fmt.Sprintf("{Kind:%d Name:%q With:%q Match:%v", bi.Kind, bi.Name, bi.With, bi.Match)
	if bi.Args != nil {
		s += fmt.Sprintf(" Args:%q", *bi.Args)
	}
	if bi.Stdin != nil {
		s += fmt.Sprintf(" Stdin:%q", *bi.Stdin)
	}
	if bi.Exit != nil {
		s += fmt.Sprintf(" Exit:%d", *bi.Exit)
	}
	return s + "}"
}

func FuzzParseInfo(f *testing.F) {
	for _, seed := range []string{"go", "go run", `go run args="-p 37" id=client`, `go run args='a "b"'`, "go run x", `go run args="`,
		`go run with=s stdin="a\nb" exit=3`, "output match exit=1", "exercise"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, info string) {
		bi, err := parseInfo(info)
		if err != nil && bi.Kind != plainBlock {
			t.Fatal("an error and a block kind at once")
		}
		if bi.Name != "" && !validName.MatchString(bi.Name) {
			t.Fatalf("accepted id %q", bi.Name)
		}
		if bi.With != "" && !validName.MatchString(bi.With) {
			t.Fatalf("accepted with %q", bi.With)
		}
		if bi.Exit != nil && (*bi.Exit < 0 || *bi.Exit > 255) {
			t.Fatalf("accepted exit %d", *bi.Exit)
		}
	})
}

// TestSplitArgs shares its cases with static/test/format.test.js, so the
// Arguments field in the page and Cell.Args split alike.
func TestSplitArgs(t *testing.T) {
	data, err := os.ReadFile("../static/test/args_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		In   string   `json:"in"`
		Want []string `json:"want"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got := splitArgs(c.In)
		if len(got) == 0 && len(c.Want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.Want) {
			t.Errorf("splitArgs(%q) = %q, want %q", c.In, got, c.Want)
		}
	}
}

func TestHighlightGo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"x := 1", `x := <span class="hl-num">1</span>`},
		{"if a < b && c {", `<span class="hl-kw">if</span> a &lt; b &amp;&amp; c {`},
		{`s := "<b>" + 'x'`, `s := <span class="hl-str">&#34;&lt;b&gt;&#34;</span> + <span class="hl-str">&#39;x&#39;</span>`},
		{"r := `a\nb` // note\n", "r := <span class=\"hl-str\">`a\nb`</span> <span class=\"hl-com\">// note</span>\n"},
		{"/* a\n b */ var e error = nil", "<span class=\"hl-com\">/* a\n b */</span> <span class=\"hl-kw\">var</span> e <span class=\"hl-pre\">error</span> = <span class=\"hl-pre\">nil</span>"},
		{"x := 0x1F + 1.5e3 + 2i", `x := <span class="hl-num">0x1F</span> + <span class="hl-num">1.5e3</span> + <span class="hl-num">2i</span>`},
		{"a\r\nb", "a\nb"},
		{"$ echo @ all", "$ echo @ all"},
		{"go to", `<span class="hl-kw">go</span> to`},
		{`"unclosed`, `<span class="hl-str">&#34;unclosed</span>`},
	}
	for _, tt := range tests {
		var b strings.Builder
		highlightGo(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("highlightGo(%q)\n got %s\nwant %s", tt.in, b.String(), tt.want)
		}
	}
}

// TestSyntax loads testdata/syntax/pairs.md, which uses every attribute and
// block of the cell syntax, and checks what Load makes of it.
func TestSyntax(t *testing.T) {
	ls, err := Load(os.DirFS("testdata/syntax"))
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	if len(l.Cells) != 2 {
		t.Fatalf("%d cells, want 2", len(l.Cells))
	}
	server, client := l.Cells[0], l.Cells[1]
	if server.ID != "pairs-server" || server.Stdin != "yes\n" || server.With != "" || !reflect.DeepEqual(server.Args, []string{"-p", "8037"}) {
		t.Errorf("server cell = %+v", server)
	}
	wantRuns := []Run{
		{Args: []string{"-p", "8037"}, Stdin: "yes\n", Exit: 0, Output: "listening on port {{[0-9]+}}\n...\nserved {{\\d{1,3}}} <clients>\n", Match: true, Line: 14},
		{Args: []string{"-p", "80"}, Stdin: "yes\n", Exit: 1, Output: "port 80 is privileged & \"quoted\"\n", Line: 19},
	}
	if !reflect.DeepEqual(server.Runs, wantRuns) {
		t.Errorf("server runs:\n got %#v\nwant %#v", server.Runs, wantRuns)
	}
	if client.ID != "pairs-2" || client.With != "pairs-server" || client.Stdin != "hello\nbye\n" || !reflect.DeepEqual(client.Args, []string{"-a", "local host"}) {
		t.Errorf("client cell = %+v", client)
	}
	if len(client.Runs) != 1 || client.Runs[0].Stdin != "hi\n" || client.Runs[0].Args != nil || client.Runs[0].Exit != 0 {
		t.Errorf("client runs = %#v", client.Runs)
	}
	if got := l.Servers(); !reflect.DeepEqual(got, []string{"pairs-server"}) {
		t.Errorf("Servers() = %q", got)
	}
	if len(l.Exercises) != 2 {
		t.Fatalf("%d exercises, want 2", len(l.Exercises))
	}
	hi, count := l.Exercises[0], l.Exercises[1]
	if hi.ID != "pairs-say-hi" || hi.Name != "say-hi" || hi.Cell != "pairs-2" || hi.Title != "Say <hi> & go" ||
		!reflect.DeepEqual(hi.Args, []string{"-a", "localhost"}) || hi.Stdin != "hi\n" || hi.StdinText != `hi\n` || len(hi.Checks) != 3 || hi.Line != 34 {
		t.Errorf("first exercise = %+v", hi)
	}
	if hi.Checks[0] != (grade.Check{Text: `sent "hi\n" to localhost:8037`, Says: `the program sends "hi\n" to localhost:8037`, Op: "data", Str: "hi\n", Dir: "sent", Peer: "localhost:8037"}) {
		t.Errorf("first check = %+v", hi.Checks[0])
	}
	if count.ID != "pairs-2" || count.Name != "2" || count.Cell != "pairs-server" || !reflect.DeepEqual(count.Args, server.Args) || count.Stdin != "yes\n" || count.ArgsText != "" {
		t.Errorf("second exercise = %+v", count)
	}
}

// TestSyntaxGolden pins the markup of output blocks and exercise panels.
func TestSyntaxGolden(t *testing.T) {
	ls, err := Load(os.DirFS("testdata/syntax"))
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, filepath.Join("testdata", "syntax", "pairs.golden.html"), string(ls[0].HTML))
	page := string(ls[0].HTML)
	for _, must := range []string{
		`<details class="expected" data-cell="pairs-server"><summary>Expected output</summary>`,
		`listening on port <span class="vary" title="varies: [0-9]+">…</span>`,
		`<span class="vary-lines" title="any number of lines">⋮</span>`,
		`served <span class="vary" title="varies: \d{1,3}">…</span> &lt;clients&gt;`,
		`<summary>Expected output (with arguments <code>-p 80</code>, exit status 1)</summary>`,
		`port 80 is privileged &amp; &#34;quoted&#34;`,
		`<p class="cell-needs">This program talks to <a href="#cell-pairs-server">the server above</a>`,
		`<summary>Expected output (with no arguments, typing <code>hi↵</code>)</summary>`,
		`<section class="exercise" id="exercise-pairs-say-hi" data-exercise="say-hi" data-lesson="pairs" data-cell="pairs-2">`,
		`<h3 class="exercise-title">Exercise: Say &lt;hi&gt; &amp; go</h3>`,
		`with arguments <code>-a localhost</code>, typing <code>hi↵</code>`,
		`data-check="{&#34;text&#34;:&#34;sent \&#34;hi\\n\&#34; to localhost:8037&#34;,&#34;says&#34;:&#34;the program sends \&#34;hi\\n\&#34; to localhost:8037&#34;,&#34;op&#34;:&#34;data&#34;`,
		`<span class="check-says">the program sends &#34;hi\n&#34; to localhost:8037</span>`,
		`<details class="check-how"><summary>the exact check</summary><code class="check-text">sent &#34;hi\n&#34; to localhost:8037</code></details>`,
		`<section class="exercise" id="exercise-pairs-2" data-exercise="2" data-lesson="pairs" data-cell="pairs-server">`,
	} {
		if !strings.Contains(page, must) {
			t.Errorf("rendered HTML lacks %s", must)
		}
	}
}

// compareGolden compares got with the file golden; -update rewrites it.
func compareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("rendered HTML differs from %s (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", golden, got, want)
	}
}

// TestLessonGolden pins the rendered body of every lesson in lessons/*.md, so
// that a change to the renderer or to a lesson shows up as a reviewed diff.
func TestLessonGolden(t *testing.T) {
	ls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		name := filepath.Join("testdata", "golden", l.Slug+".html")
		seen[filepath.Base(name)] = true
		t.Run(l.Slug, func(t *testing.T) { compareGolden(t, name, string(l.HTML)) })
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "golden"))
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("testdata/golden/%s belongs to no lesson; delete it", e.Name())
		}
	}
}
