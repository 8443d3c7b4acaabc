// 100 connections at once through echo, each with its own bytes.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", os.Args[1])
			if err != nil {
				return
			}
			defer c.Close()
			msg := fmt.Sprintf("stream %d", i)
			fmt.Fprint(c, msg)
			c.(*net.TCPConn).CloseWrite()
			b, _ := io.ReadAll(c)
			if string(b) == msg {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("echoed correctly:", ok)
}
