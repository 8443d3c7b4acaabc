package relay

import (
	"net"
	"strconv"
	"testing"
	"time"

	"socketlab/wire"
)

// TestUDPServerAnswersHostClient: a learner's UDP server answers a client on the gateway host
// (a real UDP socket here) at the address the datagram came from, which the program sees as
// 127.0.0.1:PORT; before, that answer went to the learner's own loopback and was refused.
// The learner's own sockets keep their loopback names, and an address nobody sent from is
// still refused.
func TestUDPServerAnswersHostClient(t *testing.T) {
	g := startGateway(t, Limits{}, nil)
	rc, _ := g.session(t, "127.0.0.1", "learner-udp-host", "")
	rc.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindUDP, Network: "udp", Local: ":8037"}.Append(nil))
	f := rc.RecvFor(1)
	var bound wire.ConnectedMsg
	if f.Type != wire.Connected || bound.Unmarshal(f.Payload) != nil || bound.Host == "" {
		t.Fatalf("binding :8037: %v %q", f.Type, f.Payload)
	}

	host, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	server, _ := net.ResolveUDPAddr("udp", bound.Host)
	if _, err := host.WriteToUDP([]byte("what time is it?"), server); err != nil {
		t.Fatal(err)
	}
	f = rc.RecvFor(1)
	var got wire.DatagramMsg
	if f.Type != wire.Datagram || got.Unmarshal(f.Payload) != nil {
		t.Fatalf("the server's socket got %v %q", f.Type, f.Payload)
	}
	if got.Addr != host.LocalAddr().String() || string(got.Data) != "what time is it?" {
		t.Fatalf("the server got %q from %s, want the question from %s", got.Data, got.Addr, host.LocalAddr())
	}

	// The answer goes where the question came from.
	rc.Send(wire.Datagram, 1, wire.DatagramMsg{Addr: got.Addr, Data: []byte("noon")}.Append(nil))
	host.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 100)
	n, from, err := host.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("the host client got no answer: %v", err)
	}
	if string(buf[:n]) != "noon" || from.String() != bound.Host {
		t.Errorf("the host client got %q from %s, want \"noon\" from %s", buf[:n], from, bound.Host)
	}

	// Another host port that never sent anything is not reachable that way.
	other, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rc.Send(wire.Datagram, 1, wire.DatagramMsg{Addr: other.LocalAddr().String(), Data: []byte("hello?")}.Append(nil))
	if f := rc.RecvFor(1); f.Type != wire.Error {
		t.Errorf("a datagram to a host port that sent nothing: %v, want an ERROR frame", f.Type)
	}
	other.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, _, err := other.ReadFromUDP(buf); err == nil {
		t.Errorf("a host port that sent nothing received %q", buf[:n])
	}

	// The learner's own socket, named 127.0.0.1:PORT too, still goes to the learner's.
	rc.Send(wire.Connect, 3, wire.ConnectMsg{Kind: wire.KindUDP, Network: "udp"}.Append(nil))
	if f := rc.RecvFor(3); f.Type != wire.Connected {
		t.Fatalf("a second UDP socket: %v", f.Type)
	}
	rc.Send(wire.Datagram, 3, wire.DatagramMsg{Addr: "127.0.0.1:8037", Data: []byte("own")}.Append(nil))
	f = rc.RecvFor(1)
	if f.Type != wire.Datagram || got.Unmarshal(f.Payload) != nil || string(got.Data) != "own" {
		t.Fatalf("the learner's own datagram: %v %q", f.Type, f.Payload)
	}
	if h, _, _ := net.SplitHostPort(got.Addr); h != "127.0.0.1" || got.Addr == bound.Host {
		t.Errorf("the learner's own socket is seen as %s", got.Addr)
	}
}

// TestUDPHeardPeersForgotten: the host senders a socket may answer are forgotten heardFor
// after their last datagram, and a socket keeps at most heardMost, the oldest going first.
func TestUDPHeardPeersForgotten(t *testing.T) {
	u := &udpSock{}
	t0 := time.Now()
	u.heardFrom("127.0.0.1:40000", t0)
	if u.heardPeer("127.0.0.1:40000", t0.Add(heardFor-time.Second)) == nil {
		t.Fatal("a sender heard a moment ago is forgotten")
	}
	if u.heardPeer("127.0.0.1:40000", t0.Add(heardFor)) != nil {
		t.Fatal("a sender is still answered after heardFor")
	}
	if len(u.heard) != 0 {
		t.Errorf("%d senders kept after the last one expired", len(u.heard))
	}
	for i := range heardMost + 10 {
		u.heardFrom("127.0.0.1:"+strconv.Itoa(41000+i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	if len(u.heard) != heardMost {
		t.Errorf("the socket keeps %d senders, want at most %d", len(u.heard), heardMost)
	}
	now := t0.Add(time.Second)
	if u.heardPeer("127.0.0.1:41000", now) != nil || u.heardPeer("127.0.0.1:"+strconv.Itoa(41000+heardMost+9), now) == nil {
		t.Error("the oldest senders should go first")
	}
}
