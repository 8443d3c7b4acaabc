package lab_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

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

// The gateway mounts Handler to publish the lab's services as /labs.json.
func ExampleNetwork_Handler() {
	n, err := lab.Start(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/labs.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var services []lab.Service
	if err := json.NewDecoder(resp.Body).Decode(&services); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range services {
		if s.Port == 21 || s.Port == 70 || s.Port == 80 {
			fmt.Println(s.Name, s.Proto, s.Port, s.Addr)
		}
	}
	// Output:
	// ftp.lab tcp 21 10.10.0.21
	// gopher.lab tcp 70 10.10.0.70
	// web.lab tcp 80 10.10.0.80
}
