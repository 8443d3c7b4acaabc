// This "solution" forgets the exclamation mark: the exercise is broken.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	fmt.Println(strings.ToUpper(os.Args[1]))
}
