package lab

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain fails the run if any goroutine started by the tests outlives them.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		for len(strayGoroutines()) > 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if stray := strayGoroutines(); len(stray) > 0 {
			fmt.Fprintf(os.Stderr, "goroutine leak: %d still running after the tests:\n\n%s\n", len(stray), strings.Join(stray, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// strayGoroutines returns the stacks of all goroutines but this one and those that the
// runtime, the testing package or the fuzzing engine keep for themselves.
func strayGoroutines() []string {
	var stray []string
	for _, g := range strings.Split(stacks(), "\n\n")[1:] {
		switch {
		case strings.TrimSpace(g) == "",
			strings.Contains(g, "os/signal.signal_recv"),
			strings.Contains(g, "testing.(*M).startAlarm"),
			strings.Contains(g, "runtime.ensureSigM"):
			continue
		}
		stray = append(stray, g)
	}
	return stray
}

// settleGoroutines waits up to 5 s for the goroutine count to fall to want and returns the
// last count seen. Goroutines that have signalled a WaitGroup may still be returning, so
// the count is polled rather than read once.
func settleGoroutines(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func startLab(t testing.TB, opts *Options) *Network {
	t.Helper()
	n, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n
}

// dialLab connects to a lab service the way the relay will: Resolve, then a real dial.
// The connection gets a 5 s deadline so that a broken server fails the test, not hangs it.
func dialLab(t testing.TB, n *Network, proto, host string, port int) net.Conn {
	t.Helper()
	listen, known, ok := n.Resolve(proto, host, port)
	if !known || !ok {
		t.Fatalf("Resolve(%s, %s, %d) = known %v, ok %v; want a running service", proto, host, port, known, ok)
	}
	c, err := net.Dial(proto, listen)
	if err != nil {
		t.Fatalf("dial %s %s:%d at %s: %v", proto, host, port, listen, err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestResolve(t *testing.T) {
	n := startLab(t, nil)
	listenOf := map[string]string{}
	for _, s := range n.Services() {
		listenOf[s.Proto+" "+s.Name+":"+strconv.Itoa(s.Port)] = s.Listen
	}
	tests := []struct {
		proto, host string
		port        int
		want        string // key into listenOf; "" when ok must be false
		known       bool
	}{
		{"tcp", "time.lab", 37, "tcp time.lab:37", true},
		{"udp", "time.lab", 37, "udp time.lab:37", true},
		{"tcp", "TIME.Lab", 37, "tcp time.lab:37", true},
		{"tcp", "time.lab.", 37, "tcp time.lab:37", true},
		{"tcp", "10.10.0.37", 37, "tcp time.lab:37", true},
		{"udp", "10.10.0.13", 13, "udp daytime.lab:13", true},
		{"tcp4", "[10.10.0.7]", 7, "tcp echo.lab:7", true},
		{"udp6", "::ffff:10.10.0.7", 7, "udp echo.lab:7", true},
		{"tcp", "discard.lab", 9, "tcp discard.lab:9", true},
		{"tcp", "chat.lab", 5000, "tcp chat.lab:5000", true},
		{"tcp", "10.10.0.51", 51423, "tcp count.lab:51423", true},
		{"tcp", "time.lab", 38, "", true},
		{"tcp", "time.lab", 0, "", true},
		{"udp", "chat.lab", 5000, "", true},
		{"udp", "count.lab", 51423, "", true},
		{"tcp", "web.lab", 80, "tcp web.lab:80", true},
		{"tcp", "10.10.0.21", 21, "tcp ftp.lab:21", true},
		{"tcp", "gopher.lab", 70, "tcp gopher.lab:70", true},
		{"udp", "web.lab", 80, "", true},
		{"tcp", "ftp.lab", 20, "", true},
		{"tcp", "example.com", 80, "", false},
		{"tcp", "time", 37, "", false},
		{"tcp", "10.10.0.99", 37, "", false},
		{"tcp", "127.0.0.1", 37, "", false},
		{"tcp", "", 37, "", false},
		{"tcp", "lab", 37, "", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%s_%d", tt.proto, tt.host, tt.port), func(t *testing.T) {
			listen, known, ok := n.Resolve(tt.proto, tt.host, tt.port)
			if known != tt.known || ok != (tt.want != "") {
				t.Fatalf("known, ok = %v, %v; want %v, %v", known, ok, tt.known, tt.want != "")
			}
			if tt.want != "" && listen != listenOf[tt.want] {
				t.Fatalf("listen = %q; want %q", listen, listenOf[tt.want])
			}
			if tt.want == "" && listen != "" {
				t.Fatalf("listen = %q for a service that does not exist", listen)
			}
		})
	}
}

func TestLookupHost(t *testing.T) {
	n := startLab(t, nil)
	tests := []struct {
		name string
		want string // "" means not a lab name
	}{
		{"echo.lab", "10.10.0.7"},
		{"discard.lab", "10.10.0.9"},
		{"daytime.lab", "10.10.0.13"},
		{"ftp.lab", "10.10.0.21"},
		{"time.lab", "10.10.0.37"},
		{"chat.lab", "10.10.0.50"},
		{"count.lab", "10.10.0.51"},
		{"gopher.lab", "10.10.0.70"},
		{"web.lab", "10.10.0.80"},
		{"Echo.LAB", "10.10.0.7"},
		{"web.lab.", "10.10.0.80"},
		{"10.10.0.7", ""},
		{"nope.lab", ""},
		{"localhost", ""},
		{"", ""},
		{".", ""},
	}
	for _, tt := range tests {
		addrs, ok := n.LookupHost(tt.name)
		if ok != (tt.want != "") {
			t.Errorf("LookupHost(%q) ok = %v; want %v", tt.name, ok, tt.want != "")
			continue
		}
		if !ok {
			continue
		}
		if len(addrs) != 1 || addrs[0] != netip.MustParseAddr(tt.want) {
			t.Errorf("LookupHost(%q) = %v; want [%s]", tt.name, addrs, tt.want)
		}
		if name, ok := n.LookupAddr(addrs[0]); !ok || name != normalizeName(tt.name) {
			t.Errorf("LookupAddr(%v) = %q, %v; want %q", addrs[0], name, ok, normalizeName(tt.name))
		}
	}
	if len(n.Hosts()) != len(hostTable) {
		t.Errorf("Hosts() has %d hosts; want %d", len(n.Hosts()), len(hostTable))
	}
}

func TestServicesOrderAndFields(t *testing.T) {
	n := startLab(t, nil)
	var got []string
	for _, s := range n.Services() {
		got = append(got, fmt.Sprintf("%s %s/%d %v", s.Name, s.Proto, s.Port, s.Addr))
		if s.About == "" {
			t.Errorf("%s %s/%d has no About line", s.Name, s.Proto, s.Port)
		}
		if ap, err := netip.ParseAddrPort(s.Listen); err != nil || ap.Addr() != netip.MustParseAddr("127.0.0.1") || ap.Port() == 0 {
			t.Errorf("%s %s/%d listens on %q; want 127.0.0.1 and a real port", s.Name, s.Proto, s.Port, s.Listen)
		}
	}
	want := []string{
		"echo.lab tcp/7 10.10.0.7", "echo.lab udp/7 10.10.0.7",
		"discard.lab tcp/9 10.10.0.9", "discard.lab udp/9 10.10.0.9",
		"daytime.lab tcp/13 10.10.0.13", "daytime.lab udp/13 10.10.0.13",
		"ftp.lab tcp/21 10.10.0.21",
		"time.lab tcp/37 10.10.0.37", "time.lab udp/37 10.10.0.37",
		"chat.lab tcp/5000 10.10.0.50",
		"count.lab tcp/51423 10.10.0.51",
		"gopher.lab tcp/70 10.10.0.70",
		"web.lab tcp/80 10.10.0.80",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Services():\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRefusedReason(t *testing.T) {
	n := startLab(t, nil)
	tests := []struct {
		proto, host string
		port        int
		want        string
	}{
		{"tcp", "time.lab", 38, "nothing is listening on time.lab port 38/tcp (time.lab serves 37/tcp, 37/udp)"},
		{"udp", "10.10.0.50", 5000, "nothing is listening on chat.lab port 5000/udp (chat.lab serves 5000/tcp)"},
		{"udp", "Web.Lab.", 80, "nothing is listening on web.lab port 80/udp (web.lab serves 80/tcp)"},
		{"tcp", "10.10.0.21", 20, "nothing is listening on ftp.lab port 20/tcp (ftp.lab serves 21/tcp)"},
		{"tcp", "example.com", 80, ""},
	}
	for _, tt := range tests {
		if got := n.RefusedReason(tt.proto, tt.host, tt.port); got != tt.want {
			t.Errorf("RefusedReason(%s, %s, %d) =\n%q; want\n%q", tt.proto, tt.host, tt.port, got, tt.want)
		}
	}

	// A host in the table with nothing running: every host has a server now, so build
	// such a network by hand.
	bare := &Network{hosts: map[string]netip.Addr{"web.lab": netip.MustParseAddr("10.10.0.80")},
		names: map[netip.Addr]string{netip.MustParseAddr("10.10.0.80"): "web.lab"}, services: map[serviceKey]*entry{}}
	want := "nothing is listening on web.lab port 80/tcp (web.lab has no server running in this lab yet)"
	if got := bare.RefusedReason("tcp", "web.lab", 80); got != want {
		t.Errorf("RefusedReason on a host with no server = %q; want %q", got, want)
	}
}

func TestPortFor(t *testing.T) {
	tests := []struct{ base, port, want int }{
		{40000, 7, 40007},
		{40000, 37, 40037},
		{40000, 80, 40080},
		{40000, 999, 40999},
		{40000, 1000, 41000},
		{40000, 5000, 41000},
		{40000, 51423, 41423},
		{40000, 8080, 41080},
	}
	for _, tt := range tests {
		if got := PortFor(tt.base, tt.port); got != tt.want {
			t.Errorf("PortFor(%d, %d) = %d; want %d", tt.base, tt.port, got, tt.want)
		}
	}
}

func TestPortBase(t *testing.T) {
	for _, bad := range []int{80, 1023, 63537, 70000, -1} {
		if n, err := Start(&Options{PortBase: bad}); err == nil {
			n.Close()
			t.Errorf("Start with PortBase %d succeeded; want an error", bad)
		}
	}

	// A fixed base may be taken on a busy machine: try a few, skipping those in use.
	var n *Network
	var base int
	for _, b := range []int{24000, 27000, 31000, 35000, 38000, 45000, 48000, 52000, 56000} {
		var err error
		n, err = Start(&Options{PortBase: b})
		if err == nil {
			base = b
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("Start with PortBase %d: %v", b, err)
		}
	}
	if n == nil {
		t.Skip("every candidate PortBase has a port in use on this machine")
	}
	t.Cleanup(func() { n.Close() })

	for _, s := range n.Services() {
		want := net.JoinHostPort("127.0.0.1", strconv.Itoa(PortFor(base, s.Port)))
		if s.Listen != want {
			t.Errorf("%s %s/%d listens on %s; want %s", s.Name, s.Proto, s.Port, s.Listen, want)
		}
	}
	c := dialLab(t, n, "tcp", "time.lab", 37)
	if b, err := io.ReadAll(c); err != nil || len(b) != 4 {
		t.Errorf("time.lab at PortBase %d: read %d bytes, %v; want 4", base, len(b), err)
	}

	// chat 5000 sits at base+1000; a lab port 6000 would land there too.
	err := n.Add(Service{Name: "chat.lab", Port: 6000}, NewConnServer(func(net.Conn) {}, nil))
	if err == nil || !strings.Contains(err.Error(), "both map to real port") {
		t.Errorf("Add of a clashing port: err = %v; want a clash error", err)
	}

	// A second network on the same base must fail cleanly and leave nothing running.
	if n2, err := Start(&Options{PortBase: base}); err == nil {
		n2.Close()
		t.Errorf("second Start on PortBase %d succeeded; want address in use", base)
	} else if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "PortBase") {
		t.Errorf("second Start: %v; want address in use with a hint about PortBase", err)
	}
}

func TestAdd(t *testing.T) {
	n := startLab(t, nil)
	hello := NewConnServer(func(c net.Conn) { io.WriteString(c, "hello from gopher.lab\r\n") }, nil)
	if err := n.Add(Service{Name: "Gopher.Lab", Port: 7070, About: "test"}, hello); err != nil {
		t.Fatalf("Add gopher.lab: %v", err)
	}
	c := dialLab(t, n, "tcp", "gopher.lab", 7070)
	if b, _ := io.ReadAll(c); string(b) != "hello from gopher.lab\r\n" {
		t.Errorf("gopher.lab said %q", b)
	}

	// *http.Server is a Server as it stands.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "web.lab "+r.URL.Path)
	})}
	if err := n.Add(Service{Name: "web.lab", Port: 8080}, srv); err != nil {
		t.Fatalf("Add web.lab: %v", err)
	}
	listen, _, ok := n.Resolve("tcp", "10.10.0.80", 8080)
	if !ok {
		t.Fatal("web.lab:8080 does not resolve after Add")
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + listen + "/get")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "web.lab /get" {
		t.Errorf("web.lab answered %q", body)
	}

	// A new host with its own address.
	if err := n.AddPacket(Service{Name: "extra.lab", Port: 9999, Addr: netip.MustParseAddr("10.10.0.200")}, func(pc net.PacketConn) {
		buf := make([]byte, 10)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}); err != nil {
		t.Fatalf("AddPacket extra.lab: %v", err)
	}
	if addrs, ok := n.LookupHost("extra.lab"); !ok || addrs[0] != netip.MustParseAddr("10.10.0.200") {
		t.Errorf("LookupHost(extra.lab) = %v, %v", addrs, ok)
	}

	bad := []struct {
		name string
		add  func() error
		want string
	}{
		{"duplicate", func() error { return n.Add(Service{Name: "time.lab", Port: 37}, NewConnServer(nil, nil)) }, "already has"},
		{"udp through Add", func() error { return n.Add(Service{Name: "time.lab", Proto: "udp", Port: 99}, NewConnServer(nil, nil)) }, "use AddPacket"},
		{"tcp through AddPacket", func() error { return n.AddPacket(Service{Name: "time.lab", Proto: "tcp", Port: 99}, nil) }, "use Add"},
		{"not a port", func() error { return n.Add(Service{Name: "time.lab", Port: 70000}, NewConnServer(nil, nil)) }, "not a port"},
		{"new host without address", func() error { return n.Add(Service{Name: "new.lab", Port: 1}, NewConnServer(nil, nil)) }, "needs an address"},
		{"address outside the lab", func() error {
			return n.Add(Service{Name: "new.lab", Port: 1, Addr: netip.MustParseAddr("192.168.1.1")}, NewConnServer(nil, nil))
		}, "needs an address"},
		{"address taken", func() error {
			return n.Add(Service{Name: "new.lab", Port: 1, Addr: netip.MustParseAddr("10.10.0.37")}, NewConnServer(nil, nil))
		}, "belongs to time.lab"},
		{"wrong address for a known host", func() error {
			return n.Add(Service{Name: "time.lab", Port: 1, Addr: netip.MustParseAddr("10.10.0.1")}, NewConnServer(nil, nil))
		}, "has the lab address"},
		{"not a lab name", func() error {
			return n.Add(Service{Name: "example.com", Port: 1, Addr: netip.MustParseAddr("10.10.0.1")}, NewConnServer(nil, nil))
		}, "not a lab name"},
	}
	for _, tt := range bad {
		if err := tt.add(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v; want one containing %q", tt.name, err, tt.want)
		}
	}

	n.Close()
	if err := n.Add(Service{Name: "web.lab", Port: 8081}, NewConnServer(nil, nil)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Add after Close: err = %v; want the network is closed", err)
	}
	if _, err := net.Dial("tcp", listen); err == nil {
		t.Errorf("web.lab still accepts at %s after Close", listen)
	}
}

// TestCloseLeavesNoGoroutines abandons 1,000 connections across every server, in every
// state a client can leave them in, then checks that Close ends every server goroutine and
// that, once the clients have closed too, the process holds no more descriptors than
// before Start.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	// Open and close one socket first, so that the runtime's poller descriptors exist
	// before the baseline is taken.
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	base := settleGoroutines(runtime.NumGoroutine())
	baseFDs := openFDs()
	n, err := Start(&Options{IdleTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		name  string
		port  int
		first bool // the server speaks first, so reading a byte proves it accepted
	}
	targets := []target{
		{"echo.lab", 7, false}, {"discard.lab", 9, false}, {"daytime.lab", 13, true},
		{"ftp.lab", 21, true}, {"time.lab", 37, true}, {"chat.lab", 5000, true},
		{"count.lab", 51423, true}, {"gopher.lab", 70, false}, {"web.lab", 80, false},
	}
	const total = 1000
	var conns []net.Conn
	for i := range total {
		tg := targets[i%len(targets)]
		listen, _, _ := n.Resolve("tcp", tg.name, tg.port)
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatalf("connection %d to %s: %v", i, tg.name, err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		switch (i / len(targets)) % 4 {
		case 0: // gone at once
			c.Close()
			continue
		case 1: // half a line, never finished
			io.WriteString(c, "half a li")
		case 2: // sends a lot and never reads
			c.Write(make([]byte, 100<<10))
		case 3: // in the middle of a conversation
			switch tg.name {
			case "ftp.lab": // logged in, with a passive data port open
				io.WriteString(c, "USER anonymous\r\nPASS x\r\nEPSV\r\n")
			case "web.lab": // a keep-alive connection between two requests
				io.WriteString(c, "GET /hello.txt HTTP/1.1\r\nHost: web.lab\r\n\r\n")
			}
		}
		if tg.name == "echo.lab" {
			io.WriteString(c, "x")
		}
		if tg.first || tg.name == "echo.lab" {
			if _, err := c.Read(make([]byte, 1)); err != nil {
				t.Fatalf("connection %d to %s: first read: %v", i, tg.name, err)
			}
		}
		conns = append(conns, c)
	}
	if got := runtime.NumGoroutine(); got < base+300 {
		t.Errorf("only %d goroutines with %d open connections (baseline %d): the servers are not holding them", got, len(conns), base)
	}
	t.Logf("%d connections held open: %d goroutines (baseline %d), %d descriptors (baseline %d)", len(conns), runtime.NumGoroutine(), base, openFDs(), baseFDs)
	closed := make(chan error)
	go func() { closed <- n.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Close did not return within 10 s\n%s", stacks())
	}
	if got := settleGoroutines(base); got > base {
		t.Errorf("%d goroutines after Close; %d before Start\n%s", got, base, stacks())
	}
	for _, c := range conns {
		c.Close()
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if baseFDs < 0 {
		t.Log("no /proc/self/fd here: descriptors not counted")
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for openFDs() > baseFDs && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := openFDs(); got > baseFDs {
		t.Errorf("%d descriptors open after Close; %d before Start", got, baseFDs)
	}
}

// openFDs counts this process's open file descriptors, or returns -1 where it cannot.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func TestConnServerSurvivesPanic(t *testing.T) {
	logs := make(chan string, 10)
	srv := NewConnServer(func(c net.Conn) {
		b := make([]byte, 1)
		c.Read(b)
		if b[0] == '!' {
			panic("boom")
		}
		c.Write(b)
	}, lineLogger(logs))
	n := startLab(t, nil)
	if err := n.Add(Service{Name: "web.lab", Port: 8080}, srv); err != nil {
		t.Fatal(err)
	}
	c := dialLab(t, n, "tcp", "web.lab", 8080)
	io.WriteString(c, "!")
	if b, err := io.ReadAll(c); len(b) != 0 || err != nil {
		t.Errorf("after a panic the connection gave %q, %v; want a plain close", b, err)
	}
	select {
	case line := <-logs:
		if !strings.Contains(line, "handler panicked") || !strings.Contains(line, "panic=boom") {
			t.Errorf("log %q; want the panic", line)
		}
	case <-time.After(5 * time.Second):
		t.Error("the panic was not logged")
	}
	c = dialLab(t, n, "tcp", "web.lab", 8080)
	io.WriteString(c, "k")
	if b, _ := io.ReadAll(c); string(b) != "k" {
		t.Errorf("the next connection got %q; want the server still serving", b)
	}
}

// lineLogger returns a logger that sends each record, as a line of text, to lines (dropping
// it when lines is full).
func lineLogger(lines chan<- string) *slog.Logger {
	return slog.New(slog.NewTextHandler(lineWriter(lines), nil))
}

type lineWriter chan<- string

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w <- string(p):
	default:
	}
	return len(p), nil
}

// TestConnServerTableShrinks: once the connections a server's table grew for are gone, the
// table is made anew, so that a burst of connections held open leaves no large map behind.
func TestConnServerTableShrinks(t *testing.T) {
	const conns = shrinkFrom + 44
	srv := NewConnServer(func(c net.Conn) { io.Copy(io.Discard, c) }, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	table := func() (uintptr, int, int) {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return uintptr(reflect.ValueOf(srv.conns).UnsafePointer()), len(srv.conns), srv.peak
	}
	var open []net.Conn
	for range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	waitFor := func(what string, ok func(n int) bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, n, _ := table(); ok(n) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s", what)
			}
		}
	}
	waitFor("every connection in the table", func(n int) bool { return n == conns })
	grown, _, peak := table()
	if peak != conns {
		t.Fatalf("peak %d, want %d", peak, conns)
	}
	for _, c := range open {
		c.Close()
	}
	waitFor("the table to empty", func(n int) bool { return n == 0 })
	if now, _, peak := table(); now == grown || peak > conns/8 {
		t.Errorf("the table grown for %d connections was kept after they closed (peak %d)", conns, peak)
	}
}
