package pcapng

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// A small pcapng reader and packet decoder, written apart from the writer, for the tests to
// check what Write produced.

type capture struct {
	names   map[netip.Addr]string
	packets []capPacket
}

type capPacket struct {
	ts       int64 // microseconds
	data     []byte
	origLen  int
	comment  string
	decoded  decoded
	complete bool // all of the frame was captured
}

// decoded is one frame taken apart.
type decoded struct {
	src, dst netip.AddrPort
	udp      bool
	seq, ack uint32
	flags    byte
	mss      int // from a SYN's options, or 0
	wscale   int // from a SYN's options, or -1
	payload  []byte
}

func readCapture(b []byte) (*capture, error) {
	c := &capture{names: map[netip.Addr]string{}}
	var order binary.ByteOrder = binary.LittleEndian
	haveIDB := false
	for first := true; len(b) > 0; first = false {
		if len(b) < 12 {
			return nil, fmt.Errorf("%d bytes left, less than a block", len(b))
		}
		typ := order.Uint32(b)
		if first {
			if typ != blockSHB {
				return nil, fmt.Errorf("first block is %#x, not a section header", typ)
			}
			switch binary.LittleEndian.Uint32(b[8:]) {
			case byteOrderMagic:
			default:
				if binary.BigEndian.Uint32(b[8:]) != byteOrderMagic {
					return nil, errors.New("no byte order magic")
				}
				order = binary.BigEndian
			}
		}
		n := int(order.Uint32(b[4:]))
		if n < 12 || n%4 != 0 || n > len(b) {
			return nil, fmt.Errorf("block %#x has length %d (%d bytes left)", typ, n, len(b))
		}
		if tail := int(order.Uint32(b[n-4:])); tail != n {
			return nil, fmt.Errorf("block %#x: length %d at the start, %d at the end", typ, n, tail)
		}
		body := b[8 : n-4]
		b = b[n:]
		switch typ {
		case blockSHB:
			if len(body) < 16 || order.Uint16(body[4:]) != 1 || order.Uint16(body[6:]) != 0 {
				return nil, errors.New("section header is not version 1.0")
			}
			if _, err := readOptions(body[16:], order); err != nil {
				return nil, fmt.Errorf("section header: %v", err)
			}
		case blockIDB:
			if len(body) < 8 || order.Uint16(body) != linkEthernet {
				return nil, errors.New("interface is not Ethernet")
			}
			if _, err := readOptions(body[8:], order); err != nil {
				return nil, fmt.Errorf("interface: %v", err)
			}
			haveIDB = true
		case blockNRB:
			for {
				if len(body) < 4 {
					return nil, errors.New("name records end without an end record")
				}
				rt, rl := order.Uint16(body), int(order.Uint16(body[2:]))
				if rt == nrbEnd {
					break
				}
				padded := (rl + 3) &^ 3
				if 4+padded > len(body) {
					return nil, errors.New("name record runs past its block")
				}
				v := body[4 : 4+rl]
				var a netip.Addr
				switch {
				case rt == nrbIPv4 && rl > 4:
					a = netip.AddrFrom4([4]byte(v[:4]))
					v = v[4:]
				case rt == nrbIPv6 && rl > 16:
					a = netip.AddrFrom16([16]byte(v[:16]))
					v = v[16:]
				default:
					return nil, fmt.Errorf("name record of type %d and length %d", rt, rl)
				}
				if v[len(v)-1] != 0 {
					return nil, errors.New("name not zero-terminated")
				}
				c.names[a] = string(v[:len(v)-1])
				body = body[4+padded:]
			}
		case blockEPB:
			if !haveIDB {
				return nil, errors.New("packet before any interface")
			}
			if len(body) < 20 {
				return nil, errors.New("short packet block")
			}
			if order.Uint32(body) != 0 {
				return nil, errors.New("packet on an interface that does not exist")
			}
			ts := int64(order.Uint32(body[4:]))<<32 | int64(order.Uint32(body[8:]))
			capLen, origLen := int(order.Uint32(body[12:])), int(order.Uint32(body[16:]))
			padded := (capLen + 3) &^ 3
			if capLen > origLen || 20+padded > len(body) {
				return nil, fmt.Errorf("packet block: captured %d, original %d, block body %d", capLen, origLen, len(body))
			}
			opts, err := readOptions(body[20+padded:], order)
			if err != nil {
				return nil, fmt.Errorf("packet %d: %v", len(c.packets)+1, err)
			}
			p := capPacket{ts: ts, data: body[20 : 20+capLen], origLen: origLen, comment: string(opts[optComment]), complete: capLen == origLen}
			p.decoded, err = decode(p.data, p.complete)
			if err != nil {
				return nil, fmt.Errorf("packet %d: %v", len(c.packets)+1, err)
			}
			c.packets = append(c.packets, p)
		default:
			return nil, fmt.Errorf("unexpected block type %#x", typ)
		}
	}
	return c, nil
}

func readOptions(b []byte, order binary.ByteOrder) (map[uint16][]byte, error) {
	opts := map[uint16][]byte{}
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errors.New("options end in the middle of one")
		}
		code, n := order.Uint16(b), int(order.Uint16(b[2:]))
		if code == optEnd {
			if len(b) != 4 {
				return nil, errors.New("bytes after the end of options")
			}
			return opts, nil
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			return nil, errors.New("option runs past its block")
		}
		opts[code] = b[4 : 4+n]
		b = b[4+padded:]
	}
	return opts, nil
}

// decode takes a frame apart and checks its lengths and, when it is complete, checksums.
func decode(f []byte, complete bool) (decoded, error) {
	var d decoded
	d.wscale = -1
	if len(f) < 14 {
		return d, errors.New("short Ethernet frame")
	}
	if f[0]&1 != 0 || f[6]&1 != 0 {
		return d, errors.New("multicast MAC address")
	}
	var l4 []byte
	var proto byte
	var src, dst netip.Addr
	var pseudo uint32
	switch binary.BigEndian.Uint16(f[12:]) {
	case etherIPv4:
		ip := f[14:]
		if len(ip) < 20 || ip[0] != 0x45 {
			return d, errors.New("not a plain IPv4 header")
		}
		if fold(add(ip[:20], 0)) != 0 {
			return d, errors.New("bad IPv4 header checksum")
		}
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if complete && total != len(ip) {
			return d, fmt.Errorf("IPv4 total length %d, frame holds %d", total, len(ip))
		}
		proto = ip[9]
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		l4 = ip[20:]
		pseudo = pseudoSum(src, dst, proto, total-20)
	case etherIPv6:
		ip := f[14:]
		if len(ip) < 40 || ip[0]>>4 != 6 {
			return d, errors.New("not an IPv6 header")
		}
		plen := int(binary.BigEndian.Uint16(ip[4:]))
		if complete && plen != len(ip)-40 {
			return d, fmt.Errorf("IPv6 payload length %d, frame holds %d", plen, len(ip)-40)
		}
		proto = ip[6]
		src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		l4 = ip[40:]
		pseudo = pseudoSum(src, dst, proto, plen)
	default:
		return d, errors.New("neither IPv4 nor IPv6")
	}
	switch proto {
	case protoUDP:
		if len(l4) < 8 {
			return d, errors.New("short UDP header")
		}
		if complete && int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
			return d, errors.New("UDP length does not match")
		}
		if complete && fold(add(l4, pseudo)) != 0 {
			return d, errors.New("bad UDP checksum")
		}
		d.udp = true
		d.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4))
		d.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))
		d.payload = l4[8:]
	case protoTCP:
		if len(l4) < 20 {
			return d, errors.New("short TCP header")
		}
		hlen := int(l4[12]>>4) * 4
		if hlen < 20 || hlen > len(l4) {
			return d, errors.New("bad TCP header length")
		}
		if complete && fold(add(l4, pseudo)) != 0 {
			return d, errors.New("bad TCP checksum")
		}
		d.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4))
		d.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))
		d.seq, d.ack = binary.BigEndian.Uint32(l4[4:]), binary.BigEndian.Uint32(l4[8:])
		d.flags = l4[13]
		for o := l4[20:hlen]; len(o) > 0; {
			switch {
			case o[0] == 0:
				o = nil
			case o[0] == 1:
				o = o[1:]
			case len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o):
				return d, errors.New("bad TCP option")
			default:
				switch {
				case o[0] == 2 && o[1] == 4:
					d.mss = int(binary.BigEndian.Uint16(o[2:]))
				case o[0] == 3 && o[1] == 3:
					d.wscale = int(o[2])
				}
				o = o[o[1]:]
			}
		}
		d.payload = l4[hlen:]
	default:
		return d, fmt.Errorf("IP protocol %d", proto)
	}
	return d, nil
}
