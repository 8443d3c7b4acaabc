package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

const secondsFrom1900To1970 = 2208988800

func main() {
	ln, err := net.Listen("tcp", ":8037")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	listener := ln.(*net.TCPListener)
	fmt.Println("正在 8037 端口上监听")
	quiet := 0
	for {
		listener.SetDeadline(time.Now().Add(time.Second))
		conn, err := listener.Accept()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			quiet++
			if quiet == 5 {
				fmt.Println("5 秒没有客户端，放弃等待")
				return
			}
			fmt.Println("仍在等待")
			continue
		}
		quiet = 0
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("来自 %v 的连接\n", conn.RemoteAddr())

		t := uint32(time.Now().Unix() + secondsFrom1900To1970)
		buf := []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
		conn.Write(buf)
		conn.Close()
	}
}
