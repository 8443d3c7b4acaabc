//go:build !js

package labnet

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDeps lists what the runtime imports, directly or not, in a learner's build, and fails
// when something appears that is not on the list below. Everything here is linked into every
// learner program, laid out beside it by the build service (a package outside the standard
// library would have to be embedded by socketlab.go too), and downloaded by every browser
// that runs one. The standard library's internal packages (a path element "internal", or
// vendor/) are left out: they come with the packages listed and change with the toolchain.
//
// When a new import is meant, add it to the list in the same change and say why in its
// message; when one disappears, take it off. `GOOS=js GOARCH=wasm go list -deps
// ./labnet/` (or, for the native build, `CGO_ENABLED=0 GOOS=linux go list -tags socketlab
// -deps ./labnet/`) shows the list the test sees.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	std := []string{
		"bytes", "cmp", "context", "encoding", "encoding/base64", "encoding/binary",
		"encoding/json", "errors", "fmt", "io", "io/fs", "iter", "math", "math/bits", "net",
		"net/netip", "os", "path", "reflect", "runtime", "slices", "strconv", "strings", "sync",
		"sync/atomic", "syscall", "time", "unicode", "unicode/utf16", "unicode/utf8", "unique",
		"unsafe", "weak",
	}
	ours := []string{"socketlab/event", "socketlab/labnet", "socketlab/wire"}
	for _, tc := range []struct {
		name  string
		env   []string
		tags  string
		allow [][]string
	}{
		{
			// The browser build: syscall/js, and nothing of crypto or net/url.
			name:  "js/wasm",
			env:   []string{"GOOS=js", "GOARCH=wasm"},
			allow: [][]string{std, ours, {"syscall/js"}},
		},
		{
			// socketlab run: the native WebSocket client (native_ws.go) draws its key from
			// crypto/rand, checks the accept key with SHA-1 and parses the gateway's URL.
			name: "native",
			env:  []string{"GOOS=linux", "GOARCH=amd64"},
			tags: "socketlab",
			allow: [][]string{std, ours, {
				"bufio", "crypto", "crypto/cipher", "crypto/fips140", "crypto/rand", "crypto/sha1",
				"crypto/subtle", "hash", "math/big", "math/rand", "math/rand/v2", "net/url",
				"socketlab/internal/wsframe", // the WebSocket codec the gateway shares
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"list", "-deps"}
			if tc.tags != "" {
				args = append(args, "-tags", tc.tags)
			}
			cmd := exec.Command("go", append(args, ".")...)
			// As the build service builds learner programs: no cgo.
			cmd.Env = append(os.Environ(), append(tc.env, "CGO_ENABLED=0", "GOFLAGS=")...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, stderrOf(err))
			}
			allowed := slices.Concat(tc.allow...)
			var got, extra []string
			for _, p := range strings.Fields(string(out)) {
				// The standard library's own internal and vendored packages change with the
				// toolchain; ours are counted like any other.
				if strings.HasPrefix(p, "vendor/") || !strings.HasPrefix(p, "socketlab") && slices.Contains(strings.Split(p, "/"), "internal") {
					continue
				}
				got = append(got, p)
				if !slices.Contains(allowed, p) {
					extra = append(extra, p)
				}
			}
			if len(extra) > 0 {
				t.Errorf("the %s runtime now imports %s, which is not on TestDeps' list: if that is meant, "+
					"add it to the list in deps_test.go and say why in the commit; if not, find the import "+
					"with `go list -deps` (see TestDeps) and take it out", tc.name, strings.Join(extra, ", "))
			}
			for _, p := range allowed {
				if !slices.Contains(got, p) {
					t.Errorf("the %s runtime no longer imports %s: take it off TestDeps' list in deps_test.go, "+
						"so the list stays the runtime's real imports", tc.name, p)
				}
			}
		})
	}
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}
