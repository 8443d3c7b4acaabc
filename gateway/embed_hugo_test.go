package gateway_test

import (
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"socketlab/lessons"
)

// hugoSite builds, with Hugo (Debian's hugo package), a site whose one post embeds the first
// lesson's first cell with the snippet of docs/embed.md written in its Markdown, into dir,
// to be served at baseURL.
func hugoSite(t *testing.T, gw, baseURL, dir string) {
	t.Helper()
	hugo, err := exec.LookPath("hugo")
	if err != nil {
		const msg = "no hugo found: install it with `apt-get install hugo`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; this test must run in CI")
		}
		t.Skip(msg)
	}
	ls, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	files := map[string]string{
		// Raw HTML in Markdown is Goldmark's "unsafe" in Hugo: the embed needs it.
		"config.toml": "title = \"A blog\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n" +
			"[markup.goldmark.renderer]\nunsafe = true\n",
		"layouts/_default/single.html": "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>" +
			"<body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n",
		"layouts/_default/list.html": "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body></body></html>\n",
		"content/posts/time.md": "---\ntitle: What time is it?\n---\n\n" +
			"A client for the RFC 868 time protocol. Press **Run**.\n\n" +
			"<script src=\"" + gw + "/embed.js\" defer></script>\n\n" +
			"<pre data-socketlab data-id=\"time\">\n" + html.EscapeString(ls[0].Cells[0].Source) + "</pre>\n\n" +
			"That was the client.\n",
	}
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(hugo, "--source", src, "--destination", dir, "--baseURL", baseURL, "--quiet")
	cmd.Env = append(os.Environ(), "HUGO_CACHEDIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "posts", "time", "index.html")); err != nil {
		t.Fatalf("hugo built no page for the post: %v", err)
	}
}
