//go:build socketlab && linux

package labnet

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	_ "unsafe" // for go:linkname

	"socketlab/wire"
)

// This file is compiled only into native learner programs (go build -tags socketlab with the
// linux overlay of gateway/build/overlay). As config_js.go does in the browser, it installs
// the driver into package net before main runs. The program finds the gateway in
// $SOCKETLAB_GATEWAY (a ws:// URL) and writes its socket events, one JSON object a line, where
// $SOCKETLAB_EVENTS says: a file name, or fd:N for a descriptor it inherited. Without
// $SOCKETLAB_EVENTS events are dropped.

//go:linkname netInstall net.socketlabInstall
func netInstall(d any)

//go:linkname netErrno net.socketlabErrno
func netErrno(errno syscall.Errno, reason string) error

func errnoErr(errno syscall.Errno, reason string) error { return netErrno(errno, reason) }

func init() {
	gatewayURL = func() string { return wire.WithFaults(os.Getenv("SOCKETLAB_GATEWAY"), os.Getenv("SOCKETLAB_FAULTS")) }
	dialGateway = dialRawWebSocket
	observer = eventWriter(os.Getenv("SOCKETLAB_EVENTS"))
	netInstall(driver{})
}

// eventWriter returns an observer that appends each event as a line to where dest says.
func eventWriter(dest string) func([]byte) {
	if dest == "" {
		return nil
	}
	var f *os.File
	if n, ok := strings.CutPrefix(dest, "fd:"); ok {
		fd, err := strconv.Atoi(n)
		if err == nil && fd > 2 {
			f = os.NewFile(uintptr(fd), "socketlab-events")
		}
		if f == nil {
			fmt.Fprintf(os.Stderr, "socketlab: SOCKETLAB_EVENTS=%s: want fd:N with N above 2; socket events are not recorded\n", dest)
			return nil
		}
	} else {
		var err error
		f, err = os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "socketlab: %v; socket events are not recorded\n", err)
			return nil
		}
	}
	return func(b []byte) {
		// One write a line, so that lines from different goroutines never interleave.
		f.Write(append(b, '\n'))
	}
}
