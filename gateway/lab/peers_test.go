package lab

import (
	"bufio"
	"net"
	"regexp"
	"testing"
	"time"
)

// TestPeers: the servers name a registered peer (a relayed program) by its lab address and
// give it lab addresses; anyone else gets real ones.
func TestPeers(t *testing.T) {
	n := startLab(t, nil)
	var p *Peers
	if _, ok := p.LabAddrOf(&net.TCPAddr{}); ok {
		t.Error("a nil table knows a peer")
	}

	for _, peer := range []bool{true, false} {
		var c net.Conn
		if peer {
			c = dialPeer(t, n, "count.lab", 51423, "10.10.1.5:40000")
		} else {
			c = dialLab(t, n, "tcp", "count.lab", 51423)
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		want := regexp.MustCompile(`^Welcome, 127\.0\.0\.1:\d+\r\n$`)
		if peer {
			want = regexp.MustCompile(`^Welcome, 10\.10\.1\.5:40000\r\n$`)
		}
		if !want.MatchString(line) {
			t.Errorf("peer %v: count.lab says %q", peer, line)
		}
	}

	for _, peer := range []bool{true, false} {
		f := dialFTP(t, n)
		if peer {
			n.Peers().Register(f.c.LocalAddr().String(), "10.10.1.5:40001")
		}
		f.login("anonymous", "")
		_, msg := f.cmd(227, "PASV")
		n.Peers().Unregister(f.c.LocalAddr().String())
		want := regexp.MustCompile(`^Entering Passive Mode \(127,0,0,1,\d+,\d+\)$`)
		if peer {
			want = regexp.MustCompile(`^Entering Passive Mode \(10,10,0,21,\d+,\d+\)$`)
		}
		if !want.MatchString(msg) {
			t.Errorf("peer %v: PASV says %q", peer, msg)
		}
	}
}

// dialPeer connects to a lab TCP server as a relayed program does: the connection is in
// Peers under labAddr before the server can accept it (servers that greet at once look it
// up then), and leaves it when the test ends.
func dialPeer(t testing.TB, n *Network, host string, port int, labAddr string) net.Conn {
	t.Helper()
	listen, _, ok := n.Resolve("tcp", host, port)
	if !ok {
		t.Fatalf("no %s:%d", host, port)
	}
	for try := 0; ; try++ {
		probe, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		local := probe.Addr().(*net.TCPAddr)
		probe.Close()
		n.Peers().Register(local.String(), labAddr)
		d := net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", listen)
		if err != nil {
			n.Peers().Unregister(local.String())
			if try < 5 {
				continue // the port was taken meanwhile
			}
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		t.Cleanup(func() {
			c.Close()
			n.Peers().Unregister(local.String())
		})
		return c
	}
}
