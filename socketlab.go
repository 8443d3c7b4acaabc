// Package socketlab holds the sources of the lab runtime, embedded so the build service can
// lay them out beside each learner program. See docs/architecture.md for the whole picture.
package socketlab

import (
	"bufio"
	"bytes"
	"embed"
	"strings"
)

// Runtime is the runtime's source tree: the wire protocol, the WebSocket codec, the socket
// event record and the package linked into every learner program. Every package of this
// module that the runtime imports is here (a test checks).
//
//go:embed wire/*.go labnet/*.go internal/wsframe/*.go event/*.go
var Runtime embed.FS

// ThirdParty are the modules learner programs may import besides the standard library, with
// the versions this module requires (a test keeps the two in step). They come from the local
// module cache; `make build` downloads them.
var ThirdParty = map[string]string{
	"github.com/jlaffaye/ftp":            "v0.2.0",
	"github.com/hashicorp/go-multierror": "v1.1.1",
	"github.com/hashicorp/errwrap":       "v1.0.0",
}

// Prelude is the file the build service adds to every learner program, in the browser and
// natively: it links the runtime in.
const Prelude = "package main\n\nimport _ \"socketlab/labnet\"\n"

//go:embed go.sum
var goSum []byte

// ThirdPartySum returns the go.sum lines of the ThirdParty modules.
func ThirdPartySum() []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(goSum))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && strings.TrimSuffix(fields[1], "/go.mod") == ThirdParty[fields[0]] {
			out.WriteString(sc.Text() + "\n")
		}
	}
	return out.Bytes()
}
