// Package python holds the lab's socket module for Python programs (the files under this
// directory) and writes it out for a run: `socketlab run FILE.py` starts the system's python3
// on boot.py, which puts the lab's _socket and select in place of the system's before the
// program runs. docs/python.md describes the module and its transports.
package python

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed boot.py socketlab/*.py
var files embed.FS

// FS is the module and its bootstrap: boot.py and socketlab/*.py. The gateway serves the
// module to the page's Python worker, which uses socketlab/page.py instead of boot.py.
func FS() fs.FS { return files }

// Boot is the bootstrap's name inside the directory WriteTo fills.
const Boot = "boot.py"

// WriteTo writes the module and its bootstrap into dir, which must exist.
func WriteTo(dir string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
}
