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
		Args map[string][]string `json:"args"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, v := range echo.Args["lesson"] {
		fmt.Println("lesson:", v)
	}
}
