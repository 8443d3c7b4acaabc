//go:build linux

package labnet

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"

	"socketlab/wire"
)

// The steady-state data path allocates nothing per message: these tests hold each piece the
// runtime owns to that, with the raw WebSocket client (what native programs use) over real
// loopback TCP to a hand-written gateway side.

// rawPair dials the raw WebSocket client to a fake gateway and returns the client and the
// gateway's side of the connection, for the caller to drive.
func rawPair(tb testing.TB) (*rawWS, *serverConn) {
	tb.Helper()
	conns := make(chan *serverConn, 1)
	release := make(chan struct{})
	url := fakeGateway(tb, nil, func(c *serverConn) {
		conns <- c
		<-release
	})
	tb.Cleanup(func() { close(release) })
	tr, err := dialRawWebSocket(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tr.Close() })
	return tr.(*rawWS), <-conns
}

// sinkSession is a session over the raw client whose gateway side swallows whatever the
// session sends, with one open stream (id 1) that may send without waiting for credit.
func sinkSession(tb testing.TB) (*session, *stream) {
	tb.Helper()
	tr, srv := rawPair(tb)
	go drain(srv)
	s := &session{tr: tr, streams: map[uint32]*stream{}, done: make(chan struct{})}
	st := newStream(s, 1)
	st.ready, st.credit = true, 1<<40
	s.add(st)
	return s, st
}

// drain reads and drops everything the client sends, in large reads.
func drain(srv *serverConn) {
	io.CopyBuffer(io.Discard, struct{ io.Reader }{srv.br}, make([]byte, 256<<10))
}

// deliver hands st a DATA frame carrying payload, as the session's reader does.
func deliver(tb testing.TB, st *stream, payload []byte) {
	buf := getFrameBuf()
	f, err := wire.Decode(wire.Append((*buf)[:0], wire.Data, st.id, payload))
	if err != nil {
		tb.Fatal(err)
	}
	kept, err := st.handle(f, buf)
	if err != nil {
		tb.Fatal(err)
	}
	if !kept {
		putFrameBuf(buf)
	}
}

// serverFrame is an unmasked binary frame from the gateway's side.
func serverFrame(p []byte) []byte {
	var b []byte
	switch n := len(p); {
	case n <= 125:
		b = []byte{0x82, byte(n)}
	case n <= 0xFFFF:
		b = binary.BigEndian.AppendUint16([]byte{0x82, 126}, uint16(n))
	default:
		b = binary.BigEndian.AppendUint64([]byte{0x82, 127}, uint64(n))
	}
	return append(b, p...)
}

func TestRawWebSocketAllocatesNothing(t *testing.T) {
	tr, srv := rawPair(t)
	ctx := context.Background()
	payload := bytes.Repeat([]byte("abcdefg"), 300) // 2100 bytes: a 16-bit length
	reply := serverFrame(wire.Append(nil, wire.Data, 2, payload[:1000]))
	sent := make([]byte, 4+4+wire.HeaderSize+len(payload)) // header, key, message
	buf := make([]byte, wire.MaxFrame)
	roundTrip := func() {
		if err := tr.WriteFrame(ctx, wire.Data, 3, payload); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(srv.br, sent); err != nil {
			t.Fatal(err)
		}
		srv.conn.Write(reply)
		msg, err := tr.ReadMessage(ctx, buf)
		if err != nil || len(msg) != wire.HeaderSize+1000 {
			t.Fatalf("ReadMessage = %d bytes, %v", len(msg), err)
		}
	}
	roundTrip()
	// What went out is the frame, masked with the key that precedes it.
	var key [4]byte
	copy(key[:], sent[4:8])
	got := sent[8:]
	for i := range got {
		got[i] ^= key[i&3]
	}
	if want := wire.Append(nil, wire.Data, 3, payload); !bytes.Equal(got, want) {
		t.Fatalf("the client sent %x..., want %x...", got[:16], want[:16])
	}
	if allocs := testing.AllocsPerRun(200, roundTrip); allocs != 0 && !raceOn {
		t.Errorf("a frame written and one read allocate %v times, want 0", allocs)
	}
}

func TestStreamDataPathAllocatesNothing(t *testing.T) {
	_, st := sinkSession(t)
	payload := make([]byte, 24<<10)
	p := make([]byte, 5000) // reads that end in the middle of a frame
	// Each round: a frame arrives and is read, a CONTINUE leaves now and then, and the
	// program writes.
	round := func() {
		deliver(t, st, payload)
		for got := 0; got < len(payload); {
			n, err := st.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
		if _, err := st.Write(payload[:1500]); err != nil {
			t.Fatal(err)
		}
	}
	if allocs := testing.AllocsPerRun(200, round); allocs != 0 && !raceOn {
		t.Errorf("receiving, reading and sending allocate %v times a round, want 0", allocs)
	}

	// A reader that waits for every message, as in a ping-pong.
	got := make(chan int)
	go func() {
		for {
			n, err := st.Read(p)
			if err != nil {
				close(got)
				return
			}
			got <- n
		}
	}()
	small := payload[:64]
	allocs := testing.AllocsPerRun(200, func() {
		deliver(t, st, small)
		if n := <-got; n != len(small) {
			t.Fatalf("read %d bytes, want %d", n, len(small))
		}
	})
	if allocs != 0 && !raceOn {
		t.Errorf("waking a waiting reader allocates %v times a message, want 0", allocs)
	}
	st.Close()
	<-got
}

// TestReceiveQueue checks that queued bytes come out whole and in order whatever the sizes
// of the frames and of the reads, that a buffer the queue did not keep is really free, and
// that a full window never holds more buffers than the bound in rqueue's comment.
func TestReceiveQueue(t *testing.T) {
	patterns := [][]int{
		{wire.MaxData},
		{1},
		{1, wire.MaxData},
		{2000, wire.MaxData},
		{wire.MaxData - 1000, 3000},
		{16 << 10, 7, 40 << 10},
	}
	maxChunks := 2*window/(frameBufSize-2*wire.HeaderSize) + 2
	for _, sizes := range patterns {
		var q rqueue
		var want []byte
		next := byte(0)
		for i := 0; q.n < window; i++ {
			n := min(sizes[i%len(sizes)], window-q.n)
			buf := getFrameBuf()
			for j := range n {
				(*buf)[wire.HeaderSize+j] = next
				next++
			}
			want = append(want, (*buf)[wire.HeaderSize:wire.HeaderSize+n]...)
			if !q.push(buf, wire.HeaderSize, wire.HeaderSize+n) {
				clear(*buf) // the caller reads into it again
				putFrameBuf(buf)
			}
		}
		if len(q.chunks) > maxChunks {
			t.Errorf("frames of %v: a full window takes %d buffers, want at most %d", sizes, len(q.chunks), maxChunks)
		}
		var got []byte
		for k := 1; q.n > 0; k = k*7%4099 + 1 {
			p := make([]byte, k)
			got = append(got, p[:q.read(p)]...)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("frames of %v: read back %d bytes that differ from the %d queued", sizes, len(got), len(want))
		}
		if len(q.chunks) != 0 {
			t.Errorf("frames of %v: %d buffers left after reading everything", sizes, len(q.chunks))
		}
	}
}
