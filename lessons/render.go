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
func writeCell(b *strings.Builder, w *words, c *cellView) {
	id := html.EscapeString(c.ID)
	code := strings.TrimSuffix(c.Source, "\n")
	lines := strings.Count(code, "\n") + 1

	if c.With != "" {
		fmt.Fprintf(b, w.needs+"\n", html.EscapeString(c.With))
	}
	fmt.Fprintf(b, `<section class="cell" id="cell-%s" data-cell="%s"`, id, id)
	if c.Lang == "python" {
		b.WriteString(` data-lang="python"`)
	}
	if c.With != "" { // a client of the server cell c.With (static/lesson.js)
		fmt.Fprintf(b, ` data-needs="%s"`, html.EscapeString(c.With))
	}
	b.WriteString(">\n")
	b.WriteString(`  <div class="editor"><div class="gutter" aria-hidden="true">`)
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(b, `<div class="line">%d</div>`, i)
	}
	b.WriteString("</div>\n")
	label := w.goCode
	if c.Lang == "python" {
		label = w.pythonCode
	}
	b.WriteString(`    <textarea class="code" spellcheck="false" aria-label="` + label + `">`)
	if strings.HasPrefix(code, "\n") {
		b.WriteString("\n") // the HTML parser drops one newline right after <textarea>
	}
	b.WriteString(html.EscapeString(code))
	b.WriteString("</textarea></div>\n")
	b.WriteString(`  <div class="controls"><button class="run">` + w.run + `</button> <button class="stop" disabled>` + w.stop + `</button>` + "\n")
	fmt.Fprintf(b, `    <label>%s <input class="args" value="%s"></label>`+"\n", w.args, html.EscapeString(c.ArgsText))
	fmt.Fprintf(b, `    <label>%s <input class="faults" value="%s" placeholder="%s" spellcheck="false" title="%s"></label> <span class="status"></span></div>`+"\n", w.faults, html.EscapeString(c.Faults), w.faultsNone, html.EscapeString(w.faultsTitle))
	b.WriteString(`  <pre class="console" aria-live="polite"></pre>` + "\n")
	b.WriteString(`  <div class="bytes"><!-- filled by script --></div>` + "\n")
	b.WriteString("</section>\n")
}

// writeOutput writes an output block: what the cell above prints, folded
// away under a summary that says how it was run.
func writeOutput(b *strings.Builder, w *words, o *outputView) {
	fmt.Fprintf(b, `<details class="expected" data-cell="%s"><summary>%s`, html.EscapeString(o.Cell), w.expected)
	var how []string
	if o.ArgsText == " " {
		how = append(how, w.noArgs)
	} else if o.ArgsText != "" {
		how = append(how, w.withArgs+" <code>"+html.EscapeString(o.ArgsText)+"</code>")
	}
	if o.StdinShown {
		how = append(how, w.typing+" <code>"+html.EscapeString(describeStdin(o.Stdin))+"</code>")
	}
	if o.FaultsShown && o.Faults == "" {
		how = append(how, w.cleanNet)
	} else if o.Faults != "" {
		how = append(how, fmt.Sprintf(w.underFaults, html.EscapeString(o.Faults)))
	}
	if o.Exit != 0 {
		how = append(how, fmt.Sprintf(w.exitStatus, o.Exit))
	}
	if len(how) > 0 {
		b.WriteString(w.open + strings.Join(how, w.comma) + w.close)
	}
	b.WriteString("</summary>\n")
	b.WriteString(`<pre class="expected-output">`)
	if !o.Match {
		b.WriteString(html.EscapeString(o.Output))
	} else {
		for _, line := range splitLines(o.Output) {
			if line == ellipsis {
				b.WriteString(`<span class="vary-lines" title="` + w.anyLines + `">⋮</span>` + "\n")
				continue
			}
			parts, _ := splitHoles(line) // checked at load
			for _, p := range parts {
				if p.hole {
					fmt.Fprintf(b, `<span class="vary" title="`+w.varies+`">…</span>`, html.EscapeString(p.text))
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
func writeExercise(b *strings.Builder, w *words, e *Exercise) {
	id := html.EscapeString(e.ID)
	fmt.Fprintf(b, `<section class="exercise" id="exercise-%s" data-exercise="%s" data-lesson="%s" data-cell="%s">`+"\n",
		id, html.EscapeString(e.Name), html.EscapeString(e.Lesson), html.EscapeString(e.Cell))
	fmt.Fprintf(b, `  <h3 class="exercise-title">%s%s</h3>`+"\n", w.exercise, html.EscapeString(e.Title))
	b.WriteString(`  <p class="exercise-how">`)
	fmt.Fprintf(b, w.editRun, html.EscapeString(e.Cell))
	if e.ArgsText != "" {
		fmt.Fprintf(b, w.exArgs, html.EscapeString(e.ArgsText))
	}
	if e.StdinText != "" {
		fmt.Fprintf(b, w.exTyping, html.EscapeString(describeStdin(e.Stdin)))
	}
	if e.Faults != "" {
		b.WriteString(w.comma + fmt.Sprintf(w.underFaults, html.EscapeString(e.Faults)))
	}
	b.WriteString(w.checksIntro + "</p>\n")
	b.WriteString(`  <ul class="checks">` + "\n")
	for _, c := range e.Checks {
		js, _ := json.Marshal(c)
		fmt.Fprintf(b, `    <li class="check" data-check="%s"><span class="mark" aria-hidden="true">○</span> <span class="check-says">%s</span> <span class="detail"></span>`+
			` <details class="check-how"><summary>`+w.exactCheck+`</summary><code class="check-text">%s</code></details></li>`+"\n",
			html.EscapeString(string(js)), html.EscapeString(w.says(c)), html.EscapeString(c.Text))
	}
	b.WriteString("  </ul>\n")
	b.WriteString(`  <p class="exercise-status" role="status">` + w.notChecked + `</p>` + "\n")
	b.WriteString("</section>\n")
}

// CellHTML is the markup of one runnable cell, as a lesson page has it, with argsText in its
// Arguments field: a page of one cell (the gateway's /embed/cell) is made with it.
func CellHTML(c Cell, argsText string) string { return CellHTMLIn(c, argsText, English) }

// CellHTMLIn is CellHTML with the buttons and labels in the language lang ("en" or "zh").
func CellHTMLIn(c Cell, argsText, lang string) string {
	var b strings.Builder
	writeCell(&b, wordsFor(lang), &cellView{Cell: c, ArgsText: argsText})
	return b.String()
}
