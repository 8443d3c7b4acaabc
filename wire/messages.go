package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// HelloMsg opens a session. The program sends its highest version; the gateway answers with
// the version both will speak and the learner's address in the lab.
type HelloMsg struct {
	Version uint16
	Info    string // program → gateway: a client name; gateway → program: the learner's lab address
	// Faults, gateway → program only, is the lab's faults for this session in their
	// canonical form ("segment=1,seed=7"), when there are any; it is left out when empty.
	Faults string
}

// ConnectMsg opens a stream.
type ConnectMsg struct {
	Kind    Kind
	Window  uint32 // bytes the gateway may send on this stream before it waits for Continue
	Network string // "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6"
	Local   string // host:port to bind, or ""
	Remote  string // host:port to reach, or "" (listeners, unconnected UDP)
}

// ConnectedMsg says the stream is open.
type ConnectedMsg struct {
	Window uint32 // bytes the program may send before it waits for Continue
	Local  string // the socket's own address, as the program should see it
	Remote string // the peer's address ("" for listeners and unconnected UDP)
	Micros uint32 // how long the connect took at the gateway
	Host   string // listeners and UDP sockets: where they can be reached on the gateway host
}

// AcceptMsg announces a connection accepted by the listener on the frame's stream.
type AcceptMsg struct {
	Stream uint32 // the new stream's id (GatewayStream bit set)
	Window uint32 // bytes the program may send before it waits for Continue
	Local  string
	Remote string
}

// CloseMsg ends a stream (or, on stream 0, the session). An Error frame carries the same
// payload.
type CloseMsg struct {
	Code   Code
	Reason string // for people: what happened and what to try
}

// DatagramMsg is one UDP datagram. Addr is the destination (program → gateway) or the source
// (gateway → program).
type DatagramMsg struct {
	Addr string
	Data []byte
}

// LostMsg tells the program that the lab's loss fault dropped a datagram: one it sent
// (Sent, Addr its destination) or one on its way to it (Addr its source).
type LostMsg struct {
	Sent bool
	Addr string
	Data []byte
}

// LookupMsg asks for the addresses of Host. Network is "ip", "ip4" or "ip6".
type LookupMsg struct {
	Network string
	Host    string
}

// AnswerMsg lists the addresses of a name.
type AnswerMsg struct {
	Addrs []string
}

// Code says why a stream closed, and maps to the error a Go program sees.
type Code uint8

const (
	CodeClosed         Code = 0  // an orderly close
	CodeRefused        Code = 1  // nothing listens there: ECONNREFUSED
	CodeReset          Code = 2  // the peer reset the connection: ECONNRESET
	CodeTimeout        Code = 3  // the connect timed out: ETIMEDOUT
	CodeHostUnreach    Code = 4  // EHOSTUNREACH
	CodeNetUnreach     Code = 5  // ENETUNREACH
	CodeAddrInUse      Code = 6  // EADDRINUSE
	CodeAddrNotAvail   Code = 7  // EADDRNOTAVAIL
	CodePolicy         Code = 8  // the lab's policy refuses this destination: EACCES
	CodeNoHost         Code = 9  // a name that does not exist
	CodeLimit          Code = 10 // a limit of the lab was reached: ENOBUFS
	CodeInvalid        Code = 11 // an argument the gateway cannot use: EINVAL
	CodeProtocol       Code = 12 // a frame broke the protocol
	CodeShutdown       Code = 13 // the gateway is going away
	CodeMessageTooLong Code = 14 // a datagram over the limit: EMSGSIZE
	CodeDenied         Code = 15 // what Linux itself refuses (a port below 1024): EACCES, plainly
)

var codeErrno = map[Code]syscall.Errno{
	CodeRefused:        syscall.ECONNREFUSED,
	CodeReset:          syscall.ECONNRESET,
	CodeTimeout:        syscall.ETIMEDOUT,
	CodeHostUnreach:    syscall.EHOSTUNREACH,
	CodeNetUnreach:     syscall.ENETUNREACH,
	CodeAddrInUse:      syscall.EADDRINUSE,
	CodeAddrNotAvail:   syscall.EADDRNOTAVAIL,
	CodePolicy:         syscall.EACCES,
	CodeLimit:          syscall.ENOBUFS,
	CodeInvalid:        syscall.EINVAL,
	CodeProtocol:       syscall.EPROTO,
	CodeShutdown:       syscall.ECONNABORTED,
	CodeMessageTooLong: syscall.EMSGSIZE,
	CodeDenied:         syscall.EACCES,
}

// Errno is the system error a program sees for c, or 0 for CodeClosed and CodeNoHost.
func (c Code) Errno() syscall.Errno { return codeErrno[c] }

func (c Code) String() string {
	if c == CodeClosed {
		return "closed"
	}
	if c == CodeNoHost {
		return "no such host"
	}
	if e, ok := codeErrno[c]; ok {
		return e.Error()
	}
	return fmt.Sprintf("code %d", uint8(c))
}

// CodeOf classifies an error from a real socket operation.
func CodeOf(err error) Code {
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return CodeClosed
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return CodeNoHost
	case errors.Is(err, os.ErrDeadlineExceeded):
		return CodeTimeout
	}
	for c := CodeRefused; c <= CodeDenied; c++ {
		if c != CodePolicy && codeErrno[c] != 0 && errors.Is(err, codeErrno[c]) {
			return c // EACCES from a real socket is the system's refusal, not the lab's policy
		}
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return CodeTimeout
	}
	return CodeReset
}

// Marshalling. Strings are a 2-byte length then bytes; numbers are big-endian.

func appendString(b []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: payload ends inside %s", ErrMalformed, what)
	}
}

func (r *reader) u8(what string) uint8 {
	if len(r.b) < 1 {
		r.fail(what)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16(what string) uint16 {
	if len(r.b) < 2 {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) u32(what string) uint32 {
	if len(r.b) < 4 {
		r.fail(what)
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) str(what string) string {
	n := int(r.u16(what))
	if r.err != nil {
		return ""
	}
	if len(r.b) < n {
		r.fail(what)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// done reports an error for trailing bytes, which no frame type allows.
func (r *reader) done(t Type) error {
	if r.err != nil {
		return fmt.Errorf("%v: %w", t, r.err)
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%v: %w: %d unexpected trailing bytes", t, ErrMalformed, len(r.b))
	}
	return nil
}

func (m HelloMsg) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, m.Version)
	b = appendString(b, m.Info)
	if m.Faults != "" {
		b = appendString(b, m.Faults)
	}
	return b
}

func (m *HelloMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Version = r.u16("version")
	m.Info = r.str("info")
	m.Faults = ""
	if r.err == nil && len(r.b) > 0 {
		m.Faults = r.str("faults")
	}
	return r.done(Hello)
}

func (m ConnectMsg) Append(b []byte) []byte {
	b = append(b, byte(m.Kind))
	b = binary.BigEndian.AppendUint32(b, m.Window)
	b = appendString(b, m.Network)
	b = appendString(b, m.Local)
	return appendString(b, m.Remote)
}

func (m *ConnectMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Kind = Kind(r.u8("kind"))
	m.Window = r.u32("window")
	m.Network = r.str("network")
	m.Local = r.str("local address")
	m.Remote = r.str("remote address")
	if err := r.done(Connect); err != nil {
		return err
	}
	if m.Kind < KindDial || m.Kind > KindUDP {
		return fmt.Errorf("%v: %w: unknown kind %d", Connect, ErrMalformed, m.Kind)
	}
	return nil
}

func (m ConnectedMsg) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, m.Window)
	b = appendString(b, m.Local)
	b = appendString(b, m.Remote)
	b = binary.BigEndian.AppendUint32(b, m.Micros)
	return appendString(b, m.Host)
}

func (m *ConnectedMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Window = r.u32("window")
	m.Local = r.str("local address")
	m.Remote = r.str("remote address")
	m.Micros = r.u32("connect time")
	m.Host = r.str("host address")
	return r.done(Connected)
}

func (m AcceptMsg) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, m.Stream)
	b = binary.BigEndian.AppendUint32(b, m.Window)
	b = appendString(b, m.Local)
	return appendString(b, m.Remote)
}

func (m *AcceptMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Stream = r.u32("stream")
	m.Window = r.u32("window")
	m.Local = r.str("local address")
	m.Remote = r.str("remote address")
	return r.done(Accept)
}

func (m CloseMsg) Append(b []byte) []byte {
	b = append(b, byte(m.Code))
	return appendString(b, m.Reason)
}

func (m *CloseMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Code = Code(r.u8("code"))
	m.Reason = r.str("reason")
	return r.done(Close)
}

func (m DatagramMsg) Append(b []byte) []byte {
	b = appendString(b, m.Addr)
	return append(b, m.Data...)
}

// Unmarshal decodes a datagram; Data aliases p.
func (m *DatagramMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Addr = r.str("address")
	if r.err != nil {
		return fmt.Errorf("%v: %w", Datagram, r.err)
	}
	m.Data = r.b
	return nil
}

func (m LostMsg) Append(b []byte) []byte {
	var sent byte
	if m.Sent {
		sent = 1
	}
	b = append(b, sent)
	b = appendString(b, m.Addr)
	return append(b, m.Data...)
}

// Unmarshal decodes a lost datagram; Data aliases p.
func (m *LostMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	sent := r.u8("direction")
	m.Addr = r.str("address")
	if r.err != nil {
		return fmt.Errorf("%v: %w", Lost, r.err)
	}
	if sent > 1 {
		return fmt.Errorf("%v: %w: direction %d, want 0 or 1", Lost, ErrMalformed, sent)
	}
	m.Sent = sent == 1
	m.Data = r.b
	return nil
}

func (m LookupMsg) Append(b []byte) []byte {
	b = appendString(b, m.Network)
	return appendString(b, m.Host)
}

func (m *LookupMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	m.Network = r.str("network")
	m.Host = r.str("host")
	return r.done(Lookup)
}

func (m AnswerMsg) Append(b []byte) []byte {
	n := min(len(m.Addrs), 0xffff)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for _, a := range m.Addrs[:n] {
		b = appendString(b, a)
	}
	return b
}

func (m *AnswerMsg) Unmarshal(p []byte) error {
	r := reader{b: p}
	n := int(r.u16("count"))
	m.Addrs = nil
	for i := 0; i < n && r.err == nil; i++ {
		m.Addrs = append(m.Addrs, r.str("address"))
	}
	return r.done(Answer)
}

// Credit encodes a Continue payload.
func Credit(b []byte, n uint32) []byte { return binary.BigEndian.AppendUint32(b, n) }

// ParseCredit decodes a Continue payload.
func ParseCredit(p []byte) (uint32, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("%v: %w: payload is %d bytes, want 4", Continue, ErrMalformed, len(p))
	}
	return binary.BigEndian.Uint32(p), nil
}
