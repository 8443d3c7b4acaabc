//go:build !js

package labnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"socketlab/event"
	"socketlab/gateway/lab"
	"socketlab/gateway/relay"
	"socketlab/wire"
)

// The runtime is tested natively against a real relay and real lab servers on loopback: the
// same code runs in the browser, where only the WebSocket underneath differs.

var testLab *lab.Network

func TestMain(m *testing.M) {
	ln, err := lab.Start(nil)
	if err != nil {
		panic(err)
	}
	testLab = ln
	srv := httptest.NewServer(&relay.Relay{Lab: ln})
	os.Setenv("SOCKETLAB_GATEWAY", "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws")
	code := m.Run()
	srv.Close()
	ln.Close()
	os.Exit(code)
}

func dial(t *testing.T, addr string) *stream {
	t.Helper()
	c, _, _, err := driver{}.Dial(context.Background(), "tcp", "", addr)
	if err != nil {
		t.Fatalf("Dial %s: %v", addr, err)
	}
	st := c.(*stream)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestTimeProtocol(t *testing.T) {
	addrs, err := driver{}.Lookup(context.Background(), "ip", "time.lab")
	if err != nil || len(addrs) != 1 || addrs[0] != "10.10.0.37" {
		t.Fatalf("Lookup(time.lab) = %v, %v; want [10.10.0.37]", addrs, err)
	}
	st := dial(t, "10.10.0.37:37")
	if !strings.HasPrefix(st.local, "10.10.") || strings.HasPrefix(st.local, "10.10.0.") || st.remote != "10.10.0.37:37" {
		t.Errorf("addresses %s → %s, want a learner address in 10.10.1.0-10.10.254.255 → 10.10.0.37:37", st.local, st.remote)
	}
	var b [4]byte
	if _, err := io.ReadFull(st, b[:]); err != nil {
		t.Fatal(err)
	}
	got := time.Unix(int64(binary.BigEndian.Uint32(b[:]))-2208988800, 0)
	if d := time.Since(got); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("server time %v is %v from ours", got, d)
	}
	if n, err := st.Read(b[:]); n != 0 || err != io.EOF {
		t.Errorf("after 4 bytes: Read = %d, %v; want 0, EOF", n, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		addr string
		want error
	}{
		{"10.10.0.37:38", syscall.ECONNREFUSED},
		{"127.0.0.1:9", syscall.ECONNREFUSED},
		{"192.0.2.1:80", syscall.EACCES},
	}
	for _, tt := range tests {
		_, _, _, err := driver{}.Dial(context.Background(), "tcp", "", tt.addr)
		if !errors.Is(err, tt.want) {
			t.Errorf("Dial %s: err = %v, want %v", tt.addr, err, tt.want)
		}
	}
	_, err := driver{}.Lookup(context.Background(), "ip", "nosuch.lab")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || dnsErr.Name != "nosuch.lab" {
		t.Errorf("Lookup(nosuch.lab) err = %#v, want a not-found DNSError", err)
	}
}

func TestEchoHalfClose(t *testing.T) {
	st := dial(t, "10.10.0.7:7")
	if _, err := st.Write([]byte("hello, lab\n")); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(st)
	if err != nil || string(got) != "hello, lab\n" {
		t.Errorf("ReadAll after CloseWrite = %q, %v", got, err)
	}
	if _, err := st.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write after CloseWrite: err = %v, want EPIPE", err)
	}
}

func TestReadDeadlineKeepsStream(t *testing.T) {
	st := dial(t, "10.10.0.7:7")
	st.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	buf := make([]byte, 16)
	if _, err := st.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline: err = %v, want os.ErrDeadlineExceeded", err)
	}
	st.SetReadDeadline(time.Time{})
	st.Write([]byte("still here"))
	n, err := io.ReadFull(st, buf[:10])
	if err != nil || string(buf[:n]) != "still here" {
		t.Errorf("after the deadline: %q, %v", buf[:n], err)
	}
}

// TestBulkEcho moves 8 MiB each way through echo, far more than any window, and checks every
// byte arrives in order.
func TestBulkEcho(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk transfer")
	}
	st := dial(t, "10.10.0.7:7")
	data := make([]byte, 8<<20)
	rand.Read(data)
	want := sha256.Sum256(data)
	errc := make(chan error, 1)
	go func() {
		_, err := io.Copy(st, bytes.NewReader(data))
		if err == nil {
			err = st.CloseWrite()
		}
		errc <- err
	}()
	h := sha256.New()
	n, err := io.Copy(h, st)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("read back %d bytes, %v", n, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		t.Error("echoed bytes differ")
	}
}

func listen(t *testing.T, laddr string) *listener {
	t.Helper()
	l, local, err := driver{}.Listen(context.Background(), "tcp", laddr)
	if err != nil {
		t.Fatalf("Listen %q: %v", laddr, err)
	}
	ln := l.(*listener)
	t.Cleanup(func() { ln.Close() })
	if local != ln.local {
		t.Errorf("Listen returned %s, listener says %s", local, ln.local)
	}
	return ln
}

// TestListenAccept serves in one "program" and dials it from another, and from a plain
// native client on the gateway host, as nc or curl would.
func TestListenAccept(t *testing.T) {
	ln := listen(t, ":8123")
	if ln.local != "[::]:8123" {
		t.Errorf("listener address = %s, want [::]:8123", ln.local)
	}
	serve := func() {
		c, _, remote, err := ln.Accept()
		if err != nil {
			t.Error(err)
			return
		}
		st := c.(*stream)
		defer st.Close()
		line, err := io.ReadAll(st)
		if err != nil {
			t.Error(err)
			return
		}
		st.Write([]byte("hello " + remote + ", you sent " + string(line)))
	}

	// A client in the lab: localhost means the learner's own listeners.
	go serve()
	st := dial(t, "127.0.0.1:8123")
	st.Write([]byte("ping"))
	st.CloseWrite()
	got, err := io.ReadAll(st)
	if err != nil || !strings.Contains(string(got), "you sent ping") {
		t.Fatalf("lab client got %q, %v", got, err)
	}

	// A native client on the gateway host, at the address the listener reported.
	go serve()
	c, err := net.Dial("tcp", ln.host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("pong"))
	c.(*net.TCPConn).CloseWrite()
	got, err = io.ReadAll(c)
	if err != nil || !strings.Contains(string(got), "you sent pong") {
		t.Fatalf("native client got %q, %v", got, err)
	}
}

func TestListenErrors(t *testing.T) {
	listen(t, "127.0.0.1:8124")
	_, _, err := driver{}.Listen(context.Background(), "tcp", ":8124")
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second listener on 8124: err = %v, want EADDRINUSE", err)
	}
	_, _, err = driver{}.Listen(context.Background(), "tcp", ":37")
	if !errors.Is(err, syscall.EACCES) {
		t.Errorf("listener on 37: err = %v, want EACCES", err)
	}
	ln := listen(t, ":0")
	if _, p, _ := net.SplitHostPort(ln.local); p < "32768" || len(p) != 5 {
		t.Errorf("listener on :0 got %s, want a port from 32768 up, as Linux picks", ln.local)
	}
	ln.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, _, _, err := ln.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Accept past deadline: err = %v", err)
	}
	ln.Close()
	if _, _, _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: err = %v", err)
	}
}

func TestListenPortFreedOnClose(t *testing.T) {
	ln := listen(t, ":8126")
	ln.Close()
	// The gateway frees the port when the Close frame arrives; a new Listen follows it on the
	// same session, so it sees the port free.
	listen(t, ":8126")
}

func udp(t *testing.T, laddr, raddr string) *packetConn {
	t.Helper()
	c, _, _, err := driver{}.ListenPacket(context.Background(), "udp", laddr, raddr)
	if err != nil {
		t.Fatalf("ListenPacket %q %q: %v", laddr, raddr, err)
	}
	pc := c.(*packetConn)
	t.Cleanup(func() { pc.Close() })
	return pc
}

func TestUDP(t *testing.T) {
	pc := udp(t, "", "")
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))

	// Boundaries kept: two datagrams to echo come back as two.
	for _, msg := range []string{"first", "second datagram"} {
		if _, err := pc.WriteTo([]byte(msg), "10.10.0.7:7"); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"first", "second datagram"} {
		buf := make([]byte, 100)
		n, from, err := pc.ReadFrom(buf)
		if err != nil || string(buf[:n]) != want || from != "10.10.0.7:7" {
			t.Errorf("ReadFrom = %q from %s, %v; want %q from 10.10.0.7:7", buf[:n], from, err, want)
		}
	}

	// A datagram larger than the buffer is cut, and the rest is gone, as on Linux.
	pc.WriteTo([]byte("0123456789"), "10.10.0.7:7")
	pc.WriteTo([]byte("next"), "10.10.0.7:7")
	small := make([]byte, 4)
	if n, _, err := pc.ReadFrom(small); n != 4 || string(small) != "0123" || err != nil {
		t.Errorf("truncated read = %q, %v", small[:n], err)
	}
	if n, _, err := pc.ReadFrom(small); string(small[:n]) != "next" || err != nil {
		t.Errorf("after truncation read = %q, %v; want the next datagram", small[:n], err)
	}

	// The time server answers any datagram with 4 bytes.
	pc.WriteTo(nil, "10.10.0.37:37")
	buf := make([]byte, 16)
	if n, from, err := pc.ReadFrom(buf); n != 4 || from != "10.10.0.37:37" || err != nil {
		t.Errorf("time over UDP: %d bytes from %s, %v", n, from, err)
	}
}

// TestUDPBetweenPrograms binds a UDP server on a lab port and reaches it at localhost.
func TestUDPBetweenPrograms(t *testing.T) {
	server := udp(t, ":9999", "")
	client := udp(t, "", "127.0.0.1:9999")
	if client.remote != "127.0.0.1:9999" {
		t.Errorf("connected socket's peer = %q", client.remote)
	}
	client.WriteTo([]byte("hi"), client.remote)
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	n, from, err := server.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hi" {
		t.Fatalf("server got %q, %v", buf[:n], err)
	}
	if from != client.local && !strings.HasSuffix(from, client.local[strings.LastIndex(client.local, ":"):]) {
		t.Errorf("server sees the client as %s, client is %s", from, client.local)
	}
	server.WriteTo([]byte("ho"), from)
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = client.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ho" {
		t.Fatalf("client got %q, %v", buf[:n], err)
	}

	// A native client on the gateway host reaches the server at its host address.
	c, err := net.Dial("udp", server.host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("from the host"))
	n, _, err = server.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "from the host" {
		t.Errorf("server got %q, %v from a native client", buf[:n], err)
	}

	if _, _, _, err := (driver{}).ListenPacket(context.Background(), "udp", ":9999", ""); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second bind to 9999: err = %v, want EADDRINUSE", err)
	}
}

// TestUDPConnectedLocal: a connected UDP socket has the local address Linux would pick for
// its peer, as a TCP stream does: the learner's lab address towards the lab, 127.0.0.1
// towards the learner's own sockets, and its port; a socket bound to no peer keeps the
// wildcard. The peer sees the datagrams come from that same address.
func TestUDPConnectedLocal(t *testing.T) {
	var mu sync.Mutex
	var binds []event.Event
	saved := observer
	observer = func(b []byte) {
		var e event.Event
		if json.Unmarshal(b, &e) == nil && e.Kind == event.Bind {
			mu.Lock()
			binds = append(binds, e)
			mu.Unlock()
		}
	}
	t.Cleanup(func() { observer = saved })

	tcp := dial(t, "10.10.0.37:37")
	learner := tcp.local[:strings.LastIndex(tcp.local, ":")]
	toLab := udp(t, "", "10.10.0.37:37")
	host, port, err := net.SplitHostPort(toLab.local)
	if err != nil || host != learner || port == "0" {
		t.Errorf("UDP socket connected to time.lab: local %q, want the learner's address %s and a port, as the TCP stream's %s", toLab.local, learner, tcp.local)
	}
	toLab.WriteTo(nil, toLab.remote)
	toLab.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := toLab.ReadFrom(make([]byte, 8)); n != 4 || err != nil {
		t.Errorf("time over a connected UDP socket: %d bytes, %v", n, err)
	}
	mu.Lock()
	if len(binds) != 1 || binds[0].Local != toLab.local {
		t.Errorf("bind events %+v; want one with local %q", binds, toLab.local)
	}
	mu.Unlock()

	server := udp(t, ":9998", "")
	if !strings.HasPrefix(server.local, "[::]:") {
		t.Errorf("unconnected socket bound to :9998 has local %q, want the wildcard [::]:9998", server.local)
	}
	client := udp(t, "", "localhost:9998")
	if h, _, _ := net.SplitHostPort(client.local); h != "127.0.0.1" {
		t.Errorf("socket connected to localhost: local %q, want 127.0.0.1:PORT", client.local)
	}
	client.WriteTo([]byte("hi"), client.remote)
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, from, err := server.ReadFrom(make([]byte, 8)); err != nil || from != client.local {
		t.Errorf("server sees the client as %q (%v); the client says it is %q", from, err, client.local)
	}
}

// TestUDPRefused: a connected socket to a port where nothing listens sees ECONNREFUSED on its
// next call, as Linux reports the ICMP error.
func TestUDPRefused(t *testing.T) {
	pc := udp(t, "", "10.10.0.37:38")
	pc.WriteTo([]byte("anyone?"), pc.remote)
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := pc.ReadFrom(make([]byte, 8)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("read after sending to a closed port: err = %v, want ECONNREFUSED", err)
	}
}

// TestCreditKeepsFlowing is the case where returning credit late would deadlock: the peer
// sends more than a window and then waits for an answer, and the program answers only when it
// has read everything, in reads of every size. The gateway can send the rest only if credit
// comes back while the program is still reading; a rule that held it back (a batch larger than
// the window, credit only once the queue is empty and something else holds) stalls here, and
// the read deadline turns the stall into a failure. Then the same the other way round.
func TestCreditKeepsFlowing(t *testing.T) {
	if testing.Short() {
		t.Skip("moves several windows")
	}
	ln := listen(t, ":8127")
	sizes := []int{creditBatch - 1, creditBatch, window - 1, window, window + 1, 2*window + 7}
	peer := make(chan error, 1)
	go func() {
		// A client on the gateway host: it sends, waits for one byte; then it reads what the
		// program sends and answers with one byte.
		c, err := net.Dial("tcp", ln.host)
		if err != nil {
			peer <- err
			return
		}
		defer c.Close()
		ack := make([]byte, 1)
		for _, n := range sizes {
			if _, err := c.Write(bytes.Repeat([]byte{byte(n)}, n)); err != nil {
				peer <- err
				return
			}
			if _, err := io.ReadFull(c, ack); err != nil {
				peer <- fmt.Errorf("waiting for the program to take %d bytes: %w", n, err)
				return
			}
		}
		for _, n := range sizes {
			if _, err := io.ReadFull(c, make([]byte, n)); err != nil {
				peer <- fmt.Errorf("reading %d bytes from the program: %w", n, err)
				return
			}
			c.Write(ack)
		}
		peer <- nil
	}()
	c, _, _, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	st := c.(*stream)
	defer st.Close()
	st.SetReadDeadline(time.Now().Add(30 * time.Second))
	st.SetWriteDeadline(time.Now().Add(30 * time.Second))
	reads := []int{1, 7, 1000, 4096, 65536, 100000}
	for _, n := range sizes {
		for got, i := 0, 0; got < n; i++ {
			k, err := st.Read(make([]byte, min(reads[i%len(reads)], n-got)))
			if err != nil {
				t.Fatalf("after %d of %d bytes: %v (credit did not come back?)", got, n, err)
			}
			got += k
		}
		if _, err := st.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	ack := make([]byte, 1)
	for _, n := range sizes {
		if _, err := st.Write(make([]byte, n)); err != nil {
			t.Fatalf("writing %d bytes: %v", n, err)
		}
		if _, err := io.ReadFull(st, ack); err != nil {
			t.Fatalf("waiting for the peer to take %d bytes: %v", n, err)
		}
	}
	if err := <-peer; err != nil {
		t.Fatal(err)
	}
}

// countingTransport counts the CONTINUE frames a session sends.
type countingTransport struct {
	transport
	continues atomic.Int64
}

func (c *countingTransport) WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error {
	if t == wire.Continue {
		c.continues.Add(1)
	}
	return c.transport.WriteFrame(ctx, t, stream, payload)
}

// TestCreditBatches: a small exchange returns no credit at all, and a bulk one returns it in
// quarters of the window, not after every read.
func TestCreditBatches(t *testing.T) {
	ctx := context.Background()
	tr, err := dialGateway(ctx, os.Getenv("SOCKETLAB_GATEWAY"))
	if err != nil {
		t.Fatal(err)
	}
	ct := &countingTransport{transport: tr}
	s, err := startSession(ctx, ct)
	if err != nil {
		t.Fatal(err)
	}
	defer s.fail(errors.New("test over"))
	st, err := s.dial(ctx, "tcp", "", "10.10.0.7:7")
	if err != nil {
		t.Fatal(err)
	}
	st.SetReadDeadline(time.Now().Add(30 * time.Second)) // a stall fails rather than hangs
	msg := make([]byte, 64)
	for range 500 {
		st.Write(msg)
		if _, err := io.ReadFull(st, msg); err != nil {
			t.Fatal(err)
		}
	}
	if n := ct.continues.Load(); n != 0 {
		t.Errorf("500 echoes of 64 bytes sent %d CONTINUEs, want none (%d bytes is under a batch)", n, 500*64)
	}

	const bulk = 4 << 20
	go func() {
		for sent := 0; sent < bulk; sent += 32 << 10 {
			st.Write(make([]byte, 32<<10))
		}
	}()
	buf := make([]byte, 8<<10) // io.Copy's size: many reads per frame
	for got := 0; got < bulk; {
		n, err := st.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	// The 32,000 bytes of the echoes count towards the first batch; a batch is sent once a
	// read brings it to a quarter window, so it holds up to one read more.
	total := bulk + 500*64
	if n, lo, hi := ct.continues.Load(), int64(total/(creditBatch+len(buf))), int64(total/creditBatch); n < lo || n > hi {
		t.Errorf("reading %d bytes sent %d CONTINUEs, want %d to %d (one a quarter window)", bulk, n, lo, hi)
	}
}

// TestEventsFollowTheProgram: a reply that arrives while the program is still sending is told
// when the program reads it, so the events keep the program's order (send, FIN, then the
// reply), and what the peer did after the reply (its FIN, the gateway's close) comes after
// the reply. Bytes the program never reads are told when it closes, before its own close.
func TestEventsFollowTheProgram(t *testing.T) {
	var mu sync.Mutex
	var kinds []string
	saved := observer
	observer = func(b []byte) {
		var e event.Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("event %s: %v", b, err)
		}
		mu.Lock()
		kinds = append(kinds, fmt.Sprintf("%s %d", e.Kind, e.N))
		mu.Unlock()
	}
	t.Cleanup(func() { observer = saved })
	arrived := func(st *stream, n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			st.mu.Lock()
			got, done := st.rq.n, st.rfin && st.err == syscall.EPIPE
			st.mu.Unlock()
			if got == n && done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the echo's %d bytes and its close did not arrive; %d did", n, got)
			}
		}
	}
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		k := kinds
		kinds = nil
		return k
	}

	st := dial(t, "10.10.0.7:7")
	take()
	if _, err := st.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	// The echo server answers and, once we half-close, finishes too, and the gateway closes
	// the stream; wait until all of it has arrived, then read.
	if err := st.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	arrived(st, 4)
	if got, want := strings.Join(take(), ", "), "send 4, fin-sent 0"; got != want {
		t.Errorf("before the program reads: events %s, want %s", got, want)
	}
	b := make([]byte, 2)
	st.Read(b)
	if got, want := strings.Join(take(), ", "), "recv 2"; got != want {
		t.Errorf("after reading 2 bytes: events %s, want %s", got, want)
	}
	io.ReadAll(st)
	if got, want := strings.Join(take(), ", "), "recv 2, fin-recv 0, close 0"; got != want {
		t.Errorf("after reading the rest: events %s, want %s", got, want)
	}

	st = dial(t, "10.10.0.7:7")
	st.Write([]byte("never read"))
	st.CloseWrite()
	arrived(st, 10)
	take()
	st.Close()
	if got, want := strings.Join(take(), ", "), "recv 10, fin-recv 0, close 0, close 0"; got != want {
		t.Errorf("closing with 10 bytes unread: events %s, want %s", got, want)
	}
}
