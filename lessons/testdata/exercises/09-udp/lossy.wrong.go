// Sets a deadline, so it no longer hangs, but asks only once: when that one question or its
// answer is lost, it gives up instead of asking again.
//
// fails: output contains "server time is" => the output does not contain "server time is"
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

	fmt.Println("asking", server, "over UDP")
	if _, err := conn.WriteTo(nil, server); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buf := make([]byte, 4)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "no answer:", err)
		os.Exit(1)
	}
	t := time.Unix(int64(binary.BigEndian.Uint32(buf[:n]))-secondsFrom1900To1970, 0).UTC()
	fmt.Println("server time is", t.Format(time.RFC1123))
}
