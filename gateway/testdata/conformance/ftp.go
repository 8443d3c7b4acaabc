// An FTP session with github.com/jlaffaye/ftp: login, list, passive download.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jlaffaye/ftp"
)

func main() {
	c, err := ftp.Dial(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := c.Login("anonymous", "guest"); err != nil {
		panic(err)
	}
	names, err := c.NameList("/home/student/work")
	fmt.Println("listed hello.c:", strings.Contains(strings.Join(names, " "), "hello.c"), err)
	r, err := c.Retr("/home/student/work/hello.c")
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	fmt.Println("downloaded:", strings.Contains(string(b), "main"))
	c.Quit()
}
