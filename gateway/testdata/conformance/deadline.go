// A read deadline fires, and the connection still works afterwards.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func main() {
	c, err := net.Dial("tcp", os.Args[1])
	if err != nil {
		panic(err)
	}
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = c.Read(make([]byte, 8))
	var ne net.Error
	fmt.Println("deadline:", errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout())
	c.SetReadDeadline(time.Time{})
	fmt.Fprint(c, "again")
	b := make([]byte, 5)
	_, err = io.ReadFull(c, b)
	fmt.Println(string(b), err)
}
