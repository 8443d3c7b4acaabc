package build

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestCleanOutput(t *testing.T) {
	ws := &workspace{dir: "/c/ws/0123", mod: "/c/ws/0123/mod"}
	cell := "/c/ws/0123/mod/cell/abcd-99"
	tests := []struct {
		name, raw, want string
		diags           []Diagnostic
	}{
		{
			name: "errors with header",
			raw:  "# socketlab/cell/abcd-99\n./main.go:6:14: cannot use \"s\" (untyped string constant) as int value\n./main.go:7:17: undefined: y\n",
			want: "main.go:6:14: cannot use \"s\" (untyped string constant) as int value\nmain.go:7:17: undefined: y\n",
			diags: []Diagnostic{
				{Line: 6, Col: 14, Msg: `cannot use "s" (untyped string constant) as int value`},
				{Line: 7, Col: 17, Msg: "undefined: y"},
			},
		},
		{
			name:  "continuation lines",
			raw:   "./main.go:9:7: cannot use t (variable of type T) as io.Reader value:\n\tT does not implement io.Reader (missing method Read)\n",
			want:  "main.go:9:7: cannot use t (variable of type T) as io.Reader value:\n\tT does not implement io.Reader (missing method Read)\n",
			diags: []Diagnostic{{Line: 9, Col: 7, Msg: "cannot use t (variable of type T) as io.Reader value:\n\tT does not implement io.Reader (missing method Read)"}},
		},
		{
			name: "prelude errors dropped",
			raw:  "./prelude.go:3:8: something in the prelude\n\tdetail of it\n./main.go:2:1: real\n",
			want: "main.go:2:1: real\n",
			diags: []Diagnostic{
				{Line: 2, Col: 1, Msg: "real"},
			},
		},
		{
			name:  "prelude clash moved to main.go",
			raw:   "# socketlab/cell/abcd-99\n./prelude.go:5:6: labHello redeclared in this block\n\t./main.go:3:6: other declaration of labHello\n",
			want:  "main.go:3:6: labHello redeclared in this block (the lab adds code to every program that already uses this name; choose another)\n",
			diags: []Diagnostic{{Line: 3, Col: 6, Msg: "labHello redeclared in this block (the lab adds code to every program that already uses this name; choose another)"}},
		},
		{
			name:  "absolute and trimmed paths",
			raw:   cell + "/main.go:4: no column\nsocketlab/cell/abcd-99/main.go:5:2: trimmed\n/c/ws/0123/overlay/net/net_fake.go:10:1: in the overlay\n/c/ws/0123/mod/labnet/x.go:1:1: in the runtime\n",
			want:  "main.go:4: no column\nmain.go:5:2: trimmed\n$GOROOT/src/net/net_fake.go:10:1: in the overlay\nsocketlab/labnet/x.go:1:1: in the runtime\n",
			diags: []Diagnostic{{Line: 4, Msg: "no column"}, {Line: 5, Col: 2, Msg: "trimmed"}},
		},
		{
			name: "no position",
			raw:  "package socketlab/cell/abcd-99: build constraints exclude all Go files in " + cell + "\n",
			want: "package main: build constraints exclude all Go files in .\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanOutput(tt.raw, cell, ws)
			if got != tt.want {
				t.Errorf("cleanOutput =\n%s\nwant\n%s", got, tt.want)
			}
			if d := diagnostics(got); !reflect.DeepEqual(d, tt.diags) {
				t.Errorf("diagnostics = %+v, want %+v", d, tt.diags)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	tests := []struct {
		header     string
		gzip, zstd bool
	}{
		{"", false, false},
		{"gzip", true, false},
		{"gzip, deflate, br, zstd", true, true}, // Chromium on HTTPS and loopback
		{"gzip, deflate", true, false},          // Chromium on plain HTTP elsewhere
		{"br;q=1.0, GZIP;q=0.5", true, false},
		{"gzip;q=0", false, false},
		{"gzip; q=0.0", false, false},
		{"deflate, br", false, false},
		{"identity", false, false},
		{"*", true, true},
		{"*;q=0", false, false},
		{"*, gzip;q=0", false, true},
		{"zstd;q=0, *", true, false},
		{"x-gzip, zstdx", false, false},
	}
	for _, tt := range tests {
		if got := accepts(tt.header, "gzip"); got != tt.gzip {
			t.Errorf("accepts(%q, gzip) = %v, want %v", tt.header, got, tt.gzip)
		}
		if got := accepts(tt.header, "zstd"); got != tt.zstd {
			t.Errorf("accepts(%q, zstd) = %v, want %v", tt.header, got, tt.zstd)
		}
		want := map[[2]bool]*coding{{false, false}: nil, {true, false}: gzipCoding, {false, true}: zstdCoding, {true, true}: zstdCoding}[[2]bool{tt.gzip, tt.zstd}]
		if got := codingFor(tt.header); got != want {
			t.Errorf("codingFor(%q) = %v, want %v", tt.header, got, want)
		}
	}
}

func TestGoModVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"go1.26.8", "1.26.8"},
		{"go1.26", "1.26"},
		{"go1.27rc1", "1.27rc1"},
		{"go1.26.8 X:nodwarf5", "1.26.8"},
		{"devel go1.27-0123abcd Mon Jan 2 15:04:05 2026 +0000", "1.27"},
		{"gccgo", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := goModVersion(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("goModVersion(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestValidImportPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"fmt", true},
		{"net/http", true},
		{"example.com/a-b/c_d.v2", true},
		{"", false},
		{"/etc", false},
		{"../x", false},
		{"a/../b", false},
		{"a//b", false},
		{"a/", false},
		{".hidden", false},
		{`a\b`, false},
		{"a b", false},
		{"a:b", false},
	}
	for _, tt := range tests {
		if got := validImportPath(tt.path); got != tt.want {
			t.Errorf("validImportPath(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestValidHash(t *testing.T) {
	good := strings.Repeat("0123456789abcdef", 4)
	for _, h := range []string{good[1:], good + "0", strings.ToUpper(good), good[:63] + "g", "../" + good[3:]} {
		if validHash(h) {
			t.Errorf("validHash(%q) = true", h)
		}
	}
	if !validHash(good) {
		t.Errorf("validHash(%q) = false", good)
	}
}

func TestCapped(t *testing.T) {
	c := &capped{max: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := c.text(); !strings.HasPrefix(got, "abcde\n") || !strings.Contains(got, "left out") {
		t.Errorf("text() = %q", got)
	}
}

// FuzzCheckSource feeds arbitrary learner files to the pre-compile check: it must not panic,
// must refuse what it cannot parse, and must point only at lines that exist.
func FuzzCheckSource(f *testing.F) {
	if _, err := exec.LookPath("go"); err != nil {
		f.Skip("no go command in PATH")
	}
	s, err := New(&Options{CacheDir: f.TempDir(), Logf: f.Logf})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		hello,
		"package main\n\nimport \"os/exec\"\n",
		"package main\nimport (\n\t\"C\"\n\tx \"../../etc\"\n)\n",
		"package lesson\n",
		"",
		"\xef\xbb\xbfpackage main\n",
		"package main; import `unsafe`",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, d := range s.checkSource(src) {
			if d.Line < 0 || d.Line > lines || d.Col < 0 || d.Msg == "" {
				t.Errorf("diagnostic %+v out of range for %d lines", d, lines)
			}
		}
	})
}
