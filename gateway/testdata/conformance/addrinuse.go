// Two listeners on one port: the second gets EADDRINUSE.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	a, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		panic(err)
	}
	defer a.Close()
	_, err = net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	fmt.Println("in use:", errors.Is(err, syscall.EADDRINUSE))
}
