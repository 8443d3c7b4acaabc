package dissect

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from what the dissectors say now")

// segment is one step of a recorded exchange: bytes one way, or the end of one direction
// (over TCP) when end is set.
type segment struct {
	dir Dir
	b   []byte
	end bool
}

// transcript is a recorded exchange and the server port and protocol it went to.
type transcript struct {
	port  int
	proto string
	segs  []segment
}

// readTranscript reads testdata's transcript format: a first line "tcp 80" (protocol and
// server port), then one line per segment: "> " for bytes to the server, "< " for bytes to
// the client, with \r, \n, \t, \\ and \xHH escapes, or ">EOF" / "<EOF" for the end of a
// direction. Lines starting with "#" are comments; a line's own newline is not part of it.
func readTranscript(t *testing.T, path string) transcript {
	t.Helper()
	tr, err := parseTranscript(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func parseTranscript(path string) (transcript, error) {
	var tr transcript
	b, err := os.ReadFile(path)
	if err != nil {
		return tr, err
	}
	first := true
	for n, text := range strings.Split(string(b), "\n") {
		text = strings.TrimSuffix(text, "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if first {
			first = false
			if _, err := fmt.Sscanf(text, "%s %d", &tr.proto, &tr.port); err != nil {
				return tr, fmt.Errorf("%s:%d: want a first line like \"tcp 80\": %v", path, n+1, err)
			}
			continue
		}
		var s segment
		switch text[0] {
		case '>':
			s.dir = ToServer
		case '<':
			s.dir = ToClient
		default:
			return tr, fmt.Errorf("%s:%d: a segment line starts with > or <", path, n+1)
		}
		if rest := text[1:]; rest == "EOF" {
			s.end = true
		} else {
			b, err := unescape(strings.TrimPrefix(rest, " "))
			if err != nil {
				return tr, fmt.Errorf("%s:%d: %v", path, n+1, err)
			}
			s.b = b
		}
		tr.segs = append(tr.segs, s)
	}
	return tr, nil
}

func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 >= len(s) {
			return nil, fmt.Errorf("a lone backslash at the end; write \\\\ for one")
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf("\\x wants two hex digits")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("\\x%s: %v", s[i+1:i+3], err)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return out, nil
}

// run feeds the segments to a new dissector, each segment cut into chunks by split, and
// returns every Message in order.
func run(tr transcript, split func(n int) []int) []Message {
	d := For(tr.port, tr.proto)
	var out []Message
	for _, s := range tr.segs {
		if s.end {
			out = append(out, d.Feed(s.dir, nil)...)
			continue
		}
		if tr.proto == "udp" || split == nil {
			out = append(out, d.Feed(s.dir, s.b)...)
			continue
		}
		b := s.b
		for _, n := range split(len(b)) {
			out = append(out, d.Feed(s.dir, b[:n])...)
			b = b[n:]
		}
	}
	return out
}

// randomSplit cuts n bytes into random chunks of 1 to 7 bytes, or sometimes a larger one.
func randomSplit(r *rand.Rand) func(n int) []int {
	return func(n int) []int {
		var sizes []int
		for n > 0 {
			k := 1 + r.IntN(7)
			if r.IntN(4) == 0 {
				k = 1 + r.IntN(200)
			}
			k = min(k, n)
			sizes = append(sizes, k)
			n -= k
		}
		return sizes
	}
}

// render writes Messages in the golden files' form.
func render(tr transcript, msgs []Message) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s %d: %s\n", tr.proto, tr.port, For(tr.port, tr.proto).Name())
	for _, m := range msgs {
		arrow := ">"
		if m.Dir == ToClient {
			arrow = "<"
		}
		fmt.Fprintf(&sb, "%s %d+%d %s\n", arrow, m.Off, m.Len, m.Summary)
		for _, n := range m.Notes {
			fmt.Fprintf(&sb, "    %d+%d %s: %s\n", n.Off, n.Len, n.Label, n.Detail)
		}
	}
	return sb.String()
}

// checkGolden compares got with testdata/name.golden, or rewrites it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dissect -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what the dissector says now (go test ./dissect -update rewrites it after review):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// checkExchange checks a transcript against its golden file, checks that random chunking
// gives the same Messages, and checks the offsets.
func checkExchange(t *testing.T, name string, tr transcript) []Message {
	t.Helper()
	whole := run(tr, nil)
	checkGolden(t, name, render(tr, whole))
	checkOffsets(t, tr, whole)
	r := rand.New(rand.NewPCG(1, uint64(len(name))))
	for i := range 30 {
		got := run(tr, randomSplit(r))
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("chunking %d gives other Messages:\n%s\nthan feeding whole segments:\n%s", i, render(tr, got), render(tr, whole))
		}
	}
	bytewise := run(tr, func(n int) []int { return slicesOf(1, n) })
	if !reflect.DeepEqual(bytewise, whole) {
		t.Fatalf("one byte at a time gives other Messages:\n%s", render(tr, bytewise))
	}
	return whole
}

func slicesOf(k, n int) []int {
	out := make([]int, 0, n/k+1)
	for n > 0 {
		out = append(out, min(k, n))
		n -= k
	}
	return out
}

// checkOffsets checks that every Message and Note lies inside the bytes fed so far in its
// direction, and that Messages of one direction do not overlap or go backwards.
func checkOffsets(t *testing.T, tr transcript, msgs []Message) {
	t.Helper()
	var total [2]int
	for _, s := range tr.segs {
		total[s.dir] += len(s.b)
	}
	var last [2]int
	for _, m := range msgs {
		if m.Off < last[m.Dir] || m.Len < 0 || m.Off+m.Len > total[m.Dir] {
			t.Errorf("message %q at %d+%d: outside %d..%d of %v", m.Summary, m.Off, m.Len, last[m.Dir], total[m.Dir], m.Dir)
		}
		last[m.Dir] = m.Off + m.Len
		for _, n := range m.Notes {
			if n.Off < m.Off || n.Len < 0 || n.Off+n.Len > m.Off+m.Len {
				t.Errorf("note %q at %d+%d lies outside its message %q at %d+%d", n.Label, n.Off, n.Len, m.Summary, m.Off, m.Len)
			}
		}
	}
}

// TestTranscripts checks every exchange in testdata/*.txt.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			checkExchange(t, name, readTranscript(t, f))
		})
	}
}

func TestFor(t *testing.T) {
	tests := []struct {
		port  int
		proto string
		want  string
	}{
		{80, "tcp", "http"},
		{8080, "tcp4", "http"},
		{21, "tcp", "ftp"},
		{37, "tcp", "time"},
		{37, "udp", "time"},
		{13, "tcp6", "daytime"},
		{13, "udp4", "daytime"},
		{70, "tcp", "gopher"},
		{5000, "tcp", "chat"},
		{51423, "tcp", "count"},
		{7, "tcp", "plain"},
		{80, "udp", "plain"},
		{40123, "tcp", "plain"},
	}
	for _, tt := range tests {
		if got := For(tt.port, tt.proto).Name(); got != tt.want {
			t.Errorf("For(%d, %q) is %s, want %s", tt.port, tt.proto, got, tt.want)
		}
	}
}

func TestPlainSaysNothing(t *testing.T) {
	d := For(7, "tcp")
	for _, b := range [][]byte{[]byte("hello\r\n"), {0, 1, 2}, nil} {
		if got := d.Feed(ToServer, b); got != nil {
			t.Errorf("plain Feed(%q) = %v, want nothing", b, got)
		}
	}
}

func TestDataAddress(t *testing.T) {
	tests := []struct {
		dir  Dir
		line string
		want string
	}{
		{ToClient, "227 Entering Passive Mode (10,10,0,21,156,64).\r\n", "10.10.0.21:40000"},
		{ToClient, "227 =127,0,0,1,4,1\r\n", "127.0.0.1:1025"},
		{ToClient, "229 Entering Extended Passive Mode (|||40123|)\r\n", ":40123"},
		{ToClient, "229 Extended Passive Mode OK (!!!6446!)\r\n", ":6446"},
		{ToServer, "PORT 10,10,1,2,200,10\r\n", "10.10.1.2:51210"},
		{ToServer, "EPRT |2|::1|5282|\r\n", "[::1]:5282"},
		{ToClient, "227 Entering Passive Mode (300,1,1,1,1,1)\r\n", ""},
		{ToClient, "229 Entering Extended Passive Mode (|||0|)\r\n", ""},
		{ToClient, "200 PORT command successful\r\n", ""},
	}
	for _, tt := range tests {
		d := For(21, "tcp")
		msgs := d.Feed(tt.dir, []byte(tt.line))
		if len(msgs) != 1 {
			t.Fatalf("%q: %d messages, want 1", tt.line, len(msgs))
		}
		got, ok := DataAddress(msgs[0])
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%q: data address %q, %v; want %q", tt.line, got, ok, tt.want)
		}
	}
}

func TestTimeValue(t *testing.T) {
	tests := []struct {
		b    []byte
		date string
		unix string
	}{
		{[]byte{0xe9, 0x8a, 0xf8, 0x70}, "2024-02-29 12:34:56 UTC", "3918198896 - 2208988800 = 1709210096 seconds since 1970"},
		{[]byte{0x83, 0xaa, 0x7e, 0x80}, "1970-01-01 00:00:00 UTC", "2208988800 - 2208988800 = 0 seconds since 1970"},
		{[]byte{0, 0, 0, 0}, "1900-01-01 00:00:00 UTC", "0 - 2208988800 = -2208988800 seconds since 1970"},
	}
	for _, tt := range tests {
		d := For(37, "udp")
		msgs := d.Feed(ToClient, tt.b)
		if len(msgs) != 1 || len(msgs[0].Notes) != 3 {
			t.Fatalf("% x: got %v", tt.b, msgs)
		}
		if got := msgs[0].Notes[2].Detail; got != tt.date {
			t.Errorf("% x: date %q, want %q", tt.b, got, tt.date)
		}
		if got := msgs[0].Notes[1].Detail; got != tt.unix {
			t.Errorf("% x: Unix time %q, want %q", tt.b, got, tt.unix)
		}
	}
}

func TestDirJSON(t *testing.T) {
	m := Message{Dir: ToClient, Off: 3, Len: 4, Summary: "s", Notes: []Note{{3, 4, "l", "d"}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"dir":"to-client","off":3,"len":4,"summary":"s","notes":[{"off":3,"len":4,"label":"l","detail":"d"}]}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back Message
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if _, err := json.Marshal(Dir(5)); err == nil {
		t.Error("Dir(5) marshals; want an error")
	}
}

func TestShow(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GET / HTTP/1.1", "GET / HTTP/1.1"},
		{"a\r\nb\tc", `a\r\nb\tc`},
		{"\x00\xff é", `\x00\xff é`},
		{strings.Repeat("x", 70), strings.Repeat("x", 60) + "…"},
	}
	for _, tt := range tests {
		if got := show([]byte(tt.in), 60); got != tt.want {
			t.Errorf("show(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLinesAcrossChunks checks the line splitter where a CR and its LF arrive apart and
// where a line passes MaxLine.
func TestLinesAcrossChunks(t *testing.T) {
	var ls lines
	var got []line
	for _, chunk := range []string{"ab\r", "\ncd\n", "\r", "\n", strings.Repeat("x", MaxLine+5), "\r\nend"} {
		c := cursor{[]byte(chunk)}
		for len(c.b) > 0 {
			if l, ok := ls.next(&c); ok {
				got = append(got, l)
			}
		}
	}
	if l, ok := ls.flush(); ok {
		got = append(got, l)
	}
	want := []struct {
		off, n, end int
		text        string
		long        bool
	}{
		{0, 4, 2, "ab", false},
		{4, 3, 1, "cd", false},
		{7, 2, 2, "", false},
		{9, MaxLine + 7, 2, strings.Repeat("x", MaxLine), true},
		{9 + MaxLine + 7, 3, 0, "end", false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.off != w.off || g.n != w.n || g.end != w.end || string(g.text) != w.text || g.long != w.long {
			t.Errorf("line %d: off %d n %d end %d long %v text %d bytes; want off %d n %d end %d long %v text %d bytes",
				i, g.off, g.n, g.end, g.long, len(g.text), w.off, w.n, w.end, w.long, len(w.text))
		}
	}
}

func TestEndedDirectionIgnoresMore(t *testing.T) {
	for _, port := range []int{80, 21, 37, 13, 70, 5000, 51423} {
		d := For(port, "tcp")
		d.Feed(ToClient, nil)
		if got := d.Feed(ToClient, []byte("HTTP/1.1 200 OK\r\n\r\n220 hi\r\n")); got != nil {
			t.Errorf("%s: bytes after the end of a direction gave %v", d.Name(), got)
		}
	}
}

func TestBadDirection(t *testing.T) {
	for _, port := range []int{80, 21, 37, 13, 70, 5000, 51423} {
		for _, proto := range []string{"tcp", "udp"} {
			d := For(port, proto)
			if got := d.Feed(Dir(7), []byte("x\r\n")); got != nil {
				t.Errorf("%s/%s: Feed with a bad direction gave %v", d.Name(), proto, got)
			}
		}
	}
}

// TestSeveralMessagesInOneRead feeds each transcript with the bytes of every run of segments
// in one direction joined into one chunk, as one read returns several replies that arrived
// together (FTP's replies, HTTP keep-alive and pipelining, chat's lines): the Messages, and
// their offsets, are those of the segments fed one by one.
func TestSeveralMessagesInOneRead(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	for _, f := range files {
		tr := readTranscript(t, f)
		if tr.proto != "tcp" {
			continue
		}
		joined := transcript{port: tr.port, proto: tr.proto}
		several := false
		for _, s := range tr.segs {
			if n := len(joined.segs); n > 0 && !s.end && !joined.segs[n-1].end && joined.segs[n-1].dir == s.dir {
				joined.segs[n-1].b = append(joined.segs[n-1].b, s.b...)
				several = true
				continue
			}
			joined.segs = append(joined.segs, segment{s.dir, append([]byte(nil), s.b...), s.end})
		}
		whole, got := run(tr, nil), run(joined, nil)
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%s: joined reads give\n%s\nwhere single segments give\n%s", f, render(tr, got), render(tr, whole))
		}
		if several {
			checkOffsets(t, joined, got)
		}
	}
}
