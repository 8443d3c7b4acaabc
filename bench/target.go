package main

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
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
		noTimeWait(c)
		go handleTarget(c)
	}
}

// echoBufs serve the echo command: sessions by the thousand each echo a byte, and a buffer
// allocated for each would have the benchmark's own collector compete with the relay.
var echoBufs = sync.Pool{New: func() any { b := make([]byte, chunk); return &b }}

// handleTarget serves one connection. It resets the connection when done (noTimeWait): the
// relays close theirs first, and each of their ports would otherwise wait a minute in
// TIME_WAIT, so that thousands of sessions in a row run out of ports.
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
		bp := echoBufs.Get().(*[]byte)
		io.CopyBuffer(c, struct{ io.Reader }{c}, *bp)
		echoBufs.Put(bp)
	}
}

func command(op byte, size int64) []byte {
	b := make([]byte, cmdSize)
	b[0] = op
	binary.BigEndian.PutUint64(b[1:], uint64(size))
	return b
}
