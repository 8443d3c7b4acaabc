// Package socketlab holds the sources of the lab runtime, embedded so the build service can
// lay them out beside each learner program. See docs/architecture.md for the whole picture.
package socketlab

import "embed"

// Runtime is the runtime's source tree: the wire protocol and the package linked into every
// learner program.
//
//go:embed wire/*.go wasm/labnet/*.go
var Runtime embed.FS
