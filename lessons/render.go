package lessons

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// outputView is an output block with what its HTML needs.
type outputView struct {
	Run
	Cell        string // the ID of its cell
	ArgsText    string // args= as written, " " for an explicit empty one; "" when not given
	StdinShown  bool   // stdin= was given on the block
	FaultsShown bool   // faults= was given on the block
}

// cellView is a cell with what its HTML needs beyond the Cell itself.
type cellView struct {
	Cell
	ArgsText string // the args attribute as written, shown in the Arguments field
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

// writeCell writes the markup that static/cell.js turns into a working
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
	fmt.Fprintf(b, `    <label>Arguments <input class="args" value="%s"></label>`+"\n", html.EscapeString(c.ArgsText))
	fmt.Fprintf(b, `    <label>Faults <input class="faults" value="%s" placeholder="none" spellcheck="false" title="make the lab's network bad on purpose, e.g. segment=1 or loss=0.3"></label> <span class="status"></span></div>`+"\n", html.EscapeString(c.Faults))
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
	if o.FaultsShown && o.Faults == "" {
		how = append(how, "on a clean network")
	} else if o.Faults != "" {
		how = append(how, "under the faults <code>"+html.EscapeString(o.Faults)+"</code>")
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
// the cell (CheckHandler) and marks each check. Each check is shown in plain
// words (grade.Check.Says); the line as the lesson wrote it, with its pattern
// if it has one, sits behind a details element. data-check holds a check's
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
	if e.Faults != "" {
		fmt.Fprintf(b, `, under the faults <code>%s</code>`, html.EscapeString(e.Faults))
	}
	b.WriteString(`. When the program ends (or you press Stop), these checks look at its output and at its socket events:</p>` + "\n")
	b.WriteString(`  <ul class="checks">` + "\n")
	for _, c := range e.Checks {
		js, _ := json.Marshal(c)
		fmt.Fprintf(b, `    <li class="check" data-check="%s"><span class="mark" aria-hidden="true">○</span> <span class="check-says">%s</span> <span class="detail"></span>`+
			` <details class="check-how"><summary>the exact check</summary><code class="check-text">%s</code></details></li>`+"\n",
			html.EscapeString(string(js)), html.EscapeString(c.Says), html.EscapeString(c.Text))
	}
	b.WriteString("  </ul>\n")
	b.WriteString(`  <p class="exercise-status" role="status">Not checked yet.</p>` + "\n")
	b.WriteString("</section>\n")
}

// CellHTML is the markup of one runnable cell, as a lesson page has it, with argsText in its
// Arguments field: a page of one cell (the gateway's /embed/cell) is made with it.
func CellHTML(c Cell, argsText string) string {
	var b strings.Builder
	writeCell(&b, &cellView{Cell: c, ArgsText: argsText})
	return b.String()
}
