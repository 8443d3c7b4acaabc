// Waits one second for each answer and asks again, up to five times, from the same socket.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"
)

const secondsFrom1900To1970 = 2208988800

func main() {
	tries := flag.Int("n", 5, "最多询问几次")
	wait := flag.Duration("w", time.Second, "每次最多等待应答多久")
	flag.Parse()

	server, err := net.ResolveUDPAddr("udp", "time.lab:37")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	conn, err := net.ListenPacket("udp", ":0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()

	buf := make([]byte, 4)
	for try := 1; try <= *tries; try++ {
		if _, err := conn.WriteTo(nil, server); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		conn.SetReadDeadline(time.Now().Add(*wait))
		n, _, err := conn.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			fmt.Printf("第 %d 次：%v 内没有应答\n", try, *wait)
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if n != 4 {
			fmt.Printf("第 %d 次：应答有 %d 个字节，不是 4 个\n", try, n)
			continue
		}
		t := time.Unix(int64(binary.BigEndian.Uint32(buf))-secondsFrom1900To1970, 0).UTC()
		fmt.Printf("第 %d 次：服务器时间：%s\n", try, t.Format(time.RFC1123))
		return
	}
	fmt.Fprintf(os.Stderr, "试了 %d 次都没有应答\n", *tries)
	os.Exit(1)
}
