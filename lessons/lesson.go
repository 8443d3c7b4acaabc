package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"socketlab/gateway/faults"
	"socketlab/lessons/grade"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// A Cell is a runnable Go program in a lesson: a fenced block marked
// "go run".
type Cell struct {
	ID     string   // "SLUG-N", or "SLUG-NAME" when the block says id=NAME; the page uses it in id="cell-ID" and data-cell="ID"
	Lesson string   // the lesson's slug
	Index  int      // 1 for the lesson's first cell, 2 for the next, ...
	Source string   // the program, as written in the block
	Lang   string   // the program's language: "go" or "python" (from "go run" or "python run")
	Args   []string // the default arguments, from args="..."
	Line   int      // the line of the opening fence in the .md file
	Stdin  string   // what the program reads when run, from stdin="..."
	Exit   int      // the exit status a run ends with, from exit=N (default 0)
	With   string   // the ID of the cell that must be running first (a server), from with=NAME
	Faults string   // the lab's faults the cell runs under, from faults=SPEC ("" for none)
	Runs   []Run    // what it must print: one per output block after it
}

// A Lesson is one Markdown file, parsed and rendered.
type Lesson struct {
	Slug       string // the file name without ".md"; the page is /lessons/SLUG (/python/SLUG in the Python track)
	Track      string // "" for the lessons in Go, Python for the Python track's (a python/ folder)
	Title      string
	Summary    string
	Order      int
	HTML       template.HTML // the rendered body, cells included (not the whole page)
	Cells      []Cell
	Exercises  []Exercise
	Lang       string             // "" for English, else the translation's code ("zh")
	Translated map[string]*Lesson // the lesson's translations by language code; nil in a translation
	// InPython is the same lesson in the Python track, with the same slug, or nil; InGo, on a
	// lesson of the Python track, is the Go lesson it mirrors.
	InPython, InGo *Lesson
}

// Key names the lesson among all tracks: its slug, or "py-SLUG" in the Python track. The
// IDs of its cells and exercises start with it, and the page gives it for a learner's
// progress and to have a run checked, so the two tracks' exercises are told apart.
func (l *Lesson) Key() string {
	if l.Track == Python {
		return "py-" + l.Slug
	}
	return l.Slug
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
	return load(fsys, "")
}

// LoadDir reads the lessons of an author's folder, as Load does; its errors name each file
// with the folder in front (lessons/hello.md:12: ...), and a folder with no lesson in it is
// an error too.
func LoadDir(dir string) ([]*Lesson, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("lessons folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("lessons folder %s is a file; name the folder that holds the NAME.md lessons", dir)
	}
	ls, err := load(os.DirFS(dir), dir)
	if err == nil && len(ls) == 0 {
		err = fmt.Errorf("no lessons in %s: a lesson is a NAME.md file at the top of the folder (see docs/lessons.md)", dir)
	}
	return ls, err
}

// load is Load, naming files in errors as dir/NAME.md (just NAME.md when dir is "").
func load(fsys fs.FS, dir string) ([]*Lesson, error) {
	ls, err := loadTrack(fsys, dir, "")
	if err != nil {
		return nil, err
	}
	if err := loadPython(fsys, dir, ls); err != nil {
		return nil, err
	}
	return ls, nil
}

// loadTrack reads the lessons of one track at the top of fsys and their translations.
func loadTrack(fsys fs.FS, dir, track string) ([]*Lesson, error) {
	ls, err := loadLang(fsys, dir, "", track)
	if err != nil {
		return nil, err
	}
	if err := loadTranslations(fsys, dir, ls, track); err != nil {
		return nil, err
	}
	return ls, nil
}

// loadLang reads the lessons at the top of fsys, written in the language lang ("" for
// English), of the track track ("" for Go).
func loadLang(fsys fs.FS, dir, lang, track string) ([]*Lesson, error) {
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
		shown := name
		if dir != "" {
			shown = filepath.Join(dir, name)
		}
		l, err := parseLesson(shown, src, lang, track)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := orders[l.Order]; dup {
			errs = append(errs, errorf(shown, 1, "order %d is already taken by %s; give each lesson its own order", l.Order, other))
			continue
		}
		orders[l.Order] = shown
		lessons = append(lessons, l)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(lessons, func(i, j int) bool { return lessons[i].Order < lessons[j].Order })
	return lessons, nil
}

// parseLesson turns one lesson file into a Lesson of the track track ("" for Go).
func parseLesson(name string, src []byte, lang, track string) (*Lesson, error) {
	slug := strings.TrimSuffix(filepath.Base(name), ".md")
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
	ext := &fences{skipped: skipped, bad: map[ast.Node]badFence{}, words: wordsFor(lang)}
	exts := []goldmark.Extender{
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		ext,
	}
	if lang == Chinese {
		// A line break inside a Chinese paragraph is no space: 时钟。⏎第二行 reads 时钟。第二行.
		exts = append(exts, extension.NewCJK(extension.WithEastAsianLineBreaks()))
	}
	md := goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	doc := md.Parser().Parse(text.NewReader(body))

	// Put the lesson together from the fences first, so that every bad
	// block is reported and the renderer only has to write the nodes.
	a := &assembly{
		file:  name,
		l:     &Lesson{Slug: slug, Track: track, Title: fm.Title, Summary: fm.Summary, Order: fm.Order, Lang: lang},
		bad:   ext.bad,
		names: map[string]int{},
		owner: map[ast.Node]int{},
		with:  map[int]string{},
	}
	if err := ast.Walk(doc, a.visit); err != nil {
		return nil, err
	}
	if err := a.resolveWith(); err != nil {
		return nil, err
	}
	if err := a.resolveExercises(); err != nil {
		return nil, err
	}

	var out bytes.Buffer
	if err := md.Renderer().Render(&out, body, doc); err != nil {
		return nil, fmt.Errorf("%s: rendering: %w", name, err)
	}
	a.l.HTML = template.HTML(out.String())
	return a.l, nil
}

// assembly puts a lesson together from its fences, in the order of the
// file, and resolves the names they give each other.
type assembly struct {
	file      string
	l         *Lesson
	bad       map[ast.Node]badFence
	names     map[string]int   // cell name → line
	owner     map[ast.Node]int // cell or output block → index of its cell
	with      map[int]string   // cell index → the name its with= gives
	views     []*cellView      // by cell index
	exercises []*exerciseNode
	drafts    []*exerciseDraft
}

func (a *assembly) visit(n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var err error
	switch n := n.(type) {
	case *cellNode:
		err = a.addCell(n)
	case *outputNode:
		err = a.addOutput(n)
	case *exerciseNode:
		err = a.addExercise(n)
	case *ast.FencedCodeBlock:
		if bad, ok := a.bad[n]; ok {
			err = errorf(a.file, bad.line, "%v", bad.err)
		}
	}
	if err != nil {
		return ast.WalkStop, err
	}
	return ast.WalkContinue, nil
}

func (a *assembly) addCell(n *cellNode) error {
	l, bi := a.l, n.info
	c := Cell{
		Lesson: l.Key(),
		Index:  len(l.Cells) + 1,
		Source: n.text,
		Lang:   bi.Lang,
		Line:   n.line,
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
	if bi.Faults != nil {
		c.Faults = *bi.Faults
	}
	c.ID = l.Key() + "-" + strconv.Itoa(c.Index)
	if bi.Name != "" {
		if first, dup := a.names[bi.Name]; dup {
			return errorf(a.file, n.line, "cell id %q is already used by the cell on line %d", bi.Name, first)
		}
		a.names[bi.Name] = n.line
		c.ID = l.Key() + "-" + bi.Name
	}
	if strings.TrimSpace(c.Source) == "" {
		return errorf(a.file, n.line, "the %s run block is empty", c.Lang)
	}
	if bi.With != "" {
		a.with[len(l.Cells)] = bi.With
	}
	a.owner[n] = len(l.Cells)
	l.Cells = append(l.Cells, c)
	n.view = &cellView{Cell: c, ArgsText: argsText}
	a.views = append(a.views, n.view)
	return nil
}

func (a *assembly) addOutput(n *outputNode) error {
	idx, ok := a.owner[n.PreviousSibling()]
	if !ok {
		return errorf(a.file, n.line, "an output block must come right after a go run cell (or after another output block of that cell), with nothing in between")
	}
	c, bi := &a.l.Cells[idx], n.info
	r := Run{Args: c.Args, Stdin: c.Stdin, Exit: c.Exit, Faults: c.Faults, Output: n.text, Match: bi.Match, Line: n.line}
	view := &outputView{Cell: c.ID}
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
	if bi.Faults != nil {
		r.Faults, view.FaultsShown = *bi.Faults, true
	}
	if r.Match {
		if _, err := compilePattern(r.Output); err != nil {
			return errorf(a.file, n.line, "output match: %v", err)
		}
	}
	view.Run = r
	c.Runs = append(c.Runs, r)
	a.owner[n] = idx
	n.view = view
	return nil
}

func (a *assembly) addExercise(n *exerciseNode) error {
	d, err := parseExercise(a.file, n.line, n.line+1, n.lines)
	if err != nil {
		return err
	}
	d.before = len(a.l.Cells) - 1
	a.drafts = append(a.drafts, d)
	a.exercises = append(a.exercises, n)
	return nil
}

// cellIndex finds a cell by the name a with= or cell: gives: its id= or
// its number in the lesson. It returns -1 when there is none.
func (a *assembly) cellIndex(name string) int {
	if k, err := strconv.Atoi(name); err == nil {
		if k >= 1 && k <= len(a.l.Cells) {
			return k - 1
		}
		return -1
	}
	for i, c := range a.l.Cells {
		if c.ID == a.l.Key()+"-"+name {
			return i
		}
	}
	return -1
}

// resolveWith turns the cells' with= names into cell IDs.
func (a *assembly) resolveWith() error {
	for i := range a.l.Cells {
		w, ok := a.with[i]
		if !ok {
			continue
		}
		c := &a.l.Cells[i]
		j := a.cellIndex(w)
		switch {
		case j < 0:
			return errorf(a.file, c.Line, "with=%s: no cell in this lesson has id=%s", w, w)
		case j == i:
			return errorf(a.file, c.Line, "with=%s names the cell itself; name the server cell it needs", w)
		case a.with[j] != "":
			return errorf(a.file, c.Line, "with=%s names a cell that itself needs another (with=%s); a cell may only need a cell that runs on its own", w, a.with[j])
		}
		c.With = a.l.Cells[j].ID
		a.views[i].With = c.With
	}
	return nil
}

// resolveExercises names the exercises and the cells they check.
func (a *assembly) resolveExercises() error {
	l := a.l
	seen := map[string]int{}
	for k, d := range a.drafts {
		idx := d.before
		if d.cellName != "" {
			if idx = a.cellIndex(d.cellName); idx < 0 {
				return errorf(a.file, d.cellLine, "cell: %s: no cell in this lesson has id=%s (or that number)", d.cellName, d.cellName)
			}
		} else if idx < 0 {
			return errorf(a.file, d.Line, "the exercise comes before any go run cell; put it after the cell it checks, or name the cell with cell:")
		}
		if d.Name == "" {
			d.Name = strconv.Itoa(k + 1)
		}
		if first, dup := seen[d.Name]; dup {
			return errorf(a.file, d.Line, "exercise id %q is already used by the exercise on line %d", d.Name, first)
		}
		seen[d.Name] = d.Line
		c := l.Cells[idx]
		d.ID, d.Lesson, d.Cell = l.Key()+"-"+d.Name, l.Key(), c.ID
		if !d.hasArgs {
			d.Args = c.Args
		}
		if !d.hasStdin {
			d.Stdin = c.Stdin
		}
		if !d.hasFaults {
			d.Faults = c.Faults
		}
		if err := needFaults(&d.Exercise); err != nil {
			return errorf(a.file, d.Line, "exercise %s: %v", d.Name, err)
		}
		l.Exercises = append(l.Exercises, d.Exercise)
	}
	for k := range l.Exercises {
		a.exercises[k].exercise = &l.Exercises[k]
	}
	return nil
}

// needFaults gives an exercise that runs under faults the check that the run had them, unless
// it names one itself, so that a run in the page without them does not pass.
func needFaults(ex *Exercise) error {
	if ex.Faults == "" {
		return nil
	}
	sp, err := faults.Parse(ex.Faults)
	if err != nil {
		return err
	}
	for _, c := range ex.Checks {
		if c.Op == "faults" {
			return nil
		}
	}
	ex.Checks = append(ex.Checks, grade.FaultsCheck(sp))
	return nil
}
