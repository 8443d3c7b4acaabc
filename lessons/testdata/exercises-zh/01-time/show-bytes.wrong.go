// Prints the bytes as decimal numbers in brackets, not as hex.
//
// fails: output matches "^([0-9a-f]{2} ){3}[0-9a-f]{2}$" (一行用十六进制表示的四个字节，以空格分隔，例如 "ec c2 0a 80") => the output does not show 一行用十六进制表示的四个字节
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
	fmt.Println(buf)
	since1900 := binary.BigEndian.Uint32(buf[:])
	server := time.Unix(int64(since1900)-secondsFrom1900To1970, 0).UTC()
	fmt.Println("服务器时间：" + server.Format(time.RFC1123))
	fmt.Printf("本机时钟相差 %d 秒\n", time.Now().Unix()-server.Unix())
}
