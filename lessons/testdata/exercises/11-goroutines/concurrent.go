package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

// serve has one conversation with one client.
func serve(conn net.Conn) {
	defer conn.Close()
	fmt.Fprint(conn, "hello, who are you?\r\n")
	name, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return
	}
	name = strings.TrimSpace(name)
	fmt.Fprintf(conn, "nice to meet you, %s\r\n", name)
	fmt.Println("served", name)
}

func main() {
	ln, err := net.Listen("tcp", ":8100")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("greeting on port 8100")
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go serve(conn)
	}
}
