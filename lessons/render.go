package lessons

import (
	"bytes"
	"encoding/json"
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
	Stdin  string   // what the program reads when run, from stdin="..."
	Exit   int      // the exit status a run ends with, from exit=N (default 0)
	With   string   // the ID of the cell that must be running first (a server), from with=NAME
	Runs   []Run    // what it must print: one per output block after it
}

// A Lesson is one Markdown file, parsed and rendered.
type Lesson struct {
	Slug      string // the file name without ".md"; the page is /lessons/SLUG
	Title     string
	Summary   string
	Order     int
	HTML      template.HTML // the rendered body, cells included (not the whole page)
	Cells     []Cell
	Exercises []Exercise
}

// Cell returns the lesson's cell with the given ID, or nil.
func (l *Lesson) Cell(id string) *Cell {
	for i := range l.Cells {
		if l.Cells[i].ID == id {
			return &l.Cells[i]
		}
	}
	return nil
}

// Servers returns the IDs of the cells that other cells need running (with=),
// in the order of the lesson.
func (l *Lesson) Servers() []string {
	need := map[string]bool{}
	for _, c := range l.Cells {
		if c.With != "" {
			need[c.With] = true
		}
	}
	var out []string
	for _, c := range l.Cells {
		if need[c.ID] {
			out = append(out, c.ID)
		}
	}
	return out
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

	cr := &cellRenderer{cells: map[ast.Node]*cellView{}, outputs: map[ast.Node]*outputView{}, exercises: map[ast.Node]*Exercise{}}
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(cr, 100))),
	)
	doc := md.Parser().Parse(text.NewReader(body))

	// Find the cells, their output blocks and the exercises first, so that
	// every bad block is reported and the renderer only has to look them up.
	var (
		names     = map[string]int{}   // cell name → line
		owner     = map[ast.Node]int{} // cell or output block → index of its cell
		withLines = map[int]string{}   // cell index → the name its with= gives
		views     []*cellView          // by cell index
		drafts    []*exerciseDraft
		draftNode []ast.Node
	)
	lineOf := func(fb *ast.FencedCodeBlock) int {
		return skipped + 1 + bytes.Count(body[:fb.Info.Segment.Start], []byte("\n"))
	}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fb, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok || fb.Info == nil {
			return ast.WalkContinue, nil
		}
		line := lineOf(fb)
		bi, err := parseInfo(string(fb.Info.Segment.Value(body)))
		if err != nil {
			return ast.WalkStop, errorf(name, line, "%v", err)
		}
		switch bi.Kind {
		case cellBlock:
			c := Cell{
				Lesson: slug,
				Index:  len(l.Cells) + 1,
				Source: string(fb.Lines().Value(body)),
				Line:   line,
			}
			argsText := ""
			if bi.Args != nil {
				argsText = *bi.Args
				c.Args = splitArgs(argsText)
			}
			if bi.Stdin != nil {
				c.Stdin = *bi.Stdin
			}
			if bi.Exit != nil {
				c.Exit = *bi.Exit
			}
			c.ID = slug + "-" + strconv.Itoa(c.Index)
			if bi.Name != "" {
				if first, dup := names[bi.Name]; dup {
					return ast.WalkStop, errorf(name, line, "cell id %q is already used by the cell on line %d", bi.Name, first)
				}
				names[bi.Name] = line
				c.ID = slug + "-" + bi.Name
			}
			if strings.TrimSpace(c.Source) == "" {
				return ast.WalkStop, errorf(name, line, "the go run block is empty")
			}
			if bi.With != "" {
				withLines[len(l.Cells)] = bi.With
			}
			owner[n] = len(l.Cells)
			l.Cells = append(l.Cells, c)
			views = append(views, &cellView{Cell: c, ArgsText: argsText})
			cr.cells[n] = views[len(views)-1]
		case outputBlock:
			prev, _ := n.PreviousSibling().(*ast.FencedCodeBlock)
			idx, ok := owner[prev]
			if prev == nil || !ok {
				return ast.WalkStop, errorf(name, line, "an output block must come right after a go run cell (or after another output block of that cell), with nothing in between")
			}
			c := &l.Cells[idx]
			r := Run{Args: c.Args, Stdin: c.Stdin, Exit: c.Exit, Output: string(fb.Lines().Value(body)), Match: bi.Match, Line: line}
			view := &outputView{Run: r, Cell: c.ID}
			if bi.Args != nil {
				r.Args, view.ArgsText = splitArgs(*bi.Args), *bi.Args
				if view.ArgsText == "" {
					view.ArgsText = " "
				}
			}
			if bi.Stdin != nil {
				r.Stdin, view.StdinShown = *bi.Stdin, true
			}
			if bi.Exit != nil {
				r.Exit = *bi.Exit
			}
			if r.Match {
				if _, err := compilePattern(r.Output); err != nil {
					return ast.WalkStop, errorf(name, line, "output match: %v", err)
				}
			}
			view.Run = r
			c.Runs = append(c.Runs, r)
			owner[n] = idx
			cr.outputs[n] = view
		case exerciseBlock:
			var lines []string
			segs := fb.Lines()
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				lines = append(lines, strings.TrimRight(string(seg.Value(body)), "\n"))
			}
			d, err := parseExercise(name, line, line+1, lines)
			if err != nil {
				return ast.WalkStop, err
			}
			d.before = len(l.Cells) - 1
			drafts = append(drafts, d)
			draftNode = append(draftNode, n)
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, err
	}

	// Resolve names: with= on cells, cell: in exercises.
	byName := func(n string) int {
		if k, err := strconv.Atoi(n); err == nil {
			if k >= 1 && k <= len(l.Cells) {
				return k - 1
			}
			return -1
		}
		for i, c := range l.Cells {
			if c.ID == slug+"-"+n {
				return i
			}
		}
		return -1
	}
	for i := range l.Cells {
		w, ok := withLines[i]
		if !ok {
			continue
		}
		c := &l.Cells[i]
		j := byName(w)
		switch {
		case j < 0:
			return nil, errorf(name, c.Line, "with=%s: no cell in this lesson has id=%s", w, w)
		case j == i:
			return nil, errorf(name, c.Line, "with=%s names the cell itself; name the server cell it needs", w)
		case withLines[j] != "":
			return nil, errorf(name, c.Line, "with=%s names a cell that itself needs another (with=%s); a cell may only need a cell that runs on its own", w, withLines[j])
		}
		c.With = l.Cells[j].ID
		views[i].With = c.With
	}
	exNames := map[string]int{}
	for k, d := range drafts {
		idx := d.before
		if d.cellName != "" {
			if idx = byName(d.cellName); idx < 0 {
				return nil, errorf(name, d.cellLine, "cell: %s: no cell in this lesson has id=%s (or that number)", d.cellName, d.cellName)
			}
		} else if idx < 0 {
			return nil, errorf(name, d.Line, "the exercise comes before any go run cell; put it after the cell it checks, or name the cell with cell:")
		}
		if d.Name == "" {
			d.Name = strconv.Itoa(k + 1)
		}
		if first, dup := exNames[d.Name]; dup {
			return nil, errorf(name, d.Line, "exercise id %q is already used by the exercise on line %d", d.Name, first)
		}
		exNames[d.Name] = d.Line
		c := l.Cells[idx]
		d.ID, d.Lesson, d.Cell = slug+"-"+d.Name, slug, c.ID
		if !d.hasArgs {
			d.Args = c.Args
		}
		if !d.hasStdin {
			d.Stdin = c.Stdin
		}
		l.Exercises = append(l.Exercises, d.Exercise)
	}
	for k := range l.Exercises {
		cr.exercises[draftNode[k]] = &l.Exercises[k]
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
	cells     map[ast.Node]*cellView
	outputs   map[ast.Node]*outputView
	exercises map[ast.Node]*Exercise
}

// outputView is an output block with what its HTML needs.
type outputView struct {
	Run
	Cell       string // the ID of its cell
	ArgsText   string // args= as written, " " for an explicit empty one; "" when not given
	StdinShown bool   // stdin= was given on the block
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
	} else if o, ok := r.outputs[n]; ok {
		writeOutput(&b, o)
	} else if e, ok := r.exercises[n]; ok {
		writeExercise(&b, e)
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

	if c.With != "" {
		fmt.Fprintf(b, `<p class="cell-needs">This program talks to <a href="#cell-%s">the server above</a>: run that cell first, then this one.</p>`+"\n", html.EscapeString(c.With))
	}
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

// writeOutput writes an output block: what the cell above prints, folded
// away under a summary that says how it was run.
func writeOutput(b *strings.Builder, o *outputView) {
	fmt.Fprintf(b, `<details class="expected" data-cell="%s"><summary>Expected output`, html.EscapeString(o.Cell))
	var how []string
	if o.ArgsText == " " {
		how = append(how, "with no arguments")
	} else if o.ArgsText != "" {
		how = append(how, "with arguments <code>"+html.EscapeString(o.ArgsText)+"</code>")
	}
	if o.StdinShown {
		how = append(how, "typing <code>"+html.EscapeString(describeStdin(o.Stdin))+"</code>")
	}
	if o.Exit != 0 {
		how = append(how, fmt.Sprintf("exit status %d", o.Exit))
	}
	if len(how) > 0 {
		b.WriteString(" (" + strings.Join(how, ", ") + ")")
	}
	b.WriteString("</summary>\n")
	b.WriteString(`<pre class="expected-output">`)
	if !o.Match {
		b.WriteString(html.EscapeString(o.Output))
	} else {
		for _, line := range splitLines(o.Output) {
			if line == ellipsis {
				b.WriteString(`<span class="vary-lines" title="any number of lines">⋮</span>` + "\n")
				continue
			}
			parts, _ := splitHoles(line) // checked at load
			for _, p := range parts {
				if p.hole {
					fmt.Fprintf(b, `<span class="vary" title="varies: %s">…</span>`, html.EscapeString(p.text))
				} else {
					b.WriteString(html.EscapeString(p.text))
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("</pre></details>\n")
}

// writeExercise writes an exercise's panel. static/exercises.js finds it by
// its class and data attributes, has the gateway judge each finished run of
// the cell (CheckHandler) and marks each check. data-check holds a check's
// parsed form, for reading; the page does not evaluate it.
func writeExercise(b *strings.Builder, e *Exercise) {
	id := html.EscapeString(e.ID)
	fmt.Fprintf(b, `<section class="exercise" id="exercise-%s" data-exercise="%s" data-lesson="%s" data-cell="%s">`+"\n",
		id, html.EscapeString(e.Name), html.EscapeString(e.Lesson), html.EscapeString(e.Cell))
	fmt.Fprintf(b, `  <h3 class="exercise-title">Exercise: %s</h3>`+"\n", html.EscapeString(e.Title))
	b.WriteString(`  <p class="exercise-how">`)
	fmt.Fprintf(b, `Edit and run <a href="#cell-%s">the cell</a>`, html.EscapeString(e.Cell))
	if e.ArgsText != "" {
		fmt.Fprintf(b, ` with arguments <code>%s</code>`, html.EscapeString(e.ArgsText))
	}
	if e.StdinText != "" {
		fmt.Fprintf(b, `, typing <code>%s</code>`, html.EscapeString(describeStdin(e.Stdin)))
	}
	b.WriteString(`. When the program ends (or you press Stop), these checks look at its output and at its socket events:</p>` + "\n")
	b.WriteString(`  <ul class="checks">` + "\n")
	for _, c := range e.Checks {
		js, _ := json.Marshal(c)
		fmt.Fprintf(b, `    <li class="check" data-check="%s"><span class="mark" aria-hidden="true">○</span> <code class="check-text">%s</code> <span class="detail"></span></li>`+"\n",
			html.EscapeString(string(js)), html.EscapeString(c.Text))
	}
	b.WriteString("  </ul>\n")
	b.WriteString(`  <p class="exercise-status" role="status">Not checked yet.</p>` + "\n")
	b.WriteString("</section>\n")
}
