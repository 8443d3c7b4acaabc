// Counts the spaces, which is one less than the words (and wrong for double spaces).
//
// fails: sent "You entered 10 characters and 2 words.\r\n" => do not contain
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"unicode/utf8"
)

func serve(conn net.Conn) {
	defer conn.Close()
	who := conn.RemoteAddr().String()
	fmt.Println("connection from", who)
	fmt.Fprintf(conn, "Welcome, %s\r\n", who)
	fmt.Fprint(conn, "Please enter a string:\r\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		fmt.Println(who, "left without a word")
		return
	}
	line = strings.TrimRight(line, "\r\n")
	n := utf8.RuneCountInString(line)
	words := strings.Count(line, " ")
	fmt.Fprintf(conn, "You entered %d characters and %d words.\r\n", n, words)
	fmt.Printf("%s entered %d characters\n", who, n)
}

func main() {
	ln, err := net.Listen("tcp", ":51423")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("Server is running on port 51423; press Ctrl-C to terminate.")
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		serve(conn)
	}
}
