// Echo with half-close: write, CloseWrite, then read the whole reply.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("tcp", os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "hello, half-close")
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		panic(err)
	}
	b, err := io.ReadAll(c)
	fmt.Printf("%q %v\n", b, err)
	_, err = c.Write([]byte("more"))
	fmt.Println("write after CloseWrite fails:", err != nil)
}
