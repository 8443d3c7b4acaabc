package relay

import (
	"context"
	"encoding/binary"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/gateway/lab"
	"socketlab/wire"
)

var fuzzRelay struct {
	once sync.Once
	url  string
}

// FuzzRelaySession sends arbitrary frames, as a hostile page might, to a live relay with real
// lab servers behind it. Whatever arrives, the gateway must not crash or wedge: a fresh
// session afterwards still gets its lookup answered.
func FuzzRelaySession(f *testing.F) {
	frames := func(msgs ...[]byte) []byte {
		var b []byte
		for _, m := range msgs {
			b = binary.BigEndian.AppendUint16(b, uint16(len(m)))
			b = append(b, m...)
		}
		return b
	}
	dial := wire.Append(nil, wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindDial, Window: 1 << 16, Network: "tcp", Remote: "10.10.0.7:7"}.Append(nil))
	f.Add(frames(dial, wire.Append(nil, wire.Data, 1, []byte("hello")), wire.Append(nil, wire.Fin, 1, nil)))
	f.Add(frames(dial, wire.Append(nil, wire.Close, 1, wire.CloseMsg{Code: wire.CodeReset}.Append(nil)), dial))
	f.Add(frames(wire.Append(nil, wire.Connect, 3, wire.ConnectMsg{Kind: wire.KindListen, Network: "tcp", Local: ":9000"}.Append(nil)),
		wire.Append(nil, wire.Connect, 5, wire.ConnectMsg{Kind: wire.KindDial, Window: 9, Network: "tcp", Remote: "127.0.0.1:9000"}.Append(nil))))
	f.Add(frames(wire.Append(nil, wire.Connect, 7, wire.ConnectMsg{Kind: wire.KindUDP, Network: "udp"}.Append(nil)),
		wire.Append(nil, wire.Datagram, 7, wire.DatagramMsg{Addr: "10.10.0.37:37"}.Append(nil))))
	f.Add(frames(wire.Append(nil, wire.Lookup, 9, wire.LookupMsg{Network: "ip", Host: "time.lab"}.Append(nil)), []byte{1, 2, 3}))
	f.Add([]byte{0, 5, 4, 0, 0, 0, 1})

	fuzzRelay.once.Do(func() {
		ln, err := lab.Start(nil)
		if err != nil {
			f.Fatal(err)
		}
		srv := httptest.NewServer(&Relay{Lab: ln})
		fuzzRelay.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	})
	f.Fuzz(func(t *testing.T, input []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, fuzzRelay.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		c.Write(ctx, websocket.MessageBinary, wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil)))
		go func() { // drain whatever comes back
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		}()
		for len(input) >= 2 {
			n := int(binary.BigEndian.Uint16(input))
			input = input[2:]
			n = min(n, len(input))
			if c.Write(ctx, websocket.MessageBinary, input[:n]) != nil {
				break
			}
			input = input[n:]
		}
		c.CloseNow()

		rc := connect(t, fuzzRelay.url)
		rc.healthy(1)
	})
}
