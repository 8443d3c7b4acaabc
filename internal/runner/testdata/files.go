// files.go writes, reads, lists, renames and removes files in its working directory. It
// prints the same in the page, under socketlab run and as a plain Go program on Linux, and
// leaves two files: notes/a.txt (13 bytes) and hello.txt (6 bytes).
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

func check(err error) {
	if err != nil {
		fmt.Println("unexpected:", err)
		os.Exit(1)
	}
}

func main() {
	start, err := os.ReadDir(".")
	check(err)
	fmt.Println("files at the start:", len(start))

	check(os.MkdirAll("notes", 0o755))
	check(os.WriteFile("notes/a.txt", []byte("first\n"), 0o644))
	f, err := os.OpenFile("notes/a.txt", os.O_APPEND|os.O_WRONLY, 0)
	check(err)
	fmt.Fprintln(f, "second")
	check(f.Close())
	b, err := os.ReadFile("notes/a.txt")
	check(err)
	fmt.Printf("notes/a.txt: %q\n", b)

	check(os.WriteFile("scratch.txt", []byte("gone soon"), 0o644))
	check(os.Rename("scratch.txt", "renamed.txt"))
	check(os.Remove("renamed.txt"))
	_, err = os.Stat("renamed.txt")
	fmt.Println("removed:", errors.Is(err, fs.ErrNotExist))
	_, err = os.ReadFile("missing.txt")
	fmt.Println(err)
	fmt.Println(os.Remove("notes"))

	check(os.WriteFile("hello.txt", []byte("hello\n"), 0o644))
	entries, err := os.ReadDir(".")
	check(err)
	for _, e := range entries {
		fmt.Println(e.Name(), e.IsDir())
	}
}
