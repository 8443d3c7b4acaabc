package pcapng

import (
	"slices"
	"testing"

	"socketlab/event"
)

// TestLabFaults: bytes the lab split into segments are a packet each, and a datagram the lab
// dropped is no packet at all, whichever way it went.
func TestLabFaults(t *testing.T) {
	seg := event.FaultSegment + "=1"
	c := writeRun(t, []event.Event{
		{T: 1, Stream: 1, Kind: "connected", Local: "10.10.1.2:41000", Remote: "10.10.0.37:37"},
		{T: 2, Stream: 1, Kind: "send", N: 1, Data: []byte("h"), Fault: seg},
		{T: 3, Stream: 1, Kind: "send", N: 1, Data: []byte("i"), Fault: seg},
		{T: 4, Stream: 1, Kind: "recv", N: 1, Data: []byte{0xe9}, Fault: seg},
		{T: 5, Stream: 1, Kind: "recv", N: 1, Data: []byte{0x8a}, Fault: seg},
		{T: 6, Stream: 1, Kind: "recv", N: 1, Data: []byte{0xf8}, Fault: seg},
		{T: 7, Stream: 3, Kind: "bind", Local: "10.10.1.2:50000", Remote: "10.10.0.7:7"},
		{T: 8, Stream: 3, Kind: "sendto", Remote: "10.10.0.7:7", N: 1, Data: []byte("q")},
		{T: 9, Stream: 3, Kind: "sendto", Remote: "10.10.0.7:7", N: 1, Data: []byte("q")},
		{T: 10, Stream: 3, Kind: "drop", Remote: "10.10.0.7:7", N: 1, Data: []byte("q"), Fault: event.FaultLossSent},
		{T: 11, Stream: 3, Kind: "sendto", Remote: "10.10.0.7:7", N: 1, Data: []byte("r")},
		{T: 12, Stream: 3, Kind: "drop", Remote: "10.10.0.7:7", N: 1, Data: []byte("r"), Fault: event.FaultLoss},
		{T: 13, Stream: 3, Kind: "recvfrom", Remote: "10.10.0.7:7", N: 1, Data: []byte("q")},
	}, &Options{Start: runStart})
	streams, datagrams, err := checkSequences(c)
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	for _, p := range c.packets {
		if d := p.decoded; !d.udp && len(d.payload) > 0 {
			data = append(data, d.payload)
		}
	}
	if len(data) != 5 {
		t.Errorf("%d TCP packets with data, want 5: one per segment", len(data))
	}
	for _, b := range data {
		if len(b) != 1 {
			t.Errorf("a packet of %d bytes %q, want the 1-byte segments apart", len(b), b)
		}
	}
	if len(streams) == 0 {
		t.Error("no TCP stream in the capture")
	}
	var got []string
	for _, d := range datagrams {
		got = append(got, string(d.decoded.payload))
	}
	// The first "q" went out, the second was dropped on its way; "r" went out and its echo
	// was dropped on the way back (no packet for that); the echo of "q" came back.
	if want := []string{"q", "r", "q"}; !slices.Equal(got, want) {
		t.Errorf("datagrams %q, want %q", got, want)
	}
	if want := runStart.UnixMicro() + 8000; len(datagrams) > 0 && datagrams[0].ts != want {
		t.Errorf("the first datagram is at %d µs, want %d: the sendto that was not dropped", datagrams[0].ts, want)
	}
}
