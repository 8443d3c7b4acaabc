package dissect

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fuzzed lists the TCP and UDP dissectors that TestBoundedMemory floods.
var fuzzed = []struct {
	port  int
	proto string
}{
	{80, "tcp"}, {21, "tcp"}, {37, "tcp"}, {13, "tcp"}, {70, "tcp"}, {5000, "tcp"}, {51423, "tcp"},
	{37, "udp"}, {13, "udp"}, {7, "tcp"},
}

// decodeSegments reads fuzz input as segments: a control byte whose top bit is the direction
// and whose low 7 bits are the length (0 means the end of that direction), then the bytes.
func decodeSegments(data []byte) []segment {
	var segs []segment
	for len(data) > 0 {
		c := data[0]
		data = data[1:]
		s := segment{dir: Dir(c >> 7)}
		n := int(c & 0x7f)
		if n == 0 {
			s.end = true
		} else {
			n = min(n, len(data))
			if n == 0 {
				break // a length with no bytes left
			}
			s.b, data = data[:n], data[n:]
		}
		segs = append(segs, s)
	}
	return segs
}

// encodeSegments is decodeSegments backwards, for seeds.
func encodeSegments(segs []segment) []byte {
	var out []byte
	for _, s := range segs {
		if s.end {
			out = append(out, byte(s.dir)<<7)
			continue
		}
		for b := s.b; len(b) > 0; {
			n := min(len(b), 0x7f)
			out = append(out, byte(s.dir)<<7|byte(n))
			out = append(out, b[:n]...)
			b = b[n:]
		}
	}
	return out
}

// fuzzDissector feeds arbitrary bytes to one dissector: no panic, offsets inside the bytes
// fed, and over TCP the same Messages whether segments come whole, byte by byte or in
// threes. The seeds are testdata's transcripts for the same port.
func fuzzDissector(f *testing.F, port int, proto string) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		tr, err := parseTranscript(file)
		if err != nil {
			f.Fatal(err)
		}
		if tr.port == port && tr.proto == proto {
			f.Add(encodeSegments(tr.segs))
		}
	}
	f.Add([]byte("\x05HTTP/\x8512345\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := transcript{port: port, proto: proto, segs: decodeSegments(data)}
		whole := run(tr, nil)
		checkOffsets(t, tr, whole)
		if proto == "udp" {
			return
		}
		for _, k := range []int{1, 3} {
			got := run(tr, func(n int) []int { return slicesOf(k, n) })
			if !reflect.DeepEqual(got, whole) {
				t.Fatalf("chunks of %d give other Messages:\n%s\nthan whole segments:\n%s", k, render(tr, got), render(tr, whole))
			}
		}
	})
}

func FuzzHTTP(f *testing.F)       { fuzzDissector(f, 80, "tcp") }
func FuzzFTP(f *testing.F)        { fuzzDissector(f, 21, "tcp") }
func FuzzTimeTCP(f *testing.F)    { fuzzDissector(f, 37, "tcp") }
func FuzzTimeUDP(f *testing.F)    { fuzzDissector(f, 37, "udp") }
func FuzzDaytimeTCP(f *testing.F) { fuzzDissector(f, 13, "tcp") }
func FuzzDaytimeUDP(f *testing.F) { fuzzDissector(f, 13, "udp") }
func FuzzGopher(f *testing.F)     { fuzzDissector(f, 70, "tcp") }
func FuzzChat(f *testing.F)       { fuzzDissector(f, 5000, "tcp") }
func FuzzCount(f *testing.F)      { fuzzDissector(f, 51423, "tcp") }

// TestBoundedMemory feeds each dissector megabytes of traffic that never completes a unit,
// or completes a great many, and checks that what it holds stays small and that it keeps up.
func TestBoundedMemory(t *testing.T) {
	const total = 512 << 10
	floods := []struct {
		name  string
		start string // sent first
		fill  string // then repeated
	}{
		{"no newline", "", "x"},
		{"many lines", "", "a line\r\n"},
		{"header flood", "GET / HTTP/1.1\r\n", "X-A: b\r\n"},
		{"reply flood", "211-Status\r\n", " more\r\n"},
		{"big body", "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", "body"},
		{"chunk flood", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nx\r\n"},
		{"menu flood", "\r\n", "1Menu\t/m\tgopher.lab\t70\r\n"},
	}
	for _, fl := range floods {
		chunk := []byte(strings.Repeat(fl.fill, 32<<10/len(fl.fill)))
		for _, d := range fuzzed {
			if d.proto == "udp" {
				continue
			}
			name := fl.name + "/" + For(d.port, d.proto).Name()
			t.Run(name, func(t *testing.T) {
				dis := For(d.port, d.proto)
				for _, dir := range []Dir{ToServer, ToClient} {
					dis.Feed(dir, []byte(fl.start))
				}
				before := heapInUse()
				start := time.Now()
				for sent := 0; sent < total; sent += len(chunk) {
					dis.Feed(ToServer, chunk)
					dis.Feed(ToClient, chunk)
				}
				grown := heapInUse() - before
				runtime.KeepAlive(dis)
				if grown > 512<<10 {
					t.Errorf("after %d KiB each way the dissector holds %d KiB more", total>>10, grown>>10)
				}
				if el := time.Since(start); el > 10*time.Second {
					t.Errorf("%d KiB each way took %v", total>>10, el)
				}
			})
		}
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
