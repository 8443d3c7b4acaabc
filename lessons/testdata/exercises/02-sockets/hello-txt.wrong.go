// Forgets the slash: the request line says "hello.txt", which is not a path, and the
// server answers 400 Bad Request.
//
// fails: sent "GET /hello.txt HTTP/1.0\r\n\r\n" to web.lab:80 => do not contain
// fails: output contains "Hello from web.lab!" => the output does not contain "Hello from web.lab!"
package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	conn, err := net.Dial("tcp", "web.lab:80")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	conn.Write([]byte("GET hello.txt HTTP/1.0\r\n\r\n"))

	all, err := io.ReadAll(conn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s", all)
}
