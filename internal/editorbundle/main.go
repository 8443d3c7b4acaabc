// Command editorbundle bundles the page's editor, CodeMirror 6, into one ES module:
// web/editor/entry.js and the npm packages it imports (installed by `npm ci` in web/editor,
// versions pinned by its package-lock.json) become static/codemirror.js, minified, with the
// licence of every package it holds at its top. `make editor` runs npm ci and then this
// program; `make build` and `make test` run that first.
//
// The bundler is esbuild's Go library, so nothing but npm's own install step needs Node.
// The output is written only when it changes, so that make and go:embed see a stable file.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

func main() {
	src := flag.String("src", "web/editor", "the folder with package.json, package-lock.json, entry.js and node_modules")
	out := flag.String("out", "static/codemirror.js", "the bundle to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "editorbundle:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	if _, err := os.Stat(filepath.Join(src, "node_modules")); err != nil {
		return fmt.Errorf("%s/node_modules is missing: run `npm ci --prefix %s` first (make editor does both steps)", src, src)
	}
	files, err := bundle(src, filepath.Base(out))
	if err != nil {
		return err
	}
	for name, body := range files {
		p := filepath.Join(filepath.Dir(out), name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, body) {
			continue
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// shared are the packages that the Python bundle takes from the core bundle: two copies of
// @codemirror/state in one page do not work together, and the rest would only be loaded twice.
var shared = regexp.MustCompile(`^@codemirror/(state|view|language|autocomplete)$|^@lezer/(common|lr|highlight)$`)

// importFromCore is how the Python bundle, built first, names what it needs of a shared
// package: a specifier that esbuild leaves alone.
var importFromCore = regexp.MustCompile(`import\{([^}]*)\}from"core:([^"]+)"`)

// bundle builds the core bundle (entry.js: the editor and Go) and the Python bundle
// (python.js), each a minified ES module with the licences of what it holds before it. The
// Python bundle is built first with the shared packages left out; the names it imports from
// them are then exported by the core bundle under names of their own ("_sh3_LRParser"),
// and its imports rewritten to take them from "./codemirror.js".
func bundle(src, core string) (map[string][]byte, error) {
	py, err := build(src, api.BuildOptions{
		EntryPoints: []string{filepath.Join(src, "python.js")},
		Plugins: []api.Plugin{{Name: "shared", Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: shared.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: "core:" + a.Path, External: true}, nil
			})
		}}},
	})
	if err != nil {
		return nil, err
	}
	var extra strings.Builder
	pkgIndex := map[string]int{}
	exported := map[string]bool{}
	var rewriteErr error
	pyCode := importFromCore.ReplaceAllStringFunc(string(py.code), func(m string) string {
		sub := importFromCore.FindStringSubmatch(m)
		pkg := sub[2]
		i, ok := pkgIndex[pkg]
		if !ok {
			i = len(pkgIndex)
			pkgIndex[pkg] = i
		}
		var exports, imports []string
		for _, spec := range strings.Split(sub[1], ",") {
			name, local, found := strings.Cut(strings.TrimSpace(spec), " as ")
			if !found {
				local = name
			}
			if name == "" || name == "default" {
				rewriteErr = fmt.Errorf("the Python bundle imports %q from %s, which cannot be shared", spec, pkg)
				continue
			}
			alias := fmt.Sprintf("_sh%d_%s", i, name)
			if !exported[alias] {
				exported[alias] = true
				exports = append(exports, name+" as "+alias)
			}
			imports = append(imports, alias+" as "+local)
		}
		if len(exports) > 0 {
			fmt.Fprintf(&extra, "export { %s } from %q;\n", strings.Join(exports, ", "), pkg)
		}
		return "import{" + strings.Join(imports, ",") + "}from\"./" + core + "\""
	})
	if rewriteErr != nil {
		return nil, rewriteErr
	}
	if strings.Contains(pyCode, `"core:`) {
		return nil, fmt.Errorf("the Python bundle imports a shared package in a way this program does not rewrite")
	}
	entry, err := os.ReadFile(filepath.Join(src, "entry.js"))
	if err != nil {
		return nil, err
	}
	cm, err := build(src, api.BuildOptions{Stdin: &api.StdinOptions{
		Contents:   string(entry) + "\n// What the Python bundle takes from this one.\n" + extra.String(),
		ResolveDir: src,
		Sourcefile: "entry.js",
		Loader:     api.LoaderJS,
	}})
	if err != nil {
		return nil, err
	}
	pyName := strings.TrimSuffix(core, ".js") + "-python.js"
	out := map[string][]byte{}
	for name, b := range map[string]*built{core: cm, pyName: {code: []byte(pyCode), pkgs: py.pkgs}} {
		head, err := licences(src, name, b.pkgs)
		if err != nil {
			return nil, err
		}
		out[name] = append([]byte(head), b.code...)
	}
	return out, nil
}

// styleModCheck is the test by which style-mod (CodeMirror's styles) chooses between a
// constructed style sheet and a <style> element; it takes the element for a document, and the
// page's Content Security Policy (style-src 'self') refuses an element's inline rules. The
// patch makes it construct a sheet for the document too, which the policy allows.
const styleModCheck = "if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {"

var adoptStyles = api.Plugin{Name: "adopt-styles", Setup: func(b api.PluginBuild) {
	b.OnLoad(api.OnLoadOptions{Filter: `style-mod[/\\]src[/\\]style-mod\.js$`}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
		raw, err := os.ReadFile(a.Path)
		if err != nil {
			return api.OnLoadResult{}, err
		}
		code := string(raw)
		if !strings.Contains(code, styleModCheck) {
			return api.OnLoadResult{}, fmt.Errorf("%s no longer chooses its style sheet as internal/editorbundle expects: check the patch against the new version", a.Path)
		}
		code = strings.Replace(code, styleModCheck, "if (root.adoptedStyleSheets && win.CSSStyleSheet) {", 1)
		dir := filepath.Dir(a.Path)
		return api.OnLoadResult{Contents: &code, ResolveDir: dir, Loader: api.LoaderJS}, nil
	})
}}

// built is one bundle: its code and the npm packages it holds.
type built struct {
	code []byte
	pkgs []string
}

// build runs esbuild with the options every bundle shares.
func build(src string, o api.BuildOptions) (*built, error) {
	o.AbsWorkingDir = mustAbs(".")
	o.Bundle = true
	o.Format = api.FormatESModule
	o.Target = api.ES2020
	o.MinifyWhitespace, o.MinifyIdentifiers, o.MinifySyntax = true, true, true
	o.LegalComments = api.LegalCommentsNone // every licence is written once, at the top
	o.Metafile = true
	o.Write = false
	o.Outfile = "bundle.js"
	o.LogLevel = api.LogLevelSilent
	o.Plugins = append(o.Plugins, adoptStyles)
	res := api.Build(o)
	if len(res.Errors) > 0 {
		var msgs []string
		for _, m := range api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage}) {
			msgs = append(msgs, strings.TrimSpace(m))
		}
		return nil, fmt.Errorf("esbuild:\n%s", strings.Join(msgs, "\n"))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("esbuild wrote %d files, want 1", len(res.OutputFiles))
	}
	pkgs, err := bundledPackages(src, res.Metafile)
	if err != nil {
		return nil, err
	}
	return &built{code: res.OutputFiles[0].Contents, pkgs: pkgs}, nil
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

// bundledPackages lists the npm packages that have a file in the bundle, from esbuild's
// metafile: "web/editor/node_modules/@codemirror/view/dist/index.js" is @codemirror/view.
func bundledPackages(src, metafile string) ([]string, error) {
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, fmt.Errorf("reading esbuild's metafile: %w", err)
	}
	seen := map[string]bool{}
	for in := range meta.Inputs {
		_, rest, ok := strings.Cut(filepath.ToSlash(in), "node_modules/")
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, "/", 3)
		name := parts[0]
		if strings.HasPrefix(name, "@") && len(parts) > 1 {
			name += "/" + parts[1]
		}
		seen[name] = true
	}
	var out []string
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("the bundle holds no package of %s/node_modules", src)
	}
	return out, nil
}

// licences writes the comment at the top of the bundle: each package with its version and
// licence name, then each distinct licence text once, with the packages it covers.
func licences(src, name string, pkgs []string) (string, error) {
	type text struct {
		body string
		pkgs []string
	}
	var texts []*text
	var b strings.Builder
	fmt.Fprintf(&b, "/*! %s: CodeMirror 6 parts, bundled for socketlab from the npm packages below\n", name)
	b.WriteString(" * (web/editor/package-lock.json pins them; internal/editorbundle builds this file).\n *\n")
	for _, name := range pkgs {
		dir := filepath.Join(src, "node_modules", filepath.FromSlash(name))
		var pj struct {
			Version string `json:"version"`
			License string `json:"license"`
		}
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(raw, &pj); err != nil {
			return "", fmt.Errorf("%s/package.json: %w", dir, err)
		}
		fmt.Fprintf(&b, " *   %s %s (%s)\n", name, pj.Version, pj.License)
		body, err := licenceText(dir)
		if err != nil {
			return "", fmt.Errorf("%s (%s): %w", name, pj.License, err)
		}
		found := false
		for _, t := range texts {
			if t.body == body {
				t.pkgs = append(t.pkgs, name)
				found = true
			}
		}
		if !found {
			texts = append(texts, &text{body, []string{name}})
		}
	}
	for _, t := range texts {
		fmt.Fprintf(&b, " *\n * The licence of %s:\n *\n", strings.Join(t.pkgs, ", "))
		for _, line := range strings.Split(t.body, "\n") {
			line = strings.ReplaceAll(line, "*/", "* /") // cannot end the comment early
			b.WriteString(strings.TrimRight(" * "+line, " ") + "\n")
		}
	}
	b.WriteString(" */\n")
	return b.String(), nil
}

// licenceText reads a package's licence file, whatever its name's case and extension.
func licenceText(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		n := strings.ToUpper(e.Name())
		if !e.IsDir() && (strings.HasPrefix(n, "LICENSE") || strings.HasPrefix(n, "LICENCE")) {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return "", err
			}
			return strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")), nil
		}
	}
	return "", fmt.Errorf("no LICENSE file in %s: its licence must travel with the bundle", dir)
}
