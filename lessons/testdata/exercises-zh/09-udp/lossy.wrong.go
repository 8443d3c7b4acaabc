// Sets a deadline, so it no longer hangs, but asks only once: when that one question or its
// answer is lost, it gives up instead of asking again.
//
// fails: output contains "服务器时间：" => the output does not contain "服务器时间："
// fails: sent at least 2 datagrams to time.lab:37 => sent 1 datagram to time.lab:37
// fails: exit 0 => the program exited with status 1
package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"time"
)

const secondsFrom1900To1970 = 2208988800

func main() {
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

	fmt.Printf("通过 UDP 询问 %v\n", server)
	if _, err := conn.WriteTo(nil, server); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 4)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "没有应答：%v\n", err)
		os.Exit(1)
	}
	t := time.Unix(int64(binary.BigEndian.Uint32(buf[:n]))-secondsFrom1900To1970, 0).UTC()
	fmt.Println("服务器时间：" + t.Format(time.RFC1123))
}
