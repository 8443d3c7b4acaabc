// Decodes args as a map of strings, but the echo service sends a list for each argument:
// decoding fails.
//
// fails: output contains "lesson: 16" => the output does not contain "lesson: 16"
// fails: exit 0 => the program exited with status 1
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get("http://web.lab/get?lesson=16")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var echo struct {
		Args map[string]string `json:"args"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("lesson:", echo.Args["lesson"])
}
