// Package wire is the protocol between a learner's program (in the browser or natively) and
// the socketlab gateway. docs/protocol.md specifies it; this package is its only
// implementation, imported by both sides, and builds for linux and js/wasm.
//
// Every WebSocket binary message carries one frame:
//
//	type (1 byte) | stream (4 bytes, big-endian) | payload
//
// Streams are opened by the program (odd ids it chooses for dials, listeners, UDP sockets and
// lookups) or by the gateway (ids with the top bit set, for accepted connections).
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the protocol version this package speaks.
const Version = 1

// Type is a frame type.
type Type uint8

const (
	Hello     Type = 0x01 // stream 0: version negotiation, both ways
	Connect   Type = 0x02 // program → gateway: open a stream (dial, listen, UDP)
	Connected Type = 0x03 // gateway → program: the stream is open
	Data      Type = 0x04 // stream bytes, either way
	Continue  Type = 0x05 // credit: the receiver may accept this many more bytes
	Fin       Type = 0x06 // the sender's direction is finished (half-close)
	Close     Type = 0x07 // the stream is gone, with a code and a reason
	Accept    Type = 0x08 // gateway → program: a listener accepted a new stream
	Datagram  Type = 0x09 // one UDP datagram with its peer address, either way
	Lookup    Type = 0x0A // program → gateway: resolve a name
	Answer    Type = 0x0B // gateway → program: the addresses of a name
	Error     Type = 0x0C // gateway → program: a UDP socket's asynchronous error; it stays open
	Lost      Type = 0x0D // gateway → program: the lab's loss fault dropped a datagram of a UDP socket
)

func (t Type) String() string {
	switch t {
	case Hello:
		return "HELLO"
	case Connect:
		return "CONNECT"
	case Connected:
		return "CONNECTED"
	case Data:
		return "DATA"
	case Continue:
		return "CONTINUE"
	case Fin:
		return "FIN"
	case Close:
		return "CLOSE"
	case Accept:
		return "ACCEPT"
	case Datagram:
		return "DATAGRAM"
	case Lookup:
		return "LOOKUP"
	case Answer:
		return "ANSWER"
	case Error:
		return "ERROR"
	case Lost:
		return "LOST"
	}
	return fmt.Sprintf("Type(%#x)", uint8(t))
}

// Kind says what a Connect frame opens.
type Kind uint8

const (
	KindDial   Kind = 1 // a TCP connection to Remote
	KindListen Kind = 2 // a TCP listener on Local
	KindUDP    Kind = 3 // a UDP socket bound to Local, connected to Remote if it is set
)

// HeaderSize is the size of a frame's type and stream id.
const HeaderSize = 5

// MaxFrame is the largest frame either side accepts, header included.
const MaxFrame = 1<<16 + 1024

// MaxData is the largest payload of one Data frame.
const MaxData = 1 << 16

// GatewayStream is the bit set in the ids of streams the gateway opens.
const GatewayStream = 1 << 31

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed frame")

// Frame is one decoded frame. Payload aliases the buffer it was decoded from.
type Frame struct {
	Type    Type
	Stream  uint32
	Payload []byte
}

// Append encodes a frame with the given payload onto b.
func Append(b []byte, t Type, stream uint32, payload []byte) []byte {
	b = append(b, byte(t))
	b = binary.BigEndian.AppendUint32(b, stream)
	return append(b, payload...)
}

// Decode splits one message into its frame. It never panics; a short or oversized message is
// an error wrapping ErrMalformed.
func Decode(msg []byte) (Frame, error) {
	if len(msg) < HeaderSize {
		return Frame{}, fmt.Errorf("%w: %d bytes is shorter than a frame header", ErrMalformed, len(msg))
	}
	if len(msg) > MaxFrame {
		return Frame{}, fmt.Errorf("%w: %d bytes is over the %d-byte limit", ErrMalformed, len(msg), MaxFrame)
	}
	t := Type(msg[0])
	if t < Hello || t > Lost {
		return Frame{}, fmt.Errorf("%w: unknown type %#x", ErrMalformed, msg[0])
	}
	return Frame{Type: t, Stream: binary.BigEndian.Uint32(msg[1:5]), Payload: msg[HeaderSize:]}, nil
}
