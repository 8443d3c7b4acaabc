// socketlab replaces the standard library's in-process fake network for js/wasm with sockets
// opened through the lab gateway. The build service puts this file in place of
// $GOROOT/src/net/net_fake.go when it compiles a learner's program (go build -overlay). It
// keeps the internal surface the rest of package net uses (socket, sysSocket and the
// fakeNetFD methods), so every public type and error stays the real one.

//go:build js || wasip1

package net

import (
	"context"
	"io"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// socket opens a socket through the lab driver.
func socket(ctx context.Context, net string, family, sotype, proto int, ipv6only bool, laddr, raddr sockaddr, ctrlCtxFn func(context.Context, string, string, syscall.RawConn) error) (*netFD, error) {
	op := "connect"
	if raddr == nil {
		op = "bind" // as Linux names a listener's or UDP socket's failure
	}
	if labDriver == nil {
		return nil, os.NewSyscallError(op, labError{syscall.ENOSYS, "this program has no lab runtime: build it with socketlab"})
	}
	switch net {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, &AddrError{Err: "the lab offers TCP and UDP sockets only, not " + net, Addr: addrString(raddr)}
	}
	fd := &netFD{family: family, sotype: sotype, net: net}
	ffd := &fakeNetFD{fd: fd}
	fd.fakeNetFD = ffd

	var (
		obj           any
		local, remote string
		err           error
	)
	switch {
	case sotype == syscall.SOCK_STREAM && raddr == nil:
		obj, local, err = labDriver.Listen(ctx, net, addrString(laddr))
	case sotype == syscall.SOCK_STREAM:
		obj, local, remote, err = labDriver.Dial(ctx, net, addrString(laddr), addrString(raddr))
	case sotype == syscall.SOCK_DGRAM:
		obj, local, remote, err = labDriver.ListenPacket(ctx, net, addrString(laddr), addrString(raddr))
	default:
		return nil, os.NewSyscallError("socket", syscall.ESOCKTNOSUPPORT)
	}
	if err != nil {
		return nil, sysErr(op, err)
	}
	ffd.obj = obj
	fd.laddr = labAddr(net, local)
	if remote != "" {
		fd.raddr = labAddr(net, remote)
		fd.isConnected = true
	}
	return fd, nil
}

func sysSocket(family, sotype, proto int) (int, error) {
	return 0, os.NewSyscallError("sysSocket", syscall.ENOSYS)
}

func addrString(sa sockaddr) string {
	if sa == nil {
		return ""
	}
	switch a := sa.(type) {
	case *TCPAddr:
		if a == nil {
			return ""
		}
	case *UDPAddr:
		if a == nil {
			return ""
		}
	}
	return sa.String()
}

// labAddr turns an address the driver reports into the Addr type of the network.
func labAddr(net, s string) Addr {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil
	}
	if net[:3] == "udp" {
		return UDPAddrFromAddrPort(ap)
	}
	return TCPAddrFromAddrPort(ap)
}

// sysErr gives a driver error the shape the same failure has on Linux: errno values are
// wrapped in *os.SyscallError naming the call; EOF, timeouts and ErrClosed pass as they are.
func sysErr(call string, err error) error {
	switch err.(type) {
	case syscall.Errno, labError:
		return os.NewSyscallError(call, err)
	}
	return err
}

// labError is an errno with the gateway's explanation (for example which policy rule refused
// a destination). errors.Is(err, errno) holds.
type labError struct {
	errno  syscall.Errno
	reason string
}

func (e labError) Error() string {
	if e.reason != "" {
		return e.reason
	}
	return e.errno.Error()
}
func (e labError) Unwrap() error   { return e.errno }
func (e labError) Timeout() bool   { return e.errno.Timeout() }
func (e labError) Temporary() bool { return e.errno.Temporary() }

// fakeNetFD is a socket opened through the lab: obj is the driver's stream, listener or
// packet socket.
type fakeNetFD struct {
	fd  *netFD
	obj any
}

func (ffd *fakeNetFD) stream() (labStream, error) {
	if s, ok := ffd.obj.(labStream); ok {
		return s, nil
	}
	return nil, syscall.ENOTCONN
}

func (ffd *fakeNetFD) packet() (labPacket, error) {
	if p, ok := ffd.obj.(labPacket); ok {
		return p, nil
	}
	return nil, syscall.EOPNOTSUPP
}

func (ffd *fakeNetFD) Read(p []byte) (int, error) {
	if s, ok := ffd.obj.(labStream); ok {
		n, err := s.Read(p)
		return n, sysErr("read", err)
	}
	if pc, ok := ffd.obj.(labPacket); ok {
		n, _, err := pc.ReadFrom(p)
		return n, sysErr("read", err)
	}
	return 0, os.NewSyscallError("read", syscall.ENOTCONN)
}

func (ffd *fakeNetFD) Write(p []byte) (int, error) {
	if s, ok := ffd.obj.(labStream); ok {
		n, err := s.Write(p)
		return n, sysErr("write", err)
	}
	if pc, ok := ffd.obj.(labPacket); ok {
		if ffd.fd.raddr == nil {
			return 0, os.NewSyscallError("write", syscall.EDESTADDRREQ)
		}
		n, err := pc.WriteTo(p, ffd.fd.raddr.String())
		return n, sysErr("write", err)
	}
	return 0, os.NewSyscallError("write", syscall.ENOTCONN)
}

func (ffd *fakeNetFD) Close() error {
	if c, ok := ffd.obj.(io.Closer); ok {
		return sysErr("close", c.Close())
	}
	return nil
}

func (ffd *fakeNetFD) closeRead() error {
	s, err := ffd.stream()
	if err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return sysErr("shutdown", s.CloseRead())
}

func (ffd *fakeNetFD) closeWrite() error {
	s, err := ffd.stream()
	if err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return sysErr("shutdown", s.CloseWrite())
}

func (ffd *fakeNetFD) accept(laddr Addr) (*netFD, error) {
	ln, ok := ffd.obj.(labListener)
	if !ok {
		return nil, os.NewSyscallError("accept", syscall.EINVAL)
	}
	obj, local, remote, err := ln.Accept()
	if err != nil {
		return nil, sysErr("accept", err)
	}
	fd := &netFD{
		family:      ffd.fd.family,
		sotype:      ffd.fd.sotype,
		net:         ffd.fd.net,
		isConnected: true,
		laddr:       labAddr(ffd.fd.net, local),
		raddr:       labAddr(ffd.fd.net, remote),
	}
	fd.fakeNetFD = &fakeNetFD{fd: fd, obj: obj}
	return fd, nil
}

func (ffd *fakeNetFD) SetDeadline(t time.Time) error {
	if err := ffd.SetReadDeadline(t); err != nil {
		return err
	}
	return ffd.SetWriteDeadline(t)
}

func (ffd *fakeNetFD) SetReadDeadline(t time.Time) error {
	if d, ok := ffd.obj.(labDeadlines); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

func (ffd *fakeNetFD) SetWriteDeadline(t time.Time) error {
	if d, ok := ffd.obj.(labDeadlines); ok {
		return d.SetWriteDeadline(t)
	}
	return nil
}

func (ffd *fakeNetFD) readFrom(p []byte) (int, syscall.Sockaddr, error) {
	pc, err := ffd.packet()
	if err != nil {
		return 0, nil, os.NewSyscallError("recvfrom", err)
	}
	n, from, err := pc.ReadFrom(p)
	if err != nil {
		return n, nil, sysErr("recvfrom", err)
	}
	a, _ := labAddr(ffd.fd.net, from).(*UDPAddr)
	if a == nil {
		return n, nil, nil
	}
	sa, err := a.sockaddr(ffd.fd.family)
	return n, sa, err
}

func (ffd *fakeNetFD) readFromInet4(p []byte, sa *syscall.SockaddrInet4) (int, error) {
	n, from, err := ffd.readFrom(p)
	if s, ok := from.(*syscall.SockaddrInet4); ok {
		*sa = *s
	}
	return n, err
}

func (ffd *fakeNetFD) readFromInet6(p []byte, sa *syscall.SockaddrInet6) (int, error) {
	n, from, err := ffd.readFrom(p)
	switch s := from.(type) {
	case *syscall.SockaddrInet6:
		*sa = *s
	case *syscall.SockaddrInet4:
		sa.Port = s.Port
		copy(sa.Addr[:], IP(s.Addr[:]).To16())
	}
	return n, err
}

func (ffd *fakeNetFD) readMsg(p []byte, oob []byte, flags int) (n, oobn, retflags int, sa syscall.Sockaddr, err error) {
	if flags != 0 {
		return 0, 0, 0, nil, os.NewSyscallError("recvmsg", syscall.ENOTSUP)
	}
	n, sa, err = ffd.readFrom(p)
	return n, 0, 0, sa, err
}

func (ffd *fakeNetFD) readMsgInet4(p []byte, oob []byte, flags int, sa *syscall.SockaddrInet4) (n, oobn, retflags int, err error) {
	if flags != 0 {
		return 0, 0, 0, os.NewSyscallError("recvmsg", syscall.ENOTSUP)
	}
	n, err = ffd.readFromInet4(p, sa)
	return n, 0, 0, err
}

func (ffd *fakeNetFD) readMsgInet6(p []byte, oob []byte, flags int, sa *syscall.SockaddrInet6) (n, oobn, retflags int, err error) {
	if flags != 0 {
		return 0, 0, 0, os.NewSyscallError("recvmsg", syscall.ENOTSUP)
	}
	n, err = ffd.readFromInet6(p, sa)
	return n, 0, 0, err
}

func (ffd *fakeNetFD) writeMsg(p []byte, oob []byte, sa syscall.Sockaddr) (n int, oobn int, err error) {
	if len(oob) > 0 {
		return 0, 0, os.NewSyscallError("sendmsg", syscall.ENOTSUP)
	}
	n, err = ffd.writeTo(p, sa)
	return n, 0, err
}

func (ffd *fakeNetFD) writeMsgInet4(p []byte, oob []byte, sa *syscall.SockaddrInet4) (n int, oobn int, err error) {
	return ffd.writeMsg(p, oob, sa)
}

func (ffd *fakeNetFD) writeMsgInet6(p []byte, oob []byte, sa *syscall.SockaddrInet6) (n int, oobn int, err error) {
	return ffd.writeMsg(p, oob, sa)
}

func (ffd *fakeNetFD) writeTo(p []byte, sa syscall.Sockaddr) (int, error) {
	pc, err := ffd.packet()
	if err != nil {
		return 0, os.NewSyscallError("sendto", err)
	}
	var to string
	switch {
	case sa != nil && ffd.fd.isConnected:
		return 0, os.NewSyscallError("sendto", syscall.EISCONN)
	case sa != nil:
		to = ffd.fd.addrFunc()(sa).String()
	case ffd.fd.raddr != nil:
		to = ffd.fd.raddr.String()
	default:
		return 0, os.NewSyscallError("sendto", syscall.EDESTADDRREQ)
	}
	n, err := pc.WriteTo(p, to)
	return n, sysErr("sendto", err)
}

func (ffd *fakeNetFD) writeToInet4(p []byte, sa *syscall.SockaddrInet4) (int, error) {
	return ffd.writeTo(p, sa)
}

func (ffd *fakeNetFD) writeToInet6(p []byte, sa *syscall.SockaddrInet6) (int, error) {
	return ffd.writeTo(p, sa)
}

func (ffd *fakeNetFD) dup() (*os.File, error) {
	return nil, os.NewSyscallError("dup", syscall.ENOSYS)
}

// Buffer sizes are accepted and ignored: the gateway's own sockets keep the kernel's defaults.
func (ffd *fakeNetFD) setReadBuffer(bytes int) error  { return nil }
func (ffd *fakeNetFD) setWriteBuffer(bytes int) error { return nil }

func (ffd *fakeNetFD) setLinger(sec int) error {
	s, err := ffd.stream()
	if err != nil {
		return os.NewSyscallError("setsockopt", syscall.EINVAL)
	}
	return sysErr("setsockopt", s.SetLinger(sec))
}
