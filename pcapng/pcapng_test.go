package pcapng

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"socketlab/event"
)

// labRun is a run as the lab runtime records it: an HTTP GET to web.lab, an FTP login and
// passive download from ftp.lab, a UDP time query to time.lab and a refused connect.
func labRun() []event.Event {
	page := strings.Repeat("<p>Hello from web.lab.</p>\n", 120) // more than two segments
	response := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(page), page)
	file := "Hello, world!\n"
	var t float64
	at := func() float64 { t += 1.25; return t }
	ev := func(e event.Event) event.Event {
		e.T = at()
		if e.Data != nil {
			e.N = len(e.Data)
		}
		return e
	}
	b := func(s string) []byte { return []byte(s) }
	return []event.Event{
		ev(event.Event{Stream: 1, Kind: "lookup", Addr: "web.lab"}),
		ev(event.Event{Stream: 1, Kind: "answer", Addr: "web.lab", Addrs: []string{"10.10.0.80"}}),
		ev(event.Event{Stream: 2, Kind: "dial", Addr: "web.lab:80", Remote: "10.10.0.80:80"}),
		ev(event.Event{Stream: 2, Kind: "connected", Addr: "web.lab:80", Local: "10.10.1.2:41000", Remote: "10.10.0.80:80", Micros: 180}),
		ev(event.Event{Stream: 2, Kind: "send", Addr: "web.lab:80", Data: b("GET / HTTP/1.1\r\nHost: web.lab\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip\r\n\r\n")}),
		ev(event.Event{Stream: 2, Kind: "recv", Addr: "web.lab:80", Data: b(response)}),
		ev(event.Event{Stream: 2, Kind: "fin-recv", Addr: "web.lab:80"}),
		ev(event.Event{Stream: 2, Kind: "close", Addr: "web.lab:80"}),

		ev(event.Event{Stream: 3, Kind: "lookup", Addr: "ftp.lab"}),
		ev(event.Event{Stream: 3, Kind: "answer", Addr: "ftp.lab", Addrs: []string{"10.10.0.21"}}),
		ev(event.Event{Stream: 4, Kind: "dial", Addr: "ftp.lab:21", Remote: "10.10.0.21:21"}),
		ev(event.Event{Stream: 4, Kind: "connected", Addr: "ftp.lab:21", Local: "10.10.1.2:41001", Remote: "10.10.0.21:21", Micros: 95}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("220 ftp.lab FTP server ready.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("USER anonymous\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("331 Please specify the password.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("PASS lab@\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("230 Login successful.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("TYPE I\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("200 Switching to Binary mode.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("PASV\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("227 Entering Passive Mode (10,10,0,21,156,64).\r\n")}),
		ev(event.Event{Stream: 5, Kind: "dial", Addr: "10.10.0.21:40000", Remote: "10.10.0.21:40000"}),
		ev(event.Event{Stream: 5, Kind: "connected", Addr: "10.10.0.21:40000", Local: "10.10.1.2:41002", Remote: "10.10.0.21:40000", Micros: 60}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("RETR hello\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("150 Opening BINARY mode data connection for hello (14 bytes).\r\n")}),
		ev(event.Event{Stream: 5, Kind: "recv", Addr: "10.10.0.21:40000", Data: b(file)}),
		ev(event.Event{Stream: 5, Kind: "fin-recv", Addr: "10.10.0.21:40000"}),
		ev(event.Event{Stream: 5, Kind: "close", Addr: "10.10.0.21:40000"}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("226 Transfer complete.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "send", Addr: "ftp.lab:21", Data: b("QUIT\r\n")}),
		ev(event.Event{Stream: 4, Kind: "recv", Addr: "ftp.lab:21", Data: b("221 Goodbye.\r\n")}),
		ev(event.Event{Stream: 4, Kind: "fin-recv", Addr: "ftp.lab:21"}),
		ev(event.Event{Stream: 4, Kind: "close", Addr: "ftp.lab:21"}),

		ev(event.Event{Stream: 6, Kind: "lookup", Addr: "time.lab"}),
		ev(event.Event{Stream: 6, Kind: "answer", Addr: "time.lab", Addrs: []string{"10.10.0.37"}}),
		ev(event.Event{Stream: 7, Kind: "bind", Local: "10.10.1.2:50000"}),
		ev(event.Event{Stream: 7, Kind: "sendto", Addr: "time.lab:37", Remote: "10.10.0.37:37"}),
		ev(event.Event{Stream: 7, Kind: "recvfrom", Addr: "time.lab:37", Remote: "10.10.0.37:37", Data: []byte{0xe9, 0x8a, 0xf8, 0x70}}),
		ev(event.Event{Stream: 7, Kind: "close", Addr: "10.10.1.2:50000"}),

		ev(event.Event{Stream: 8, Kind: "dial", Addr: "time.lab:38", Remote: "10.10.0.37:38"}),
		ev(event.Event{Stream: 8, Kind: "error", Addr: "time.lab:38", Code: "connection refused", Error: "nothing is listening on time.lab port 38/tcp"}),
	}
}

var runStart = time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)

func writeRun(t testing.TB, events []event.Event, opts *Options) *capture {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, events, opts); err != nil {
		t.Fatal(err)
	}
	c, err := readCapture(buf.Bytes())
	if err != nil {
		t.Fatalf("the file does not read back: %v", err)
	}
	return c
}

// flowKey names one direction of a conversation.
type flowKey struct {
	src, dst netip.AddrPort
	udp      bool
}

// checkSequences follows every TCP direction: a SYN starts it, each later segment starts
// where the one before ended, and every ACK acknowledges all the other side has sent.
// It returns the reassembled bytes of each direction and every datagram.
func checkSequences(c *capture) (streams map[flowKey][]byte, datagrams []capPacket, err error) {
	next := map[netip.AddrPort]map[netip.AddrPort]uint32{} // src -> dst -> next sequence number
	get := func(a, b netip.AddrPort) (uint32, bool) {
		v, ok := next[a][b]
		return v, ok
	}
	set := func(a, b netip.AddrPort, v uint32) {
		if next[a] == nil {
			next[a] = map[netip.AddrPort]uint32{}
		}
		next[a][b] = v
	}
	streams = map[flowKey][]byte{}
	var last int64
	for i, p := range c.packets {
		d := p.decoded
		if p.ts < last {
			return nil, nil, fmt.Errorf("packet %d goes back in time", i+1)
		}
		last = p.ts
		if d.udp {
			datagrams = append(datagrams, p)
			continue
		}
		full := p.origLen - (len(p.data) - len(d.payload))
		theirs, haveTheirs := get(d.dst, d.src)
		if d.flags&flagACK != 0 && (!haveTheirs || d.ack != theirs) {
			return nil, nil, fmt.Errorf("packet %d (%v > %v, flags %#x): ack %d, but the other side's next byte is %d (%v)", i+1, d.src, d.dst, d.flags, d.ack, theirs, haveTheirs)
		}
		if d.flags&flagSYN != 0 {
			if d.mss == 0 || d.wscale != windowScale {
				return nil, nil, fmt.Errorf("packet %d: SYN without MSS and window scale", i+1)
			}
			set(d.src, d.dst, d.seq+1)
			continue
		}
		mine, ok := get(d.src, d.dst)
		if !ok {
			if d.flags&flagRST != 0 {
				continue // a refusal: the host never said SYN
			}
			return nil, nil, fmt.Errorf("packet %d: a segment from %v before its SYN", i+1, d.src)
		}
		if d.seq != mine {
			return nil, nil, fmt.Errorf("packet %d: seq %d, want %d", i+1, d.seq, mine)
		}
		if full > 0 && d.flags&(flagRST) != 0 {
			return nil, nil, fmt.Errorf("packet %d: RST with data", i+1)
		}
		k := flowKey{src: d.src, dst: d.dst}
		streams[k] = append(streams[k], d.payload...)
		if full > len(d.payload) { // bytes the run did not record
			streams[k] = append(streams[k], make([]byte, full-len(d.payload))...)
		}
		adv := uint32(full)
		if d.flags&flagFIN != 0 {
			adv++
		}
		set(d.src, d.dst, mine+adv)
	}
	return streams, datagrams, nil
}

func TestRoundTrip(t *testing.T) {
	events := labRun()
	c := writeRun(t, events, &Options{Start: runStart})
	streams, datagrams, err := checkSequences(c)
	if err != nil {
		t.Fatal(err)
	}

	// What each stream sent and received, by the events.
	want := map[flowKey][]byte{}
	addrs := map[uint32][2]netip.AddrPort{}
	for _, e := range events {
		if e.Kind == "connected" {
			addrs[e.Stream] = [2]netip.AddrPort{netip.MustParseAddrPort(e.Local), netip.MustParseAddrPort(e.Remote)}
		}
		a := addrs[e.Stream]
		switch e.Kind {
		case "send":
			want[flowKey{src: a[0], dst: a[1]}] = append(want[flowKey{src: a[0], dst: a[1]}], e.Data...)
		case "recv":
			want[flowKey{src: a[1], dst: a[0]}] = append(want[flowKey{src: a[1], dst: a[0]}], e.Data...)
		}
	}
	for k, b := range want {
		if !bytes.Equal(streams[k], b) {
			t.Errorf("%v > %v carries %d bytes %.40q..., want %d bytes %.40q...", k.src, k.dst, len(streams[k]), streams[k], len(b), b)
		}
	}
	for k, b := range streams {
		if _, ok := want[k]; !ok && len(b) > 0 {
			t.Errorf("%v > %v carries %d bytes nobody sent", k.src, k.dst, len(b))
		}
	}

	if len(datagrams) != 2 {
		t.Fatalf("%d datagrams, want 2", len(datagrams))
	}
	learner, timeLab := netip.MustParseAddrPort("10.10.1.2:50000"), netip.MustParseAddrPort("10.10.0.37:37")
	if d := datagrams[0].decoded; d.src != learner || d.dst != timeLab || len(d.payload) != 0 {
		t.Errorf("first datagram %v > %v with %d bytes, want an empty one %v > %v", d.src, d.dst, len(d.payload), learner, timeLab)
	}
	if d := datagrams[1].decoded; d.src != timeLab || d.dst != learner || !bytes.Equal(d.payload, []byte{0xe9, 0x8a, 0xf8, 0x70}) {
		t.Errorf("second datagram %v > %v % x, want the time from %v", d.src, d.dst, d.payload, timeLab)
	}

	for addr, name := range map[string]string{"10.10.0.80": "web.lab", "10.10.0.21": "ftp.lab", "10.10.0.37": "time.lab"} {
		if got := c.names[netip.MustParseAddr(addr)]; got != name {
			t.Errorf("name of %s is %q, want %q", addr, got, name)
		}
	}

	// Timestamps: the first packet is the web SYN at the dial event's time.
	if got, want := c.packets[0].ts, runStart.UnixMicro()+int64(events[2].T*1000); got != want {
		t.Errorf("first packet at %d µs, want %d (the dial event)", got, want)
	}
	if c.packets[0].comment != "dial web.lab:80" {
		t.Errorf("first packet's comment %q, want \"dial web.lab:80\"", c.packets[0].comment)
	}
}

// TestPackets checks the packets of small runs, flag by flag.
func TestPackets(t *testing.T) {
	const (
		S = flagSYN
		A = flagACK
		F = flagFIN
		R = flagRST
		P = flagPSH
	)
	dial := func(stream uint32, local, remote string) []event.Event {
		return []event.Event{
			{Stream: stream, Kind: "dial", Addr: remote, Remote: remote},
			{Stream: stream, Kind: "connected", Local: local, Remote: remote},
		}
	}
	cat := func(parts ...[]event.Event) []event.Event {
		var out []event.Event
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	type pkt struct {
		fromLocal bool
		flags     byte
		n         int // payload bytes, as the original length counts them
	}
	tests := []struct {
		name    string
		events  []event.Event
		opts    *Options
		learner string // the learner's end, given or made up
		want    []pkt
	}{
		{"handshake, data, half-closes", cat(dial(1, "10.10.1.2:41000", "10.10.0.7:7"), []event.Event{
			{Stream: 1, Kind: "send", N: 5, Data: []byte("hello")},
			{Stream: 1, Kind: "fin-sent"},
			{Stream: 1, Kind: "recv", N: 5, Data: []byte("hello")},
			{Stream: 1, Kind: "fin-recv"},
			{Stream: 1, Kind: "close"},
		}), nil, "10.10.1.2:41000", []pkt{
			{true, S, 0}, {false, S | A, 0}, {true, A, 0},
			{true, A | P, 5}, {false, A, 0},
			{true, F | A, 0}, {false, A, 0},
			{false, A | P, 5}, {true, A, 0},
			{false, F | A, 0}, {true, A, 0},
		}},
		{"close before the peer's FIN", cat(dial(1, "10.10.1.2:41000", "10.10.0.50:5000"), []event.Event{
			{Stream: 1, Kind: "close"},
			{Stream: 1, Kind: "close"},
		}), nil, "10.10.1.2:41000", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {true, F | A, 0}, {false, A, 0}}},
		{"split by MSS", cat(dial(1, "10.10.1.2:41000", "10.10.0.9:9"), []event.Event{
			{Stream: 1, Kind: "send", N: 2500, Data: make([]byte, 2500)},
		}), &Options{MSS: 1000}, "10.10.1.2:41000", []pkt{
			{true, S, 0}, {false, S | A, 0}, {true, A, 0},
			{true, A, 1000}, {true, A, 1000}, {true, A | P, 500}, {false, A, 0},
		}},
		{"peer reset", cat(dial(1, "10.10.1.2:41000", "10.10.0.80:80"), []event.Event{
			{Stream: 1, Kind: "reset", Error: "connection reset by peer"},
			{Stream: 1, Kind: "recv", N: 3, Data: []byte("late")},
		}), nil, "10.10.1.2:41000", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {false, R | A, 0}}},
		{"learner reset", cat(dial(1, "10.10.1.2:41000", "10.10.0.80:80"), []event.Event{
			{Stream: 1, Kind: "reset-sent"},
		}), nil, "10.10.1.2:41000", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {true, R | A, 0}}},
		{"refused", []event.Event{
			{Stream: 1, Kind: "dial", Addr: "time.lab:38", Remote: "10.10.0.37:38"},
			{Stream: 1, Kind: "error", Code: "connection refused", Error: "nothing is listening"},
		}, nil, "10.10.1.1:49152", []pkt{{true, S, 0}, {false, R | A, 0}}},
		{"refused by policy: nothing on the wire", []event.Event{
			{Stream: 1, Kind: "dial", Addr: "example.com:80"},
			{Stream: 1, Kind: "error", Code: "permission denied"},
		}, nil, "10.10.1.1:49152", nil},
		{"accepted connection: the peer sends SYN", []event.Event{
			{Stream: 1, Kind: "listen", Local: "10.10.1.2:8080"},
			{Stream: 2, Kind: "accept", Local: "10.10.1.2:8080", Remote: "10.10.1.3:50123"},
			{Stream: 2, Kind: "recv", N: 2, Data: []byte("hi")},
			{Stream: 1, Kind: "close"},
		}, nil, "10.10.1.2:8080", []pkt{{false, S, 0}, {true, S | A, 0}, {false, A, 0}, {false, A | P, 2}, {true, A, 0}}},
		{"bytes without a connect", []event.Event{
			{Stream: 4, Kind: "send", Addr: "echo.lab:7", N: 1, Data: []byte("x")},
		}, nil, "10.10.1.1:49152", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {true, A | P, 1}, {false, A, 0}}},
		{"payload only partly recorded", cat(dial(1, "10.10.1.2:41000", "10.10.0.9:9"), []event.Event{
			{Stream: 1, Kind: "send", N: 3000, Data: []byte("first bytes")},
		}), nil, "10.10.1.2:41000", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {true, A, 1460}, {true, A, 1460}, {true, A | P, 80}, {false, A, 0}}},
		{"IPv6", cat(dial(1, "[::1]:41000", "[::1]:8080"), []event.Event{
			{Stream: 1, Kind: "send", N: 2, Data: []byte("hi")},
		}), nil, "[::1]:41000", []pkt{{true, S, 0}, {false, S | A, 0}, {true, A, 0}, {true, A | P, 2}, {false, A, 0}}},
		{"the learner's client and server: one connection", []event.Event{
			{Stream: 1, Kind: "listen", Local: "127.0.0.1:8080"},
			{Stream: 2, Kind: "dial", Addr: "localhost:8080", Remote: "127.0.0.1:8080"},
			{Stream: 3, Kind: "accept", Local: "127.0.0.1:8080", Remote: "127.0.0.1:50000"},
			{Stream: 2, Kind: "connected", Local: "127.0.0.1:50000", Remote: "127.0.0.1:8080"},
			{Stream: 2, Kind: "send", N: 2, Data: []byte("hi")},
			{Stream: 3, Kind: "recv", N: 2, Data: []byte("hi")},
			{Stream: 3, Kind: "fin-sent"},
			{Stream: 2, Kind: "fin-recv"},
		}, nil, "127.0.0.1:8080", []pkt{
			{false, S, 0}, {true, S | A, 0}, {false, A, 0},
			{false, A | P, 2}, {true, A, 0},
			{true, F | A, 0}, {false, A, 0},
		}},
		{"connected UDP socket", []event.Event{
			{Stream: 1, Kind: "bind", Addr: "time.lab:37", Local: "10.10.1.2:50000", Remote: "10.10.0.37:37"},
			{Stream: 1, Kind: "sendto", Addr: "time.lab:37", N: 1, Data: []byte{0}},
			{Stream: 1, Kind: "recvfrom", Addr: "time.lab:37", Remote: "10.10.0.37:37", N: 4, Data: []byte{1, 2, 3, 4}},
			{Stream: 1, Kind: "drop", Addr: "time.lab:37", N: 4},
			{Stream: 1, Kind: "close"},
		}, nil, "10.10.1.2:50000", []pkt{{true, 0, 1}, {false, 0, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := writeRun(t, tt.events, tt.opts)
			if _, _, err := checkSequences(c); err != nil {
				t.Fatal(err)
			}
			learner := netip.MustParseAddrPort(tt.learner)
			if len(c.packets) != len(tt.want) {
				t.Fatalf("%d packets, want %d", len(c.packets), len(tt.want))
			}
			for i, w := range tt.want {
				d := c.packets[i].decoded
				n := c.packets[i].origLen - (len(c.packets[i].data) - len(d.payload))
				fromLocal := d.src == learner
				if !fromLocal && d.dst != learner {
					t.Errorf("packet %d: %v > %v does not involve the learner's %v", i+1, d.src, d.dst, learner)
				}
				if fromLocal != w.fromLocal || d.flags != w.flags || n != w.n {
					t.Errorf("packet %d: from learner %v, flags %#02x, %d bytes; want %v, %#02x, %d", i+1, fromLocal, d.flags, n, w.fromLocal, w.flags, w.n)
				}
			}
		})
	}
}

func TestDistinctConnections(t *testing.T) {
	c := writeRun(t, []event.Event{
		{Stream: 1, Kind: "connected", Local: "10.10.1.2:41000", Remote: "10.10.0.7:7"},
		{Stream: 2, Kind: "connected", Local: "10.10.1.2:41000", Remote: "10.10.0.7:7"},
		{Stream: 3, Kind: "connected", Local: "10.10.0.7:7", Remote: "10.10.0.7:7"},
		{Stream: 1, Kind: "send", N: 1, Data: []byte("1")},
		{Stream: 2, Kind: "send", N: 1, Data: []byte("2")},
		{Stream: 3, Kind: "send", N: 1, Data: []byte("3")},
	}, nil)
	if _, _, err := checkSequences(c); err != nil {
		t.Fatal(err)
	}
	seen := map[flowKey]bool{}
	for _, p := range c.packets {
		d := p.decoded
		if d.flags != flagSYN {
			continue
		}
		k := flowKey{src: d.src, dst: d.dst}
		if seen[k] || d.src == d.dst {
			t.Errorf("a second connection %v > %v", d.src, d.dst)
		}
		seen[k] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d connections, want 3", len(seen))
	}
}

func TestPartialPayloadIsCapturedShort(t *testing.T) {
	c := writeRun(t, []event.Event{
		{Stream: 1, Kind: "connected", Local: "10.10.1.2:41000", Remote: "10.10.0.9:9"},
		{Stream: 1, Kind: "send", N: 100, Data: []byte("first")},
	}, nil)
	p := c.packets[3]
	if p.complete || !bytes.Equal(p.decoded.payload, []byte("first")) || p.origLen != 14+20+20+100 {
		t.Errorf("captured %d of %d bytes, payload %q; want the 5 recorded bytes of 100", len(p.data), p.origLen, p.decoded.payload)
	}
	if !strings.Contains(p.comment, "only the first 5 of these 100 bytes") {
		t.Errorf("comment %q does not say the payload was cut", p.comment)
	}
}

func TestMadeUpAddresses(t *testing.T) {
	c := writeRun(t, []event.Event{
		{Stream: 1, Kind: "answer", Addr: "web.lab", Addrs: []string{"10.10.0.80"}},
		{Stream: 2, Kind: "dial", Addr: "web.lab:80"},
		{Stream: 2, Kind: "send", Data: []byte("x")},
		{Stream: 3, Kind: "sendto", Addr: "nowhere.example:53", Data: []byte("q")},
	}, &Options{Learner: netip.MustParseAddr("10.10.1.9")})
	syn := c.packets[0].decoded
	if syn.src.Addr() != netip.MustParseAddr("10.10.1.9") || syn.dst != netip.MustParseAddrPort("10.10.0.80:80") {
		t.Errorf("SYN %v > %v; want from the learner 10.10.1.9 to web.lab's 10.10.0.80:80 from the run's lookup", syn.src, syn.dst)
	}
	last := c.packets[len(c.packets)-1].decoded
	if !last.udp || last.dst != netip.MustParseAddrPort("192.0.2.1:53") {
		t.Errorf("datagram to %v; want the documentation address 192.0.2.1:53 for a name the run never resolved", last.dst)
	}
}

func TestEmptyRun(t *testing.T) {
	c := writeRun(t, nil, nil)
	if len(c.packets) != 0 {
		t.Errorf("%d packets from no events", len(c.packets))
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	err := Write(&failWriter{n: 1000}, labRun(), nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write to a failing writer: %v, want the writer's error", err)
	}
}

// FuzzWrite writes runs made of arbitrary events: the file always reads back, every
// checksum holds and every TCP direction is consistent.
func FuzzWrite(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"))
	f.Add([]byte{2, 1, 4, 1, 5, 1, 0, 1, 6, 1, 12, 2, 13, 2})
	f.Add([]byte("007$19000C0\a000000")) // two ends of one connection, one seen first by its data
	f.Add([]byte("000190C00Z90"))        // a refused connect on the addresses of an open one
	f.Fuzz(func(t *testing.T, data []byte) {
		events := fuzzEvents(data)
		c := writeRun(t, events, &Options{MSS: 100})
		if _, _, err := checkSequences(c); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzEvents makes events from bytes: kind, stream, then an argument byte that picks
// addresses and sizes.
func fuzzEvents(data []byte) []event.Event {
	kinds := []event.Kind{"answer", "dial", "connected", "send", "recv", "fin-sent", "fin-recv", "close",
		"reset", "reset-sent", "error", "accept", "sendto", "recvfrom", "listen", "bind", "drop", "bogus"}
	addrs := []string{"", "10.10.0.80:80", "10.10.1.2:41000", "[::1]:8080", "web.lab:80", "bad", "10.10.1.2:0", "[fe80::1%eth0]:22", "0.0.0.0:0"}
	var events []event.Event
	var t float64
	for len(data) >= 3 {
		k, s, a := data[0], data[1], data[2]
		data = data[3:]
		t += float64(a%7) - 1 // times may even go back
		e := event.Event{T: t, Stream: uint32(s % 5), Kind: kinds[int(k)%len(kinds)],
			Addr: addrs[int(a)%len(addrs)], Local: addrs[int(a/3)%len(addrs)], Remote: addrs[int(a/5)%len(addrs)]}
		switch e.Kind {
		case "answer":
			e.Addr, e.Addrs = "web.lab", []string{"10.10.0.80", "::1", "junk"}
		case "send", "recv", "sendto", "recvfrom":
			n := int(a) * 3
			e.Data = bytes.Repeat([]byte{a}, n%250)
			e.N = n
		case "error":
			e.Code = []string{"connection refused", "connection timed out", "permission denied"}[int(a)%3]
		}
		events = append(events, e)
	}
	return events
}

// TestLargeRun writes a run that receives 10 MiB, the size the wire view must cope with.
func TestLargeRun(t *testing.T) {
	events := []event.Event{{Stream: 1, Kind: "connected", Local: "10.10.1.2:41000", Remote: "10.10.0.7:7"}}
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
	for i := 0; i < 10<<20/len(chunk); i++ {
		events = append(events, event.Event{T: float64(i), Stream: 1, Kind: "recv", N: len(chunk), Data: chunk})
	}
	start := time.Now()
	c := writeRun(t, events, nil)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("writing and reading back 10 MiB took %v", el)
	}
	streams, _, err := checkSequences(c)
	if err != nil {
		t.Fatal(err)
	}
	k := flowKey{src: netip.MustParseAddrPort("10.10.0.7:7"), dst: netip.MustParseAddrPort("10.10.1.2:41000")}
	if len(streams[k]) != 10<<20 {
		t.Errorf("%d bytes came through, want 10 MiB", len(streams[k]))
	}
}
