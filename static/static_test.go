package static

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestAssetsVersionImports checks that every module imports its neighbours by versioned URL,
// and that a module's version changes when a module it imports changes, even indirectly.
func TestAssetsVersionImports(t *testing.T) {
	wasmExec := []byte(`"use strict"; (() => { globalThis.Go = class {}; })();` + "\n")
	assets, err := Assets(map[string][]byte{"wasm_exec.js": wasmExec})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(assets["wasm_exec.js"].Body); got != string(wasmExec) {
		t.Errorf("wasm_exec.js was changed: %q", got)
	}
	spec := regexp.MustCompile(`(?:from|import)\s*"(\./[^"]*)"`)
	for name, a := range assets {
		if len(a.Version) != 12 {
			t.Errorf("%s: version %q", name, a.Version)
		}
		for _, m := range spec.FindAllStringSubmatch(string(a.Body), -1) {
			dep, v, ok := strings.Cut(strings.TrimPrefix(m[1], "./"), "?v=")
			if !ok {
				t.Errorf("%s imports %s without a version", name, m[1])
				continue
			}
			if d, found := assets[dep]; !found || d.Version != v {
				t.Errorf("%s imports %s, but that asset is at version %q", name, m[1], d.Version)
			}
		}
	}
	// The entry points reach every module through their imports.
	for name, wants := range map[string][]string{
		"lesson.js":     {"./cell.js?v="},
		"embed-main.js": {"./cell.js?v=", "./embed-read.js?v="},
		"cell.js":       {"./format.js?v=", "./wire-view.js?v=", "./files.js?v="},
		"worker-fs.js":  {"./memfs.js?v="},
		"wire-view.js":  {"./format.js?v=", "./wire-model.js?v="},
		"worker.js":     {"./worker-fs.js?v=", "./wasm_exec.js?v=" + assets["wasm_exec.js"].Version},
	} {
		for _, want := range wants {
			if !strings.Contains(string(assets[name].Body), want) {
				t.Errorf("%s does not import %s", name, want)
			}
		}
	}

	// A change to format.js changes the version of everything that imports it, directly or
	// through wire-model.js, and nothing else.
	other, err := Assets(map[string][]byte{"wasm_exec.js": wasmExec, "format.js": []byte("export const x = 1;\n")})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{}
	for name, a := range assets {
		if other[name].Version != a.Version {
			changed[name] = true
		}
	}
	for _, name := range []string{"format.js", "wire-model.js", "wire-view.js", "files.js", "cell.js", "lesson.js", "embed-main.js", "teacher.js"} {
		if !changed[name] {
			t.Errorf("%s kept its version after format.js changed", name)
		}
		delete(changed, name)
	}
	if len(changed) > 0 {
		t.Errorf("versions changed beyond format.js's importers: %v", changed)
	}
}

// TestAssetsRefuseUnknownImports checks that a module importing a file that is not an asset
// is an error at start, not a 404 in a learner's browser.
func TestAssetsRefuseUnknownImports(t *testing.T) {
	_, err := Assets(map[string][]byte{"wasm_exec.js": nil, "lesson.js": []byte(`import "./nowhere.js";`)})
	if err == nil || !strings.Contains(err.Error(), "nowhere.js") {
		t.Errorf("err = %v, want one naming nowhere.js", err)
	}
	_, err = Assets(map[string][]byte{"wasm_exec.js": nil, "a.js": []byte(`import "./b.js";`), "b.js": []byte(`import "./a.js";`)})
	if err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("err = %v, want a cycle", err)
	}
}

// TestEmbedded checks what is embedded: the page's files, not the Node test setup.
func TestEmbedded(t *testing.T) {
	for _, name := range []string{"lesson.js", "cell.js", "embed.js", "embed-main.js", "embed-read.js", "embed-frame.js", "exercises.js", "format.js", "wire-model.js", "wire-view.js", "worker.js", "worker-fs.js", "style.css", "embed.css", "exercises.css", "classroom.js", "classroom.css", "teacher.js", "teacher.css"} {
		if _, err := fs.Stat(FS, name); err != nil {
			t.Error(err)
		}
	}
	for _, name := range []string{"package.json", "test", "wire.js"} {
		if _, err := fs.Stat(FS, name); err == nil {
			t.Errorf("%s is embedded", name)
		}
	}
}

// TestEditorBundle checks the editor's modules: editor.js takes CodeMirror and its Python
// bundle by versioned URL, the Python bundle takes the shared parts from the core bundle,
// each bundle carries its packages' licences, and a checkout without the bundle is told how
// to build it.
func TestEditorBundle(t *testing.T) {
	assets, err := Assets(map[string][]byte{"wasm_exec.js": nil})
	if err != nil {
		t.Fatalf("%v (make editor builds the bundle)", err)
	}
	for name, wants := range map[string][]string{
		"lesson.js":            {`"./editor.js?v=` + assets["editor.js"].Version + `"`},
		"editor.js":            {`import("./codemirror.js?v=` + assets["codemirror.js"].Version + `")`, `import("./codemirror-python.js?v=`},
		"codemirror-python.js": {`from"./codemirror.js?v=` + assets["codemirror.js"].Version + `"`, "@codemirror/lang-python", "MIT License"},
		"codemirror.js":        {"@codemirror/view", "@codemirror/lang-go", "MIT License", "Permission is hereby granted"},
	} {
		for _, want := range wants {
			if !strings.Contains(string(assets[name].Body), want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
	}
	_, err = Assets(map[string][]byte{"wasm_exec.js": nil, "codemirror.js": nil, "editor.js": []byte(`import("./codemirror-x.js");`)})
	if err == nil {
		t.Error("an import of a missing module was accepted")
	}
	bodies := map[string][]byte{"wasm_exec.js": nil}
	generated["gen.js"] = true
	defer delete(generated, "gen.js")
	bodies["editor.js"] = []byte(`import("./gen.js");`)
	if _, err := Assets(bodies); err == nil || !strings.Contains(err.Error(), "make editor") {
		t.Errorf("a missing bundle: %v, want advice to run make editor", err)
	}
}
