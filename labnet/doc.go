// Package labnet is the lab runtime linked into every learner program. It keeps one
// WebSocket session to the socketlab gateway and carries the program's sockets over it with
// the wire protocol: TCP streams with credit flow control and half-close, listeners, UDP
// sockets and name lookups.
//
// In a js/wasm build the package's init installs a driver into the standard library's net
// package (see gateway/build/overlay), so net.Dial, http.Get and every other user of net go
// through the gateway unmodified. The gateway URL comes from the Web Worker that runs the
// program (globalThis.socketlab.gateway), which also opens the WebSocket for it
// (globalThis.socketlab.socket). Each socket event is reported to the page for the wire view
// (globalThis.socketlab.event). The browser files are split by job: config_js.go reads that
// configuration and installs the driver, step_js.go is step mode, transport_js.go the
// WebSocket, and jsbridge_js.go holds every syscall/js call behind typed wrappers.
//
// Natively the same package serves `socketlab run` (native_socketlab.go, native_ws.go: built
// with the socketlab tag and the linux overlay), and native.go serves a plain native build
// without the overlay, as the package's tests use it.
//
// The steady-state data path allocates nothing per message: frames are read into pooled
// buffers that move into a stream's queue, written from buffers the transport keeps, and
// credit goes back to the gateway once a quarter of the window has been read.
//
// Deadlines are kept here, not at the gateway: a read deadline that fires leaves the stream
// usable, as on Linux.
package labnet
