package main

import (
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
)

// ftpConn is an FTP control connection.
type ftpConn struct {
	*textproto.Conn
	host string
}

// cmd sends one command and reads its reply, which must start with the digits of expect.
func (f *ftpConn) cmd(expect int, format string, args ...any) (int, string, error) {
	id, err := f.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	f.StartResponse(id)
	defer f.EndResponse(id)
	return f.ReadResponse(expect)
}

// passive asks for a data connection and connects to it.
func (f *ftpConn) passive() (net.Conn, error) {
	_, msg, err := f.cmd(227, "PASV")
	if err != nil {
		return nil, err
	}
	open, end := strings.Index(msg, "("), strings.Index(msg, ")")
	if open < 0 || end < open {
		return nil, fmt.Errorf("cannot read the PASV reply %q", msg)
	}
	nums := strings.Split(msg[open+1:end], ",")
	if len(nums) != 6 {
		return nil, fmt.Errorf("cannot read the PASV reply %q", msg)
	}
	hi, _ := strconv.Atoi(nums[4])
	lo, _ := strconv.Atoi(nums[5])
	return net.Dial("tcp", net.JoinHostPort(f.host, strconv.Itoa(hi*256+lo)))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// store runs STOR name, sending data on a data connection.
func (f *ftpConn) store(name string, data []byte) (int, string, error) {
	conn, err := f.passive()
	if err != nil {
		return 0, "", err
	}
	id, err := f.Cmd("STOR %s", name)
	if err != nil {
		conn.Close()
		return 0, "", err
	}
	f.StartResponse(id)
	defer f.EndResponse(id)
	if _, _, err := f.ReadResponse(1); err != nil {
		conn.Close()
		return 0, "", err
	}
	conn.Write(data)
	conn.Close() // the end of the file
	return f.ReadResponse(2)
}

func main() {
	c, err := textproto.Dial("tcp", "ftp.lab:21")
	check(err)
	f := &ftpConn{Conn: c, host: "ftp.lab"}
	defer f.Close()
	_, _, err = f.ReadResponse(220)
	check(err)
	_, _, err = f.cmd(3, "USER %s", "student")
	check(err)
	_, _, err = f.cmd(2, "PASS %s", "socketlab")
	check(err)
	_, _, err = f.cmd(250, "CWD /home/student/work/")
	check(err)
	_, _, err = f.cmd(200, "TYPE I")
	check(err)
	code, msg, err := f.store("notes.txt", []byte("hello from me\n"))
	check(err)
	fmt.Println(code, msg)
	f.cmd(221, "QUIT")
}
