package labnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"socketlab/gateway"
	"socketlab/gateway/lab"
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
	srv := httptest.NewServer(&gateway.Relay{Lab: ln})
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
