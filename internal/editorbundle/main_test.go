package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBundle builds both bundles from the packages npm ci installed (make editor runs it
// first) and checks how they fit together: the Python bundle takes every shared part from the
// core bundle under a name the core bundle exports, and each carries its licences.
func TestBundle(t *testing.T) {
	src := filepath.Join("..", "..", "web", "editor")
	if _, err := os.Stat(filepath.Join(src, "node_modules")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("web/editor/node_modules is missing: make editor runs npm ci before the tests")
		}
		t.Skip("web/editor/node_modules is missing: run make editor")
	}
	files, err := bundle(src, "codemirror.js")
	if err != nil {
		t.Fatal(err)
	}
	core, py := string(files["codemirror.js"]), string(files["codemirror-python.js"])
	if core == "" || py == "" {
		t.Fatalf("bundles: %d and %d bytes", len(core), len(py))
	}
	for name, body := range files {
		if !strings.HasPrefix(string(body), "/*! "+name) || !strings.Contains(string(body), "Permission is hereby granted") {
			t.Errorf("%s does not start with its licences", name)
		}
	}
	if strings.Contains(py, `"core:`) || strings.Contains(py, "@codemirror/view") {
		t.Errorf("the Python bundle holds or names a shared package itself")
	}
	imports := regexp.MustCompile(`import\{([^}]*)\}from"\./codemirror\.js"`).FindAllStringSubmatch(py, -1)
	if len(imports) == 0 {
		t.Fatal("the Python bundle imports nothing from codemirror.js")
	}
	for _, m := range imports {
		for _, spec := range strings.Split(m[1], ",") {
			name, _, _ := strings.Cut(spec, " as ")
			if !regexp.MustCompile(`\b[A-Za-z0-9_$]+ as ` + regexp.QuoteMeta(name) + `\b`).MatchString(core) {
				t.Errorf("the Python bundle imports %s, which codemirror.js does not export", name)
			}
		}
	}
	if strings.Contains(core, "root.head") || !strings.Contains(core, "adoptedStyleSheets") {
		t.Error("style-mod in the bundle still takes a <style> element for the document")
	}
}
