package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// TestPeerCap: one peer that opens connection after connection to a lab server is held to
// the cap per peer, told why, and gets its place back when it closes one; another peer keeps
// connecting meanwhile. (The attack: 3,000 direct connections to lab servers, each kept for
// the idle time.)
func TestPeerCap(t *testing.T) {
	const limit = 8
	n := startLab(t, &Options{MaxConnsPerPeer: limit})
	var held []net.Conn
	for range limit {
		c := dialLab(t, n, "tcp", "echo.lab", 7)
		echoOnce(t, c, "hi")
		held = append(held, c)
	}
	for try := range 3 * limit { // every one more is refused, and says why
		c := dialLab(t, n, "tcp", "echo.lab", 7)
		got, _ := io.ReadAll(c)
		if !strings.Contains(string(got), "the lab's limit per client") {
			t.Fatalf("connection %d over the cap read %q, want the limit in words", limit+try, got)
		}
	}
	// A relayed program is a peer of its own.
	other := dialPeer(t, n, "echo.lab", 7, "10.10.3.4:40000")
	echoOnce(t, other, "mine")
	// Closing one gives the place back.
	held[0].Close()
	for try := 0; ; try++ {
		c := dialLab(t, n, "tcp", "echo.lab", 7)
		fmt.Fprint(c, "again\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if line == "again\n" {
			break
		}
		if try > 100 { // the server sees the close a moment after the client does
			t.Fatalf("after a close, a new connection still reads %q", line)
		}
	}
}

func echoOnce(t *testing.T, c net.Conn, s string) {
	t.Helper()
	fmt.Fprint(c, s+"\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != s+"\n" {
		t.Fatalf("echo read %q, %v", line, err)
	}
}

// TestPeerCapFTP: ftp.lab refuses one more with a 421, as FTP servers do.
func TestPeerCapFTP(t *testing.T) {
	n := startLab(t, &Options{MaxConnsPerPeer: 1})
	dialFTP(t, n)
	c := dialLab(t, n, "tcp", "ftp.lab", 21)
	_, msg, err := textproto.NewConn(c).ReadResponse(421)
	if err != nil || !strings.Contains(msg, "limit") {
		t.Fatalf("second FTP connection: %q, %v; want 421 naming the limit", msg, err)
	}
}

// TestPeersByLabAddress: httpbin's origin and FTP's STAT name a relayed program by its lab
// address, and a client on the gateway host by its real one.
func TestPeersByLabAddress(t *testing.T) {
	n := startLab(t, nil)
	for _, peer := range []bool{true, false} {
		var c net.Conn
		if peer {
			c = dialPeer(t, n, "web.lab", 80, "10.10.1.5:40002")
		} else {
			c = dialLab(t, n, "tcp", "web.lab", 80)
		}
		fmt.Fprint(c, "GET /get HTTP/1.1\r\nHost: web.lab\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Origin string }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		want := "127.0.0.1"
		if peer {
			want = "10.10.1.5"
		}
		if body.Origin != want {
			t.Errorf("peer %v: httpbin origin %q, want %q", peer, body.Origin, want)
		}
	}
	for _, peer := range []bool{true, false} {
		var c net.Conn
		if peer {
			c = dialPeer(t, n, "ftp.lab", 21, "10.10.1.5:40003")
		} else {
			c = dialLab(t, n, "tcp", "ftp.lab", 21)
		}
		tp := textproto.NewConn(c)
		if _, _, err := tp.ReadResponse(220); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			code int
			cmd  string
		}{{331, "USER anonymous"}, {230, "PASS x"}} {
			id, _ := tp.Cmd("%s", step.cmd)
			tp.StartResponse(id)
			_, _, err := tp.ReadResponse(step.code)
			tp.EndResponse(id)
			if err != nil {
				t.Fatal(err)
			}
		}
		id, _ := tp.Cmd("STAT")
		tp.StartResponse(id)
		_, msg, err := tp.ReadResponse(211)
		tp.EndResponse(id)
		if err != nil {
			t.Fatal(err)
		}
		want := "from " + c.LocalAddr().String()
		if peer {
			want = "from 10.10.1.5:40003 "
		}
		if !strings.Contains(msg, want) {
			t.Errorf("peer %v: STAT says %q, want %q", peer, msg, want)
		}
	}
}
