// Makes the buffer bigger, but still reads once: a bigger buffer does not make Read wait
// for more bytes, so under segment=1 it still returns the first letter alone.
//
// fails: output matches "[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC" (完整的一行 daytime 文字，从星期几一直到 "-UTC"，例如 "Monday, December 7, 2026 02:50:18-UTC") => the output does not show 完整的一行 daytime 文字
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	conn, err := net.Dial("tcp", "daytime.lab:13")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()

	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("daytime.lab 说：%q\n", buf[:n])
}
