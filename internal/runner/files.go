package runner

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Workdir makes a fresh working directory for one run of `socketlab run`: in the page each
// run has a small file system of its own, empty at the start, and a program that writes
// "hello.c" finds it there natively too, without touching the directory it was started from.
func Workdir() (string, error) {
	return os.MkdirTemp("", "socketlab-run-")
}

// A File is one file a run left in its working directory.
type File struct {
	Path string // relative to the working directory, with slashes
	Size int64
}

// Files lists the regular files under dir, in lexical order.
func Files(dir string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		out = append(out, File{Path: filepath.ToSlash(rel), Size: info.Size()})
		return nil
	})
	return out, err
}

// ReportFiles says on w which files a run left in its working directory dir, as the page
// lists them under the console, and where they are kept. A directory the run left empty
// is removed.
func ReportFiles(w io.Writer, dir string) {
	files, err := Files(dir)
	if err != nil {
		fmt.Fprintf(w, "socketlab run: listing the files the program wrote in %s: %v\n", dir, err)
		return
	}
	if len(files) == 0 {
		if os.RemoveAll(dir) != nil {
			fmt.Fprintf(w, "socketlab run: the program's working directory %s is left behind\n", dir)
		}
		return
	}
	what := "1 file"
	if len(files) > 1 {
		what = strconv.Itoa(len(files)) + " files"
	}
	fmt.Fprintf(w, "socketlab run: the program wrote %s, kept in %s:\n", what, dir)
	for _, f := range files {
		size := "1 byte"
		if f.Size != 1 {
			size = strconv.FormatInt(f.Size, 10) + " bytes"
		}
		fmt.Fprintf(w, "\t%s (%s)\n", f.Path, size)
	}
}
