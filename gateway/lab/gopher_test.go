package lab

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// gopherAsk sends one request line to gopher.lab, as a relayed program does (a peer, see
// Peers), and returns the whole answer.
func gopherAsk(t *testing.T, n *Network, request string) string {
	t.Helper()
	c := dialPeer(t, n, "gopher.lab", 70, "10.10.1.5:40000")
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", request, err)
	}
	return string(got)
}

// checkMenu checks that s is a well-formed menu and returns its items as "TYPE|display|selector|host|port".
func checkMenu(t *testing.T, s string) []string {
	t.Helper()
	body, ok := strings.CutSuffix(s, ".\r\n")
	if !ok {
		t.Fatalf("menu does not end with a lone \".\" line: %q", s)
	}
	var items []string
	for _, line := range strings.SplitAfter(body, "\r\n") {
		if line == "" {
			continue
		}
		line, ok := strings.CutSuffix(line, "\r\n")
		if !ok || strings.ContainsAny(line, "\r\n") {
			t.Fatalf("menu line %q does not end in CRLF alone", line)
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 || len(fields[0]) < 1 || !strings.ContainsRune("0137", rune(fields[0][0])) {
			t.Fatalf("menu line %q: want TYPE+display, selector, host, port separated by tabs", line)
		}
		items = append(items, fields[0][:1]+"|"+fields[0][1:]+"|"+strings.Join(fields[1:], "|"))
	}
	return items
}

func TestGopherMenus(t *testing.T) {
	n := startLab(t, nil)
	tests := []struct {
		request string
		want    []string
	}{
		{"\r\n", []string{
			"0|Read me first: welcome to gopher.lab|/welcome.txt|gopher.lab|70",
			"1|The lab network|/lab|gopher.lab|70",
			"1|About Gopher|/gopher|gopher.lab|70",
			"7|Search these texts|/search|gopher.lab|70",
		}},
		{"/\r\n", nil}, // same as the empty selector
		{"\n", nil},
		{"\t+\r\n", nil}, // a Gopher+ client asking for the root
		{"/lab\r\n", []string{
			"0|What the lab is|/lab/about.txt|gopher.lab|70",
			"0|Servers on the lab network (live list)|/lab/servers.txt|gopher.lab|70",
			"1|Back to the top||gopher.lab|70",
		}},
		{"/gopher/byhand\r\n", []string{
			"0|Talking Gopher with nc|/gopher/byhand/nc.txt|gopher.lab|70",
			"1|Back to About Gopher|/gopher|gopher.lab|70",
		}},
		{"/search\tPERIOD\r\n", []string{
			"0|Talking Gopher with nc|/gopher/byhand/nc.txt|gopher.lab|70",
			"0|What Gopher is|/gopher/what.txt|gopher.lab|70",
		}},
		{"/search\tstarts PERIOD\r\n", []string{"0|What Gopher is|/gopher/what.txt|gopher.lab|70"}},
		{"/search\tcount.lab\r\n", []string{"0|Servers on the lab network (live list)|/lab/servers.txt|gopher.lab|70"}},
	}
	var root []string
	for _, tt := range tests {
		items := checkMenu(t, gopherAsk(t, n, tt.request))
		if tt.want == nil {
			tt.want = root
		}
		if strings.Join(items, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("menu for %q:\n%s\nwant:\n%s", tt.request, strings.Join(items, "\n"), strings.Join(tt.want, "\n"))
		}
		if root == nil {
			root = items
		}
	}

	// Every item of every menu can be fetched.
	for sel, items := range gopherMenus {
		for _, it := range items {
			if it.kind == '7' {
				continue
			}
			got := gopherAsk(t, n, it.selector+"\r\n")
			if strings.HasPrefix(got, "3") {
				t.Errorf("menu %q links to %q, which gives an error: %q", sel, it.selector, got)
			}
		}
	}
}

func TestGopherErrors(t *testing.T) {
	n := startLab(t, &Options{MaxLine: 512})
	tests := []struct {
		request string
		want    string // in the error item's display text
	}{
		{"/nope\r\n", `Nothing here has the selector "/nope"`},
		{"nope\r\n", `selector "nope"`},
		{"GET / HTTP/1.1\r\n", `selector "GET / HTTP/1.1"`},
		{"/lab/\r\n", `selector "/lab/"`},
		{"/bad\x00\x01\rbytes\r\n", `selector "/bad\x00\x01\rbytes"`},
		{"/" + strings.Repeat("s", 255) + "\r\n", "Selector longer than 255 bytes"},
		{"/" + strings.Repeat("s", 600) + "\r\n", "Request longer than 512 bytes"},
		{"/search\r\n", "Search needs words"},
		{"/search\t   \r\n", "Search needs words"},
		{"/search\tzebra\tx\r\n", `No text holds "zebra"`},
	}
	for _, tt := range tests {
		items := checkMenu(t, gopherAsk(t, n, tt.request))
		if len(items) != 2 || !strings.HasPrefix(items[0], "3|") || !strings.HasSuffix(items[0], "|error.host|1") ||
			items[1] != "1|Back to the top||gopher.lab|70" {
			t.Errorf("answer to %.40q: %q; want an error item and a way back", tt.request, items)
			continue
		}
		if want := gopherField(tt.want); !strings.Contains(items[0], want) {
			t.Errorf("error for %.40q: %q; want it to contain %q", tt.request, items[0], want)
		}
	}
	// 254 bytes after the slash is still a selector, just an unknown one.
	items := checkMenu(t, gopherAsk(t, n, "/"+strings.Repeat("s", 254)+"\r\n"))
	if !strings.Contains(items[0], "Nothing here has the selector") {
		t.Errorf("a 255-byte selector: %q; want not found", items[0])
	}
}

func TestGopherTexts(t *testing.T) {
	n := startLab(t, nil)
	for sel, file := range gopherTexts {
		raw, err := content.ReadFile("content/gopher/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got := gopherAsk(t, n, sel+"\r\n")
		body, ok := strings.CutSuffix(got, "\r\n.\r\n")
		if !ok {
			t.Errorf("%s does not end with CRLF . CRLF: %q", sel, got[max(0, len(got)-20):])
			continue
		}
		var lines []string
		for _, l := range strings.Split(body, "\r\n") {
			if strings.ContainsAny(l, "\r\n") {
				t.Errorf("%s: line %q holds a stray CR or LF", sel, l)
			}
			if strings.HasPrefix(l, ".") {
				if !strings.HasPrefix(l, "..") {
					t.Errorf("%s: line %q starts with a single period", sel, l)
				}
				l = l[1:]
			}
			lines = append(lines, l)
		}
		if want := strings.TrimSuffix(string(raw), "\n"); strings.Join(lines, "\n") != want {
			t.Errorf("%s: text differs from %s", sel, file)
		}
	}

	got := gopherAsk(t, n, "/gopher/what.txt\r\n")
	if !strings.Contains(got, "\r\n.. this line starts with a period") {
		t.Errorf("the line starting with a period is not doubled:\n%s", got)
	}

	servers := gopherAsk(t, n, "/lab/servers.txt\r\n")
	for _, s := range n.Services() {
		if !strings.Contains(servers, s.Name) || !strings.Contains(servers, s.About) {
			t.Errorf("servers.txt does not list %s (%s)", s.Name, s.About)
		}
	}
}

func TestGopherHost(t *testing.T) {
	n := startLab(t, &Options{GopherHost: func(net.Addr) (string, int) { return "127.0.0.1", 7070 }})
	for _, item := range checkMenu(t, gopherAsk(t, n, "\r\n")) {
		if !strings.HasSuffix(item, "|127.0.0.1|7070") {
			t.Errorf("item %q does not name the host and port from GopherHost", item)
		}
	}
}

// TestGopherPeers: a relayed program gets menus naming gopher.lab, which it dials through
// the relay; a client on the gateway host gets the real address, which it can follow.
func TestGopherPeers(t *testing.T) {
	n := startLab(t, nil)
	listen, _, _ := n.Resolve("tcp", "gopher.lab", 70)
	for _, peer := range []bool{true, false} {
		var c net.Conn
		if peer {
			c = dialPeer(t, n, "gopher.lab", 70, "10.10.1.5:40000")
		} else {
			c = dialLab(t, n, "tcp", "gopher.lab", 70)
		}
		io.WriteString(c, "\r\n")
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		want := "|gopher.lab|70"
		if !peer {
			want = "|" + strings.Replace(listen, ":", "|", 1)
		}
		for _, item := range checkMenu(t, string(got)) {
			if !strings.HasSuffix(item, want) {
				t.Errorf("peer %v: item %q does not end in %q", peer, item, want)
			}
		}
	}
}

func TestGopherSilentClient(t *testing.T) {
	const idle = 150 * time.Millisecond
	n := startLab(t, &Options{IdleTimeout: idle})
	start := time.Now()
	c := dialLab(t, n, "tcp", "gopher.lab", 70)
	io.WriteString(c, "/half a selec")
	got, err := io.ReadAll(c)
	if took := time.Since(start); err != nil || len(got) != 0 || took < idle || took > 4*time.Second {
		t.Errorf("a client that never ends its line: %q, %v after %v; want a silent close after about %v", got, err, took, idle)
	}
}

func TestParseGopherRequest(t *testing.T) {
	tests := []struct {
		line, selector, query string
		err                   bool
	}{
		{"", "", "", false},
		{"/", "", "", false},
		{"/lab", "/lab", "", false},
		{"/search\tword", "/search", "word", false},
		{"/search\ttwo words\t+", "/search", "two words", false},
		{"/lab\t$", "/lab", "$", false},
		{"\t", "", "", false},
		{strings.Repeat("x", 255), strings.Repeat("x", 255), "", false},
		{strings.Repeat("x", 256), "", "", true},
		{strings.Repeat("x", 255) + "\t" + strings.Repeat("q", 1000), strings.Repeat("x", 255), strings.Repeat("q", 1000), false},
	}
	for _, tt := range tests {
		sel, q, err := parseGopherRequest(tt.line)
		if sel != tt.selector || q != tt.query || (err != nil) != tt.err {
			t.Errorf("parseGopherRequest(%.30q) = %.30q, %.30q, %v", tt.line, sel, q, err)
		}
	}
}
