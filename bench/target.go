package main

import (
	"encoding/binary"
	"io"
	"net"
)

// The target server every path ends at. A client starts with one command byte and an 8-byte
// size:
//
//	'U' size: the client uploads size bytes; the server answers one byte when it has them all
//	'D' size: the server sends size bytes
//	'E' 0:    the server echoes everything until the client closes
const cmdSize = 9

func serveTarget(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go handleTarget(c)
	}
}

func handleTarget(c net.Conn) {
	defer c.Close()
	var cmd [cmdSize]byte
	if _, err := io.ReadFull(c, cmd[:]); err != nil {
		return
	}
	size := int64(binary.BigEndian.Uint64(cmd[1:]))
	switch cmd[0] {
	case 'U':
		buf := make([]byte, chunk)
		for size > 0 {
			n, err := c.Read(buf[:min(int64(len(buf)), size)])
			size -= int64(n)
			if err != nil {
				return
			}
		}
		c.Write([]byte{1})
		io.Copy(io.Discard, c) // until the client closes
	case 'D':
		buf := make([]byte, chunk)
		for size > 0 {
			n, err := c.Write(buf[:min(int64(len(buf)), size)])
			size -= int64(n)
			if err != nil {
				return
			}
		}
		io.Copy(io.Discard, c)
	case 'E':
		io.CopyBuffer(c, struct{ io.Reader }{c}, make([]byte, chunk))
	}
}

func command(op byte, size int64) []byte {
	b := make([]byte, cmdSize)
	b[0] = op
	binary.BigEndian.PutUint64(b[1:], uint64(size))
	return b
}
