package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// lineConn reads and writes a connection a line at a time.
type lineConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func newLineConn(c net.Conn) *lineConn {
	return &lineConn{conn: c, r: bufio.NewReader(c)}
}

// WriteLine sends s and a CR LF.
func (lc *lineConn) WriteLine(s string) error {
	_, err := io.WriteString(lc.conn, s+"\r\n")
	return err
}

// ReadLine returns the next line without its line end. After the last line it returns
// io.EOF.
func (lc *lineConn) ReadLine() (string, error) {
	line, err := lc.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil // a last line without a line end still counts
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// ReadN reads exactly n bytes.
func (lc *lineConn) ReadN(n int) ([]byte, error) {
	buf := make([]byte, n)
	_, err := io.ReadFull(lc.r, buf)
	return buf, err
}

// ReadAll reads until the other side closes the connection.
func (lc *lineConn) ReadAll() ([]byte, error) {
	return io.ReadAll(lc.r)
}

// get asks host:port for document and returns the body of the answer.
func get(host string, port int, document string) ([]byte, error) {
	conn, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	lc := newLineConn(conn)
	lc.WriteLine("GET " + document + " HTTP/1.0")
	lc.WriteLine("Host: " + host)
	lc.WriteLine("")
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return nil, err
	}
	for {
		line, err := lc.ReadLine()
		if err != nil {
			return nil, fmt.Errorf("reading the headers: %w", err)
		}
		if line == "" {
			break // the empty line: the body follows
		}
	}
	return lc.ReadAll()
}

func main() {
	body, err := get("web.lab", 80, "/hello.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d bytes of body:\n%s", len(body), body)
}
