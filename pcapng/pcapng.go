// Package pcapng writes a socketlab run as a pcapng capture file that Wireshark and tshark
// open: the run's socket events become the Ethernet, IPv4 or IPv6, TCP and UDP packets a
// capture on the wire would have shown.
//
// Write is the entry point. The packets are synthesised, not captured: a connect becomes a
// three-way handshake, each send or receive becomes data segments of at most MSS bytes with
// consistent sequence and acknowledgement numbers and an ACK from the other side, a
// half-close becomes FIN and ACK, a reset becomes RST, a refused connect becomes SYN and
// RST, and each datagram becomes one UDP packet. Checksums are correct. Timestamps come from
// the events; within one event the packets share its time.
//
// The file has one section header, one interface (link type Ethernet), a name resolution
// block with the run's lookups (so that 10.10.0.80 shows as web.lab), and one enhanced
// packet block per packet. Payload bytes that the run did not record (an event with N
// larger than its Data) are left out of the capture; the packet's original length still
// counts them, as a capture with a short snap length would.
//
// What the gateway did not see cannot be shown: retransmissions, window changes and
// delayed ACKs are not invented, and packet timing inside one event is not known.
package pcapng

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"socketlab/event"
)

// Options adjust Write. A nil *Options means all defaults.
type Options struct {
	// Start is the wall-clock time at which the run started; event times count from it.
	// Defaults to the Unix epoch, so that the same events always give the same file.
	Start time.Time

	// MSS is the most payload one TCP segment carries. Defaults to 1460 over IPv4 and
	// 1440 over IPv6, what Ethernet's 1500-byte frames allow.
	MSS int

	// Learner is the learner's host address, used where no event gives the local end of
	// a socket. Defaults to the first local address any event gives, else 10.10.1.1.
	Learner netip.Addr

	// MaxUnrecorded bounds the payload bytes the file stands for without having them: the
	// sum over all events of N beyond the bytes of Data. An event's N is only a claim (a
	// capture posted to the gateway is anyone's), and each such byte costs packets and time
	// to write, so past this total an event counts only its recorded bytes and says so in a
	// comment. Defaults to DefaultMaxUnrecorded; negative means no bound.
	MaxUnrecorded int64
}

// DefaultMaxUnrecorded is Options.MaxUnrecorded's default: 64 MiB, some 46,000 TCP segments.
const DefaultMaxUnrecorded = 64 << 20

// Write writes events as a pcapng file to w. Events must be in the order they happened.
// Events it cannot place (an unknown kind, bytes on a stream that was never opened with
// a usable address) still give packets where an address can be made up: see Options.
// Lookups, listeners, dropped datagrams and failed lookups give no packets, but an answer
// names its addresses in the file. The only errors are w's.
func Write(w io.Writer, events []event.Event, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	x := &writer{
		w:       bufio.NewWriterSize(w, 64<<10),
		start:   opts.Start,
		mss:     opts.MSS,
		learner: opts.Learner.Unmap(),
		flows:   make(map[uint32]*flow),
		active:  make(map[[2]netip.AddrPort]*flow),
		names:   make(map[string]netip.Addr),
		port:    49152,
		unrec:   opts.MaxUnrecorded,
	}
	if x.unrec == 0 {
		x.unrec = DefaultMaxUnrecorded
	}
	x.maxUnrec = x.unrec
	if x.start.IsZero() {
		x.start = time.Unix(0, 0)
	}
	x.prepare(events)
	lost := lostSent(events)
	x.header()
	for i := range events {
		if x.err != nil {
			break
		}
		if lost[i] {
			continue // the lab's loss fault dropped this datagram: it never reached the wire
		}
		x.event(&events[i])
	}
	if x.err != nil {
		return x.err
	}
	if err := x.w.Flush(); err != nil {
		return fmt.Errorf("pcapng: write: %w", err)
	}
	return nil
}

// writer turns events into blocks.
type writer struct {
	w        *bufio.Writer
	err      error
	start    time.Time
	mss      int
	learner  netip.Addr
	flows    map[uint32]*flow
	active   map[[2]netip.AddrPort]*flow // open TCP connections by local, remote address
	names    map[string]netip.Addr       // lab names from lookups -> their first address
	records  []nameRecord                // for the name resolution block
	port     uint16                      // next made-up local port
	ipID     uint16
	last     int64 // the latest timestamp written, in microseconds
	unrec    int64 // unrecorded payload bytes still allowed; negative: no bound
	maxUnrec int64
}

type nameRecord struct {
	addr netip.Addr
	name string
}

// flow is one stream: a TCP connection or a UDP socket.
type flow struct {
	id          uint32
	udp         bool
	local       netip.AddrPort
	remote      netip.AddrPort
	addr        string // what was dialed, for comments
	dialT       float64
	dialed      bool
	localClient bool      // the learner's end opened the connection
	open        bool      // the handshake is written
	done        bool      // reset, or closed with nothing more to show
	mirror      bool      // the other end of a connection already shown: skipped
	next        [2]uint32 // next sequence number of the local (0) and remote (1) end
	fin         [2]bool
}

const (
	local  = 0
	remote = 1
)

// lostSent finds the sendto events whose datagrams the lab's loss fault dropped: for each
// drop that says so, the latest sendto before it on its socket with the same bytes.
func lostSent(events []event.Event) map[int]bool {
	var lost map[int]bool
	for i, e := range events {
		if e.Kind != event.Drop || e.Fault != event.FaultLossSent {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			s := &events[j]
			if s.Kind == event.SendTo && s.Stream == e.Stream && s.N == e.N && bytes.Equal(s.Data, e.Data) && !lost[j] {
				if lost == nil {
					lost = map[int]bool{}
				}
				lost[j] = true
				break
			}
		}
	}
	return lost
}

// prepare reads the events once ahead: which streams are UDP, the lookups' answers, and the
// learner's address.
func (x *writer) prepare(events []event.Event) {
	seen := map[netip.Addr]bool{}
	for _, e := range events {
		f := x.flow(e.Stream)
		switch e.Kind {
		case event.Bind, event.SendTo, event.RecvFrom:
			f.udp = true
		case event.Answer:
			host := e.Addr
			if h, _, ok := splitHostPort(e.Addr); ok {
				host = h
			}
			for _, s := range e.Addrs {
				a, err := netip.ParseAddr(s)
				if err != nil {
					continue
				}
				a = a.Unmap()
				if _, ok := x.names[host]; !ok {
					x.names[host] = a
				}
				if !seen[a] && host != "" && len(host) < 256 {
					seen[a] = true
					x.records = append(x.records, nameRecord{a, host})
				}
			}
		}
		if !x.learner.IsValid() {
			if ap, ok := parseAddrPort(e.Local); ok && !ap.Addr().IsUnspecified() {
				x.learner = ap.Addr()
			}
		}
	}
	if !x.learner.IsValid() {
		x.learner = netip.AddrFrom4([4]byte{10, 10, 1, 1})
	}
}

func (x *writer) flow(id uint32) *flow {
	f, ok := x.flows[id]
	if !ok {
		f = &flow{id: id, localClient: true}
		x.flows[id] = f
	}
	return f
}

// event writes the packets for one event.
func (x *writer) event(e *event.Event) {
	f := x.flows[e.Stream]
	if f.mirror {
		return
	}
	ts := x.stamp(e.T)
	switch e.Kind {
	case event.Dial:
		f.dialed, f.dialT, f.addr, f.localClient = true, e.T, e.Addr, true
		x.setAddrs(f, e)
	case event.Bind:
		x.setAddrs(f, e)
	case event.Connected:
		x.connected(f, e, ts)
	case event.Accept:
		f.localClient = false
		x.setAddrs(f, e)
		if !f.udp && !f.open {
			x.handshake(f, ts, ts)
		}
	case event.Send, event.SendTo:
		x.payload(f, e, local, ts)
	case event.Recv, event.RecvFrom:
		x.payload(f, e, remote, ts)
	case event.FinSent:
		x.fin(f, e, local, ts)
	case event.FinRecv:
		x.fin(f, e, remote, ts)
	case event.Close:
		if f.udp || f.done || !f.open {
			return
		}
		x.finish(f, local, ts)
		f.done = f.fin[remote]
	case event.Reset:
		x.reset(f, e, remote, ts)
	case event.ResetSent:
		x.reset(f, e, local, ts)
	case event.Error:
		x.failed(f, e, ts)
	}
}

// connected writes the handshake of a connect, from the dial's time (or Micros before) to
// the event's.
func (x *writer) connected(f *flow, e *event.Event, ts int64) {
	x.setAddrs(f, e)
	if f.udp || f.open {
		return
	}
	synTS := ts - int64(e.Micros)
	if f.dialed {
		synTS = x.stamp(f.dialT)
	}
	x.handshake(f, max(min(synTS, ts), x.startMicros()), ts)
}

// payload writes a send or a receive, from the local or the remote end: a datagram, or
// data segments on a connection (opened first if the run did not show its opening).
func (x *writer) payload(f *flow, e *event.Event, from int, ts int64) {
	if f.udp {
		x.datagram(f, e, from, ts)
		return
	}
	if f.done || !x.ensureOpen(f, e, ts) {
		return
	}
	x.data(f, from, x.payloadOf(e), ts)
}

// fin writes a half-close from the local or the remote end.
func (x *writer) fin(f *flow, e *event.Event, from int, ts int64) {
	if f.udp || f.done || !x.ensureOpen(f, e, ts) {
		return
	}
	x.finish(f, from, ts)
}

// reset writes a reset from the local or the remote end.
func (x *writer) reset(f *flow, e *event.Event, from int, ts int64) {
	if f.udp || f.done || !f.open {
		return
	}
	comment := "reset"
	if e.Error != "" {
		comment += ": " + e.Error
	}
	x.segment(f, from, flagRST|flagACK, nil, 0, ts, comment)
	f.done = true
}

// failed writes what a failed connect put on the wire: a SYN answered by a reset when it
// was refused, a SYN alone when it timed out.
func (x *writer) failed(f *flow, e *event.Event, ts int64) {
	if f.udp || f.open || !f.dialed || f.done {
		return
	}
	x.setAddrs(f, e)
	x.place(f, e, false)
	switch e.Code {
	case "connection refused":
		// The SYN went out and the peer's host answered with a reset.
		x.syn(f, x.stamp(f.dialT), "dial "+f.addr)
		x.write(&packet{src: f.remote, dst: f.local, seq: 0, ack: f.next[local], flags: flagRST | flagACK, ts: ts,
			comment: "connection refused: " + e.Error})
	case "connection timed out", "i/o timeout":
		x.syn(f, x.stamp(f.dialT), "dial "+f.addr+": no answer")
	}
	f.done = true
}

// setAddrs takes the addresses an event gives.
func (x *writer) setAddrs(f *flow, e *event.Event) {
	if ap, ok := parseAddrPort(e.Local); ok && !f.open {
		f.local = ap
	}
	if ap, ok := parseAddrPort(e.Remote); ok && (!f.open || f.udp) {
		f.remote = ap
	}
}

// fillAddrs makes up what is still missing: the learner's host and a fresh port for the
// local end, and for the remote end what the dialed name resolved to in the run, or else
// an address from the documentation range 192.0.2.0/24.
func (x *writer) fillAddrs(f *flow, e *event.Event) {
	if !f.local.IsValid() || f.local.Addr().IsUnspecified() {
		port := f.local.Port()
		if port == 0 {
			port = x.freePort()
		}
		f.local = netip.AddrPortFrom(x.learner, port)
	}
	if !f.remote.IsValid() {
		f.remote = x.resolve(e.Addr, f.addr)
	}
	// Both ends in one family: IPv4 addresses talking with IPv6 ones become IPv4-mapped.
	l, r := f.local.Addr(), f.remote.Addr()
	if l.Is4() != r.Is4() {
		if l.Is4() {
			f.local = netip.AddrPortFrom(netip.AddrFrom16(l.As16()), f.local.Port())
		} else {
			f.remote = netip.AddrPortFrom(netip.AddrFrom16(r.As16()), f.remote.Port())
		}
	}
}

// freePort hands out made-up local ports from the ephemeral range.
func (x *writer) freePort() uint16 {
	p := x.port
	x.port++
	if x.port == 0 {
		x.port = 49152
	}
	return p
}

// resolve turns "web.lab:80" into an address, using the run's own lookups.
func (x *writer) resolve(addrs ...string) netip.AddrPort {
	for _, s := range addrs {
		host, portStr, ok := splitHostPort(s)
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			continue
		}
		if a, err := netip.ParseAddr(host); err == nil {
			return netip.AddrPortFrom(a.Unmap(), uint16(port))
		}
		if a, ok := x.names[host]; ok {
			return netip.AddrPortFrom(a, uint16(port))
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), uint16(port))
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 9)
}

// ensureOpen writes a handshake for a TCP stream whose connect the events did not show.
// It reports whether the stream's packets are to be written (it is not a mirror).
func (x *writer) ensureOpen(f *flow, e *event.Event, ts int64) bool {
	if !f.open {
		if f.addr == "" {
			f.addr = e.Addr
		}
		x.setAddrs(f, e)
		x.handshake(f, ts, ts)
	}
	return !f.mirror
}

// handshake writes SYN, SYN-ACK and ACK: the SYN at synTS, the rest at ts.
func (x *writer) handshake(f *flow, synTS, ts int64) {
	f.open = true
	if f.mirror = x.place(f, &event.Event{Addr: f.addr}, true); f.mirror {
		return
	}
	c, s := local, remote
	if !f.localClient {
		c, s = remote, local
	}
	comment := ""
	switch {
	case !f.localClient:
		comment = "accepted by the learner's listener"
	case f.dialed && f.addr != "":
		comment = "dial " + f.addr
	}
	x.synFrom(f, c, synTS, comment)
	isn := f.isn(s)
	x.write(&packet{src: f.end(s), dst: f.end(c), seq: isn, ack: f.next[c], flags: flagSYN | flagACK, syn: true, mss: uint16(x.mssFor(f)), ts: ts})
	f.next[s] = isn + 1
	x.write(&packet{src: f.end(c), dst: f.end(s), seq: f.next[c], ack: f.next[s], flags: flagACK, ts: ts})
}

// place settles a TCP stream's addresses before its first packet. A program that connects
// to its own listener records both ends of one connection: place reports the second end
// as a mirror, to be shown once, when mirrors are allowed. Two open connections cannot
// share both addresses, nor can one run from an address to itself: a stream that would
// gets a made-up local port.
func (x *writer) place(f *flow, e *event.Event, mirrors bool) (mirror bool) {
	x.fillAddrs(f, e)
	busy := func(a, b netip.AddrPort) bool {
		other := x.active[[2]netip.AddrPort{a, b}]
		return other != nil && other != f && !other.done
	}
	if mirrors && busy(f.remote, f.local) {
		return true
	}
	for f.local == f.remote || busy(f.local, f.remote) || busy(f.remote, f.local) {
		f.local = netip.AddrPortFrom(f.local.Addr(), x.freePort())
	}
	x.active[[2]netip.AddrPort{f.local, f.remote}] = f
	return false
}

// syn writes the learner's SYN for a connect that did not complete.
func (x *writer) syn(f *flow, ts int64, comment string) {
	x.synFrom(f, local, ts, comment)
}

func (x *writer) synFrom(f *flow, from int, ts int64, comment string) {
	isn := f.isn(from)
	x.write(&packet{src: f.end(from), dst: f.end(1 - from), seq: isn, flags: flagSYN, syn: true, mss: uint16(x.mssFor(f)), ts: ts, comment: comment})
	f.next[from] = isn + 1
}

// data writes payload from one end as segments of at most MSS bytes, each acknowledged.
// Only the recorded bytes are held: a segment past them is zeros made as it is written.
func (x *writer) data(f *flow, from int, p payload, ts int64) {
	mss := x.mssFor(f)
	comment := p.comment
	for off, sent := 0, 0; off < p.n && x.err == nil; sent++ {
		n := min(mss, p.n-off)
		flags := byte(flagACK)
		if off+n == p.n {
			flags |= flagPSH
		}
		rec := p.b[min(off, len(p.b)):min(off+n, len(p.b))]
		x.segment(f, from, flags, rec, n, ts, comment)
		comment = ""
		off += n
		if sent%64 == 63 || off == p.n {
			x.segment(f, 1-from, flagACK, nil, 0, ts, "")
		}
	}
}

// finish writes a FIN from one end, unless it sent one already, and the other end's ACK.
func (x *writer) finish(f *flow, from int, ts int64) {
	if f.fin[from] {
		return
	}
	x.segment(f, from, flagFIN|flagACK, nil, 0, ts, "")
	f.fin[from] = true
	x.segment(f, 1-from, flagACK, nil, 0, ts, "")
}

// segment writes one TCP segment of size payload bytes, of which b were recorded, from one
// end and advances its sequence number.
func (x *writer) segment(f *flow, from int, flags byte, b []byte, size int, ts int64, comment string) {
	x.write(&packet{src: f.end(from), dst: f.end(1 - from), seq: f.next[from], ack: f.next[1-from], flags: flags,
		payload: b, size: size, ts: ts, comment: comment})
	f.next[from] += uint32(size)
	if flags&(flagSYN|flagFIN) != 0 {
		f.next[from]++
	}
}

// datagram writes one UDP packet.
func (x *writer) datagram(f *flow, e *event.Event, from int, ts int64) {
	x.setAddrs(f, e)
	if _, ok := parseAddrPort(e.Remote); !ok && !f.remote.IsValid() && e.Addr != "" {
		f.remote = x.resolve(e.Addr)
	}
	x.fillAddrs(f, e)
	p := x.payloadOf(e)
	limit := 65535 - 8 - 20
	if f.local.Addr().Is6() {
		limit = 65535 - 8
	}
	if p.n > limit {
		p.comment = fmt.Sprintf("datagram of %d bytes cut to the %d that fit in one IP packet", p.n, limit)
		p.b, p.n = p.b[:min(len(p.b), limit)], limit
	}
	x.write(&packet{src: f.end(from), dst: f.end(1 - from), udp: true, payload: p.b, size: p.n, ts: ts, comment: p.comment})
}

// payload is an event's bytes: b those recorded, n the whole length, which is more where the
// run recorded only the start (the rest is written as zeros and left out of the capture).
type payload struct {
	b       []byte
	n       int
	comment string
}

// payloadOf takes an event's length from the bytes it carries, and believes an N beyond them
// only as far as the bound on unrecorded bytes still allows.
func (x *writer) payloadOf(e *event.Event) payload {
	p := payload{b: e.Data, n: len(e.Data)}
	if e.N <= len(e.Data) {
		return p
	}
	extra := int64(e.N - len(e.Data))
	if x.unrec >= 0 {
		if extra > x.unrec {
			p.n += int(x.unrec)
			p.comment = fmt.Sprintf("the run claims %d bytes, %d recorded; this capture stands for at most %d bytes that were not recorded in all, and shows %d",
				e.N, len(e.Data), x.maxUnrec, p.n)
			x.unrec = 0
			return p
		}
		x.unrec -= extra
	}
	p.n = e.N
	p.comment = fmt.Sprintf("only the first %d of these %d bytes were recorded", len(e.Data), e.N)
	return p
}

func (f *flow) end(side int) netip.AddrPort {
	if side == local {
		return f.local
	}
	return f.remote
}

// isn is a made-up initial sequence number, fixed for a stream and end.
func (f *flow) isn(side int) uint32 {
	h := fnv.New32a()
	var b [5]byte
	binary.BigEndian.PutUint32(b[:], f.id)
	b[4] = byte(side)
	h.Write(b[:])
	return h.Sum32()
}

func (x *writer) mssFor(f *flow) int {
	if x.mss > 0 {
		return min(x.mss, 65535-60-40)
	}
	if f.local.Addr().Is6() {
		return 1440
	}
	return 1460
}

func (x *writer) startMicros() int64 { return x.start.UnixMicro() }

// stamp turns an event time into microseconds since the Unix epoch, never going back.
func (x *writer) stamp(ms float64) int64 {
	us := x.startMicros()
	if !math.IsNaN(ms) && ms > 0 {
		us += int64(math.Round(min(ms, 1e15) * 1000))
	}
	return max(us, x.last, 0)
}

// splitHostPort splits "host:port" and "[host]:port".
func splitHostPort(s string) (host, port string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	host, port = s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return "", "", false
	}
	return host, port, true
}

// parseAddrPort reads "host:port" with a literal address.
func parseAddrPort(s string) (netip.AddrPort, bool) {
	if s == "" {
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}

// Block types and options of pcapng.
const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockNRB = 0x00000004
	blockEPB = 0x00000006

	byteOrderMagic = 0x1A2B3C4D
	linkEthernet   = 1

	optEnd         = 0
	optComment     = 1
	optShbUserAppl = 4
	optIfName      = 2
	optIfDesc      = 3
	optIfTsresol   = 9

	nrbEnd  = 0
	nrbIPv4 = 1
	nrbIPv6 = 2
)

var le = binary.LittleEndian

// header writes the section header, the interface and the names.
func (x *writer) header() {
	body := le.AppendUint32(nil, byteOrderMagic)
	body = le.AppendUint16(body, 1) // version 1.0
	body = le.AppendUint16(body, 0)
	body = le.AppendUint64(body, math.MaxUint64) // section length not given
	body = option(body, optShbUserAppl, []byte("socketlab"))
	body = option(body, optComment, []byte("packets synthesised from the socket events of a socketlab run"))
	body = endOptions(body)
	x.block(blockSHB, body)

	body = le.AppendUint16(nil, linkEthernet)
	body = le.AppendUint16(body, 0)
	body = le.AppendUint32(body, 0) // no snap length limit
	body = option(body, optIfName, []byte("lab"))
	body = option(body, optIfDesc, []byte("the socketlab lab network"))
	body = option(body, optIfTsresol, []byte{6}) // microseconds
	body = endOptions(body)
	x.block(blockIDB, body)

	if len(x.records) == 0 {
		return
	}
	body = nil
	for _, r := range x.records {
		var v []byte
		typ := uint16(nrbIPv4)
		if r.addr.Is4() {
			a := r.addr.As4()
			v = append(v, a[:]...)
		} else {
			typ = nrbIPv6
			a := r.addr.As16()
			v = append(v, a[:]...)
		}
		v = append(v, r.name...)
		v = append(v, 0)
		body = option(body, typ, v)
	}
	body = le.AppendUint32(body, nrbEnd) // type 0, length 0
	x.block(blockNRB, body)
}

// write writes one packet as an enhanced packet block.
func (x *writer) write(p *packet) {
	if x.err != nil {
		return
	}
	x.ipID++
	frame, wireLen := p.frame(x.ipID)
	ts := max(p.ts, x.last)
	x.last = ts
	body := le.AppendUint32(nil, 0) // interface 0
	body = le.AppendUint32(body, uint32(uint64(ts)>>32))
	body = le.AppendUint32(body, uint32(ts))
	body = le.AppendUint32(body, uint32(len(frame)))
	body = le.AppendUint32(body, uint32(wireLen))
	body = append(body, frame...)
	body = pad(body)
	if p.comment != "" {
		body = option(body, optComment, []byte(p.comment))
		body = endOptions(body)
	}
	x.block(blockEPB, body)
}

// block writes a block: type, total length, body, total length again.
func (x *writer) block(typ uint32, body []byte) {
	if x.err != nil {
		return
	}
	n := uint32(12 + len(body))
	var hdr [8]byte
	le.PutUint32(hdr[0:], typ)
	le.PutUint32(hdr[4:], n)
	x.w.Write(hdr[:])
	x.w.Write(body)
	_, err := x.w.Write(le.AppendUint32(nil, n))
	if err != nil {
		x.err = fmt.Errorf("pcapng: write: %w", err)
	}
}

// option appends an option (or a name record, which has the same shape), padded to 4 bytes.
func option(b []byte, code uint16, v []byte) []byte {
	if len(v) > math.MaxUint16-4 {
		v = v[:math.MaxUint16-4]
	}
	b = le.AppendUint16(b, code)
	b = le.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	return pad(b)
}

func endOptions(b []byte) []byte { return le.AppendUint32(b, optEnd) }

func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
