// net/http both ways: a server with ListenAndServe, reached by http.Get, and a GET to web.lab.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello over HTTP")
	})
	go http.ListenAndServe(":"+os.Args[2], nil)
	var resp *http.Response
	var err error
	for range 50 { // the server goroutine may not be listening yet
		if resp, err = http.Get("http://localhost:" + os.Args[2] + "/hello"); err == nil {
			break
		}
	}
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	resp, err = http.Get("http://" + os.Args[1] + "/status/418")
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode)
}
