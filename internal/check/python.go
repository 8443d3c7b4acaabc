package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"socketlab/python"
)

// syntaxCheck compiles the program named by argv[1] without running it and prints
// "LINE\tMESSAGE" for a syntax error.
const syntaxCheck = `import sys
src = open(sys.argv[1], "rb").read()
try:
    compile(src, "cell", "exec")
except SyntaxError as e:
    print("%d\t%s" % (e.lineno or 0, e.msg))
    sys.exit(1)
`

var syntaxLine = regexp.MustCompile(`^(\d+)\t(.*)`)

// writePython writes a Python program to a file named by its content, writing the lab's
// socket module first if this is the first Python program, and checks its syntax: a syntax
// error names the lesson's line, as a Go compile error does.
func (e *Lab) writePython(p Program) (string, error) {
	e.pyOnce.Do(func() {
		if e.pyErr = os.MkdirAll(e.pyMod, 0o755); e.pyErr == nil {
			e.pyErr = python.WriteTo(e.pyMod)
		}
		if e.pyErr == nil {
			e.pyErr = os.MkdirAll(e.pySrc, 0o755)
		}
	})
	if e.pyErr != nil {
		return "", fmt.Errorf("%s: writing the lab's Python socket module: %v", p.Where, e.pyErr)
	}
	sum := sha256.Sum256([]byte(p.Source))
	path := filepath.Join(e.pySrc, hex.EncodeToString(sum[:8])+".py")
	if err := os.WriteFile(path, []byte(p.Source), 0o644); err != nil {
		return "", fmt.Errorf("%s: %v", p.Where, err)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("%s: running a Python program needs python3 on the PATH (Debian: apt-get install python3)", p.Where)
	}
	var out bytes.Buffer
	cmd := exec.Command(py, "-B", "-c", syntaxCheck, path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		m := syntaxLine.FindStringSubmatch(strings.TrimSpace(out.String()))
		if m == nil {
			return "", fmt.Errorf("%s: checking its syntax: %v\n%s", p.Where, err, out.String())
		}
		line, _ := strconv.Atoi(m[1])
		msg := fmt.Sprintf("line %d: %s", line, m[2])
		if p.Line > 0 && line > 0 {
			msg = fmt.Sprintf("%s:%d: %s (line %d of the cell)", p.File, p.Line+line, m[2], line)
		}
		return "", fmt.Errorf("%s is not valid Python:\n\t%s", p.Where, msg)
	}
	return path, nil
}
