package relay

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"socketlab/wire"
)

// firstEphemeral is where lab ports chosen for port 0 start, as on Linux.
const firstEphemeral = 32768

// bind reserves a lab port of the learner for a new listener (ports is l.tcp) or UDP socket
// (l.udp): it checks the local address the program asked for, counts the socket against the
// learner's limits, picks a free port for port 0, opens the real socket with open and records
// it. It returns the lab port and the address the program should see for its socket, with a
// decision for the learner's own socket, or a refusal.
func bind[T any](s *session, m wire.ConnectMsg, ports map[int]T, listening bool, open func(port int) (T, error)) (int, string, decision) {
	verb := "bind to"
	if listening {
		verb = "listen on"
	}
	host, port, err := splitPort(m.Local)
	if err != nil {
		return 0, "", refuse(wire.CodeInvalid, err.Error())
	}
	if host != "" && host != "localhost" {
		ip, err := netip.ParseAddr(host)
		if err != nil || !(ip.IsUnspecified() || ip.Unmap().IsLoopback() || ip.Unmap() == s.learner.addr) {
			return 0, "", refuse(wire.CodeAddrNotAvail, fmt.Sprintf("cannot %s %s: it is not an address of your machine in the lab (use \"\", 127.0.0.1 or %s)", verb, host, s.learner.addr))
		}
	}
	if port != 0 && port < 1024 {
		return 0, "", refuse(wire.CodeDenied, fmt.Sprintf("port %d is privileged: on Linux only root may %s a port below 1024; pick one above 1024, such as %d", port, verb, 8000+port))
	}
	if err := s.relay.take(s.owner(), listening); err != nil {
		return 0, "", refuse(wire.CodeLimit, err.Error())
	}

	l := s.learner
	l.mu.Lock()
	defer l.mu.Unlock()
	fail := func(d decision) (int, string, decision) {
		l.releaseSocketLocked(listening)
		s.relay.releaseClient(s.client, listening)
		return 0, "", d
	}
	if port == 0 {
		for p := firstEphemeral; p < 61000; p++ {
			if _, taken := ports[p]; !taken {
				port = p
				break
			}
		}
	}
	if _, taken := ports[port]; taken {
		return fail(refuse(wire.CodeAddrInUse, fmt.Sprintf("port %d is already in use by another of your programs", port)))
	}
	obj, err := open(port)
	if err != nil {
		return fail(refuse(wire.CodeLimit, "the gateway could not open a socket for you: "+err.Error()))
	}
	ports[port] = obj
	switch host {
	case "":
		host = "::"
		if m.Network == "tcp4" || m.Network == "udp4" {
			host = "0.0.0.0"
		}
	case "localhost":
		host = "127.0.0.1"
	}
	shown := net.JoinHostPort(host, strconv.Itoa(port))
	return port, shown, to(ownSocket, shown)
}
