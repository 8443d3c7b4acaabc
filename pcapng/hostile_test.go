package pcapng

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"socketlab/event"
)

// A capture posted to the gateway is anyone's: an event may claim any N. These runs claim a
// gigabyte per event with a byte or two of data; Write must neither allocate for the claim
// nor write packets beyond its bound on unrecorded bytes.
func forgedRun(events int) []event.Event {
	run := []event.Event{
		{Stream: 1, Kind: event.Dial, Addr: "web.lab:80", Remote: "10.10.0.80:80"},
		{Stream: 1, Kind: event.Connected, Local: "10.10.1.2:41000", Remote: "10.10.0.80:80"},
		{Stream: 2, Kind: event.Bind, Local: "10.10.1.2:41001", Remote: "10.10.0.37:37"},
	}
	for i := range events {
		run = append(run,
			event.Event{Stream: 1, Kind: event.Send, N: 1 << 30, Data: []byte("G")},
			event.Event{Stream: 2, Kind: event.SendTo, Remote: "10.10.0.37:37", N: 1 << 30, Data: []byte{byte(i)}})
	}
	return run
}

func TestForgedLengthsAreBounded(t *testing.T) {
	const limit = 1 << 20
	run := forgedRun(8)

	var out bytes.Buffer
	if err := Write(&out, run, &Options{MaxUnrecorded: limit}); err != nil {
		t.Fatal(err)
	}
	c, err := readCapture(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var shown int
	var cut bool
	for _, p := range c.packets {
		shown += len(p.decoded.payload)
		if strings.Contains(p.comment, "at most") {
			cut = true
		}
		if !p.decoded.udp {
			shown += p.origLen - len(p.data) // the zeros a TCP segment stands for
		}
	}
	if !cut {
		t.Error("no packet says the claimed lengths were cut")
	}
	// Recorded bytes (16) plus at most the bound, plus the UDP datagrams, each cut to one IP
	// packet (which is no more than the bound allows in all).
	if shown > 16+limit+8*65535 {
		t.Errorf("the capture stands for %d payload bytes, past the bound of %d", shown, limit)
	}

	// The default bound, measured: writing the forged run allocates a small multiple of the
	// packets it writes, never the gigabytes claimed.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := Write(io.Discard, run, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("writing the forged run allocated %.1f MiB", float64(grew)/(1<<20))
	if grew > 64<<20 {
		t.Errorf("writing a forged run of %d bytes allocated %d MiB", 16, grew>>20)
	}
}
