package lessons

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The lesson fences as a goldmark extension. A transformer turns the fenced
// blocks whose info string says "go run", "output" or "exercise" into nodes
// of their own (cellNode, outputNode, exerciseNode); parseLesson puts the
// lesson together from those nodes, and the renderer writes each one's
// markup. Other fenced blocks stay ast.FencedCodeBlock and are rendered as
// code, Go highlighted.

// kindCell, kindOutput and kindExercise are the kinds of the lesson fences'
// nodes.
var (
	kindCell     = ast.NewNodeKind("LessonCell")
	kindOutput   = ast.NewNodeKind("LessonOutput")
	kindExercise = ast.NewNodeKind("LessonExercise")
)

// fenceBlock is what every lesson fence node holds: the block as written.
type fenceBlock struct {
	ast.BaseBlock
	info  blockInfo
	text  string   // the block's content
	lines []string // the same, a line each without its newline
	line  int      // the line of the opening fence in the .md file
}

func (f *fenceBlock) IsRaw() bool { return true }

func (f *fenceBlock) dump(n ast.Node, source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Line": strconv.Itoa(f.line)}, nil)
}

// cellNode is a "go run" block. view is set when the lesson is put together.
type cellNode struct {
	fenceBlock
	view *cellView
}

func (n *cellNode) Dump(source []byte, level int) { n.dump(n, source, level) }

func (*cellNode) Kind() ast.NodeKind { return kindCell }

// outputNode is an "output" or "output match" block.
type outputNode struct {
	fenceBlock
	view *outputView
}

func (n *outputNode) Dump(source []byte, level int) { n.dump(n, source, level) }

func (*outputNode) Kind() ast.NodeKind { return kindOutput }

// exerciseNode is an "exercise" block.
type exerciseNode struct {
	fenceBlock
	exercise *Exercise
}

func (n *exerciseNode) Dump(source []byte, level int) { n.dump(n, source, level) }

func (*exerciseNode) Kind() ast.NodeKind { return kindExercise }

// fences is the extension for one lesson file. skipped is the number of
// file lines before the Markdown body (the front matter), for line numbers.
// bad holds the fenced blocks whose info string does not parse, with why;
// parseLesson reports them in the order of the file.
type fences struct {
	skipped int
	bad     map[ast.Node]badFence
	words   *words // the page's words in the lesson's language
}

// badFence is a fenced block whose info string does not parse.
type badFence struct {
	line int
	err  error
}

func (e *fences) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithASTTransformers(util.Prioritized(e, 100)))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(fenceRenderer{e.words}, 100)))
}

// Transform replaces the lesson fences with their nodes.
func (e *fences) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var blocks []*ast.FencedCodeBlock
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if fb, ok := n.(*ast.FencedCodeBlock); ok && entering && fb.Info != nil {
			blocks = append(blocks, fb)
		}
		return ast.WalkContinue, nil
	})
	for _, fb := range blocks {
		line := e.skipped + 1 + bytes.Count(src[:fb.Info.Segment.Start], []byte("\n"))
		bi, err := parseInfo(string(fb.Info.Segment.Value(src)))
		if err != nil {
			e.bad[fb] = badFence{line, err}
			continue
		}
		var node ast.Node
		f := fenceBlock{info: bi, text: string(fb.Lines().Value(src)), line: line}
		f.SetLines(fb.Lines())
		switch bi.Kind {
		case cellBlock:
			node = &cellNode{fenceBlock: f}
		case outputBlock:
			node = &outputNode{fenceBlock: f}
		case exerciseBlock:
			segs := fb.Lines()
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				f.lines = append(f.lines, strings.TrimRight(string(seg.Value(src)), "\n"))
			}
			node = &exerciseNode{fenceBlock: f}
		default:
			continue
		}
		fb.Parent().ReplaceChild(fb.Parent(), fb, node)
	}
}

// fenceRenderer writes the lesson fences, and other fenced blocks as code.
type fenceRenderer struct{ w *words }

func (r fenceRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindCell, renderNode(func(b *strings.Builder, n *cellNode, _ []byte) { writeCell(b, r.w, n.view) }))
	reg.Register(kindOutput, renderNode(func(b *strings.Builder, n *outputNode, _ []byte) { writeOutput(b, r.w, n.view) }))
	reg.Register(kindExercise, renderNode(func(b *strings.Builder, n *exerciseNode, _ []byte) { writeExercise(b, r.w, n.exercise) }))
	reg.Register(ast.KindFencedCodeBlock, renderNode(func(b *strings.Builder, fb *ast.FencedCodeBlock, src []byte) {
		writeCode(b, string(fb.Language(src)), string(fb.Lines().Value(src)))
	}))
}

// renderNode makes a goldmark render function of a writer of one node type.
func renderNode[N ast.Node](write func(b *strings.Builder, n N, source []byte)) renderer.NodeRendererFunc {
	return func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var b strings.Builder
		write(&b, n.(N), source)
		_, _ = w.WriteString(b.String())
		return ast.WalkSkipChildren, nil
	}
}
