package lab

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// defaultPerPeer is Options.MaxConnsPerPeer's default.
const defaultPerPeer = 256

// peerKey names who a connection to a lab server comes from, for the cap per peer: a relayed
// program's lab host address (its learner), or the real remote host of anyone else. Every
// client on the gateway host shares one key, 127.0.0.1.
func (n *Network) peerKey(remote net.Addr) string {
	if own, ok := n.peers.LabAddrOf(remote); ok {
		if host, _, err := net.SplitHostPort(own); err == nil {
			return host
		}
		return own
	}
	if host, _, err := net.SplitHostPort(remote.String()); err == nil {
		return host
	}
	return remote.String()
}

// capListener holds every peer of one lab server to a number of open connections: one more
// is told why in the server's protocol and closed, so a burst of connections from one place
// neither takes the gateway's descriptors nor waits out the idle time.
type capListener struct {
	net.Listener
	n       *Network
	name    string // the lab host, for the refusal and the log
	max     int
	refusal func(key string, open int) string

	mu   sync.Mutex
	open map[string]int
}

func (n *Network) capPeers(ln net.Listener, name string) net.Listener {
	if n.perPeer <= 0 {
		return ln
	}
	return &capListener{Listener: ln, n: n, name: name, max: n.perPeer, open: map[string]int{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := l.n.peerKey(c.RemoteAddr())
		l.mu.Lock()
		open := l.open[key]
		full := open >= l.max
		if !full {
			l.open[key]++
		}
		l.mu.Unlock()
		if full {
			if l.n.logRate.Allow(l.name + " " + key + " cap") {
				l.n.log.Warn("a peer has as many connections open as a lab server allows one peer; refusing more (logged once a minute)", "service", l.name, "peer", key, "open", open)
			}
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write([]byte(peerRefusal(l.name, open)))
			c.Close()
			continue
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return &peerConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		return &peerTCPConn{TCPConn: tc, release: sync.OnceFunc(func() { l.release(key) })}, nil
	}
}

func (l *capListener) release(key string) {
	l.mu.Lock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
	l.mu.Unlock()
}

// peerRefusal is what a peer over the cap reads, in the words of the server's protocol.
func peerRefusal(name string, open int) string {
	why := fmt.Sprintf("you have %d connections open to %s, the lab's limit per client: close some and try again", open, name)
	switch name {
	case "ftp.lab":
		return "421 " + why + "\r\n"
	case "web.lab":
		return fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n", len(why)+1, why)
	}
	return why + "\r\n"
}

// peerTCPConn is an accepted connection that gives its place back when closed. It keeps
// *net.TCPConn's methods (CloseWrite, SetLinger) for the servers that use them.
type peerTCPConn struct {
	*net.TCPConn
	release func()
}

func (c *peerTCPConn) Close() error {
	c.release()
	return c.TCPConn.Close()
}

type peerConn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *peerConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
