package pcapng

import (
	"encoding/binary"
	"net/netip"
)

// TCP header flags.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
)

const (
	protoTCP = 6
	protoUDP = 17

	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd

	windowScale = 7      // both ends offer it in their SYN, so window 0xffff means 8 MiB
	window      = 0xffff // the window every segment advertises
)

// packet is one synthesised packet before it becomes bytes.
type packet struct {
	src, dst netip.AddrPort
	udp      bool
	seq, ack uint32
	flags    byte
	syn      bool   // carries the SYN options (MSS, window scale)
	mss      uint16 // for the MSS option
	payload  []byte // the recorded bytes of the payload
	size     int    // the payload's whole length; bytes past payload were not recorded: zeros
	ts       int64  // microseconds since the Unix epoch
	comment  string
}

// frame renders p as an Ethernet frame up to the end of the recorded payload, and returns
// the whole frame's length as well. The bytes not recorded are zeros: they add nothing to a
// checksum, so they are never made.
func (p *packet) frame(ipID uint16) (frame []byte, wireLen int) {
	v6 := p.src.Addr().Is6()
	size := max(p.size, len(p.payload))
	var l4 []byte
	if p.udp {
		l4 = make([]byte, 8, 8+len(p.payload))
		binary.BigEndian.PutUint16(l4[0:], p.src.Port())
		binary.BigEndian.PutUint16(l4[2:], p.dst.Port())
		binary.BigEndian.PutUint16(l4[4:], uint16(8+size))
	} else {
		hlen := 20
		if p.syn {
			hlen += 8 // MSS (4), NOP (1), window scale (3)
		}
		l4 = make([]byte, hlen, hlen+len(p.payload))
		binary.BigEndian.PutUint16(l4[0:], p.src.Port())
		binary.BigEndian.PutUint16(l4[2:], p.dst.Port())
		binary.BigEndian.PutUint32(l4[4:], p.seq)
		binary.BigEndian.PutUint32(l4[8:], p.ack)
		l4[12] = byte(hlen/4) << 4
		l4[13] = p.flags
		win := uint16(window)
		if p.flags&flagRST != 0 {
			win = 0
		}
		binary.BigEndian.PutUint16(l4[14:], win)
		if p.syn {
			copy(l4[20:], []byte{2, 4, byte(p.mss >> 8), byte(p.mss), 1, 3, 3, windowScale})
		}
	}
	l4len := len(l4) + size // with the zeros
	l4 = append(l4, p.payload...)
	proto := byte(protoTCP)
	if p.udp {
		proto = protoUDP
	}
	sum := pseudoSum(p.src.Addr(), p.dst.Addr(), proto, l4len)
	ck := fold(add(l4, sum))
	if p.udp {
		if ck == 0 {
			ck = 0xffff // zero would mean "no checksum"
		}
		binary.BigEndian.PutUint16(l4[6:], ck)
	} else {
		binary.BigEndian.PutUint16(l4[16:], ck)
	}

	var ip []byte
	if v6 {
		ip = make([]byte, 40)
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:], uint16(l4len))
		ip[6] = proto
		ip[7] = 64
		s, d := p.src.Addr().As16(), p.dst.Addr().As16()
		copy(ip[8:], s[:])
		copy(ip[24:], d[:])
	} else {
		ip = make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+l4len))
		binary.BigEndian.PutUint16(ip[4:], ipID)
		ip[6] = 0x40 // don't fragment
		ip[8] = 64
		ip[9] = proto
		s, d := p.src.Addr().As4(), p.dst.Addr().As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		binary.BigEndian.PutUint16(ip[10:], fold(add(ip, 0)))
	}

	frame = make([]byte, 0, 14+len(ip)+len(l4))
	dm, sm := mac(p.dst.Addr()), mac(p.src.Addr())
	frame = append(frame, dm[:]...)
	frame = append(frame, sm[:]...)
	ether := uint16(etherIPv4)
	if v6 {
		ether = etherIPv6
	}
	frame = binary.BigEndian.AppendUint16(frame, ether)
	frame = append(frame, ip...)
	frame = append(frame, l4...)
	return frame, 14 + len(ip) + l4len
}

// mac makes a locally administered MAC address from the last four bytes of an IP address,
// so that each host keeps one MAC throughout the file.
func mac(a netip.Addr) [6]byte {
	b := a.As16()
	return [6]byte{0x02, 0x00, b[12], b[13], b[14], b[15]}
}

// pseudoSum is the checksum of the pseudo-header that TCP and UDP checksums cover.
func pseudoSum(src, dst netip.Addr, proto byte, length int) uint32 {
	var s uint32
	if src.Is4() {
		a, b := src.As4(), dst.As4()
		s = add(a[:], s)
		s = add(b[:], s)
	} else {
		a, b := src.As16(), dst.As16()
		s = add(a[:], s)
		s = add(b[:], s)
		s += uint32(length >> 16)
	}
	s += uint32(proto)
	s += uint32(length & 0xffff)
	return s
}

// add adds b to a running one's-complement sum, as 16-bit big-endian words.
func add(b []byte, s uint32) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return s
}

// fold finishes a checksum.
func fold(s uint32) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
