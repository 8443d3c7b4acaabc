// Sets the header on the response, after the request has gone: nothing extra is sent.
//
// fails: sent "X-Lesson: 6\r\n" to web.lab:80 => do not contain "X-Lesson: 6\r\n"
// fails: output contains "X-Lesson" => the output does not contain "X-Lesson"
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	body := strings.NewReader(`{"text": "Hello World"}`)
	resp, err := http.Post("http://web.lab/post", "application/json", body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	resp.Header.Set("X-Lesson", "6")

	fmt.Println("status:", resp.Status)
	echo, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s", echo)
}
