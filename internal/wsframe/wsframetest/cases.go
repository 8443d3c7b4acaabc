// Package wsframetest is a conformance suite for socketlab's WebSocket endpoints, modelled on
// the case groups of the Autobahn test suite: framing, pings and pongs, reserved bits,
// opcodes, fragmentation, UTF-8 in text messages, limits and close handling. Each case is the
// bytes a peer sends and the reaction expected of the endpoint: the messages it delivers, the
// pongs it sends, and the code of the close frame it ends with. Run plays the cases on a real
// connection; the gateway's server and both clients run it in their own tests.
package wsframetest

import (
	"bytes"
	"encoding/binary"
	"strings"

	"socketlab/internal/wsframe"
)

// Endpoint describes the endpoint under test.
type Endpoint struct {
	Server    bool // frames to it are masked, and frames from it are not
	Limit     int  // the largest message it takes (0: the limit cases are skipped)
	Text      bool // it takes text messages, and fails those that are not UTF-8 with 1007; else it refuses text with 1003
	EchoClose bool // it answers a close with the code it received; else with 1000
	Stream    bool // it reads the messages as one byte stream: only their bytes are compared
}

// Reaction is what an endpoint does.
type Reaction struct {
	Messages [][]byte // the messages it delivers (or, for a server, echoes), in order
	Pongs    [][]byte // the payloads of the pongs it sends
	Close    int      // the code of its close frame; wsframe.CloseNoStatus for one without a code
}

// Case is one case.
type Case struct {
	ID, Group, Name string
	// Frames builds what the peer sends. A case whose frames leave the connection open ends
	// with a close (1000) from the peer.
	Frames func(e Endpoint) []byte
	// Chop makes the peer write its bytes this many at a time (0: all at once).
	Chop int
	Want func(e Endpoint) Reaction
}

// Frame encodes a frame as the peer of e sends it: masked to a server.
func Frame(e Endpoint, fin bool, op byte, payload []byte) []byte {
	return frame(e.Server, fin, 0, op, payload)
}

func frame(masked, fin bool, rsv, op byte, payload []byte) []byte {
	h := wsframe.Header{Fin: fin, RSV: rsv, Op: op, Masked: masked, Length: uint64(len(payload)), Mask: [4]byte{0x37, 0xfa, 0x21, 0x3d}}
	b := wsframe.Append(nil, h)
	start := len(b)
	b = append(b, payload...)
	if masked {
		wsframe.Mask(h.Mask, 0, b[start:])
	}
	return b
}

func closeFrame(e Endpoint, code int, reason string) []byte {
	return Frame(e, true, wsframe.OpClose, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func seq(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 1)
	}
	return p
}

// echoed is the reaction to a valid close with code: the same code, or 1000 from an endpoint
// that does not echo.
func echoed(e Endpoint, code int, msgs ...[]byte) Reaction {
	if !e.EchoClose {
		code = wsframe.CloseNormal
	}
	return Reaction{Messages: msgs, Close: code}
}

// closed is the reaction of an endpoint that fails the connection with code.
func closed(code int, msgs ...[]byte) func(Endpoint) Reaction {
	return func(Endpoint) Reaction { return Reaction{Messages: msgs, Close: code} }
}

// normal: the messages are delivered, and the peer's closing 1000 answered.
func normal(msgs ...[]byte) func(Endpoint) Reaction {
	return func(e Endpoint) Reaction { return echoed(e, wsframe.CloseNormal, msgs...) }
}

func bin(e Endpoint, p []byte) []byte { return Frame(e, true, wsframe.OpBinary, p) }

// Cases are the suite's cases, group by group.
func Cases() []Case {
	var cs []Case
	add := func(id, group, name string, frames func(Endpoint) []byte, want func(Endpoint) Reaction) *Case {
		cs = append(cs, Case{ID: id, Group: group, Name: name, Frames: frames, Want: want})
		return &cs[len(cs)-1]
	}
	const (
		framing  = "framing"
		pings    = "pings and pongs"
		reserved = "reserved bits"
		opcodes  = "opcodes"
		frag     = "fragmentation"
		utf8     = "UTF-8"
		limits   = "limits"
		closing  = "close handling"
	)

	// 1: framing. Binary messages of each length encoding; a message written a byte at a time.
	for i, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		add("1.2."+itoa(i+1), framing, "binary message of "+itoa(n)+" bytes",
			func(e Endpoint) []byte { return bin(e, seq(n)) }, normal(seq(n)))
	}
	add("1.2.8", framing, "binary message of 65536 bytes written a byte at a time",
		func(e Endpoint) []byte { return bin(e, seq(65536)) }, normal(seq(65536))).Chop = 1
	add("1.3.1", framing, "frame with the mask bit the wrong way round",
		func(e Endpoint) []byte { return frame(!e.Server, true, 0, wsframe.OpBinary, []byte("hi")) }, closed(wsframe.CloseProtocolError))
	add("1.3.2", framing, "three messages in one write",
		func(e Endpoint) []byte { return cat(bin(e, []byte("a")), bin(e, seq(300)), bin(e, nil)) },
		normal([]byte("a"), seq(300), []byte{}))

	// 2: pings and pongs.
	add("2.1", pings, "ping without payload", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPing, nil) },
		func(e Endpoint) Reaction { r := echoed(e, 1000); r.Pongs = [][]byte{{}}; return r })
	add("2.2", pings, "ping with a small payload", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPing, []byte("Hello, world!")) },
		func(e Endpoint) Reaction { r := echoed(e, 1000); r.Pongs = [][]byte{[]byte("Hello, world!")}; return r })
	add("2.4", pings, "ping with 125 bytes", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPing, seq(125)) },
		func(e Endpoint) Reaction { r := echoed(e, 1000); r.Pongs = [][]byte{seq(125)}; return r })
	add("2.5", pings, "ping with 126 bytes", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPing, seq(126)) },
		closed(wsframe.CloseProtocolError))
	add("2.6", pings, "ping with 125 bytes written a byte at a time", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPing, seq(125)) },
		func(e Endpoint) Reaction { r := echoed(e, 1000); r.Pongs = [][]byte{seq(125)}; return r }).Chop = 1
	add("2.7", pings, "unsolicited pong", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpPong, []byte("x")) }, normal())
	add("2.10", pings, "ten pings", func(e Endpoint) []byte {
		var b []byte
		for i := range 10 {
			b = append(b, Frame(e, true, wsframe.OpPing, []byte("ping "+itoa(i)))...)
		}
		return b
	}, func(e Endpoint) Reaction {
		r := echoed(e, 1000)
		for i := range 10 {
			r.Pongs = append(r.Pongs, []byte("ping "+itoa(i)))
		}
		return r
	})

	// 3: reserved bits.
	for i, c := range []struct {
		rsv byte
		op  byte
	}{{0x40, wsframe.OpBinary}, {0x20, wsframe.OpBinary}, {0x10, wsframe.OpBinary}, {0x70, wsframe.OpPing}, {0x30, wsframe.OpClose}} {
		add("3."+itoa(i+1), reserved, "RSV bits "+itoa(int(c.rsv>>4))+" on opcode "+itoa(int(c.op)),
			func(e Endpoint) []byte { return frame(e.Server, true, c.rsv, c.op, []byte("x")) }, closed(wsframe.CloseProtocolError))
	}
	add("3.6", reserved, "RSV bits after a good message",
		func(e Endpoint) []byte {
			return cat(bin(e, []byte("ok")), frame(e.Server, true, 0x40, wsframe.OpBinary, nil))
		},
		closed(wsframe.CloseProtocolError, []byte("ok")))

	// 4: opcodes.
	for i, op := range []byte{3, 4, 5, 6, 7} {
		add("4.1."+itoa(i+1), opcodes, "reserved data opcode "+itoa(int(op)),
			func(e Endpoint) []byte { return Frame(e, true, op, []byte("x")) }, closed(wsframe.CloseProtocolError))
	}
	for i, op := range []byte{0xB, 0xC, 0xD, 0xE, 0xF} {
		add("4.2."+itoa(i+1), opcodes, "reserved control opcode "+itoa(int(op)),
			func(e Endpoint) []byte { return Frame(e, true, op, nil) }, closed(wsframe.CloseProtocolError))
	}

	// 5: fragmentation.
	add("5.1", frag, "fragmented ping", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpPing, []byte("frag")), Frame(e, true, wsframe.OpContinuation, []byte("ment")))
	}, closed(wsframe.CloseProtocolError))
	add("5.3", frag, "binary message in two fragments", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpBinary, []byte("frag")), Frame(e, true, wsframe.OpContinuation, []byte("ment")))
	}, normal([]byte("fragment")))
	add("5.6", frag, "a ping between fragments", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpBinary, []byte("frag")), Frame(e, true, wsframe.OpPing, []byte("p")),
			Frame(e, true, wsframe.OpContinuation, []byte("ment")))
	}, func(e Endpoint) Reaction {
		r := echoed(e, 1000, []byte("fragment"))
		r.Pongs = [][]byte{[]byte("p")}
		return r
	})
	add("5.9", frag, "continuation with nothing to continue", func(e Endpoint) []byte {
		return Frame(e, true, wsframe.OpContinuation, []byte("x"))
	}, closed(wsframe.CloseProtocolError))
	add("5.15", frag, "a new message inside another", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpBinary, []byte("a")), Frame(e, true, wsframe.OpBinary, []byte("b")))
	}, func(e Endpoint) Reaction {
		r := Reaction{Close: wsframe.CloseProtocolError}
		if e.Stream { // a stream endpoint passes the first fragment on as it comes
			r.Messages = [][]byte{[]byte("a")}
		}
		return r
	})
	add("5.19", frag, "many fragments, some empty, written a byte at a time", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpBinary, nil), Frame(e, false, wsframe.OpContinuation, []byte("ab")),
			Frame(e, false, wsframe.OpContinuation, nil), Frame(e, true, wsframe.OpContinuation, []byte("c")))
	}, normal([]byte("abc"))).Chop = 1

	// 6: UTF-8 in text messages.
	text := func(valid bool, msg []byte) func(Endpoint) Reaction {
		return func(e Endpoint) Reaction {
			switch {
			case !e.Text:
				return Reaction{Close: wsframe.CloseUnsupportedData}
			case !valid:
				return Reaction{Close: wsframe.CloseInvalidPayload}
			}
			return echoed(e, 1000, msg)
		}
	}
	greek := []byte("κόσμε")
	add("6.1", utf8, "empty text message", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpText, nil) }, text(true, []byte{}))
	add("6.2", utf8, "valid text message", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpText, greek) }, text(true, greek))
	add("6.3", utf8, "valid text split inside a character", func(e Endpoint) []byte {
		return cat(Frame(e, false, wsframe.OpText, greek[:3]), Frame(e, true, wsframe.OpContinuation, greek[3:]))
	}, text(true, greek))
	add("6.4", utf8, "text that is not UTF-8", func(e Endpoint) []byte {
		return Frame(e, true, wsframe.OpText, []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"))
	}, text(false, nil))
	add("6.5", utf8, "text ending in half a character", func(e Endpoint) []byte {
		return Frame(e, true, wsframe.OpText, greek[:len(greek)-1])
	}, text(false, nil))

	// 9: limits.
	add("9.1", limits, "a message at the limit", func(e Endpoint) []byte { return bin(e, seq(e.Limit)) },
		func(e Endpoint) Reaction { return echoed(e, 1000, seq(e.Limit)) })
	add("9.2", limits, "a frame one byte over the limit", func(e Endpoint) []byte { return bin(e, seq(e.Limit+1)) },
		closed(wsframe.CloseTooBig))
	add("9.3", limits, "a message one byte over the limit in fragments", func(e Endpoint) []byte {
		p := seq(e.Limit + 1)
		return cat(Frame(e, false, wsframe.OpBinary, p[:e.Limit/2]), Frame(e, true, wsframe.OpContinuation, p[e.Limit/2:]))
	}, closed(wsframe.CloseTooBig))

	// 7: close handling.
	add("7.1.1", closing, "close without payload", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpClose, nil) },
		func(e Endpoint) Reaction { return echoed(e, wsframe.CloseNoStatus) })
	add("7.1.2", closing, "data after the close is ignored", func(e Endpoint) []byte {
		return cat(closeFrame(e, 1000, ""), bin(e, []byte("late")), Frame(e, true, wsframe.OpPing, []byte("late")))
	}, normal())
	add("7.3.1", closing, "close with a payload of one byte", func(e Endpoint) []byte { return Frame(e, true, wsframe.OpClose, []byte{0x03}) },
		closed(wsframe.CloseProtocolError))
	add("7.3.2", closing, "close with code 1000 and a reason", func(e Endpoint) []byte { return closeFrame(e, 1000, "done") }, normal())
	add("7.3.3", closing, "close with 123 bytes of reason", func(e Endpoint) []byte { return closeFrame(e, 1000, strings.Repeat("*", 123)) }, normal())
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		add("7.7."+itoa(i+1), closing, "close with valid code "+itoa(code), func(e Endpoint) []byte { return closeFrame(e, code, "") },
			func(e Endpoint) Reaction { return echoed(e, code) })
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		add("7.9."+itoa(i+1), closing, "close with invalid code "+itoa(code), func(e Endpoint) []byte { return closeFrame(e, code, "") },
			closed(wsframe.CloseProtocolError))
	}
	add("7.5.1", closing, "close reason that is not UTF-8", func(e Endpoint) []byte {
		return closeFrame(e, 1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")
	}, closed(wsframe.CloseInvalidPayload))
	return cs
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
