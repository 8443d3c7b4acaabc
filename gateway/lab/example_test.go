package lab_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"socketlab/gateway/lab"
)

// The relay's view: resolve what the learner dialed, then dial the real address.
func Example() {
	n, err := lab.Start(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	addrs, _ := n.LookupHost("time.lab")
	fmt.Println("time.lab is", addrs[0])

	listen, known, ok := n.Resolve("tcp", "10.10.0.37", 37)
	fmt.Println("known:", known, "ok:", ok)
	c, err := net.Dial("tcp", listen)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	b, _ := io.ReadAll(c)
	fmt.Println(len(b), "bytes; 1900 or later:", lab.TimeFromValue(binary.BigEndian.Uint32(b)).Year() >= 1900)

	if _, known, ok := n.Resolve("tcp", "time.lab", 38); known && !ok {
		fmt.Println("connection refused:", n.RefusedReason("tcp", "time.lab", 38))
	}
	// Output:
	// time.lab is 10.10.0.37
	// known: true ok: true
	// 4 bytes; 1900 or later: true
	// connection refused: nothing is listening on time.lab port 38/tcp (time.lab serves 37/tcp, 37/udp)
}
