package main

import (
	"slices"
	"testing"
)

// TestEmbedSize checks the walk behind the embed's size figure: it reaches the cell, the wire
// view and the program's worker through their imports, and each file counts once.
func TestEmbedSize(t *testing.T) {
	files, plain, gz, err := embedSize()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"embed.js", "embed-main.js", "cell.js", "wire-view.js", "wire-model.js", "format.js", "embed-frame.js", "worker.js", "worker-fs.js", "memfs.js", "wasm_exec.js", "style.css", "embed.css"} {
		if !slices.Contains(files, want) {
			t.Errorf("the embed's files %v leave out %s", files, want)
		}
	}
	// The editor's library is imported on demand, when a reader first touches the code.
	for _, not := range []string{"lesson.js", "exercises.js", "exercises.css", "codemirror.js", "codemirror-python.js"} {
		if slices.Contains(files, not) {
			t.Errorf("the embed's files include %s, which an embed does not load", not)
		}
	}
	if gz <= 0 || gz >= plain {
		t.Errorf("gzipped %d bytes of %d plain", gz, plain)
	}
	t.Logf("%d files, %d bytes, %d gzipped", len(files), plain, gz)
}
