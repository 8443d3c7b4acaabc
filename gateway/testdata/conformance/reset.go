// A peer that resets the connection (SO_LINGER 0, then close): the reader sees ECONNRESET.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		panic(err)
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Read(make([]byte, 1))
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	c, err := net.Dial("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		panic(err)
	}
	c.Write([]byte("x"))
	_, err = c.Read(make([]byte, 8))
	fmt.Println("reset:", errors.Is(err, syscall.ECONNRESET))
}
