// Counts clients instead of quiet seconds: it would give up after five clients, and with
// one client it never does.
//
// fails: output contains "no client for 5 seconds, giving up" => the output does not contain
// fails: exit 0 => the program did not exit: it was stopped
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
	fmt.Println("listening on port 8037")
	quiet := 0
	for {
		listener.SetDeadline(time.Now().Add(time.Second))
		conn, err := listener.Accept()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			fmt.Println("still waiting")
			continue
		}
		quiet++
		if quiet == 5 {
			fmt.Println("no client for 5 seconds, giving up")
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("connection from", conn.RemoteAddr())

		t := uint32(time.Now().Unix() + secondsFrom1900To1970)
		buf := []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
		conn.Write(buf)
		conn.Close()
	}
}
