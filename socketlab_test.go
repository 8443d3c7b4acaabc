package socketlab

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestThirdPartyInStep: every module learners may import is required by go.mod at the same
// version, and go.sum has its checksums, so learner builds find it in the module cache.
func TestThirdPartyInStep(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:require\s+|\t)(\S+)\s+(v\S+)`).FindAllStringSubmatch(string(b), -1) {
		have[m[1]] = m[2]
	}
	sum := string(ThirdPartySum())
	for mod, v := range ThirdParty {
		if have[mod] != v {
			t.Errorf("go.mod requires %s %q, ThirdParty says %s", mod, have[mod], v)
		}
		if !strings.Contains(sum, mod+" "+v+" ") || !strings.Contains(sum, mod+" "+v+"/go.mod ") {
			t.Errorf("go.sum lacks the checksums of %s %s", mod, v)
		}
	}
}

// TestRuntimeImportsEmbedded: every package of this module that the runtime imports is in
// Runtime too, or the build service could not build a learner program with it.
func TestRuntimeImportsEmbedded(t *testing.T) {
	dirs := map[string]bool{}
	imports := map[string]string{} // import path => a file importing it
	err := fs.WalkDir(Runtime, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		dirs[path.Dir(p)] = true
		src, err := fs.ReadFile(Runtime, p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			imports[strings.Trim(imp.Path.Value, `"`)] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for imp, file := range imports {
		if dir, ok := strings.CutPrefix(imp, "socketlab/"); ok && !dirs[dir] {
			t.Errorf("%s imports %s, which socketlab.go does not embed in Runtime", file, imp)
		}
	}
	if !dirs["internal/wsframe"] {
		t.Errorf("Runtime lacks internal/wsframe; it holds %v", dirs)
	}
}
