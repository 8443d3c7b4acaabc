package relay

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"socketlab/internal/wsframe"
	"socketlab/internal/wsframe/wsframetest"
	"socketlab/wire"
)

// memConn is a connection that reads given bytes and swallows what is written.
type memConn struct {
	net.Conn
	r *bytes.Reader
}

func (c *memConn) Read(p []byte) (int, error)        { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error)       { return len(p), nil }
func (c *memConn) SetWriteDeadline(time.Time) error  { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error { return nil }
func (c *memConn) Close() error                      { return nil }

// FuzzFrameParser feeds arbitrary bytes, as a client might send them after the handshake, to
// both of the server's frame parsers: msgReader (/ws) and frameState.consume (/websockify),
// the latter in pieces of every size the input chooses. Neither may panic, they must agree on
// the payload bytes of binary messages, and each must find a breach of the protocol where the
// other does, with the same close code. It is seeded from the conformance suite's cases and testdata/fuzz/FuzzFrameParser.
func FuzzFrameParser(f *testing.F) {
	e := wsframetest.Endpoint{Server: true, Limit: 300}
	for i, c := range wsframetest.Cases() {
		f.Add(c.Frames(e), uint8(i*37))
	}
	f.Fuzz(func(t *testing.T, input []byte, piece uint8) {
		// The stream parser, in pieces, compacting what it leaves as websockify does.
		var st frameState
		var stream []byte
		var sErr *frameError
		buf := make([]byte, len(input))
		fill := 0
		step := int(piece) + 1
		closed := false
		for in := input; len(in) > 0 && sErr == nil && !closed; {
			n := copy(buf[fill:], in[:min(step, len(in))])
			in, fill = in[n:], fill+n
			used, out, ferr := st.consume(buf[:fill])
			if used > fill || len(out) > used {
				t.Fatalf("consume used %d of %d bytes and gave %d", used, fill, len(out))
			}
			stream = append(stream, out...)
			sErr = ferr
			for _, c := range st.control {
				closed = closed || c.op == wsClose
			}
			st.control = st.control[:0]
			fill = copy(buf, buf[used:fill])
		}

		// The message parser, with a limit it cannot reach.
		ws := &wsConn{conn: &memConn{r: bytes.NewReader(input)}}
		rd := newMsgReader(ws, wire.MaxFrame)
		defer rd.release()
		var msgs []byte
		var mErr *frameError
		for {
			msg, err := rd.next()
			if err != nil {
				var cf closeFrame
				if !errors.As(err, &mErr) && !errors.As(err, &cf) && !errors.Is(err, io.EOF) {
					t.Fatalf("next: %v", err)
				}
				break
			}
			msgs = append(msgs, msg...)
		}
		if mErr != nil && mErr.status == wsframe.CloseTooBig {
			return // only msgReader has a limit
		}
		if (sErr == nil) != (mErr == nil) || sErr != nil && sErr.status != mErr.status {
			t.Fatalf("the stream parser ends with %v, the message parser with %v", sErr, mErr)
		}
		// Every byte of a whole message also came out of the stream parser.
		if !bytes.HasPrefix(stream, msgs) {
			t.Fatalf("the message parser's %d bytes are not where the stream parser's %d begin", len(msgs), len(stream))
		}
	})
}
