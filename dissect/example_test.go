package dissect_test

import (
	"fmt"

	"socketlab/dissect"
)

// The 4 bytes of an RFC 868 time reply, explained.
func Example() {
	d := dissect.For(37, "tcp")
	for _, m := range d.Feed(dissect.ToClient, []byte{0xe9, 0x8a, 0xf8, 0x70}) {
		fmt.Println(m.Summary)
		for _, n := range m.Notes {
			fmt.Printf("  %s: %s\n", n.Label, n.Detail)
		}
	}
	// Output:
	// time 2024-02-29 12:34:56 UTC
	//   seconds since 1900: e9 8a f8 70 read as one big-endian number: 3918198896
	//   Unix time: 3918198896 - 2208988800 = 1709210096 seconds since 1970
	//   date: 2024-02-29 12:34:56 UTC
}

// Bytes arrive in pieces; a Message comes out when its unit is complete.
func ExampleDissector() {
	d := dissect.For(80, "tcp")
	for _, chunk := range []string{"GET /get HT", "TP/1.1\r\nHost: web.lab\r", "\n\r\n"} {
		for _, m := range d.Feed(dissect.ToServer, []byte(chunk)) {
			fmt.Printf("%v %d+%d %s\n", m.Dir, m.Off, m.Len, m.Summary)
		}
	}
	// Output:
	// to-server 0+36 GET /get HTTP/1.1
}

// The reply to PASV says where the data connection goes; the wire view uses it to tie the
// next connection to this control connection.
func ExampleDataAddress() {
	d := dissect.For(21, "tcp")
	for _, m := range d.Feed(dissect.ToClient, []byte("227 Entering Passive Mode (10,10,0,21,156,64).\r\n")) {
		if addr, ok := dissect.DataAddress(m); ok {
			fmt.Println("data connection to", addr)
		}
	}
	// Output:
	// data connection to 10.10.0.21:40000
}
