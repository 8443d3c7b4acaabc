// Looks for the header in the first 100 bytes, but asks with a lower-case "location:" and
// Go's server writes "Location:", so nothing is found.
//
// fails: output contains "Location: /docs/" => the output does not contain "Location: /docs/"
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

func main() {
	address := flag.String("a", "localhost", "Web 服务器的地址")
	port := flag.Int("p", 80, "Web 服务器的端口")
	resource := flag.String("r", "index.html", "要请求的资源")
	flag.Parse()
	if !strings.HasPrefix(*resource, "/") {
		*resource = "/" + *resource
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(*address, strconv.Itoa(*port)))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", *resource, *address)

	buf := make([]byte, 100)
	n, _ := conn.Read(buf)
	lines := strings.Split(string(buf[:n]), "\r\n")
	fmt.Println("HTTP 响应的第一行：" + lines[0])
	for _, l := range lines {
		if strings.HasPrefix(l, "location:") {
			fmt.Println(l)
		}
	}
	status := strings.SplitN(lines[0], " ", 3)[1]
	if status == "200" || status == "301" {
		fmt.Println("成功：状态码为 " + status)
		return
	}
	fmt.Println("状态码为 " + status)
	os.Exit(1)
}
