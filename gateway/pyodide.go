package gateway

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"socketlab/python"
	"socketlab/static"
)

// pyRuntime is what a Python cell's worker loads, served under /pyodide/VERSION/: Pyodide's
// runtime (static.Pyodide, from `make pyodide`) and the lab's socket module as a zip
// (socketlab-python.zip, the files of package python). VERSION hashes them all, so the
// browser keeps them for good and fetches them anew when any of them changes.
type pyRuntime struct {
	version string
	files   map[string]asset
	missing string // why Pyodide is not there, when it is not
}

// pyodideFiles are the files python-worker.js needs; without them Python cells cannot run.
var pyodideFiles = []string{"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"}

// loadPyodide reads the runtime from the binary. Its gzip copies were made by `make pyodide`
// (gzip -9 of the 10 MB of WebAssembly takes seconds, too long for every start).
func loadPyodide() (*pyRuntime, error) {
	rt := &pyRuntime{files: map[string]asset{}}
	err := fs.WalkDir(static.Pyodide, "pyodide", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := path.Base(p)
		if strings.HasSuffix(name, ".gz") || name == "README.md" {
			return nil
		}
		body, err := fs.ReadFile(static.Pyodide, p)
		if err != nil {
			return err
		}
		a := asset{body: body}
		if gz, err := fs.ReadFile(static.Pyodide, p+".gz"); err == nil && len(gz) < len(body)*19/20 {
			a.gz = gz
		}
		rt.files[name] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, name := range pyodideFiles {
		if _, ok := rt.files[name]; !ok {
			rt.missing = "this socketlab was built without Pyodide, which runs Python in the page: run `make pyodide` (npm ci in web/pyodide) and build again"
			break
		}
	}
	lib, err := pythonZip()
	if err != nil {
		return nil, err
	}
	rt.files["socketlab-python.zip"] = asset{body: lib}
	names := make([]string, 0, len(rt.files))
	for name := range rt.files {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s %d\n", name, len(rt.files[name].body))
		h.Write(rt.files[name].body)
	}
	rt.version = hex.EncodeToString(h.Sum(nil)[:6])
	for name, a := range rt.files {
		a.version = rt.version
		rt.files[name] = a
	}
	return rt, nil
}

// pythonZip packs the lab's socket module (package python's socketlab/*.py) for the page.
func pythonZip() ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	err := fs.WalkDir(python.FS(), "socketlab", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(python.FS(), p)
		if err != nil {
			return err
		}
		w, err := zw.Create(p)
		if err != nil {
			return err
		}
		_, err = w.Write(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pathsModule is python-paths.js, an asset the gateway writes: where python-worker.js finds
// the runtime, or why it is not there.
func (rt *pyRuntime) pathsModule() []byte {
	base := "/pyodide/" + rt.version + "/"
	if rt.missing != "" {
		base = ""
	}
	missing := ""
	if rt.missing != "" {
		missing = "not-built" // python-worker.js words it (static/i18n.js); rt.missing is the log's
	}
	return fmt.Appendf(nil, "// Written by the gateway (gateway/pyodide.go): where Pyodide and the lab's socket module are served.\nexport const runtime = %q;\nexport const missing = %q;\n", base, missing)
}

// servePyodide serves the runtime's files, for good when the URL has the current version.
func (s *Server) servePyodide(w http.ResponseWriter, r *http.Request) {
	rt := s.python
	a, ok := rt.files[r.PathValue("file")]
	if !ok {
		http.Error(w, "no such file of the Python runtime", http.StatusNotFound)
		return
	}
	a.serve(w, r, r.PathValue("file"), r.PathValue("version") == rt.version)
}
