package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

const secondsFrom1900To1970 = 2208988800

func main() {
	conn, err := net.Dial("tcp", "time.lab:37")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()

	var buf [4]byte
	if _, err := io.ReadFull(conn, buf[:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("% x\n", buf)
	since1900 := binary.BigEndian.Uint32(buf[:])
	server := time.Unix(int64(since1900)-secondsFrom1900To1970, 0).UTC()
	fmt.Println("服务器时间：" + server.Format(time.RFC1123))
	fmt.Printf("本机时钟相差 %d 秒\n", time.Now().Unix()-server.Unix())
}
