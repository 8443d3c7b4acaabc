// Sends the line once.
//
// fails: sent "hello\nhello\n" to echo.lab:7 => do not contain
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	conn, err := net.Dial("tcp", "echo.lab:7")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer conn.Close()
	fmt.Fprintln(conn, os.Args[1])
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Print("echo: ", line)
}
