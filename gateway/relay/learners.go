package relay

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sync"

	"golang.org/x/time/rate"
)

// learner is one person at the lab. Every program they run (each cell, each tab) shares their
// lab address and their listeners: a server in one cell is "localhost" to the others.
type learner struct {
	id   string
	addr netip.Addr

	rate    *rate.Limiter // bytes per second, both directions
	lookups *rate.Limiter // name lookups per second

	mu        sync.Mutex
	tcp       map[int]*listener // lab port → the listener on it
	udp       map[int]*udpSock  // lab port → the UDP socket bound to it
	sockets   int               // open connections, listeners and UDP sockets
	listeners int
	running   map[*session]struct{} // the learner's programs connected now
}

// takeSocket counts a new socket against the learner's limit (0: none); listener says whether
// it is a listening socket, which has a limit of its own.
func (l *learner) takeSocket(lim Limits, listener bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim.SocketsPerLearner > 0 && l.sockets >= lim.SocketsPerLearner {
		return fmt.Errorf("you have %d sockets open, the lab's limit (--max-sockets): close the ones you are done with (defer conn.Close()) and try again", l.sockets)
	}
	if listener && lim.ListenersPerLearner > 0 && l.listeners >= lim.ListenersPerLearner {
		return fmt.Errorf("you have %d listening sockets open, the lab's limit (--max-listeners): stop a server first", l.listeners)
	}
	l.sockets++
	if listener {
		l.listeners++
	}
	return nil
}

func (l *learner) releaseSocket(listener bool) {
	l.mu.Lock()
	l.releaseSocketLocked(listener)
	l.mu.Unlock()
}

func (l *learner) releaseSocketLocked(listener bool) {
	l.sockets--
	if listener {
		l.listeners--
	}
}

// learners is the gateway's table of learners, by id.
type learners struct {
	mu   sync.Mutex
	byID map[string]*learnerRef
}

type learnerRef struct {
	l        *learner
	sessions int
}

// validLearnerID accepts the ids pages make: 8 to 64 letters, digits, '-' and '_'.
func validLearnerID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// join returns the learner for id (a fresh anonymous one when id is not valid) and counts a
// session; leave undoes it.
func (ls *learners) join(id string, lim Limits) *learner {
	if !validLearnerID(id) {
		var b [12]byte
		rand.Read(b[:])
		id = "anon-" + hex.EncodeToString(b[:])
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.byID == nil {
		ls.byID = map[string]*learnerRef{}
	}
	r := ls.byID[id]
	if r == nil {
		r = &learnerRef{l: &learner{
			id:      id,
			addr:    learnerAddr(id),
			rate:    newLimiter(float64(lim.BytesPerSecond), float64(max(lim.BytesPerSecond/4, 256<<10))),
			lookups: newLimiter(lim.LookupsPerSecond, 2*lim.LookupsPerSecond),
			tcp:     map[int]*listener{},
			udp:     map[int]*udpSock{},
		}}
		ls.byID[id] = r
	}
	r.sessions++
	return r.l
}

// byAddr finds the learner with a lab address, if any of their programs is connected.
func (ls *learners) byAddr(a netip.Addr) *learner {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, r := range ls.byID {
		if r.l.addr == a {
			return r.l
		}
	}
	return nil
}

// end ends every program of the learner with id, and says how many there were.
func (ls *learners) end(id string) int {
	ls.mu.Lock()
	r := ls.byID[id]
	ls.mu.Unlock()
	if r == nil {
		return 0
	}
	r.l.mu.Lock()
	var ss []*session
	for s := range r.l.running {
		ss = append(ss, s)
	}
	r.l.mu.Unlock()
	for _, s := range ss {
		s.cancel()
	}
	return len(ss)
}

// count is how many programs the learner with id has connected.
func (ls *learners) count(id string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if r := ls.byID[id]; r != nil {
		return r.sessions
	}
	return 0
}

func (ls *learners) leave(l *learner) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if r := ls.byID[l.id]; r != nil {
		if r.sessions--; r.sessions <= 0 {
			delete(ls.byID, l.id)
		}
	}
}

// learnerAddr gives a learner a stable address in 10.10.1.0 – 10.10.254.255, derived from
// their id so it survives reloads.
func learnerAddr(id string) netip.Addr {
	sum := sha256.Sum256([]byte(id))
	n := binary.BigEndian.Uint32(sum[:4]) % (254 * 253)
	return netip.AddrFrom4([4]byte{10, 10, byte(1 + n/253), byte(2 + n%253)})
}
