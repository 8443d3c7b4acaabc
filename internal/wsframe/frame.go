// Package wsframe is the WebSocket protocol (RFC 6455) as socketlab speaks it, shared by the
// gateway's server, the native runtime's client and the benchmark's client: the frame header
// codec, masking, the close frame and its codes, and the checks of the opening handshake.
// It reads and writes no connection itself; each side keeps its own buffers and its own way
// of reading, so that a frame costs no allocation.
//
// The package is laid out beside every native learner program with the runtime (socketlab.go
// embeds it), so it imports nothing but the standard library and no package net: in a
// learner program package net is the lab's.
package wsframe

import (
	"encoding/binary"
	"strconv"
)

// Opcodes.
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

const (
	// MaxHeader is the longest frame header: 2 bytes, a 64-bit length, a masking key.
	MaxHeader = 14
	// MaxServerHeader is the longest header of a server's (unmasked) frame.
	MaxServerHeader = 10
	// MaxControl is the largest payload of a control frame.
	MaxControl = 125
)

// Header is a frame's header.
type Header struct {
	Fin    bool
	RSV    byte // the reserved bits as they sit in the first byte (mask 0x70)
	Op     byte
	Masked bool
	Length uint64  // of the payload
	Mask   [4]byte // the masking key, when Masked
}

// Parse decodes the header at the start of b and returns it with its length, or with 0 when
// b holds only part of it. From two bytes on, the fields of the first two (Fin, RSV, Op,
// Masked) are filled in even when the rest is missing, so CheckBits can refuse a frame early.
func Parse(b []byte) (h Header, n int) {
	if len(b) < 2 {
		return h, 0
	}
	h.Fin, h.RSV, h.Op, h.Masked = b[0]&0x80 != 0, b[0]&0x70, b[0]&0x0f, b[1]&0x80 != 0
	n = Len(b[1])
	if len(b) < n {
		return h, 0
	}
	switch l := b[1] & 0x7f; l {
	case 126:
		h.Length = uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		h.Length = binary.BigEndian.Uint64(b[2:])
	default:
		h.Length = uint64(l)
	}
	if h.Masked {
		copy(h.Mask[:], b[n-4:n])
	}
	return h, n
}

// Len is the length of a header whose second byte is b1.
func Len(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n = 4
	case 127:
		n = 10
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// Put writes h at the start of dst, which has room for its length (at most MaxHeader), with
// the shortest encoding of the length, and returns its length.
func Put(dst []byte, h Header) int {
	b0 := h.Op | h.RSV
	if h.Fin {
		b0 |= 0x80
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	n := 2
	switch {
	case h.Length < 126:
		dst[1] = m | byte(h.Length)
	case h.Length <= 0xffff:
		dst[1] = m | 126
		binary.BigEndian.PutUint16(dst[2:4], uint16(h.Length))
		n = 4
	default:
		dst[1] = m | 127
		binary.BigEndian.PutUint64(dst[2:10], h.Length)
		n = 10
	}
	dst[0] = b0
	if h.Masked {
		copy(dst[n:n+4], h.Mask[:])
		n += 4
	}
	return n
}

// Append appends h to dst.
func Append(dst []byte, h Header) []byte {
	var b [MaxHeader]byte
	return append(dst, b[:Put(b[:], h)]...)
}

// Error is a breach of the protocol, with the close code that answers it.
type Error struct {
	Code   int
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// CheckBits checks what the first two bytes of a header tell: no reserved bits (no extension
// is ever agreed) and a mask exactly on a client's frames.
func (h Header) CheckBits(fromClient bool) *Error {
	switch {
	case h.RSV != 0:
		return &Error{CloseProtocolError, "no WebSocket extensions were agreed, yet a frame has RSV bits set"}
	case fromClient && !h.Masked:
		return &Error{CloseProtocolError, "a client's frames must be masked"}
	case !fromClient && h.Masked:
		return &Error{CloseProtocolError, "a server's frames must not be masked"}
	}
	return nil
}

// CheckOp checks a whole header's opcode: a known one, and control frames whole and small.
func (h Header) CheckOp() *Error {
	switch h.Op {
	case OpBinary, OpText, OpContinuation:
	case OpClose, OpPing, OpPong:
		if !h.Fin || h.Length > MaxControl {
			return &Error{CloseProtocolError, "a control frame must be whole and at most 125 bytes"}
		}
	default:
		return &Error{CloseProtocolError, "unknown WebSocket opcode 0x" + strconv.FormatUint(uint64(h.Op), 16)}
	}
	return nil
}

// Check is CheckBits and CheckOp: every check a whole header on its own can fail.
func (h Header) Check(fromClient bool) *Error {
	if err := h.CheckBits(fromClient); err != nil {
		return err
	}
	return h.CheckOp()
}

// IsControl reports whether h is a control frame's (close, ping, pong, or a reserved one).
func (h Header) IsControl() bool { return h.Op >= OpClose }

// Sequence checks a data frame's place in the sequence of frames: *msgOp is the opcode of
// the message in progress (0 if none), and is updated. Control frames pass.
func Sequence(h Header, msgOp *byte) *Error {
	switch h.Op {
	case OpBinary, OpText:
		if *msgOp != 0 {
			return &Error{CloseProtocolError, "a new message began before the last one ended"}
		}
		if !h.Fin {
			*msgOp = h.Op
		}
	case OpContinuation:
		if *msgOp == 0 {
			return &Error{CloseProtocolError, "a continuation frame with no message to continue"}
		}
		if h.Fin {
			*msgOp = 0
		}
	}
	return nil
}
