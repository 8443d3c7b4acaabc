package build

import (
	"errors"
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// checkSource reads the package clause and the imports of a learner's file and returns what
// stops it from being built: a syntax error there, a package other than main, or an import
// the lab does not offer. Nothing is returned for a file that may go to the compiler.
func (s *Service) checkSource(src []byte) []Diagnostic {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", src, parser.ImportsOnly)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) {
			var diags []Diagnostic
			for _, e := range list {
				diags = append(diags, Diagnostic{Line: e.Pos.Line, Col: e.Pos.Column, Msg: e.Msg})
			}
			return diags
		}
		return []Diagnostic{{Msg: err.Error()}}
	}
	var diags []Diagnostic
	if f.Name.Name != "main" {
		p := fset.Position(f.Name.Pos())
		diags = append(diags, Diagnostic{Line: p.Line, Col: p.Column,
			Msg: fmt.Sprintf("package %s: a program in the lab must be package main (change the first line to \"package main\" and add func main)", f.Name.Name)})
	}
	diags = append(diags, checkDirectives(fset, src)...)
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue // the parser already rejects malformed import paths
		}
		if hint, ok := s.refuse(path); !ok {
			p := fset.Position(imp.Path.Pos())
			diags = append(diags, Diagnostic{Line: p.Line, Col: p.Column,
				Msg: fmt.Sprintf("import %q is not available in the lab (%s)", path, hint)})
		}
	}
	return diags
}

// allowedDirectives are the //go: directives a learner's program may hold. None of them
// reaches outside the program: the runtime must be a program's only way out.
var allowedDirectives = map[string]bool{"build": true, "embed": true, "generate": true, "noinline": true, "nosplit": true}

// checkDirectives refuses every //go: directive in src but the allowed ones. The compiler
// reads a directive from a line comment that starts with "//go:"; every comment starting so,
// /* */ comments too, is checked, whatever follows the name, so no spelling slips past.
// Comments are found with the Go scanner, so a string holding "//go:" is not one; a file the
// scanner cannot read has syntax errors and does not compile either.
func checkDirectives(fset *token.FileSet, src []byte) []Diagnostic {
	var sc scanner.Scanner
	file := fset.AddFile("main.go", -1, len(src))
	sc.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	var diags []Diagnostic
	for {
		pos, tok, lit := sc.Scan()
		if tok == token.EOF {
			return diags
		}
		text, ok := strings.CutPrefix(lit[min(2, len(lit)):], "go:")
		if tok != token.COMMENT || !ok {
			continue
		}
		name := text
		if i := strings.IndexFunc(text, func(r rune) bool { return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) }); i >= 0 {
			name = text[:i]
		}
		rest := strings.TrimSuffix(text[len(name):], "*/")
		if allowedDirectives[name] && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			continue
		}
		p := fset.Position(pos)
		diags = append(diags, Diagnostic{Line: p.Line, Col: p.Column, Msg: directiveHint(name)})
	}
}

// directiveHint explains why the directive //go:name is refused.
func directiveHint(name string) string {
	switch {
	case name == "wasmimport" || name == "wasmexport":
		return fmt.Sprintf("//go:%s is not available in the lab: it would let the program call the page's JavaScript directly, around the lab's network and its rules; use the net package (or net/http), which goes through the lab", name)
	case name == "linkname":
		return "//go:linkname is not available in the lab: it reaches into the internals of other packages; use their exported names"
	case strings.HasPrefix(name, "cgo_"):
		return fmt.Sprintf("//go:%s is not available in the lab: cgo is off, the program is compiled to WebAssembly", name)
	}
	return fmt.Sprintf("//go:%s is not available in the lab: a program here may use only the directives //go:build, //go:embed, //go:generate, //go:noinline and //go:nosplit", name)
}

// refuse reports whether a learner may import path and, if not, a hint about what to do.
func (s *Service) refuse(path string) (hint string, ok bool) {
	switch {
	case path == "C":
		return "cgo is off: the program is compiled to WebAssembly, where there is no C", false
	case path == "socketlab/cell" || strings.HasPrefix(path, "socketlab/cell/"):
		return "each program is built on its own", false
	case s.allowed(path):
		return "", true
	}
	return s.refusalHint(path), false
}

// refusalHint explains why path is refused.
func (s *Service) refusalHint(path string) string {
	first, _, _ := strings.Cut(path, "/")
	switch {
	case path == "unsafe":
		return "programs here stay memory-safe; use the ordinary types and encoding/binary instead"
	case path == "syscall/js":
		return "sockets go through the lab's gateway; use the net package, which works unmodified"
	case path == "os/exec":
		return "the program runs in the browser and cannot start other programs"
	case path == "plugin":
		return "plugins cannot be loaded in WebAssembly"
	case path == "runtime/cgo":
		return "cgo is off: the program is compiled to WebAssembly"
	case path == "socketlab" || strings.HasPrefix(path, "socketlab/"):
		return "the lab runtime is linked into every program already; import net or net/http instead"
	case first == "internal" || first == "vendor" || first == "cmd" || hasElem(path, "internal"):
		return "it belongs to the Go toolchain itself; use the public standard-library packages"
	case strings.Contains(first, "."):
		return "only the standard library can be imported here; modules are not downloaded"
	case validImportPath(path) && s.isStd(path):
		return "this lab leaves it out"
	}
	return "it is not a package of the standard library; check the spelling"
}

func hasElem(path, elem string) bool {
	for e := range strings.SplitSeq(path, "/") {
		if e == elem {
			return true
		}
	}
	return false
}

// denied are the standard-library packages learners may not import by default. syscall is
// allowed: lessons compare errors with its errno values (errors.Is(err,
// syscall.ECONNREFUSED)), and in the browser it reaches nothing but the page's stub file
// system.
var denied = map[string]bool{
	"unsafe": true, "syscall/js": true, "os/exec": true,
	"plugin": true, "runtime/cgo": true, "C": true,
}

// defaultAllowed admits the standard library minus the deny list, and the packages of
// Options.Modules.
func (s *Service) defaultAllowed(path string) bool {
	if denied[path] || !validImportPath(path) {
		return false
	}
	first, _, _ := strings.Cut(path, "/")
	if first == "internal" || first == "vendor" || first == "cmd" || hasElem(path, "internal") {
		return false
	}
	for mod := range s.modules {
		if path == mod || strings.HasPrefix(path, mod+"/") {
			return true
		}
	}
	for mod := range s.require {
		if path == mod || strings.HasPrefix(path, mod+"/") {
			return true
		}
	}
	if strings.Contains(first, ".") || first == "socketlab" {
		return false
	}
	return s.isStd(path)
}

// isStd reports whether $GOROOT/src/path holds Go files, counting files the overlay adds.
func (s *Service) isStd(path string) bool {
	s.stdMu.Lock()
	defer s.stdMu.Unlock()
	if ok, seen := s.std[path]; seen {
		return ok
	}
	ok := false
	for p := range s.overlay {
		if strings.HasSuffix(p, ".go") && filepath.ToSlash(filepath.Dir(filepath.FromSlash(p))) == path {
			ok = true
		}
	}
	if !ok {
		entries, _ := os.ReadDir(filepath.Join(s.goroot, "src", filepath.FromSlash(path)))
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				ok = true
				break
			}
		}
	}
	s.std[path] = ok
	return ok
}

// validImportPath accepts slash-separated paths of plain elements: no leading slash, no "."
// or ".." elements, no backslashes or other characters that could reach outside GOROOT.
func validImportPath(path string) bool {
	if path == "" || len(path) > 256 {
		return false
	}
	for e := range strings.SplitSeq(path, "/") {
		if e == "" || e == "." || e == ".." || strings.HasPrefix(e, ".") {
			return false
		}
		for _, c := range e {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~+", c)) {
				return false
			}
		}
	}
	return true
}

// validModulePath is validImportPath for a module: its first element names a host.
func validModulePath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return validImportPath(path) && strings.Contains(first, ".")
}

// formatDiagnostics renders diagnostics as the compiler would.
func formatDiagnostics(diags []Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		switch {
		case d.Line > 0 && d.Col > 0:
			fmt.Fprintf(&b, "main.go:%d:%d: %s\n", d.Line, d.Col, d.Msg)
		case d.Line > 0:
			fmt.Fprintf(&b, "main.go:%d: %s\n", d.Line, d.Msg)
		default:
			fmt.Fprintf(&b, "%s\n", d.Msg)
		}
	}
	return b.String()
}
