package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
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

// annotation is one protocol unit, placed on the event where it starts. Offsets count from
// the start of that event's bytes; a unit may run on into later events of the same stream.
type annotation struct {
	Stream  uint32         `json:"stream"`
	Event   int            `json:"event"`
	Dir     dissect.Dir    `json:"dir"`
	Off     int            `json:"off"`
	Len     int            `json:"len"`
	Summary string         `json:"summary"`
	Notes   []dissect.Note `json:"notes,omitempty"`
}

// conversation is one direction-pair being dissected: a TCP stream, or a UDP socket's
// exchange with one peer.
type conversation struct {
	d        dissect.Dissector
	swap     bool      // an accepted stream: the program is the server
	seen     [2]int    // bytes fed per direction
	chunks   [2][]span // where each event's bytes sit in its direction
	broken   [2]bool   // a payload was cut short: offsets past it are unknown
	finished [2]bool
}

type span struct{ event, off, n int }

func serveAnnotate(w http.ResponseWriter, r *http.Request) {
	req, ok := readRun(w, r)
	if !ok {
		return
	}
	out, cut := annotate(req.Events)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": out, "truncated": cut})
}

// maxAnnotations bounds the messages one run is given. A message can be as short as one byte
// ("\n"), so a run's bytes alone would allow millions; the page shows 2,000 events in all.
const maxAnnotations = 50000

// feedChunk is how many bytes a dissector is given at a time, so that the messages one call
// returns stay few however long an event's data is.
const feedChunk = 4 << 10

// annotate dissects a run's payloads. It reports whether it stopped at maxAnnotations.
func annotate(events []event.Event) ([]annotation, bool) {
	convs := map[string]*conversation{}
	accepted := map[uint32]bool{}
	var out []annotation
	get := func(e event.Event, peer string) *conversation {
		key := strconv.FormatUint(uint64(e.Stream), 10) + " " + peer
		if c, ok := convs[key]; ok {
			return c
		}
		proto, port := "tcp", portOf(peer)
		if e.Kind == event.SendTo || e.Kind == event.RecvFrom {
			proto = "udp"
		}
		c := &conversation{swap: accepted[e.Stream]}
		if c.swap {
			port = portOf(e.Local)
		}
		c.d = dissect.For(port, proto)
		convs[key] = c
		return c
	}
	feed := func(c *conversation, i int, e event.Event, dir dissect.Dir, b []byte, end bool) {
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
				if len(out) < maxAnnotations {
					out = append(out, place(c, e.Stream, m))
				}
			}
			if len(b) == 0 || len(out) >= maxAnnotations {
				return
			}
		}
	}
	for i, e := range events {
		if len(out) >= maxAnnotations {
			return out, true
		}
		switch e.Kind {
		case event.Accept:
			accepted[e.Stream] = true
		case event.Send:
			feed(get(e, e.Addr), i, e, dissect.ToServer, e.Data, false)
		case event.Recv:
			feed(get(e, e.Addr), i, e, dissect.ToClient, e.Data, false)
		case event.SendTo:
			feed(get(e, e.Remote), i, e, dissect.ToServer, e.Data, false)
		case event.RecvFrom:
			feed(get(e, e.Remote), i, e, dissect.ToClient, e.Data, false)
		case event.FinSent:
			feed(get(e, e.Addr), i, e, dissect.ToServer, nil, true)
		case event.FinRecv:
			feed(get(e, e.Addr), i, e, dissect.ToClient, nil, true)
		case event.Close, event.Reset:
			c := get(e, e.Addr)
			feed(c, i, e, dissect.ToServer, nil, true)
			feed(c, i, e, dissect.ToClient, nil, true)
		}
	}
	return out, len(out) >= maxAnnotations
}

// place finds the event where a message starts.
func place(c *conversation, stream uint32, m dissect.Message) annotation {
	a := annotation{Stream: stream, Event: -1, Dir: m.Dir, Len: m.Len, Summary: m.Summary}
	dir := m.Dir
	if c.swap {
		dir = 1 - dir
	}
	base := m.Off
	for _, s := range c.chunks[dir] {
		if m.Off >= s.off && (m.Off < s.off+s.n || s.n == 0 && m.Off == s.off) {
			a.Event, base = s.event, s.off
			break
		}
	}
	if a.Event < 0 && len(c.chunks[dir]) > 0 {
		last := c.chunks[dir][len(c.chunks[dir])-1]
		a.Event, base = last.event, last.off
	}
	a.Off = m.Off - base
	for _, n := range m.Notes {
		n.Off -= base
		a.Notes = append(a.Notes, n)
	}
	return a
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
	if req.Start > 0 {
		start = time.UnixMilli(int64(req.Start))
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
