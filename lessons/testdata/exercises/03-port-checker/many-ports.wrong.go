// Checks every port but forgets to report a failure in the exit status.
//
// fails: exit 1 => the program exited with status 0
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func checkServer(address string, port int) bool {
	fmt.Printf("Attempting to connect to %s on port %d\n", address, port)
	target := net.JoinHostPort(address, strconv.Itoa(port))
	conn, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		fmt.Printf("Connection to %s on port %d failed: %v\n", address, port, err)
		return false
	}
	conn.Close()
	fmt.Printf("Connected to %s on port %d\n", address, port)
	return true
}

func main() {
	address := flag.String("a", "localhost", "address of the server to check")
	ports := flag.String("p", "80", "ports to check, separated by commas")
	flag.Parse()

	for _, p := range strings.Split(*ports, ",") {
		port, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%q is not a port number\n", p)
			os.Exit(2)
		}
		checkServer(*address, port)
	}
}
