// UDP: boundaries kept, a short buffer truncates, the peer address is reported.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	echo, err := net.ResolveUDPAddr("udp", os.Args[1])
	if err != nil {
		panic(err)
	}
	pc, err := net.ListenPacket("udp", ":0")
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 64)
	for _, m := range []string{"first", "second datagram"} {
		pc.WriteTo([]byte(m), echo)
	}
	for range 2 {
		n, from, err := pc.ReadFrom(buf)
		fmt.Printf("%q from echo: %v %v\n", buf[:n], from.String() == echo.String(), err)
	}
	pc.WriteTo([]byte("0123456789"), echo)
	pc.WriteTo([]byte("next"), echo)
	small := make([]byte, 4)
	for range 2 {
		n, _, err := pc.ReadFrom(small)
		fmt.Printf("%q %v\n", small[:n], err)
	}
	_, ok := pc.(*net.UDPConn)
	fmt.Println("*net.UDPConn:", ok)
}
