// Package static holds the page assets, embedded in the binary. The scripts are native ES
// modules; only the editor's library is bundled, by `make editor`:
//
//   - lesson.js, the lesson page, an entry point, over cell.js, a cell (console, Run, Stop,
//     Format, stdin) mounted into any root;
//   - editor.js, a cell's editor: CodeMirror 6 behind createEditor, over codemirror.js and
//     codemirror-python.js, which `make editor` bundles from npm (internal/editorbundle),
//     and pyerrors.js, which reads Python's syntax errors from what a run printed;
//   - embed.js, a classic script that other sites' pages load (docs/embed.md), and
//     embed-main.js, which mounts cells in shadow roots there (embed-read.js reads their
//     attributes) and runs their programs in a frame of the gateway's (embed-frame.js);
//     embed.css styles such a cell, embed-page.css the one-cell page of /embed/cell;
//   - exercises.js, the checks under a cell and the progress in localStorage, an entry point;
//   - wire-view.js, the wire views of a cell (diagram, bytes, Step, replay, export), over
//     wire-model.js, their pure half (events → layout, labels, annotations);
//   - keep.js, a cell's edits kept in localStorage (the edited mark, Reset) and its Share
//     link, over share.js, the link's pure half (the fragment packed and read);
//   - format.js, pure helpers (argument splitting, byte dumps, event wording);
//   - worker.js, a module worker that runs one program; worker-fs.js gives the program its
//     standard streams and a small in-memory file system (memfs.js) before worker.js
//     imports Go's wasm_exec.js;
//   - files.js, the list of files a run wrote, under its console, to download.
//   - python-run.js, a Python cell's run: a Python worker (python-worker.js, Pyodide and the
//     lab's socket module) and a network worker (python-net.js, the WebSocket), which meet
//     over rings in a SharedArrayBuffer (python-ring.js); python-paths.js, which the gateway
//     writes, says where Pyodide is served.
//   - i18n.js, the page's words in English and Chinese by key (t), chosen by <html lang>.
//
// The pure modules are checked with node --test static/test/ (package.json makes Node load
// the .js files as ES modules; it is not embedded).
//
// The gateway serves the assets under /static/ with a version in their URLs (Assets), so that
// browsers may keep them for good, and minified (white space, comments and redundant syntax
// removed by esbuild; names are kept, so a stack trace still reads): what an embedding page
// loads before its first Run shrinks by a third (docs/PERFORMANCE.md). The files here stay as
// written, for reading and for node --test.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// generated are the assets that `make editor` writes (internal/editorbundle): the editor,
// CodeMirror, bundled from npm. A clean checkout lacks them until then; it still compiles,
// and Assets says what to run.
var generated = map[string]bool{"codemirror.js": true, "codemirror-python.js": true}

// Pyodide holds Pyodide's runtime under pyodide/ (pyodide.mjs, pyodide.asm.wasm,
// python_stdlib.zip, ...), each beside its gzip copy NAME.gz, as `make pyodide` copies them
// from the npm package; a clean checkout has only pyodide/README.md. The gateway serves them
// under /pyodide/VERSION/ (gateway/pyodide.go), and python-worker.js loads them.
//
//go:embed pyodide
var Pyodide embed.FS

// FS holds the assets at its top level: "style.css", "lesson.js", ...
//
//go:embed *.css *.js
var FS embed.FS

// Asset is one file as served: its body and the version that goes into its URL.
type Asset struct {
	Body    []byte
	Version string
}

// URL is the asset's address under /static/ with its version.
func (a Asset) URL(name string) string { return "/static/" + name + "?v=" + a.Version }

// importSpec finds the specifier of a static or dynamic import, or of an export-from, when
// it names a file beside the importer: `from "./format.js"`, `import "./wasm_exec.js"`.
var importSpec = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(?\s*)"\./([A-Za-z0-9_-]+(?:[.-][A-Za-z0-9_-]+)*\.js)"`)

// Assets returns every file of FS and of extra (files that are not embedded, such as the
// toolchain's wasm_exec.js; extra wins over FS), keyed by name, each with a version: a hash
// of its body.
//
// A module's imports of its neighbours are rewritten to their versioned URLs
// ("./format.js?v=1a2b3c4d5e6f"), and a module's version hashes its body after that, so it
// changes whenever a module it imports, directly or not, changes. An import map would do the
// same in the page, but only inline, which the page's Content Security Policy forbids.
// Without the versions, an entry point fetched anew could import a stale neighbour that the
// browser keeps as immutable, or every neighbour would have to be revalidated on each load.
func Assets(extra map[string][]byte) (map[string]Asset, error) {
	bodies := make(map[string][]byte)
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(FS, p)
		if err != nil {
			return err
		}
		if !generated[p] {
			if b, err = minify(p, b); err != nil {
				return err
			}
		}
		bodies[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, b := range extra {
		bodies[name] = b
	}
	out := make(map[string]Asset, len(bodies))
	visiting := make(map[string]bool)
	var version func(name string) (Asset, error)
	version = func(name string) (Asset, error) {
		if a, ok := out[name]; ok {
			return a, nil
		}
		if visiting[name] {
			return Asset{}, fmt.Errorf("static: %s imports itself through a cycle", name)
		}
		visiting[name] = true
		defer delete(visiting, name)
		body := bodies[name]
		var failed error
		if path.Ext(name) == ".js" {
			body = importSpec.ReplaceAllFunc(body, func(m []byte) []byte {
				sub := importSpec.FindSubmatch(m)
				dep := string(sub[2])
				if _, ok := bodies[dep]; !ok {
					failed = fmt.Errorf("static: %s imports %s, which is not an asset", name, dep)
					if generated[dep] {
						failed = fmt.Errorf("static: %s imports %s, which is built, not kept in git: run `make editor` (npm ci in web/editor, then go run ./internal/editorbundle) and build again", name, dep)
					}
					return m
				}
				a, err := version(dep)
				if err != nil {
					failed = err
					return m
				}
				return fmt.Appendf(nil, `%s"./%s?v=%s"`, sub[1], dep, a.Version)
			})
		}
		if failed != nil {
			return Asset{}, failed
		}
		sum := sha256.Sum256(body)
		a := Asset{Body: body, Version: hex.EncodeToString(sum[:6])}
		out[name] = a
		return a, nil
	}
	for name := range bodies {
		if _, err := version(name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// minified holds the minified body of each asset by the hash of its source: a process that
// starts several gateways (the tests) minifies once.
var minified sync.Map

// minify returns a script or stylesheet without its comments and needless white space and
// syntax, its identifiers untouched; other files as they are. A script that esbuild cannot
// parse is an error that names it.
func minify(name string, body []byte) ([]byte, error) {
	loader := api.LoaderJS
	switch {
	case strings.HasSuffix(name, ".css"):
		loader = api.LoaderCSS
	case !strings.HasSuffix(name, ".js"):
		return body, nil
	}
	key := sha256.Sum256(body)
	if m, ok := minified.Load(key); ok {
		return m.([]byte), nil
	}
	res := api.Transform(string(body), api.TransformOptions{
		Loader:           loader,
		Sourcefile:       name,
		MinifyWhitespace: true,
		MinifySyntax:     true,
		Charset:          api.CharsetUTF8, // i18n.js's Chinese as UTF-8, not as \u escapes
		LegalComments:    api.LegalCommentsInline,
	})
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		where := name
		if e.Location != nil {
			where = fmt.Sprintf("%s:%d:%d", name, e.Location.Line, e.Location.Column)
		}
		return nil, fmt.Errorf("static: %s: %s", where, e.Text)
	}
	minified.Store(key, res.Code)
	return res.Code, nil
}
