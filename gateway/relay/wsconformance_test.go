package relay

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"socketlab/internal/wsframe"
	"socketlab/internal/wsframe/wsframetest"
	"socketlab/wire"
)

// The WebSocket conformance suite (modelled on Autobahn's case groups) against the gateway's
// server: upgrade, then the two frame parsers the relay reads with, each behind a small echo
// endpoint. (conformance_test.go is about lab programs.)

// echoEndpoint serves one WebSocket connection with serve after the gateway's upgrade.
func echoEndpoint(t *testing.T, serve func(ws *wsConn)) func(t *testing.T) wsframetest.Peer {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ws, _, ok := upgrade(w, req, nil, "a WebSocket endpoint")
		if !ok {
			return
		}
		defer ws.conn.Close()
		serve(ws)
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	return func(t *testing.T) wsframetest.Peer {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		if err := wsframetest.ClientHandshake(r, c, addr, "/"); err != nil {
			c.Close()
			t.Fatal(err)
		}
		return wsframetest.Peer{Conn: c, R: r}
	}
}

// answerClose answers a client's close as an echoing endpoint does.
func answerClose(ws *wsConn, status int) {
	if status == wsframe.CloseNoStatus {
		ws.writeFrame(wsClose, nil)
		return
	}
	ws.closeWith(status, "")
}

// TestWSConformanceMessages: the parser of /ws (msgReader), echoing each message.
func TestWSConformanceMessages(t *testing.T) {
	dial := echoEndpoint(t, func(ws *wsConn) {
		rd := newMsgReader(ws, wire.MaxFrame)
		defer rd.release()
		for {
			msg, err := rd.next()
			var fe *frameError
			var cf closeFrame
			switch {
			case errors.As(err, &fe):
				ws.closeWith(fe.status, fe.reason)
				return
			case errors.As(err, &cf):
				answerClose(ws, cf.status)
				return
			case err != nil:
				return
			}
			buf := make([]byte, wsMaxHeader+len(msg))
			copy(buf[wsMaxHeader:], msg)
			if ws.writeBinary(buf, len(msg)) != nil {
				return
			}
		}
	})
	wsframetest.Run(t, wsframetest.Endpoint{Server: true, Limit: wire.MaxFrame, EchoClose: true}, dial)
}

// TestWSConformanceStream: the parser of /websockify (frameState), echoing the bytes.
func TestWSConformanceStream(t *testing.T) {
	dial := echoEndpoint(t, func(ws *wsConn) {
		buf := make([]byte, 256<<10)
		fill := copy(buf, ws.early)
		var st frameState
		for {
			if fill == 0 || len(st.control) == 0 {
				n, err := ws.conn.Read(buf[fill:])
				if err != nil {
					return
				}
				fill += n
			}
			used, out, ferr := st.consume(buf[:fill])
			if len(out) > 0 { // what came before a broken frame is good
				msg := make([]byte, wsMaxHeader+len(out))
				copy(msg[wsMaxHeader:], out)
				ws.writeBinary(msg, len(out))
			}
			if ferr != nil {
				ws.closeWith(ferr.status, ferr.reason)
				return
			}
			for _, c := range st.control {
				switch c.op {
				case wsPing:
					ws.writeFrame(wsPong, c.payload)
				case wsClose:
					status, _, _ := wsframe.ParseClose(c.payload)
					answerClose(ws, status)
					return
				}
			}
			st.control = st.control[:0]
			fill = copy(buf, buf[used:fill])
		}
	})
	wsframetest.Run(t, wsframetest.Endpoint{Server: true, EchoClose: true, Stream: true}, dial)
}
