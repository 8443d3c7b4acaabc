// socketlab adds this file to package net in learner builds. The lab runtime
// (socketlab/labnet) installs its driver here at start-up; the driver opens every
// socket and answers every name lookup through the gateway.

//go:build js || wasip1

package net

import (
	"context"
	"net/netip"
	"syscall"
	"time"
	_ "unsafe" // for go:linkname
)

// labDriverAPI is what the runtime provides. Objects cross as values of type any whose method
// sets are the interfaces below: package net cannot import the runtime.
type labDriverAPI interface {
	Dial(ctx context.Context, network, laddr, raddr string) (conn any, local, remote string, err error)
	Listen(ctx context.Context, network, laddr string) (ln any, local string, err error)
	ListenPacket(ctx context.Context, network, laddr, raddr string) (pc any, local, remote string, err error)
	Lookup(ctx context.Context, network, host string) ([]string, error)
}

type labDeadlines interface {
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

type labStream interface {
	labDeadlines
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	CloseRead() error
	CloseWrite() error
	SetLinger(sec int) error
}

type labListener interface {
	labDeadlines
	Accept() (conn any, local, remote string, err error)
	Close() error
}

type labPacket interface {
	labDeadlines
	ReadFrom(p []byte) (n int, from string, err error)
	WriteTo(p []byte, to string) (int, error)
	Close() error
}

var labDriver labDriverAPI

// socketlabInstall is called by the runtime (through go:linkname) before main runs.
//
//go:linkname socketlabInstall
func socketlabInstall(d any) {
	labDriver = d.(labDriverAPI)
}

// socketlabErrno lets the runtime build errors that carry the gateway's reason and still
// satisfy errors.Is(err, errno).
//
//go:linkname socketlabErrno
func socketlabErrno(errno syscall.Errno, reason string) error {
	return labError{errno, reason}
}

// labSockopt answers a TCP option on a lab socket: accepted, as Linux accepts it. The
// gateway's real socket keeps the kernel's defaults.
func labSockopt(fd *netFD) error {
	if fd.fakeNetFD != nil && labDriver != nil {
		return nil
	}
	return syscall.ENOPROTOOPT
}

func labLookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := labDriver.Lookup(ctx, "ip", host)
	if err != nil {
		return nil, labDNSError(host, err)
	}
	return addrs, nil
}

func labLookupIP(ctx context.Context, network, host string) ([]IPAddr, error) {
	addrs, err := labDriver.Lookup(ctx, network, host)
	if err != nil {
		return nil, labDNSError(host, err)
	}
	var ips []IPAddr
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil {
			ips = append(ips, IPAddr{IP: IP(ip.AsSlice()), Zone: ip.Zone()})
		}
	}
	return ips, nil
}

func labDNSError(host string, err error) error {
	if dnsErr, ok := err.(*DNSError); ok {
		return dnsErr
	}
	return &DNSError{Err: err.Error(), Name: host, IsNotFound: false, IsTemporary: true}
}
