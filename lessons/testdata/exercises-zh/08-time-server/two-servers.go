package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

const secondsFrom1900To1970 = 2208988800

// getTime asks the RFC 868 server at host:port for the time.
func getTime(host string, port int) (time.Time, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		return time.Time{}, err
	}
	defer conn.Close()
	var buf [4]byte
	if _, err := io.ReadFull(conn, buf[:]); err != nil {
		return time.Time{}, fmt.Errorf("reading the time from %s: %w", conn.RemoteAddr(), err)
	}
	since1900 := binary.BigEndian.Uint32(buf[:])
	return time.Unix(int64(since1900)-secondsFrom1900To1970, 0).UTC(), nil
}

func main() {
	lab, err := getTime("time.lab", 37)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mine, err := getTime("localhost", 8037)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("两台服务器相差 %d 秒\n", mine.Unix()-lab.Unix())
}
