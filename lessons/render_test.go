package lessons

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
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
			ID: "basic-1", Lesson: "basic", Index: 1, Line: 11,
			Args:   []string{"-p", "37"},
			Source: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello, lab\")\n}\n",
		}}},
		{"escaping", "Escaping <and> & quotes", "Markup in text, code and attributes stays text.", 2, []Cell{{
			ID: "escaping-client", Lesson: "escaping", Index: 1, Line: 18,
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
	tests := []struct {
		info   string
		isCell bool
		want   cellInfo
		err    string
	}{
		{info: "go"},
		{info: "  go  "},
		{info: "text"},
		{info: "golang run"},
		{info: "sh go run"},
		{info: "go run", isCell: true},
		{info: "go\trun\t", isCell: true},
		{info: "go run id=client", isCell: true, want: cellInfo{Name: "client"}},
		{info: `go run args="-p 37" id=client`, isCell: true, want: cellInfo{Name: "client", Args: "-p 37"}},
		{info: `go run args='-m "hi there"'`, isCell: true, want: cellInfo{Args: `-m "hi there"`}},
		{info: `go run args=""`, isCell: true},
		{info: `go run args=time.lab:38`, isCell: true, want: cellInfo{Args: "time.lab:38"}},
		{info: "go runn", err: `only "run" may follow`},
		{info: "go title=x", err: `only "run" may follow`},
		{info: "go run args", err: `"args" has no value`},
		{info: "go run args=", err: "args= has no value"},
		{info: "go run args= x", err: "args= has no value"},
		{info: "go run =x", err: "no name before ="},
		{info: `go run args="-p 37`, err: "never closed"},
		{info: `go run args="a"b`, err: "must be followed by a space"},
		{info: `go run args=a"b"`, err: "quote inside it"},
		{info: "go run id=a id=b", err: "id is given twice"},
		{info: "go run step=1", err: `unknown attribute "step"`},
		{info: "go run id=Client", err: `id "Client"`},
		{info: "go run id=2", err: `id "2"`},
		{info: "go run id=a_b", err: `id "a_b"`},
		{info: "go run {.class}", err: "has no value"},
	}
	for _, tt := range tests {
		t.Run(tt.info, func(t *testing.T) {
			got, isCell, err := parseInfo(tt.info)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if isCell != tt.isCell || got != tt.want {
				t.Errorf("got %+v, cell %v; want %+v, cell %v", got, isCell, tt.want, tt.isCell)
			}
		})
	}
}

func FuzzParseInfo(f *testing.F) {
	for _, seed := range []string{"go", "go run", `go run args="-p 37" id=client`, `go run args='a "b"'`, "go run x", `go run args="`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, info string) {
		ci, isCell, err := parseInfo(info)
		if err != nil && isCell {
			t.Fatal("an error and a cell at once")
		}
		if ci.Name != "" && !validName.MatchString(ci.Name) {
			t.Fatalf("accepted id %q", ci.Name)
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
