// Prints bye on its own console instead of sending it to the server.
//
// fails: sent "bye\n" to chat.lab:5000 => the bytes sent to chat.lab:5000 do not contain "bye\n"
// fails: output contains "Goodbye!" => the output does not contain "Goodbye!"
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	addr := flag.String("a", "localhost:5000", "chat server to connect to")
	flag.Parse()

	conn, err := net.Dial("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	server := bufio.NewReader(conn)
	receive := func() bool {
		line, err := server.ReadString('\n')
		if err != nil {
			fmt.Println("the server hung up:", err)
			return false
		}
		fmt.Println("Received from server:", strings.TrimSpace(line))
		return true
	}

	if !receive() { // the welcome
		os.Exit(1)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		msg := in.Text()
		fmt.Fprintf(conn, "%s\n", msg)
		if !receive() {
			os.Exit(1)
		}
		if msg == "bye" {
			return
		}
	}
	fmt.Println("bye")
}
