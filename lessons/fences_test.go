package lessons

import (
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// TestFencesExtension: the lesson fences become nodes of their own,
// wherever they sit, with their file lines; other fences stay code, and a
// bad info string is kept for parseLesson to report.
func TestFencesExtension(t *testing.T) {
	src := []byte("# T\n\n```go run id=a\npackage main\n```\n\n```output\nhi\n```\n\n- item\n\n  ```exercise\n  title: x\n  ```\n\n```go\nx := 1\n```\n\n```go walk\n```\n")
	ext := &fences{skipped: 4, bad: map[ast.Node]badFence{}}
	doc := goldmark.New(goldmark.WithExtensions(ext)).Parser().Parse(text.NewReader(src))
	type seen struct {
		kind ast.NodeKind
		line int
	}
	var got []seen
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *cellNode:
			got = append(got, seen{n.Kind(), n.line})
			if n.info.Name != "a" || n.text != "package main\n" {
				t.Errorf("cell node %+v", n.fenceBlock)
			}
		case *outputNode:
			got = append(got, seen{n.Kind(), n.line})
		case *exerciseNode:
			got = append(got, seen{n.Kind(), n.line})
			if len(n.lines) != 1 || n.lines[0] != "title: x" {
				t.Errorf("exercise lines %q", n.lines)
			}
		case *ast.FencedCodeBlock:
			got = append(got, seen{n.Kind(), 0})
		}
		return ast.WalkContinue, nil
	})
	want := []seen{{kindCell, 7}, {kindOutput, 11}, {kindExercise, 17}, {ast.KindFencedCodeBlock, 0}, {ast.KindFencedCodeBlock, 0}}
	if len(got) != len(want) {
		t.Fatalf("nodes %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("node %d = %v, want %v", i, got[i], want[i])
		}
	}
	if len(ext.bad) != 1 {
		t.Fatalf("%d bad fences, want the go walk block", len(ext.bad))
	}
	for _, b := range ext.bad {
		if b.line != 25 || b.err == nil {
			t.Errorf("bad fence on line %d: %v, want line 25", b.line, b.err)
		}
	}
}
