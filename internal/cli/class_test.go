package cli

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/gateway"
	"socketlab/gateway/relay"
)

// machine is a made-up machine: loopback, two private IPv4 networks, a link-local address
// and a global IPv6 one.
func machine() ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range []string{"127.0.0.1", "::1", "fe80::1", "2001:db8::5", "192.168.1.20", "169.254.3.4", "10.0.0.7", "192.168.1.20"} {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestClassroomNoticeLoopback(t *testing.T) {
	var b bytes.Buffer
	n := classroomNotice{code: "k7m-qx2-r9d", listen: netip.MustParseAddrPort("127.0.0.1:8080"), ownAddrs: machine}
	if err := n.write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"the join code is k7m-qx2-r9d",
		"http://127.0.0.1:8080/join?code=k7m-qx2-r9d",
		"--addr 0.0.0.0:8080 --expose",
		"--addr 192.168.1.20:8080 --expose",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the notice lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "█▀▄") {
		t.Errorf("a QR code of a loopback URL is of no use to another machine, but the notice has one:\n%s", out)
	}
}

func TestClassroomNoticeExposed(t *testing.T) {
	tests := []struct {
		listen string
		urls   []string
	}{
		{"0.0.0.0:8080", []string{
			"http://192.168.1.20:8080/join?code=k7m-qx2-r9d",
			"http://10.0.0.7:8080/join?code=k7m-qx2-r9d",
			"http://[2001:db8::5]:8080/join?code=k7m-qx2-r9d",
		}},
		{"[::]:9000", []string{
			"http://192.168.1.20:9000/join?code=k7m-qx2-r9d",
			"http://10.0.0.7:9000/join?code=k7m-qx2-r9d",
			"http://[2001:db8::5]:9000/join?code=k7m-qx2-r9d",
		}},
		{"10.0.0.7:8080", []string{"http://10.0.0.7:8080/join?code=k7m-qx2-r9d"}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		n := classroomNotice{code: "k7m-qx2-r9d", listen: netip.MustParseAddrPort(tt.listen), ownAddrs: machine}
		if err := n.write(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		var listed []string
		for line := range strings.Lines(out) {
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "http://"); ok {
				listed = append(listed, "http://"+u)
			}
		}
		if strings.Join(listed, " ") != strings.Join(tt.urls, " ") {
			t.Errorf("listening on %s, the notice lists %q; want %q:\n%s", tt.listen, listed, tt.urls, out)
		}
		for _, bad := range []string{"127.0.0.1", "fe80", "169.254"} {
			if strings.Contains(out, bad) {
				t.Errorf("listening on %s, the notice offers %s, which no other machine can reach:\n%s", tt.listen, bad, out)
			}
		}
		if got := decodeTerminalQR(t, out); got != tt.urls[0] {
			t.Errorf("listening on %s, the QR code reads %q; want %q", tt.listen, got, tt.urls[0])
		}
	}
}

func TestClassroomNoticeNoAddress(t *testing.T) {
	var b bytes.Buffer
	only := func() ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fe80::1")}, nil
	}
	n := classroomNotice{code: "abc-def-ghj", listen: netip.MustParseAddrPort("0.0.0.0:8080"), ownAddrs: only}
	if err := n.write(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no address another machine could reach") {
		t.Errorf("a machine with only loopback and link-local addresses should be told so:\n%s", b.String())
	}
}

// decodeTerminalQR finds the QR code in the text the terminal shows, draws it as an image
// (each character two modules high: light blocks are light modules) and reads it with
// zbarimg, a QR reader of its own.
func decodeTerminalQR(t *testing.T, out string) string {
	t.Helper()
	var rows []string
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		if strings.ContainsAny(line, "█▀▄") {
			rows = append(rows, line)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no QR code in the notice:\n%s", out)
	}
	const scale, margin = 6, 4
	width := len([]rune(rows[0]))
	img := image.NewGray(image.Rect(0, 0, (width+2*margin)*scale, (2*len(rows)+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff // a light margin around it, as a page would have
	}
	set := func(x, y int, light bool) {
		c := color.Gray{0}
		if light {
			c = color.Gray{0xff}
		}
		for dy := range scale {
			for dx := range scale {
				img.SetGray((x+margin)*scale+dx, (y+margin)*scale+dy, c)
			}
		}
	}
	for r, row := range rows {
		for x, ch := range []rune(row) {
			top := ch == '█' || ch == '▀'
			bottom := ch == '█' || ch == '▄'
			set(x, 2*r, top)
			set(x, 2*r+1, bottom)
		}
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg is missing (Debian package zbar-tools); CI must install it")
		}
		t.Skip("zbarimg (Debian package zbar-tools) is not installed")
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the QR code: %v", err)
	}
	return strings.TrimSpace(string(got))
}

// TestClassroomURLsWork serves a class on every address, as a teacher would with --addr
// 0.0.0.0:PORT --expose, and opens each URL the gateway printed: each reaches the join page
// with the code filled in. A machine with no address beyond loopback is told so instead.
func TestClassroomURLsWork(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, "0.0.0.0:0", &gateway.Options{CacheDir: cacheDir(t), Class: relay.NewClass("abc-def-ghj"), Logger: slog.New(slog.DiscardHandler)}, out)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "scan this") && !strings.Contains(out.String(), "no address another machine") {
		if time.Now().After(deadline) {
			t.Fatalf("no classroom notice after a minute:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var urls []string
	for line := range strings.Lines(out.String()) {
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "http://"); ok {
			urls = append(urls, "http://"+u)
		}
	}
	addrs, _ := interfaceAddrs()
	n := classroomNotice{listen: netip.MustParseAddrPort("0.0.0.0:1"), ownAddrs: func() ([]netip.Addr, error) { return addrs, nil }}
	reachable, _ := n.reachable()
	if len(urls) != len(reachable) {
		t.Fatalf("this machine has %d addresses others can reach (%v), and the notice lists %d URLs:\n%s", len(reachable), reachable, len(urls), out.String())
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range urls {
		resp, err := client.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			continue
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), `value="abc-def-ghj"`) {
			t.Errorf("GET %s: %d, the join page with the code filled in? %.300s", u, resp.StatusCode, page)
		}
	}
	t.Logf("the notice:\n%s", out.String())
}

// syncBuffer is a buffer the gateway's goroutines write and the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// take returns what was written since the last take.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}
