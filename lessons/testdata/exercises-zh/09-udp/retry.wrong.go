// Waits three times, but sends only once: if that one datagram was lost, waiting longer
// does not bring it back.
//
// fails: sent 3 datagrams to discard.lab:9 => sent 1 datagram to discard.lab:9
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

const secondsFrom1900To1970 = 2208988800

func main() {
	host := flag.String("a", "time.lab", "要询问的时间服务器")
	port := flag.Int("p", 37, "它的 UDP 端口")
	flag.Parse()

	server, err := net.ResolveUDPAddr("udp", net.JoinHostPort(*host, strconv.Itoa(*port)))
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
	if _, err := conn.WriteTo(nil, server); err != nil { // an empty datagram
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 4)
	var (
		n    int
		from net.Addr
	)
	for try := 1; ; try++ {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err = conn.ReadFrom(buf)
		if err == nil {
			break
		}
		if try == 3 {
			fmt.Fprintln(os.Stderr, "试了 3 次都没有应答")
			os.Exit(1)
		}
	}
	fmt.Printf("收到来自 %s 的 %d 字节应答\n", from, n)
	if n != 4 {
		fmt.Fprintln(os.Stderr, "时间应答应当是 4 个字节")
		os.Exit(1)
	}
	t := time.Unix(int64(binary.BigEndian.Uint32(buf))-secondsFrom1900To1970, 0).UTC()
	fmt.Println("服务器时间：" + t.Format(time.RFC1123))
}
