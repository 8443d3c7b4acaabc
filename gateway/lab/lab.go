// Package lab runs the lab network: small real servers on the gateway's loopback and the
// table that maps lab names ("time.lab") and stable lab addresses (10.10.0.37) to them.
//
// Start launches every lab server on 127.0.0.1 and returns a Network: echo, discard,
// daytime and time over TCP and UDP, chat and count, web.lab (HTTP: a small site and the
// httpbin API), ftp.lab (FTP with anonymous and student logins) and gopher.lab (Gopher
// menus and texts). The relay asks the Network where a learner's dial really goes (Resolve)
// and what a lab name stands for (LookupHost); the index page lists Services, and Handler
// serves the same list as /labs.json. More servers plug in with Add or AddPacket. The relay
// records its connections in Peers, so that the servers can tell a learner's program from a
// client on the gateway host.
//
// Every server limits what one connection may cost: a line length, an idle time and, for
// echo and FTP uploads, a byte count (see Options). Hitting a limit closes that connection
// only. Text servers end their lines with CRLF and accept lines ending in LF or CRLF.
//
// ftp.lab's passive data ports are the one thing not in the table: they open and close with
// each transfer. Resolve knows them too, so that a learner who dials the address and port
// named in a PASV reply reaches the data connection (see Options.PassiveHost).
//
// Close stops every server, closes their connections and waits until they have ended.
package lab

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"socketlab/internal/lograte"
)

// Subnet is the lab's virtual network. Every lab host has one stable address in it.
var Subnet = netip.MustParsePrefix("10.10.0.0/24")

// Host is one named machine on the lab network.
type Host struct {
	Name string     // "time.lab"
	Addr netip.Addr // 10.10.0.37
}

// hostTable lists the lab hosts, including the ones whose servers live in other packages.
// The last byte of each address is the host's best-known port where that fits, so that
// 10.10.0.37 reads as "the time host".
var hostTable = []Host{
	{"echo.lab", netip.AddrFrom4([4]byte{10, 10, 0, 7})},
	{"discard.lab", netip.AddrFrom4([4]byte{10, 10, 0, 9})},
	{"daytime.lab", netip.AddrFrom4([4]byte{10, 10, 0, 13})},
	{"ftp.lab", netip.AddrFrom4([4]byte{10, 10, 0, 21})},
	{"time.lab", netip.AddrFrom4([4]byte{10, 10, 0, 37})},
	{"chat.lab", netip.AddrFrom4([4]byte{10, 10, 0, 50})},
	{"count.lab", netip.AddrFrom4([4]byte{10, 10, 0, 51})},
	{"gopher.lab", netip.AddrFrom4([4]byte{10, 10, 0, 70})},
	{"web.lab", netip.AddrFrom4([4]byte{10, 10, 0, 80})},
}

// Service is one lab server on one protocol.
type Service struct {
	Name   string     `json:"name"`   // "time.lab"
	Proto  string     `json:"proto"`  // "tcp" or "udp"
	Port   int        `json:"port"`   // the lab port learners dial: 37
	Addr   netip.Addr `json:"addr"`   // the host's stable lab address: 10.10.0.37
	Listen string     `json:"listen"` // where it really listens on the gateway host: "127.0.0.1:41237"
	About  string     `json:"about"`  // one line for the index page
}

// Options configure Start. A nil *Options means all defaults.
type Options struct {
	// PortBase, when non-zero, pins every server to a fixed real port: see PortFor.
	// It must lie in 1024..63536 so that the whole layout fits. Defaults to 0, which
	// means ephemeral ports chosen by the system.
	PortBase int

	// Now returns the current time for daytime and time. Defaults to time.Now.
	Now func() time.Time

	// Logger receives one record per notable event (a limit hit, an accept error), with the
	// service and the client as attributes. Defaults to discarding them.
	Logger *slog.Logger

	// IdleTimeout closes a connection that has neither sent nor accepted a byte for
	// this long. Defaults to 30 s.
	IdleTimeout time.Duration

	// MaxLine is the longest line, line ending included, that chat and count accept
	// before they close the connection. Defaults to 4096 bytes.
	MaxLine int

	// MaxEchoBytes is how many bytes one echo connection may have echoed before it is
	// closed. Defaults to 64 MiB.
	MaxEchoBytes int64

	// ClientName says how count.lab names a client in its welcome line, given the real
	// remote address of the connection. Defaults to the program's lab address for a peer
	// (see Peers) and addr.String() for anyone else.
	ClientName func(addr net.Addr) string

	// PassiveHost gives the IPv4 address that ftp.lab puts in its PASV replies, given the
	// real remote address of the control connection. The data port in the reply is a real
	// loopback port, and Resolve answers for it under ftp.lab while it is open. Defaults to
	// ftp.lab's lab address (10.10.0.21) for a peer (see Peers), which the relay routes, and
	// "127.0.0.1" for a client on the gateway host (curl, a textbook script).
	PassiveHost func(client net.Addr) string

	// GopherHost gives the host and port that gopher.lab names in its menus for its own
	// items, given the real remote address of the client. Defaults to gopher.lab and 70,
	// which is what a learner program dials, for a peer (see Peers), and to the real
	// address gopher.lab listens on for a client on the gateway host.
	GopherHost func(client net.Addr) (host string, port int)

	// MaxUploadBytes is how much one ftp.lab session may store. Defaults to 1 MiB.
	MaxUploadBytes int64

	// MaxConnsPerPeer is how many connections one peer may hold open to each lab TCP server:
	// a relayed program's learner (by lab address) or a host on which clients run directly
	// (every client on the gateway host is one peer, 127.0.0.1). One more is told why and
	// closed. Defaults to 256 (a learner's sockets, --max-sockets); negative means no limit.
	MaxConnsPerPeer int
}

const (
	defaultIdle    = 30 * time.Second
	defaultMaxLine = 4 << 10
	defaultMaxEcho = 64 << 20
	defaultUpload  = 1 << 20
	// maxLinger bounds how long a server keeps reading (and dropping) after it has said
	// its last word, so that the client sees a clean end of stream rather than a reset.
	maxLinger = 2 * time.Second
)

// PortFor returns the real port that lab port gets when servers are pinned to base:
// base+port for lab ports below 1000 (time 37 -> base+37), and base+1000+port%1000 for the
// rest (chat 5000 -> base+1000, count 51423 -> base+1423). The layout spans base..base+1999.
func PortFor(base, port int) int {
	if port < 1000 {
		return base + port
	}
	return base + 1000 + port%1000
}

// Server is a TCP service that the Network runs on a listener it opens. Serve returns once
// the listener is closed; Close stops the service and closes its connections.
// *http.Server satisfies it, and so does *ConnServer.
type Server interface {
	Serve(l net.Listener) error
	Close() error
}

// Network is the running lab network. Its methods are safe for concurrent use.
type Network struct {
	base       int
	now        func() time.Time
	log        *slog.Logger
	logRate    lograte.Limiter // note: one line a minute per client address and event
	idle       time.Duration
	maxLine    int
	maxEcho    int64
	clientName func(net.Addr) string
	pasvHost   func(net.Addr) string
	gopherHost func(net.Addr) (string, int)
	maxUpload  int64
	perPeer    int
	peers      Peers

	ftp *ftpServer // for the passive ports Resolve answers; nil until Start adds it
	web *webServer // for tests that wait on its connections

	mu       sync.RWMutex
	hosts    map[string]netip.Addr // name -> address
	names    map[netip.Addr]string // address -> name
	services map[serviceKey]*entry
	ports    map[string]string // "tcp/41237" -> the service using that real port
	closed   bool

	wg sync.WaitGroup // one per Serve goroutine
}

type serviceKey struct {
	name  string
	proto string
	port  int
}

type entry struct {
	svc   Service
	close func() error
}

// Start starts every lab server on 127.0.0.1 and returns the running Network.
// On error nothing is left running.
func Start(opts *Options) (*Network, error) {
	if opts == nil {
		opts = &Options{}
	}
	if opts.PortBase != 0 && (opts.PortBase < 1024 || opts.PortBase > 65535-1999) {
		return nil, fmt.Errorf("lab: PortBase %d is out of range: use 0 for ephemeral ports, or a base in 1024..%d so that base+1999 is still a port", opts.PortBase, 65535-1999)
	}
	n := &Network{
		base:       opts.PortBase,
		now:        opts.Now,
		log:        opts.Logger,
		idle:       opts.IdleTimeout,
		maxLine:    opts.MaxLine,
		maxEcho:    opts.MaxEchoBytes,
		clientName: opts.ClientName,
		pasvHost:   opts.PassiveHost,
		gopherHost: opts.GopherHost,
		maxUpload:  opts.MaxUploadBytes,
		perPeer:    opts.MaxConnsPerPeer,
		hosts:      make(map[string]netip.Addr),
		names:      make(map[netip.Addr]string),
		services:   make(map[serviceKey]*entry),
		ports:      make(map[string]string),
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.idle <= 0 {
		n.idle = defaultIdle
	}
	if n.maxLine <= 0 {
		n.maxLine = defaultMaxLine
	}
	if n.maxEcho <= 0 {
		n.maxEcho = defaultMaxEcho
	}
	if n.clientName == nil {
		n.clientName = n.defaultClientName
	}
	if n.pasvHost == nil {
		n.pasvHost = n.defaultPassiveHost
	}
	if n.gopherHost == nil {
		n.gopherHost = n.defaultGopherHost
	}
	if n.maxUpload <= 0 {
		n.maxUpload = defaultUpload
	}
	if n.perPeer == 0 {
		n.perPeer = defaultPerPeer
	}
	for _, h := range hostTable {
		n.hosts[h.Name] = h.Addr
		n.names[h.Addr] = h.Name
	}

	type builtin struct {
		name  string
		port  int
		about string
		tcp   func(net.Conn)
		udp   func(net.PacketConn)
	}
	for _, b := range []builtin{
		{"echo.lab", 7, "RFC 862 echo: every byte sent comes back", n.serveEcho, n.echoPackets},
		{"discard.lab", 9, "RFC 863 discard: takes everything, answers nothing", n.serveDiscard, n.discardPackets},
		{"daytime.lab", 13, "RFC 867 daytime: one readable date line, then close", n.serveDaytime, n.daytimePackets},
		{"time.lab", 37, "RFC 868 time: 4 bytes, seconds since 1900", n.serveTime, n.timePackets},
		{"chat.lab", 5000, "chat partner: answers each line, bye to leave", n.serveChat, nil},
		{"count.lab", 51423, "welcome and character count: send one line, get its length", n.serveCount, nil},
	} {
		s := Service{Name: b.name, Port: b.port, About: b.about}
		if err := n.Add(s, NewConnServer(b.tcp, n.log.With("service", b.name))); err != nil {
			n.Close()
			return nil, err
		}
		if b.udp != nil {
			if err := n.AddPacket(s, b.udp); err != nil {
				n.Close()
				return nil, err
			}
		}
	}

	ftp, err := n.newFTPServer()
	if err != nil {
		n.Close()
		return nil, err
	}
	n.ftp = ftp
	n.web = n.newWebServer()
	for _, s := range []struct {
		svc Service
		srv Server
	}{
		{Service{Name: "ftp.lab", Port: 21, About: "FTP: anonymous (read-only) or student/socketlab, passive mode"}, ftp},
		{Service{Name: "gopher.lab", Port: 70, About: "Gopher (RFC 1436): menus and short texts"}, NewConnServer(n.serveGopher, n.log.With("service", "gopher.lab"))},
		{Service{Name: "web.lab", Port: 80, About: "HTTP: a small site and the httpbin API (/get, /post, /status/418 ...)"}, n.web},
	} {
		if err := n.Add(s.svc, s.srv); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// Add registers a TCP service and starts it: the Network opens the listener (on the port
// PortFor gives under PortBase, or an ephemeral one), fills in s.Addr and s.Listen, and runs
// srv.Serve on it until Close. s.Proto must be "tcp" or empty.
//
// s.Name is a lab host. A name not yet in the table becomes a new host when s.Addr is a
// free address in Subnet.
func (n *Network) Add(s Service, srv Server) error {
	if s.Proto == "" {
		s.Proto = "tcp"
	}
	if s.Proto != "tcp" {
		return fmt.Errorf("lab: Add %s port %d: protocol %q: Add takes TCP services; use AddPacket for UDP", s.Name, s.Port, s.Proto)
	}
	return n.add(s, func(addr string) (string, func() error, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return "", nil, err
		}
		n.wg.Go(func() {
			err := srv.Serve(n.capPeers(ln, s.Name))
			if err != nil && !isClosed(err) {
				n.log.Error("service stopped", "service", s.Name, "proto", "tcp", "port", s.Port, "err", err)
			}
		})
		return ln.Addr().String(), func() error {
			err := srv.Close()
			ln.Close() // in case srv does not own it
			return err
		}, nil
	})
}

// AddPacket registers a UDP service and starts it: the Network opens the socket, fills in
// s.Addr and s.Listen, and runs serve on it. Close closes the socket, which must make serve
// return; Close waits for that. s.Proto must be "udp" or empty.
func (n *Network) AddPacket(s Service, serve func(pc net.PacketConn)) error {
	if s.Proto == "" {
		s.Proto = "udp"
	}
	if s.Proto != "udp" {
		return fmt.Errorf("lab: AddPacket %s port %d: protocol %q: AddPacket takes UDP services; use Add for TCP", s.Name, s.Port, s.Proto)
	}
	return n.add(s, func(addr string) (string, func() error, error) {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return "", nil, err
		}
		n.wg.Go(func() { serve(pc) })
		return pc.LocalAddr().String(), pc.Close, nil
	})
}

// add checks s against the table, opens its socket through listen and records it.
func (n *Network) add(s Service, listen func(addr string) (string, func() error, error)) error {
	s.Name = normalizeName(s.Name)
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("lab: %s: port %d is not a port (1..65535)", s.Name, s.Port)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return fmt.Errorf("lab: cannot add %s %s/%d: the network is closed", s.Name, s.Proto, s.Port)
	}
	addr, known := n.hosts[s.Name]
	switch {
	case known && s.Addr.IsValid() && s.Addr != addr:
		return fmt.Errorf("lab: %s has the lab address %v, not %v: leave Addr empty to use the table", s.Name, addr, s.Addr)
	case !known && !strings.HasSuffix(s.Name, ".lab"):
		return fmt.Errorf("lab: %q is not a lab name: lab hosts are named NAME.lab", s.Name)
	case !known && (!s.Addr.IsValid() || !Subnet.Contains(s.Addr.Unmap())):
		return fmt.Errorf("lab: %s is a new host and needs an address in %v (got %v)", s.Name, Subnet, s.Addr)
	case !known && n.names[s.Addr.Unmap()] != "":
		return fmt.Errorf("lab: %s cannot take %v: that address belongs to %s", s.Name, s.Addr, n.names[s.Addr.Unmap()])
	case !known:
		addr = s.Addr.Unmap()
	}
	s.Addr = addr
	key := serviceKey{s.Name, s.Proto, s.Port}
	if _, dup := n.services[key]; dup {
		return fmt.Errorf("lab: %s already has a service on %s/%d", s.Name, s.Proto, s.Port)
	}

	hostAddr := "127.0.0.1:0"
	if n.base != 0 {
		real := PortFor(n.base, s.Port)
		if real > 65535 {
			return fmt.Errorf("lab: %s %s/%d would listen on port %d, beyond 65535: choose a lower PortBase", s.Name, s.Proto, s.Port, real)
		}
		if other, taken := n.ports[s.Proto+"/"+strconv.Itoa(real)]; taken {
			return fmt.Errorf("lab: %s %s/%d and %s both map to real port %d under PortBase %d: give one of them another lab port", s.Name, s.Proto, s.Port, other, real, n.base)
		}
		hostAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(real))
	}
	listenAddr, closeFn, err := listen(hostAddr)
	if err != nil {
		hint := "is another gateway running? try another PortBase, or 0 for ephemeral ports"
		if n.base == 0 {
			hint = "is loopback available on this machine?"
		}
		return fmt.Errorf("lab: start %s %s/%d: %w (%s)", s.Name, s.Proto, s.Port, err, hint)
	}
	s.Listen = listenAddr
	n.services[key] = &entry{svc: s, close: closeFn}
	if _, port, err := net.SplitHostPort(listenAddr); err == nil {
		n.ports[s.Proto+"/"+port] = fmt.Sprintf("%s %s/%d", s.Name, s.Proto, s.Port)
	}
	if !known {
		n.hosts[s.Name] = addr
		n.names[addr] = s.Name
	}
	return nil
}

// Services lists the running services ordered by host address, then port, then protocol.
func (n *Network) Services() []Service {
	n.mu.RLock()
	out := make([]Service, 0, len(n.services))
	for _, e := range n.services {
		out = append(out, e.svc)
	}
	n.mu.RUnlock()
	slices.SortFunc(out, func(a, b Service) int {
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(a.Proto, b.Proto)
	})
	return out
}

// Hosts lists every lab host, with or without a running server, ordered by address.
func (n *Network) Hosts() []Host {
	n.mu.RLock()
	out := make([]Host, 0, len(n.hosts))
	for name, addr := range n.hosts {
		out = append(out, Host{name, addr})
	}
	n.mu.RUnlock()
	slices.SortFunc(out, func(a, b Host) int { return a.Addr.Compare(b.Addr) })
	return out
}

// Resolve maps a lab host and port to the real address a server listens on. host is a lab
// name, matched without regard to case and with or without a trailing dot ("Time.LAB."),
// or a stable lab address ("10.10.0.37", also bracketed or IPv4-mapped). proto is "tcp" or
// "udp" ("tcp4", "udp6" and the like count as their family).
//
// known reports whether host is a lab host at all; when it is not, the caller decides by
// its own rules. ok is false when host is a lab host but nothing serves that port and
// protocol: the caller should report "connection refused" (see RefusedReason).
func (n *Network) Resolve(proto, host string, port int) (listen string, known, ok bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	name, known := n.hostName(host)
	if !known {
		return "", false, false
	}
	e, ok := n.services[serviceKey{name, baseProto(proto), port}]
	if !ok {
		if name == "ftp.lab" && baseProto(proto) == "tcp" && n.ftp != nil && n.ftp.passiveOpen(port) {
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), true, true
		}
		return "", true, false
	}
	return e.svc.Listen, true, true
}

// LookupHost returns the stable address of a lab name (case and a trailing dot do not
// matter). ok is false for anything that is not a lab name, including address literals.
func (n *Network) LookupHost(name string) (addrs []netip.Addr, ok bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	addr, ok := n.hosts[normalizeName(name)]
	if !ok {
		return nil, false
	}
	return []netip.Addr{addr}, true
}

// LookupAddr returns the lab name of a stable lab address, for showing who a peer is.
func (n *Network) LookupAddr(addr netip.Addr) (name string, ok bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	name, ok = n.names[addr.Unmap()]
	return name, ok
}

// RefusedReason explains to a learner why a dial to a lab host was refused, naming the ports
// the host does serve: "nothing is listening on time.lab port 38/tcp (time.lab serves
// 37/tcp, 37/udp)". It returns "" when host is not a lab host.
func (n *Network) RefusedReason(proto, host string, port int) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	name, known := n.hostName(host)
	if !known {
		return ""
	}
	var ports []Service
	for _, e := range n.services {
		if e.svc.Name == name {
			ports = append(ports, e.svc)
		}
	}
	msg := fmt.Sprintf("nothing is listening on %s port %d/%s", name, port, baseProto(proto))
	if len(ports) == 0 {
		return msg + " (" + name + " has no server running in this lab yet)"
	}
	slices.SortFunc(ports, func(a, b Service) int {
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(a.Proto, b.Proto)
	})
	list := make([]string, len(ports))
	for i, s := range ports {
		list[i] = fmt.Sprintf("%d/%s", s.Port, s.Proto)
	}
	return msg + " (" + name + " serves " + strings.Join(list, ", ") + ")"
}

// Close stops every server, closes their connections and waits for all of their goroutines
// to return. Calling it again does nothing.
func (n *Network) Close() error {
	n.mu.Lock()
	wasClosed := n.closed
	n.closed = true
	entries := make([]*entry, 0, len(n.services))
	for _, e := range n.services {
		entries = append(entries, e)
	}
	n.mu.Unlock()
	var errs []error
	if !wasClosed {
		for _, e := range entries {
			if err := e.close(); err != nil && !isClosed(err) {
				errs = append(errs, fmt.Errorf("lab: close %s %s/%d: %w", e.svc.Name, e.svc.Proto, e.svc.Port, err))
			}
		}
	}
	n.wg.Wait()
	return errors.Join(errs...)
}

// hostName turns a name or stable address into the table's name. n.mu must be held.
func (n *Network) hostName(host string) (string, bool) {
	name := normalizeName(host)
	if _, ok := n.hosts[name]; ok {
		return name, true
	}
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return "", false
	}
	name, ok := n.names[addr.Unmap()]
	return name, ok
}

func normalizeName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

func baseProto(proto string) string {
	p := strings.ToLower(proto)
	if strings.HasSuffix(p, "4") || strings.HasSuffix(p, "6") {
		p = p[:len(p)-1]
	}
	return p
}

// isClosed reports whether err only says that the socket or server was closed on purpose.
func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, ErrServerClosed) || errors.Is(err, http.ErrServerClosed)
}
