package pcapng_test

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"socketlab/event"
	"socketlab/pcapng"
)

// The page keeps a run's events as JSON; the export turns them into a capture file.
func ExampleWrite() {
	run := `[
		{"t": 0.4, "stream": 1, "kind": "dial", "addr": "time.lab:37", "remote": "10.10.0.37:37"},
		{"t": 0.6, "stream": 1, "kind": "connected", "local": "10.10.1.2:41000", "remote": "10.10.0.37:37", "micros": 150},
		{"t": 0.9, "stream": 1, "kind": "recv", "n": 4, "data": "6Yr4cA=="},
		{"t": 1.0, "stream": 1, "kind": "fin-recv"},
		{"t": 1.2, "stream": 1, "kind": "close"}
	]`
	var events []event.Event
	if err := json.Unmarshal([]byte(run), &events); err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.CreateTemp("", "run-*.pcapng")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	start := time.Date(2024, 2, 29, 12, 34, 56, 0, time.UTC)
	if err := pcapng.Write(f, events, &pcapng.Options{Start: start}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written; open it with wireshark or tshark -r")
	// Output:
	// written; open it with wireshark or tshark -r
}
