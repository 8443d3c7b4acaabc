// A TCP server on the port given: it prints "ready", answers one client's line in capitals.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	ln, err := net.Listen("tcp", ":"+os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Println("ready")
	c, err := ln.Accept()
	if err != nil {
		panic(err)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print("got: ", line)
	fmt.Fprint(c, strings.ToUpper(line))
	c.Close()
	_, err = net.Listen("tcp", ":"+os.Args[1])
	fmt.Println("second listener while the first is open:", err != nil)
}
