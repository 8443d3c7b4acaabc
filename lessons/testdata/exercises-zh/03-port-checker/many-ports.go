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
	fmt.Printf("正在尝试连接 %s 的 %d 端口\n", address, port)
	target := net.JoinHostPort(address, strconv.Itoa(port))
	conn, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		fmt.Printf("连接 %s 的 %d 端口失败：%v\n", address, port, err)
		return false
	}
	conn.Close()
	fmt.Printf("已连接到 %s 的 %d 端口\n", address, port)
	return true
}

func main() {
	address := flag.String("a", "localhost", "要检测的服务器地址")
	ports := flag.String("p", "80", "要检测的端口，用逗号分隔")
	flag.Parse()

	allOK := true
	for _, p := range strings.Split(*ports, ",") {
		port, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%q 不是端口号\n", p)
			os.Exit(2)
		}
		if !checkServer(*address, port) {
			allOK = false
		}
	}
	if !allOK {
		os.Exit(1)
	}
}
