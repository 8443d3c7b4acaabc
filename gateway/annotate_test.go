package gateway

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"socketlab/dissect"
	"socketlab/event"
)

var update = flag.Bool("update", false, "rewrite static/test/annotate_cases.json from what the annotator says now")

// runBuilder writes the events of a made-up run: the reads and writes of a few streams, cut
// the way a program's reads cut them (several protocol messages in one read, one message over
// several reads).
type runBuilder struct {
	events []event.Event
	t      float64
}

func (r *runBuilder) add(e event.Event) {
	r.t += 0.5
	e.T = r.t
	if len(e.Data) > 0 {
		e.N = len(e.Data)
	}
	r.events = append(r.events, e)
}

// tcp is a stream the program dialed (accepted: the program is the server on port).
type tcpStream struct {
	r        *runBuilder
	id       uint32
	addr     string
	accepted bool
}

func (r *runBuilder) dial(id uint32, addr string) *tcpStream {
	r.add(event.Event{Stream: id, Kind: event.Dial, Addr: addr})
	r.add(event.Event{Stream: id, Kind: event.Connected, Addr: addr, Local: "10.10.1.2:40000"})
	return &tcpStream{r, id, addr, false}
}

func (r *runBuilder) accept(id uint32, port int) *tcpStream {
	addr := "10.10.1.3:41000"
	r.add(event.Event{Stream: id, Kind: event.Accept, Addr: addr, Remote: addr, Local: fmt.Sprintf("10.10.1.2:%d", port)})
	return &tcpStream{r, id, addr, true}
}

// send is one Write of the program; recv one Read's result.
func (s *tcpStream) send(b string) {
	s.r.add(event.Event{Stream: s.id, Kind: event.Send, Addr: s.addr, Data: []byte(b)})
}
func (s *tcpStream) recv(b string) {
	s.r.add(event.Event{Stream: s.id, Kind: event.Recv, Addr: s.addr, Data: []byte(b)})
}
func (s *tcpStream) close() {
	s.r.add(event.Event{Stream: s.id, Kind: event.FinRecv, Addr: s.addr})
	s.r.add(event.Event{Stream: s.id, Kind: event.Close, Addr: s.addr})
}

// The runs: every dissector, each with several messages in one read or write and a message
// cut over reads (inside a note, too).
func annotateRuns() map[string][]event.Event {
	runs := map[string][]event.Event{}

	r := &runBuilder{}
	ftp := r.dial(3, "ftp.lab:21")
	ftp.recv("220 Welcome to ftp.lab\r\n")
	ftp.send("USER anonymous\r\nPASS me@\r\nPWD\r\nCWD pub\r\n")
	ftp.recv("331 Please send your password\r\n230 Logged in\r\n257 \"/\" is the current directory\r\n250 OK\r\n")
	ftp.send("FEAT\r\n")
	ftp.recv("211-Features:\r\n EP")
	ftp.recv("SV\r\n PASV\r\n211 End\r\n")
	ftp.send("PA")
	ftp.send("SV\r\n")
	ftp.recv("227 Entering Passive Mode (10,10,0,21,1")
	ftp.recv("56,64)\r")
	ftp.recv("\n")
	ftp.send("QUIT\r\n")
	ftp.recv("221 Goodbye\r\n")
	ftp.close()
	runs["ftp"] = r.events

	r = &runBuilder{}
	web := r.dial(5, "web.lab:80")
	web.send("GET /a HTTP/1.1\r\nHost: web.lab\r\n\r\nGET /b HTTP/1.1\r\nHost: web.lab\r\nConnection: close\r\n\r\n")
	web.recv("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nCon")
	web.recv("tent-Le")
	web.recv("ngth: 9\r\nConnection: close\r\n\r\nnot ")
	web.recv("found")
	web.close()
	runs["http"] = r.events

	r = &runBuilder{}
	srv := r.accept(7, 8000)
	srv.recv("GET /notes.txt HTTP/1.1\r\nHost: localhost:8000\r\n\r\nGET /favicon.ico HTTP/1.1\r\nHo")
	srv.recv("st: localhost:8000\r\n\r\n")
	srv.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	srv.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	srv.close()
	runs["http-server"] = r.events

	r = &runBuilder{}
	tm := r.dial(9, "time.lab:37")
	tm.recv("\xec\xc2")
	tm.recv("\x0a\x80")
	tm.close()
	day := r.dial(11, "daytime.lab:13")
	day.recv("Monday, January 2, 2006 15:")
	day.recv("04:05-UTC\r\n")
	day.close()
	runs["time-daytime"] = r.events

	r = &runBuilder{}
	g := r.dial(13, "gopher.lab:70")
	g.send("\r\n")
	g.recv("iWelcome to gopher.lab\tfake\t(NULL)\t0\r\ni\tfake\t(NULL)\t0\r\n0About this server\t/ab")
	g.recv("out.txt\tgopher.lab\t70\r\n.\r\n")
	g.close()
	runs["gopher"] = r.events

	r = &runBuilder{}
	chat := r.dial(15, "chat.lab:5000")
	chat.recv("Hello from chat.lab! Send me a line.\r\n")
	chat.send("hello\nwhat is your name?\nbye\n")
	chat.recv("Hello! How are you?\r\nI am chat.lab.\r\nGood")
	chat.recv("bye!\r\n")
	chat.close()
	count := r.dial(17, "count.lab:51423")
	count.recv("Welcome, 10.10.1.2:41000\r\nPlease enter a string:\r\n")
	count.send("héllo, ")
	count.send("wörld\r\n")
	count.recv("You entered 12 ")
	count.recv("characters.\r\n")
	count.close()
	runs["chat-count"] = r.events

	r = &runBuilder{}
	r.add(event.Event{Stream: 19, Kind: event.Bind, Local: "[::]:32768"})
	for _, peer := range []string{"10.10.0.37:37", "10.10.0.13:13"} {
		r.add(event.Event{Stream: 19, Kind: event.SendTo, Addr: peer, Remote: peer, Data: []byte("?")})
	}
	r.add(event.Event{Stream: 19, Kind: event.RecvFrom, Addr: "10.10.0.37:37", Remote: "10.10.0.37:37", Data: []byte("\xec\xc2\x0a\x80")})
	r.add(event.Event{Stream: 19, Kind: event.RecvFrom, Addr: "10.10.0.13:13", Remote: "10.10.0.13:13", Data: []byte("Monday, January 2, 2006 15:04:05-UTC\r\n")})
	r.add(event.Event{Stream: 19, Kind: event.SendTo, Addr: "10.10.0.37:37", Remote: "10.10.0.37:37", Data: []byte("again")})
	r.add(event.Event{Stream: 19, Kind: event.RecvFrom, Addr: "10.10.0.37:37", Remote: "10.10.0.37:37", Data: []byte("\xec\xc2\x0a\x81")})
	runs["udp"] = r.events
	return runs
}

// reference feeds each conversation of a run to a fresh dissector, event by event, and
// returns its messages with stream offsets, by "stream peer dir".
func reference(events []event.Event) map[string][]dissect.Message {
	ds := map[string]dissect.Dissector{}
	accepted := map[uint32]int{}
	out := map[string][]dissect.Message{}
	for _, e := range events {
		peer, proto, dir := e.Addr, "tcp", dissect.ToClient
		switch e.Kind {
		case event.Accept:
			accepted[e.Stream] = portOf(e.Local)
			continue
		case event.Send:
			dir = dissect.ToServer
		case event.Recv:
		case event.SendTo:
			peer, proto, dir = e.Remote, "udp", dissect.ToServer
		case event.RecvFrom:
			peer, proto = e.Remote, "udp"
		default:
			continue
		}
		port := portOf(peer)
		if lport, ok := accepted[e.Stream]; ok {
			dir, port = 1-dir, lport
		}
		key := fmt.Sprintf("%d %s", e.Stream, peer)
		if ds[key] == nil {
			ds[key] = dissect.For(port, proto)
		}
		for _, m := range ds[key].Feed(dir, e.Data) {
			k := fmt.Sprintf("%s %v", key, m.Dir)
			out[k] = append(out[k], m)
		}
	}
	return out
}

// unplace turns the annotator's answer back into stream offsets, counting each event's
// place in its direction of its conversation here, apart from the annotator, and joins the
// pieces of a note that lies in several events. It fails the test when a note or message
// points outside its event's bytes.
func unplace(t *testing.T, events []event.Event, anns []annotation) map[string][]dissect.Message {
	t.Helper()
	start := make([]int, len(events)) // stream offset of each payload event's first byte
	key := make([]string, len(events))
	seen := map[string]int{}
	accepted := map[uint32]bool{}
	for i, e := range events {
		peer, out := e.Addr, false
		switch e.Kind {
		case event.Accept:
			accepted[e.Stream] = true
			continue
		case event.Send:
			out = true
		case event.Recv:
		case event.SendTo:
			peer, out = e.Remote, true
		case event.RecvFrom:
			peer = e.Remote
		default:
			continue
		}
		dir := dissect.ToClient
		if out != accepted[e.Stream] {
			dir = dissect.ToServer
		}
		key[i] = fmt.Sprintf("%d %s %v", e.Stream, peer, dir)
		start[i] = seen[key[i]]
		seen[key[i]] += len(e.Data)
	}
	got := map[string][]dissect.Message{}
	for _, a := range anns {
		if a.Event < 0 || a.Event >= len(events) || key[a.Event] == "" {
			t.Errorf("message %q placed on event %d, which has no payload", a.Summary, a.Event)
			continue
		}
		k := key[a.Event]
		if a.Off < 0 || a.Off > len(events[a.Event].Data) {
			t.Errorf("message %q starts at %d of event %d's %d bytes", a.Summary, a.Off, a.Event, len(events[a.Event].Data))
		}
		m := dissect.Message{Dir: a.Dir, Off: start[a.Event] + a.Off, Len: a.Len, Summary: a.Summary}
		for _, n := range a.Notes {
			if n.Event < 0 || n.Event >= len(events) || key[n.Event] != k {
				t.Errorf("note %q of %q placed on event %d, not one of its stream's %s", n.Label, a.Summary, n.Event, k)
				continue
			}
			if n.Off < 0 || n.Len < 0 || n.Off+n.Len > len(events[n.Event].Data) {
				t.Errorf("note %q of %q at %d+%d lies outside event %d's %d bytes", n.Label, a.Summary, n.Off, n.Len, n.Event, len(events[n.Event].Data))
				continue
			}
			off := start[n.Event] + n.Off
			if l := len(m.Notes) - 1; l >= 0 && n.Len > 0 && m.Notes[l].Label == n.Label && m.Notes[l].Detail == n.Detail && m.Notes[l].Off+m.Notes[l].Len == off && n.Off == 0 {
				m.Notes[l].Len += n.Len // the rest of a note cut between events
				continue
			}
			m.Notes = append(m.Notes, dissect.Note{Off: off, Len: n.Len, Label: n.Label, Detail: n.Detail})
		}
		got[k] = append(got[k], m)
	}
	return got
}

// noteBytes is what the learner sees a note mark: the bytes of each of its pieces, joined.
func noteBytes(events []event.Event, a annotation, label string) []string {
	var out []string
	var cur []byte
	for i, n := range a.Notes {
		if n.Label != label {
			continue
		}
		b := events[n.Event].Data[n.Off : n.Off+n.Len]
		if prev := a.Notes[max(i-1, 0)]; i > 0 && n.Off == 0 && prev.Label == label && prev.Event != n.Event && prev.Off+prev.Len == len(events[prev.Event].Data) {
			cur = append(cur, b...)
			out[len(out)-1] = string(cur)
			continue
		}
		cur = append([]byte(nil), b...)
		out = append(out, string(cur))
	}
	return out
}

// TestAnnotatePlacesNotesOnTheirBytes: for every dissector, with several messages in one read
// and messages cut over reads, each message and note lands on the event and the bytes that
// carried it: read back through the events, the offsets are the dissector's own.
func TestAnnotatePlacesNotesOnTheirBytes(t *testing.T) {
	runs := annotateRuns()
	for name, events := range runs {
		t.Run(name, func(t *testing.T) {
			anns, cut := annotate(events)
			if cut || len(anns) == 0 {
				t.Fatalf("%d annotations, cut %v", len(anns), cut)
			}
			want := reference(events)
			got := unplace(t, events, anns)
			if !reflect.DeepEqual(got, want) {
				for k := range want {
					if !reflect.DeepEqual(got[k], want[k]) {
						g, _ := json.MarshalIndent(got[k], "", " ")
						w, _ := json.MarshalIndent(want[k], "", " ")
						t.Errorf("%s: read back through the events the messages are\n%s\nwhere the dissector said\n%s", k, g, w)
					}
				}
				if len(got) != len(want) {
					t.Errorf("conversations %d, want %d", len(got), len(want))
				}
			}
			// What the learner sees marked: the code or the verb itself.
			for _, a := range anns {
				for _, label := range []string{"reply code", "command", "method", "status code"} {
					for _, b := range noteBytes(events, a, label) {
						if b == "" || !strings.Contains(strings.ToUpper(a.Summary), strings.ToUpper(b)) {
							t.Errorf("the %s note of %q marks %q", label, a.Summary, b)
						}
					}
				}
			}
		})
	}

	// The case seen in the FTP lesson: four replies in one read, each on its own bytes.
	events := runs["ftp"]
	anns, _ := annotate(events)
	var codes []string
	for _, a := range anns {
		if a.Event == 4 {
			codes = append(codes, noteBytes(events, a, "reply code")...)
		}
	}
	if strings.Join(codes, " ") != "331 230 257 250" {
		t.Errorf("the read of four replies has reply codes %q marked, want 331 230 257 250", codes)
	}

	writeAnnotateCases(t, runs)
}

// writeAnnotateCases keeps static/test/annotate_cases.json, the runs and the annotator's
// answers, from which the page's tests check that it shows each note on its bytes
// (static/test/wire.test.js).
func writeAnnotateCases(t *testing.T, runs map[string][]event.Event) {
	type answer struct {
		Events   []event.Event `json:"events"`
		Messages []annotation  `json:"messages"`
	}
	cases := map[string]answer{}
	for name, events := range runs {
		anns, _ := annotate(events)
		cases[name] = answer{events, anns}
	}
	b, err := json.MarshalIndent(cases, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const path = "../static/test/annotate_cases.json"
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(old, b) {
		t.Errorf("%s is not what the annotator says now (%v); go test ./gateway -run TestAnnotatePlacesNotesOnTheirBytes -update rewrites it", path, err)
	}
}

// TestAnnotateBoundsNotes: a body read one byte at a time gives its note once per read, and
// the answer stops at maxPlacedNotes, saying it was cut.
func TestAnnotateBoundsNotes(t *testing.T) {
	r := &runBuilder{}
	web := r.dial(3, "web.lab:80")
	web.send("GET / HTTP/1.1\r\nHost: web.lab\r\n\r\n")
	n := maxPlacedNotes + 500
	web.recv(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", n))
	for range n {
		web.recv("x")
	}
	web.close()
	anns, cut := annotate(r.events)
	notes := 0
	for _, a := range anns {
		notes += len(a.Notes)
	}
	if !cut || notes != maxPlacedNotes {
		t.Errorf("%d messages with %d notes, cut %v; want %d notes and cut", len(anns), notes, cut, maxPlacedNotes)
	}
}
