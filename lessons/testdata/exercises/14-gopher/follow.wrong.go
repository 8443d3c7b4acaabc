// Sends the display string instead of the selector: the server knows no such selector and
// answers with an error entry.
//
// fails: sent "/welcome.txt\r\n" to gopher.lab:70 => do not contain
// fails: output contains "Welcome to gopher.lab" => the output does not contain
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func fetch(hostport, selector string) ([]string, error) {
	conn, err := net.Dial("tcp", hostport)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s\r\n", selector)
	var lines []string
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func main() {
	menu, err := fetch("gopher.lab:70", "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, line := range menu {
		if !strings.HasPrefix(line, "0") {
			continue
		}
		fields := strings.Split(line[1:], "\t")
		text, err := fetch(net.JoinHostPort(fields[2], fields[3]), fields[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if len(text) > 0 {
			fmt.Println(text[0])
		}
		return
	}
}
