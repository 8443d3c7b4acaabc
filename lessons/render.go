package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// A Cell is a runnable Go program in a lesson: a fenced block marked
// "go run".
type Cell struct {
	ID     string   // "SLUG-N", or "SLUG-NAME" when the block says id=NAME; the page uses it in id="cell-ID" and data-cell="ID"
	Lesson string   // the lesson's slug
	Index  int      // 1 for the lesson's first cell, 2 for the next, ...
	Source string   // the program, as written in the block
	Args   []string // the default arguments, from args="..."
	Line   int      // the line of the opening fence in the .md file
}

// A Lesson is one Markdown file, parsed and rendered.
type Lesson struct {
	Slug    string // the file name without ".md"; the page is /lessons/SLUG
	Title   string
	Summary string
	Order   int
	HTML    template.HTML // the rendered body, cells included (not the whole page)
	Cells   []Cell
}

// validSlug is the shape of a lesson file name (without .md): it becomes
// part of URLs and element ids.
var validSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Load reads every *.md file at the top of fsys as a lesson and returns the
// lessons sorted by their order. All problems found are returned together,
// each naming its file and line.
func Load(fsys fs.FS) ([]*Lesson, error) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, fmt.Errorf("listing lessons: %w", err)
	}
	var (
		lessons []*Lesson
		errs    []error
		orders  = map[int]string{}
	)
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading lesson: %w", err))
			continue
		}
		l, err := parseLesson(name, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := orders[l.Order]; dup {
			errs = append(errs, errorf(name, 1, "order %d is already taken by %s; give each lesson its own order", l.Order, other))
			continue
		}
		orders[l.Order] = name
		lessons = append(lessons, l)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(lessons, func(i, j int) bool { return lessons[i].Order < lessons[j].Order })
	return lessons, nil
}

// parseLesson turns one lesson file into a Lesson.
func parseLesson(name string, src []byte) (*Lesson, error) {
	slug := strings.TrimSuffix(path.Base(name), ".md")
	if !validSlug.MatchString(slug) {
		return nil, errorf(name, 1, "the file name must be lower-case letters, digits and dashes, ending in .md (it becomes the lesson's URL)")
	}
	if !utf8.Valid(src) {
		return nil, errorf(name, 1, "the file is not valid UTF-8")
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))

	fm, body, skipped, err := parseFrontMatter(name, src)
	if err != nil {
		return nil, err
	}
	l := &Lesson{Slug: slug, Title: fm.Title, Summary: fm.Summary, Order: fm.Order}

	cr := &cellRenderer{cells: map[ast.Node]*cellView{}}
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(cr, 100))),
	)
	doc := md.Parser().Parse(text.NewReader(body))

	// Find the cells first, so that every bad info string is reported and
	// the renderer only has to look them up.
	names := map[string]int{}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fb, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok || fb.Info == nil {
			return ast.WalkContinue, nil
		}
		line := skipped + 1 + bytes.Count(body[:fb.Info.Segment.Start], []byte("\n"))
		ci, isCell, err := parseInfo(string(fb.Info.Segment.Value(body)))
		if err != nil {
			return ast.WalkStop, errorf(name, line, "%v", err)
		}
		if !isCell {
			return ast.WalkContinue, nil
		}
		c := Cell{
			Lesson: slug,
			Index:  len(l.Cells) + 1,
			Source: string(fb.Lines().Value(body)),
			Args:   splitArgs(ci.Args),
			Line:   line,
		}
		c.ID = slug + "-" + strconv.Itoa(c.Index)
		if ci.Name != "" {
			if first, dup := names[ci.Name]; dup {
				return ast.WalkStop, errorf(name, line, "cell id %q is already used by the cell on line %d", ci.Name, first)
			}
			names[ci.Name] = line
			c.ID = slug + "-" + ci.Name
		}
		if strings.TrimSpace(c.Source) == "" {
			return ast.WalkStop, errorf(name, line, "the go run block is empty")
		}
		l.Cells = append(l.Cells, c)
		cr.cells[n] = &cellView{Cell: c, ArgsText: ci.Args}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, err
	}

	var out bytes.Buffer
	if err := md.Renderer().Render(&out, body, doc); err != nil {
		return nil, fmt.Errorf("%s: rendering: %w", name, err)
	}
	l.HTML = template.HTML(out.String())
	return l, nil
}

// cellRenderer renders fenced code blocks: runnable cells as editors, other
// blocks as code, Go highlighted.
type cellRenderer struct {
	cells map[ast.Node]*cellView
}

// cellView is a cell with what its HTML needs beyond the Cell itself.
type cellView struct {
	Cell
	ArgsText string // the args attribute as written, shown in the Arguments field
}

func (r *cellRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.renderFencedCodeBlock)
}

func (r *cellRenderer) renderFencedCodeBlock(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	fb := n.(*ast.FencedCodeBlock)
	code := string(fb.Lines().Value(source))
	var b strings.Builder
	if c, ok := r.cells[n]; ok {
		writeCell(&b, c)
	} else {
		writeCode(&b, string(fb.Language(source)), code)
	}
	_, _ = w.WriteString(b.String())
	return ast.WalkSkipChildren, nil
}

// writeCode writes a plain (not runnable) code block.
func writeCode(b *strings.Builder, lang, code string) {
	b.WriteString("<pre><code")
	if lang != "" {
		b.WriteString(` class="language-`)
		b.WriteString(html.EscapeString(lang))
		b.WriteString(`"`)
	}
	b.WriteString(">")
	if lang == "go" {
		highlightGo(b, code)
	} else {
		b.WriteString(html.EscapeString(code))
	}
	b.WriteString("</code></pre>\n")
}

// writeCell writes the markup that static/lesson.js turns into a working
// cell. The class names are a contract with the script, the worker and the
// browser tests: change them together.
func writeCell(b *strings.Builder, c *cellView) {
	id := html.EscapeString(c.ID)
	code := strings.TrimSuffix(c.Source, "\n")
	lines := strings.Count(code, "\n") + 1

	fmt.Fprintf(b, `<section class="cell" id="cell-%s" data-cell="%s">`+"\n", id, id)
	b.WriteString(`  <div class="editor"><div class="gutter" aria-hidden="true">`)
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(b, `<div class="line">%d</div>`, i)
	}
	b.WriteString("</div>\n")
	b.WriteString(`    <textarea class="code" spellcheck="false" aria-label="Go code">`)
	if strings.HasPrefix(code, "\n") {
		b.WriteString("\n") // the HTML parser drops one newline right after <textarea>
	}
	b.WriteString(html.EscapeString(code))
	b.WriteString("</textarea></div>\n")
	b.WriteString(`  <div class="controls"><button class="run">Run</button> <button class="stop" disabled>Stop</button>` + "\n")
	fmt.Fprintf(b, `    <label>Arguments <input class="args" value="%s"></label> <span class="status"></span></div>`+"\n", html.EscapeString(c.ArgsText))
	b.WriteString(`  <pre class="console" aria-live="polite"></pre>` + "\n")
	b.WriteString(`  <div class="bytes"><!-- filled by script --></div>` + "\n")
	b.WriteString("</section>\n")
}
