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
	host := flag.String("a", "time.lab", "time server to ask")
	port := flag.Int("p", 37, "its UDP port")
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

	fmt.Println("asking", server, "over UDP")
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
			fmt.Fprintln(os.Stderr, "no answer after 3 tries")
			os.Exit(1)
		}
	}
	fmt.Printf("reply of %d bytes from %s\n", n, from)
	if n != 4 {
		fmt.Fprintln(os.Stderr, "a time reply has 4 bytes")
		os.Exit(1)
	}
	t := time.Unix(int64(binary.BigEndian.Uint32(buf))-secondsFrom1900To1970, 0).UTC()
	fmt.Println("server time is", t.Format(time.RFC1123))
}
