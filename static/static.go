// Package static holds the page assets, embedded in the binary: style.css,
// format.js (pure helpers, checked with node --test in test/), lesson.js
// (the lesson page) and worker.js (the Web Worker that runs a program).
// The gateway serves FS under /static/.
package static

import "embed"

// FS holds the assets at its top level: "style.css", "lesson.js", ...
//
//go:embed *.css *.js
var FS embed.FS
