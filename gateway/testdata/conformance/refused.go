// A dial to a port where nothing listens fails at once with ECONNREFUSED.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	conn, err := net.Dial("tcp", os.Args[1])
	var op *net.OpError
	ok := errors.As(err, &op)
	fmt.Println(conn == nil, ok, op.Op, op.Net, op.Err)
	fmt.Println("refused:", errors.Is(err, syscall.ECONNREFUSED))
}
