// Command socketlab starts the socketlab gateway, or runs a program against it (socketlab
// run). See the README; the command itself is socketlab/internal/cli.
package main

import (
	"os"

	"socketlab/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
