// Standard input read line by line, and an exit status.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	n := 0
	for sc.Scan() {
		n++
		fmt.Printf("line %d: %s\n", n, sc.Text())
	}
	os.Exit(3)
}
