// 10 MiB each way through echo, byte-exact; with -slow the reader stops for a while first.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"time"
)

func main() {
	c, err := net.Dial("tcp", os.Args[1])
	if err != nil {
		panic(err)
	}
	size := 10 << 20
	if len(os.Args) > 2 && os.Args[2] == "-slow" {
		size = 4 << 20
	}
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	want := sha256.Sum256(data)
	go func() {
		io.Copy(c, bytes.NewReader(data))
		c.(*net.TCPConn).CloseWrite()
	}()
	if len(os.Args) > 2 && os.Args[2] == "-slow" {
		time.Sleep(500 * time.Millisecond) // a reader that stops for a while
	}
	h := sha256.New()
	n, err := io.Copy(h, c)
	fmt.Println("got", n, err, "same:", bytes.Equal(h.Sum(nil), want[:]))
}
