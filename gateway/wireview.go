package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"time"

	"socketlab/dissect"
	"socketlab/event"
	"socketlab/internal/jsonlist"
	"socketlab/pcapng"
)

// The wire view's server side: the page posts a finished run's events (as the runtime reported
// them) and gets protocol annotations back, or the run as a capture file. Both work on the
// events alone, so nothing about a run is kept at the gateway.

// maxRunJSON bounds a posted run. The page keeps only the first bytes of large payloads, so a
// real run is far smaller.
const maxRunJSON = 16 << 20

// maxRunEvents bounds the events of a posted run: the page keeps at most 20,000 a run
// (static/wire.js, LIMITS.events). Each costs a struct in memory for a few bytes of JSON, so
// the count is bounded apart from the bytes.
const maxRunEvents = 20000

type runRequest struct {
	Events []event.Event `json:"events"`
	// Start is when the run began, in milliseconds since 1970, for the capture's timestamps.
	Start float64 `json:"start"`
}

func readRun(w http.ResponseWriter, r *http.Request) (*runRequest, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		jsonError(w, http.StatusMethodNotAllowed, "post the run's events as JSON: {\"events\": [...]}")
		return nil, false
	}
	var req struct {
		Events json.RawMessage `json:"events"`
		Start  float64         `json:"start"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRunJSON))
	if err := dec.Decode(&req); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the run is larger than the %d MiB the gateway reads", maxRunJSON>>20))
			return nil, false
		}
		jsonError(w, http.StatusBadRequest, "the run could not be read: "+err.Error())
		return nil, false
	}
	var events []event.Event
	var err error
	if len(req.Events) > 0 {
		events, err = jsonlist.Decode[event.Event](req.Events, maxRunEvents)
	}
	if err != nil {
		if _, ok := errors.AsType[*jsonlist.TooLong](err); ok {
			jsonError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the run has more than the %d events the page keeps", maxRunEvents))
			return nil, false
		}
		jsonError(w, http.StatusBadRequest, "the run's events could not be read: "+err.Error())
		return nil, false
	}
	return &runRequest{Events: events, Start: req.Start}, true
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// annotation is one protocol unit, placed on the payload events that carry its bytes. Event
// and Off say where the unit starts: the index of the event, and the offset of the unit's
// first byte in that event's bytes. Len is the unit's whole length, which may run on into
// later events of the same stream. Each note is placed the same way, on the event that holds
// its bytes, with its offset counted in that event's bytes; a note whose bytes lie in several
// events (a header line cut between two reads) comes as one note for each of them.
type annotation struct {
	Stream  uint32       `json:"stream"`
	Event   int          `json:"event"`
	Dir     dissect.Dir  `json:"dir"`
	Off     int          `json:"off"`
	Len     int          `json:"len"`
	Summary string       `json:"summary"`
	Notes   []placedNote `json:"notes,omitempty"`
}

// placedNote is a dissector's note, or the part of one, that lies in one event's bytes.
type placedNote struct {
	Event  int    `json:"event"`
	Off    int    `json:"off"` // offset in that event's bytes
	Len    int    `json:"len"`
	Label  string `json:"label"`
	Detail string `json:"detail,omitempty"`
}

// conversation is one direction-pair being dissected: a TCP stream, or a UDP socket's
// exchange with one peer.
type conversation struct {
	d        dissect.Dissector
	swap     bool      // an accepted stream: the program is the server
	seen     [2]int    // bytes fed per direction
	chunks   [2][]span // where each event's bytes sit in its direction (the dissector's), in order
	broken   [2]bool   // a payload was cut short: offsets past it are unknown
	finished [2]bool
}

type span struct{ event, off, n int }

func serveAnnotate(w http.ResponseWriter, r *http.Request) {
	req, ok := readRun(w, r)
	if !ok {
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "" && lang != "en" && lang != dissect.Chinese {
		jsonError(w, http.StatusBadRequest, fmt.Sprintf("no notes in language %q: use lang=en or lang=zh (or leave it out for English)", lang))
		return
	}
	out, cut := annotate(req.Events)
	if lang == dissect.Chinese {
		for i := range out {
			a := &out[i]
			a.Summary = dissect.TranslateSummary(a.Summary, lang)
			for j := range a.Notes {
				n := &a.Notes[j]
				n.Label, n.Detail = dissect.TranslateNote(n.Label, n.Detail, lang)
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": out, "truncated": cut})
}

// maxAnnotations bounds the messages one run is given. A message can be as short as one byte
// ("\n"), so a run's bytes alone would allow millions; the page shows 2,000 events in all.
const maxAnnotations = 50000

// maxPlacedNotes bounds the notes of one run's answer. A note comes once for each event that
// holds some of its bytes, so a note over a body read a byte at a time comes thousands of times.
const maxPlacedNotes = 200000

// feedChunk is how many bytes a dissector is given at a time, so that the messages one call
// returns stay few however long an event's data is.
const feedChunk = 4 << 10

// annotate dissects a run's payloads. It reports whether it stopped at maxAnnotations or
// maxPlacedNotes.
func annotate(events []event.Event) ([]annotation, bool) {
	a := &annotator{convs: map[string]*conversation{}, accepted: map[uint32]int{}}
	for i, e := range events {
		if a.full() {
			return a.out, true
		}
		a.event(i, e)
	}
	return a.out, a.full()
}

// annotator is one run being annotated.
type annotator struct {
	convs    map[string]*conversation
	accepted map[uint32]int // an accepted stream's local port: the program is its server
	out      []annotation
	notes    int // placed notes in out
}

func (a *annotator) full() bool {
	return len(a.out) >= maxAnnotations || a.notes >= maxPlacedNotes
}

// event feeds the bytes or the end that event i tells to its conversation's dissector.
func (a *annotator) event(i int, e event.Event) {
	switch e.Kind {
	case event.Accept:
		a.accepted[e.Stream] = portOf(e.Local)
	case event.Send:
		a.feed(a.get(e, e.Addr), i, e, dissect.ToServer, e.Data, false)
	case event.Recv:
		a.feed(a.get(e, e.Addr), i, e, dissect.ToClient, e.Data, false)
	case event.SendTo:
		a.feed(a.get(e, e.Remote), i, e, dissect.ToServer, e.Data, false)
	case event.RecvFrom:
		a.feed(a.get(e, e.Remote), i, e, dissect.ToClient, e.Data, false)
	case event.FinSent:
		a.feed(a.get(e, e.Addr), i, e, dissect.ToServer, nil, true)
	case event.FinRecv:
		a.feed(a.get(e, e.Addr), i, e, dissect.ToClient, nil, true)
	case event.Close, event.Reset:
		c := a.get(e, e.Addr)
		a.feed(c, i, e, dissect.ToServer, nil, true)
		a.feed(c, i, e, dissect.ToClient, nil, true)
	}
}

// get returns the conversation of e's stream with peer, starting it if new.
func (a *annotator) get(e event.Event, peer string) *conversation {
	key := strconv.FormatUint(uint64(e.Stream), 10) + " " + peer
	if c, ok := a.convs[key]; ok {
		return c
	}
	proto, port := "tcp", portOf(peer)
	if e.Kind == event.SendTo || e.Kind == event.RecvFrom {
		proto = "udp"
	}
	lport, swap := a.accepted[e.Stream]
	c := &conversation{swap: swap}
	if swap {
		port = lport // the data events of an accepted stream name only the client
	}
	c.d = dissect.For(port, proto)
	a.convs[key] = c
	return c
}

// feed gives c's dissector the bytes of event i (or the end of a direction) and places the
// messages they complete.
func (a *annotator) feed(c *conversation, i int, e event.Event, dir dissect.Dir, b []byte, end bool) {
	if c.swap {
		dir = 1 - dir
	}
	if c.finished[dir] || c.broken[dir] {
		return
	}
	if end {
		c.finished[dir] = true
	} else {
		c.chunks[dir] = append(c.chunks[dir], span{i, c.seen[dir], len(b)})
		c.seen[dir] += len(b)
		if e.N > len(b) {
			c.broken[dir] = true // the page kept only the start of this payload
		}
	}
	for {
		part := b[:min(len(b), feedChunk)]
		b = b[len(part):]
		for _, m := range c.d.Feed(dir, part) {
			if !a.full() {
				p := place(c, e.Stream, m)
				p.Notes = p.Notes[:min(len(p.Notes), maxPlacedNotes-a.notes)]
				a.out = append(a.out, p)
				a.notes += len(p.Notes)
			}
		}
		if len(b) == 0 || a.full() {
			return
		}
	}
}

// place puts a message, whose offsets count the bytes of its direction from the start of the
// stream, on the events that carried those bytes.
func place(c *conversation, stream uint32, m dissect.Message) annotation {
	a := annotation{Stream: stream, Event: -1, Dir: m.Dir, Len: m.Len, Summary: m.Summary}
	chunks := c.chunks[m.Dir] // kept by the dissector's direction, as fed
	if i := chunkAt(chunks, m.Off); i >= 0 {
		a.Event, a.Off = chunks[i].event, m.Off-chunks[i].off
	}
	for _, n := range m.Notes {
		a.Notes = appendPieces(a.Notes, chunks, n)
	}
	return a
}

// chunkAt returns the index of the chunk that holds stream offset off, or, for an offset just
// past the bytes of every chunk (a note on a missing line ending), the chunk that ends there;
// -1 when none does.
func chunkAt(chunks []span, off int) int {
	// The first chunk that ends after off.
	i := sort.Search(len(chunks), func(i int) bool { return chunks[i].off+chunks[i].n > off })
	for ; i < len(chunks); i++ {
		if chunks[i].n > 0 {
			if chunks[i].off <= off {
				return i
			}
			break
		}
	}
	// None holds off: the last chunk with bytes that ends exactly there.
	for j := min(i, len(chunks)) - 1; j >= 0; j-- {
		if chunks[j].n > 0 {
			if chunks[j].off+chunks[j].n == off {
				return j
			}
			break
		}
	}
	return -1
}

// appendPieces places note n on the chunks that hold its bytes, one placedNote a chunk.
func appendPieces(out []placedNote, chunks []span, n dissect.Note) []placedNote {
	i := chunkAt(chunks, n.Off)
	if i < 0 {
		return out
	}
	off, left := n.Off, max(n.Len, 0)
	for {
		c := chunks[i]
		take := min(left, c.off+c.n-off)
		out = append(out, placedNote{Event: c.event, Off: off - c.off, Len: take, Label: n.Label, Detail: n.Detail})
		off, left = off+take, left-take
		// Move on to the next chunk with bytes, if the note runs on.
		for i++; left > 0 && i < len(chunks) && chunks[i].n == 0; i++ {
		}
		if left == 0 || i >= len(chunks) {
			return out
		}
	}
}

func portOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

func serveExport(w http.ResponseWriter, r *http.Request) {
	req, ok := readRun(w, r)
	if !ok {
		return
	}
	start := time.Now()
	if req.Start > 0 && req.Start < 1e15 { // milliseconds, before the year 33000
		start = time.UnixMicro(int64(req.Start * 1000))
	}
	var buf bytes.Buffer
	if err := pcapng.Write(&buf, req.Events, &pcapng.Options{Start: start}); err != nil {
		jsonError(w, http.StatusBadRequest, fmt.Sprintf("the run could not be exported: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
	w.Header().Set("Content-Disposition", `attachment; filename="run.pcapng"`)
	w.Write(buf.Bytes())
}
