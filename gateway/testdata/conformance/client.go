// A client of server.go on localhost.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("tcp", "localhost:"+os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "hello from the client")
	reply, err := bufio.NewReader(c).ReadString('\n')
	fmt.Printf("%q %v\n", reply, err)
}
