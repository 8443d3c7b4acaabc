package wsframetest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"socketlab/internal/wsframe"
)

// Peer is the test's side of one connection to the endpoint, its handshake done.
type Peer struct {
	Conn net.Conn
	R    *bufio.Reader // reads Conn, holding what the handshake read ahead
	// Delivered, for an endpoint that hands messages to its user rather than echoing them,
	// waits until the endpoint has stopped and returns the messages it delivered.
	Delivered func() [][]byte
}

// Run runs every case against the endpoint dial connects to: the case's frames are written,
// the endpoint's frames read until its close frame or the end of the connection, and what
// it did is compared with what the case wants.
func Run(t *testing.T, e Endpoint, dial func(t *testing.T) Peer) {
	for _, c := range Cases() {
		t.Run(c.ID+" "+c.Name, func(t *testing.T) {
			if c.Group == "limits" && e.Limit == 0 {
				t.Skip("the endpoint has no limit")
			}
			p := dial(t)
			defer p.Conn.Close()
			p.Conn.SetDeadline(time.Now().Add(20 * time.Second))
			frames := append(c.Frames(e), closeFrame(e, wsframe.CloseNormal, "")...)
			go func() {
				step := c.Chop
				if step == 0 {
					step = len(frames)
				}
				for b := frames; len(b) > 0; b = b[min(step, len(b)):] {
					if _, err := p.Conn.Write(b[:min(step, len(b))]); err != nil {
						return
					}
				}
			}()
			got, err := readReaction(p.R, !e.Server)
			if err != nil {
				t.Errorf("reading the endpoint's frames: %v", err)
			}
			if p.Delivered != nil {
				got.Messages = p.Delivered()
			}
			want := c.Want(e)
			if e.Stream {
				got.Messages = joined(got.Messages)
				want.Messages = joined(want.Messages)
			}
			if g, w := describe(got), describe(want); g != w {
				t.Errorf("reaction:\n got %s\nwant %s", g, w)
			}
		})
	}
}

func joined(msgs [][]byte) [][]byte {
	if b := bytes.Join(msgs, nil); len(b) > 0 {
		return [][]byte{b}
	}
	return nil
}

// describe renders a reaction for comparison: long payloads by length and a checksum.
func describe(r Reaction) string {
	show := func(ps [][]byte) string {
		s := "["
		for i, p := range ps {
			if i > 0 {
				s += " "
			}
			if len(p) <= 16 {
				s += fmt.Sprintf("%q", p)
			} else {
				var sum uint32
				for _, c := range p {
					sum = sum*31 + uint32(c)
				}
				s += fmt.Sprintf("<%d bytes, sum %08x>", len(p), sum)
			}
		}
		return s + "]"
	}
	return fmt.Sprintf("messages %s, pongs %s, close %d (%s)", show(r.Messages), show(r.Pongs), r.Close, wsframe.CloseName(r.Close))
}

// readReaction reads the endpoint's frames (masked if fromClient) up to its close frame.
func readReaction(r *bufio.Reader, fromClient bool) (Reaction, error) {
	var got Reaction
	var msg []byte
	inMsg := false
	for {
		b, err := r.Peek(2)
		if err != nil {
			return got, fmt.Errorf("no close frame: %w", err)
		}
		hl := wsframe.Len(b[1])
		if b, err = r.Peek(hl); err != nil {
			return got, err
		}
		h, _ := wsframe.Parse(b)
		r.Discard(hl)
		if err := h.Check(fromClient); err != nil {
			return got, fmt.Errorf("the endpoint sent a bad frame: %v", err)
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(r, p); err != nil {
			return got, err
		}
		if h.Masked {
			wsframe.Mask(h.Mask, 0, p)
		}
		switch h.Op {
		case wsframe.OpPong:
			got.Pongs = append(got.Pongs, p)
		case wsframe.OpPing:
		case wsframe.OpClose:
			code, _, err := wsframe.ParseClose(p)
			if err != nil {
				return got, fmt.Errorf("the endpoint sent a bad close frame: %v", err)
			}
			got.Close = code
			return got, nil
		default:
			if h.Op != wsframe.OpContinuation && inMsg || h.Op == wsframe.OpContinuation && !inMsg {
				return got, fmt.Errorf("the endpoint's fragments are out of order")
			}
			msg, inMsg = append(msg, p...), !h.Fin
			if h.Fin {
				got.Messages = append(got.Messages, append([]byte{}, msg...))
				msg = msg[:0]
			}
		}
	}
}

// ServerHandshake reads a client's upgrade request from r and answers it on w with 101.
func ServerHandshake(r *bufio.Reader, w io.Writer) error {
	key := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = trimEOL(line)
		if line == "" {
			break
		}
		if k, ok := cutField(line, "sec-websocket-key"); ok {
			key = k
		}
	}
	_, err := io.WriteString(w, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+wsframe.AcceptKey(key)+"\r\n\r\n")
	return err
}

// ClientHandshake sends an upgrade request for path to a server and reads its 101.
func ClientHandshake(r *bufio.Reader, w io.Writer, host, path string) error {
	key := wsframe.NewKey()
	if _, err := io.WriteString(w, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+key+"\r\nSec-WebSocket-Version: 13\r\n\r\n"); err != nil {
		return err
	}
	accepted := false
	for i := 0; ; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = trimEOL(line)
		if i == 0 && len(line) < 12 || i == 0 && line[9:12] != "101" {
			return fmt.Errorf("the server answered %q", line)
		}
		if line == "" {
			break
		}
		if v, ok := cutField(line, "sec-websocket-accept"); ok && v == wsframe.AcceptKey(key) {
			accepted = true
		}
	}
	if !accepted {
		return fmt.Errorf("no matching Sec-WebSocket-Accept")
	}
	return nil
}

func trimEOL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func cutField(line, name string) (string, bool) {
	if len(line) <= len(name) || line[len(name)] != ':' || !equalFold(line[:len(name)], name) {
		return "", false
	}
	v := line[len(name)+1:]
	for len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	return v, true
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }
