package event

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goKinds returns the Kind constants this package declares, by name, with their doc
// comments. It reads the source, so that a kind added to the list cannot be missed.
func goKinds(t *testing.T) map[Kind]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Kind]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Kind" {
					continue
				}
				for i, n := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: the kind %s is not a string literal", fset.Position(n.Pos()), n.Name)
					}
					v, _ := strconv.Unquote(lit.Value)
					if _, dup := kinds[Kind(v)]; dup {
						t.Errorf("%s: two kinds are %q", fset.Position(n.Pos()), v)
					}
					kinds[Kind(v)] = strings.TrimSpace(vs.Doc.Text())
				}
			}
		}
	}
	if len(kinds) == 0 {
		t.Fatal("no Kind constants found")
	}
	return kinds
}

// TestKindsDocumented: each kind says what it records.
func TestKindsDocumented(t *testing.T) {
	for k, doc := range goKinds(t) {
		if len(doc) < 20 {
			t.Errorf("kind %q has no doc comment saying what it records", k)
		}
	}
}

// TestJSON: the record's JSON is what the worker posts, a native run writes and stored runs
// hold; its names and encodings do not change.
func TestJSON(t *testing.T) {
	e := Event{T: 1.5, Stream: 2, Kind: FinSent, Addr: "web.lab:80", Local: "10.10.1.2:41000",
		Remote: "10.10.0.80:80", N: 3, Data: []byte("abc"), Addrs: []string{"10.10.0.80"}, Micros: 180,
		Host: "127.0.0.1:17080", Code: "connection refused", Error: "refused", Text: "about to"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"t":1.5,"stream":2,"kind":"fin-sent","addr":"web.lab:80","local":"10.10.1.2:41000",` +
		`"remote":"10.10.0.80:80","n":3,"data":"YWJj","addrs":["10.10.0.80"],"micros":180,` +
		`"host":"127.0.0.1:17080","code":"connection refused","error":"refused","text":"about to"}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(Event{Kind: Close}); string(b) != `{"t":0,"stream":0,"kind":"close"}` {
		t.Errorf("an event with only a kind is %s", b)
	}
	var back Event
	if err := json.Unmarshal([]byte(want), &back); err != nil || back.Kind != FinSent || string(back.Data) != "abc" {
		t.Errorf("decoding gave %+v, %v", back, err)
	}
}

// pageOnly are words the page's step text accepts as a kind that no runtime sends: names
// for what a paused program is about to do from before pauses carried event kinds.
var pageOnly = map[string]bool{"connect": true, "write": true, "read": true, "closewrite": true}

// TestPageKnowsKinds: the page's scripts handle every kind the runtime emits, and every kind
// they name is one the runtime emits (a misspelt kind in a script is never matched).
func TestPageKnowsKinds(t *testing.T) {
	kinds := goKinds(t)
	page := pageKinds(t, filepath.Join("..", "static"))
	for k := range kinds {
		if len(page.used[string(k)]) == 0 {
			t.Errorf("the page's scripts never handle the kind %q", k)
		}
	}
	for word, where := range page.used {
		switch {
		case kinds[Kind(word)] != "":
		case pageOnly[word]:
		case page.records[word]:
			// A kind of the page's own records (a stream is "tcp" or "udp").
		default:
			t.Errorf("%s: the page names a kind %q that is not an event.Kind", where[0], word)
		}
	}
	for word := range pageOnly {
		if kinds[Kind(word)] != "" {
			t.Errorf("%q is an event.Kind now: delete it from pageOnly", word)
		}
		if len(page.used[word]) == 0 {
			t.Errorf("the page no longer names %q: delete it from pageOnly", word)
		}
	}
}

// TestPageKindsParser: the reading of the scripts finds kinds where the page uses them, and
// only there.
func TestPageKindsParser(t *testing.T) {
	src := "// a comment with \"send\" in it\n" +
		"const DATA_KINDS = new Set([\"send\", \"recv\"]), other = [\"nope1\"];\n" +
		"const re = /\"nope2\"/g, x = a / b / c;\n" +
		"function f(ev, s) {\n" +
		"  if (ev.kind === \"dial\" || \"accept\" !== ev.kind) return `${ev.kind === \"bind\" ? \"nope3\" : `x${\"nope4\"}`}`;\n" +
		"  if (s.kind === \"tcp\") return { kind: \"tcp\", label: \"nope5\" };\n" +
		"  switch (ev.kind) {\n" +
		"    case \"lookup\": { switch (x) { case \"nope6\": break; } }\n" +
		"    case 'fin-sent':\n" +
		"      return \"nope7\";\n" +
		"  }\n" +
		"  switch (mode) { case \"nope8\": }\n" +
		"}\n" +
		"function dirKinds(dir) { if (dir === \"nope9\") return [\"sendto\"]; return [\"recvfrom\", \"recv\"]; }\n" +
		"const k = kind == \"drop\";\n"
	got := &jsKinds{used: map[string][]string{}, records: map[string]bool{}}
	got.scan("test.js", src)
	want := []string{"accept", "bind", "dial", "drop", "fin-sent", "lookup", "recv", "recvfrom", "send", "sendto", "tcp"}
	if names := slices.Sorted(maps.Keys(got.used)); !slices.Equal(names, want) {
		t.Errorf("kinds found: %v\nwant %v", names, want)
	}
	if !got.records["tcp"] || len(got.records) != 1 {
		t.Errorf("record kinds %v, want tcp", got.records)
	}
}

// pageKinds reads every script under dir that the page loads (not the scripts' own tests, nor
// Pyodide's runtime under static/pyodide, which make pyodide fetches and which speaks of kinds
// of its own).
func pageKinds(t *testing.T, dir string) *jsKinds {
	t.Helper()
	k := &jsKinds{used: map[string][]string{}, records: map[string]bool{}}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "test" || d.Name() == "node_modules" || d.Name() == "pyodide"):
			return filepath.SkipDir
		case d.IsDir() || strings.HasSuffix(p, ".test.js"):
			return nil
		case strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".mjs"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			k.scan(strings.TrimPrefix(filepath.ToSlash(p), "../"), string(b))
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no scripts under %s", dir)
	}
	return k
}
