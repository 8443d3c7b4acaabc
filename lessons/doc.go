// Package lessons loads the lab's Markdown lessons and renders them as pages.
//
// A lesson is a Markdown file that starts with a small front matter block:
//
//	---
//	title: Asking a server for the time
//	summary: Connect to port 37, read four bytes, turn them into a date.
//	order: 1
//	---
//
// The keys are title (required), summary and order (required, a whole number
// of 1 or more, unique across lessons). The lesson's slug, used in its URL
// (/lessons/SLUG) and in its cells' ids, is the file name without ".md".
// The page shows the title as the heading, so the Markdown body starts at ##.
//
// A fenced code block whose info string is "go run" becomes a runnable cell:
// an editor, Run and Stop buttons, an arguments field, a console and a bytes
// panel that static/lesson.js wires up in the browser. Attributes may follow:
//
//	```go run args="-p 37" id=client
//
// args is the cell's default command line (split on spaces, "double quotes"
// group words) and id names the cell so that other cells can refer to it.
// stdin= and exit= say what a run reads and how it ends, and with=NAME says
// the cell needs the cell id=NAME (a server) running first.
//
// Right after a cell, "output" and "output match" blocks declare what its
// runs print (Cell.Runs), and "exercise" blocks declare checks over a run's
// output and socket events (Lesson.Exercises, grade.Check). docs/lessons.md is the
// reference for lesson authors.
//
// Any other fenced block is shown as code; Go blocks are highlighted on the
// server with CSS classes (hl-kw, hl-str, hl-num, hl-com, hl-pre).
//
// Entry points: Load or Default to read lessons, Handler to serve them,
// CheckHandler to judge a run of an exercise's cell (the checks' language
// and evaluator are package grade).
// Raw HTML in lessons is dropped, never passed through, and the pages carry
// no inline scripts or styles so they work under a strict Content Security
// Policy.
package lessons
