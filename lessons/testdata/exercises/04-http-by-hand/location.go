package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

func checkWebServer(address string, port int, resource string) bool {
	if !strings.HasPrefix(resource, "/") {
		resource = "/" + resource
	}
	request := "GET " + resource + " HTTP/1.1\r\nHost: " + address + "\r\n\r\n"
	fmt.Printf("HTTP request:\n%s", request)

	conn, err := net.Dial("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		fmt.Printf("Connection to %s on port %d failed: %v\n", address, port, err)
		return false
	}
	defer conn.Close()
	conn.Write([]byte(request))

	r := bufio.NewReader(conn)
	firstLine, err := r.ReadString('\n')
	if err != nil {
		fmt.Println("Reading the response failed:", err)
		return false
	}
	firstLine = strings.TrimRight(firstLine, "\r\n")
	fmt.Println("First line of HTTP response:", firstLine)
	parts := strings.SplitN(firstLine, " ", 3)
	if len(parts) < 3 {
		fmt.Println("That is not an HTTP status line")
		return false
	}
	status := parts[1]
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if err != nil || line == "" {
			break
		}
		if status == "301" && strings.HasPrefix(strings.ToLower(line), "location:") {
			fmt.Println(line)
		}
	}
	if status == "200" || status == "301" {
		fmt.Println("Success - status was", status)
		return true
	}
	fmt.Println("Status was", status)
	return false
}

func main() {
	address := flag.String("a", "localhost", "address of the web server")
	port := flag.Int("p", 80, "port of the web server")
	resource := flag.String("r", "index.html", "resource to ask for")
	flag.Parse()

	if !checkWebServer(*address, *port, *resource) {
		os.Exit(1)
	}
}
