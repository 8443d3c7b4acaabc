// Command socketlab starts the socketlab gateway. See the README.
package main

import (
	"os"

	"socketlab/gateway"
)

func main() {
	os.Exit(gateway.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
