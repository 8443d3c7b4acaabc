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
	fmt.Printf("HTTP 请求：\n%s", request)

	conn, err := net.Dial("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	if err != nil {
		fmt.Printf("连接 %s 的 %d 端口失败：%v\n", address, port, err)
		return false
	}
	defer conn.Close()
	conn.Write([]byte(request))

	r := bufio.NewReader(conn)
	firstLine, err := r.ReadString('\n')
	if err != nil {
		fmt.Printf("读取响应失败：%v\n", err)
		return false
	}
	firstLine = strings.TrimRight(firstLine, "\r\n")
	fmt.Println("HTTP 响应的第一行：" + firstLine)
	parts := strings.SplitN(firstLine, " ", 3)
	if len(parts) < 3 {
		fmt.Println("这不是 HTTP 状态行")
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
		fmt.Println("成功：状态码为 " + status)
		return true
	}
	fmt.Println("状态码为 " + status)
	return false
}

func main() {
	address := flag.String("a", "localhost", "Web 服务器的地址")
	port := flag.Int("p", 80, "Web 服务器的端口")
	resource := flag.String("r", "index.html", "要请求的资源")
	flag.Parse()

	if !checkWebServer(*address, *port, *resource) {
		os.Exit(1)
	}
}
