package lab

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
)

// Peers is the lab's table of relayed programs' connections: for each connection the relay
// opens to (or accepts for) a learner's program, the real local address of the gateway's side
// and the program's own lab address ("10.10.37.5:40112"). The relay writes it; the lab servers
// read it, to show a program its own address (count.lab's welcome) and to name lab addresses
// in protocol replies (ftp.lab's PASV, gopher.lab's menus), while a client on the gateway host
// (nc, curl) that is no peer gets real loopback addresses it can use.
//
// The zero value is an empty table. Its methods are safe for concurrent use; on a nil *Peers
// they do nothing and know no one.
type Peers struct {
	m sync.Map // real address → lab address
}

// Register records that the connection whose gateway side is at real (host:port on loopback)
// belongs to the program at labAddr. Register it before the connection can reach a server,
// so that a server that greets at once already knows whose it is.
func (p *Peers) Register(real, labAddr string) {
	if p != nil {
		p.m.Store(real, labAddr)
	}
}

// Unregister forgets the connection at real.
func (p *Peers) Unregister(real string) {
	if p != nil {
		p.m.Delete(real)
	}
}

// LabAddrOf says which program a connection arriving at a lab server belongs to: given the
// connection's real remote address, it returns the program's lab address, or ok false for a
// client that is not a relayed program.
func (p *Peers) LabAddrOf(remote net.Addr) (string, bool) {
	if p == nil || remote == nil {
		return "", false
	}
	v, ok := p.m.Load(remote.String())
	if !ok {
		return "", false
	}
	return v.(string), true
}

// Peers is the network's table of relayed programs' connections.
func (n *Network) Peers() *Peers { return &n.peers }

// hostAddr is the stable lab address of a lab host ("ftp.lab" → 10.10.0.21) as a string.
func (n *Network) hostAddr(name string) string {
	if addrs, ok := n.LookupHost(name); ok && len(addrs) > 0 {
		return addrs[0].String()
	}
	return ""
}

// The lab servers' defaults for Options.ClientName, PassiveHost and GopherHost: lab names
// for peers, real addresses for everyone else.

func (n *Network) defaultClientName(a net.Addr) string {
	if own, ok := n.peers.LabAddrOf(a); ok {
		return own
	}
	return a.String()
}

func (n *Network) defaultPassiveHost(a net.Addr) string {
	if _, ok := n.peers.LabAddrOf(a); ok {
		return n.hostAddr("ftp.lab")
	}
	return "127.0.0.1"
}

func (n *Network) defaultGopherHost(a net.Addr) (string, int) {
	if _, ok := n.peers.LabAddrOf(a); ok {
		return "gopher.lab", 70
	}
	if listen, _, ok := n.Resolve("tcp", "gopher.lab", 70); ok {
		if host, port, err := net.SplitHostPort(listen); err == nil {
			p, _ := strconv.Atoi(port)
			return host, p
		}
	}
	return "gopher.lab", 70
}

// note logs an event on a connection to service at level Info, naming the client and, for a
// relayed program, its learner's lab address; the same event from the same client address at
// most once a minute.
func (n *Network) note(service string, client net.Addr, msg string, args ...any) {
	if !n.log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	who := client.String()
	if host, _, err := net.SplitHostPort(who); err == nil {
		who = host
	}
	if !n.logRate.Allow(service + " " + who + " " + msg) {
		return // said already this minute about this client
	}
	attrs := []any{"service", service, "client", client.String()}
	if learner, ok := n.peers.LabAddrOf(client); ok {
		attrs = append(attrs, "learner", learner)
	}
	n.log.Info(msg, append(attrs, args...)...)
}
