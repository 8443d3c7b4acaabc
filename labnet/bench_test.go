//go:build linux

package labnet

import (
	"context"
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"socketlab/gateway/policy"
	"socketlab/gateway/relay"
	"socketlab/wire"
)

// Benchmarks of the runtime's hot paths, with allocation counts, natively with the raw
// WebSocket client that `socketlab run` programs use. They run only with -bench and assert
// no speed (TestRawWebSocketAllocatesNothing and TestStreamDataPathAllocatesNothing hold the
// allocations). The Gateway ones go end to end through a real relay and count the allocations
// of the whole process: the relay's and the target's too.

// BenchmarkWriteFrame writes one 64 KiB DATA frame: header, masking key, masked copy, one
// write.
func BenchmarkWriteFrame(b *testing.B) {
	tr, srv := rawPair(b)
	go drain(srv)
	payload := make([]byte, wire.MaxData)
	ctx := context.Background()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.WriteFrame(ctx, wire.Data, 1, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadMessage reads one 64 KiB DATA frame from the gateway into a frame buffer.
func BenchmarkReadMessage(b *testing.B) {
	tr, srv := rawPair(b)
	frame := serverFrame(wire.Append(nil, wire.Data, 1, make([]byte, wire.MaxData)))
	go func() {
		for {
			if _, err := srv.conn.Write(frame); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, wire.MaxFrame)
	ctx := context.Background()
	b.SetBytes(wire.MaxData)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.ReadMessage(ctx, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamWrite is the program's Write of 64 KiB on a stream with credit to spare:
// one DATA frame out.
func BenchmarkStreamWrite(b *testing.B) {
	_, st := sinkSession(b)
	p := make([]byte, wire.MaxData)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamRead is a DATA frame arriving on a stream and the program reading it in
// io.Copy's 32 KiB pieces, with the CONTINUE that returns the credit every quarter window.
func BenchmarkStreamRead(b *testing.B) {
	for _, size := range []int{64, wire.MaxData} {
		b.Run(byteCount(size), func(b *testing.B) {
			_, st := sinkSession(b)
			payload := make([]byte, size)
			p := make([]byte, 32<<10)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				deliver(b, st, payload)
				for got := 0; got < size; {
					n, err := st.Read(p)
					if err != nil {
						b.Fatal(err)
					}
					got += n
				}
			}
		})
	}
}

func byteCount(n int) string {
	if n >= 1<<10 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// benchTarget is a loopback server that a stream's first byte steers: 'U' takes everything
// and sends nothing, 'D' sends without end, 'E' echoes.
func benchTarget(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				if _, err := io.ReadFull(c, buf[:1]); err != nil {
					return
				}
				switch buf[0] {
				case 'U':
					io.CopyBuffer(io.Discard, struct{ io.Reader }{c}, buf)
				case 'D':
					for {
						if _, err := c.Write(buf); err != nil {
							return
						}
					}
				case 'E':
					io.CopyBuffer(c, struct{ io.Reader }{c}, buf)
				}
			}()
		}
	}()
	return l.Addr().String()
}

// gatewayStream opens a session through a real relay on loopback (every traffic limit off)
// and a stream on it to target, announced with cmd.
func gatewayStream(b *testing.B, target string, cmd byte) *stream {
	var rules policy.Flag
	if err := rules.Set(strings.Replace(target, ":", "/32:", 1)); err != nil {
		b.Fatal(err)
	}
	rl := &relay.Relay{Policy: policy.New(rules, nil), Limits: relay.Limits{BytesPerSecond: -1, BytesPerSecondPerClient: -1, BytesPerSession: -1}}
	srv := httptest.NewServer(rl)
	b.Cleanup(srv.Close)
	ctx := context.Background()
	tr, err := dialRawWebSocket(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws")
	if err != nil {
		b.Fatal(err)
	}
	s, err := startSession(ctx, tr)
	if err != nil {
		b.Fatal(err)
	}
	st, err := s.dial(ctx, "tcp", "", target)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		st.Close()
		s.fail(io.EOF)
	})
	if _, err := st.Write([]byte{cmd}); err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkGateway copies through a stream end to end: program → raw WebSocket → relay →
// loopback TCP target, and back.
func BenchmarkGateway(b *testing.B) {
	target := benchTarget(b)
	b.Run("up", func(b *testing.B) {
		st := gatewayStream(b, target, 'U')
		p := make([]byte, 64<<10)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.Write(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("down", func(b *testing.B) {
		st := gatewayStream(b, target, 'D')
		p := make([]byte, 64<<10)
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := io.ReadFull(st, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Round trips: 32 KiB as the relay's own BenchmarkStreamCopy moves, and a 64-byte
	// ping-pong, whose time per operation is the round trip's latency.
	for _, size := range []int{32 << 10, 64} {
		b.Run("echo-"+byteCount(size), func(b *testing.B) {
			st := gatewayStream(b, target, 'E')
			p := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Write(p); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(st, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
