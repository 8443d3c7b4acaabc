package labnet

import (
	"syscall"
	"unsafe"
)

// This file sets the runtime up in the browser: it reads the configuration the worker
// (static/worker.js) puts in globalThis.socketlab before the program starts, and installs the
// driver into package net. step_js.go holds step mode, transport_js.go the WebSocket.

//go:linkname netInstall net.socketlabInstall
func netInstall(d any)

//go:linkname netErrno net.socketlabErrno
func netErrno(errno syscall.Errno, reason string) error

func errnoErr(errno syscall.Errno, reason string) error { return netErrno(errno, reason) }

func init() {
	cfg, ok := jsGlobal("socketlab")
	gatewayURL = func() string {
		if !ok {
			return ""
		}
		u, _ := cfg.str("gateway")
		return u
	}
	if ok && cfg.hasFunc("event") {
		observer = func(b []byte) {
			// The call makes a JavaScript string of the bytes before it returns, so they
			// need no Go string of their own. A page that throws loses the event, not the
			// program.
			cfg.call("event", unsafe.String(unsafe.SliceData(b), len(b)))
		}
	}
	if ok {
		setUpStepMode(cfg)
	}
	dialGateway = dialWebSocket
	netInstall(driver{})
}
