// Package event defines the socket event: the record the lab runtime makes of each socket
// operation of a learner program, which the page draws in the wire view, the lessons' checks
// grade, the gateway annotates and pcapng turns into packets.
//
// Its JSON is the format of the worker's messages, of a native run's events file and of
// stored runs, so the field names and types do not change. The runtime is compiled into every
// learner program, for js/wasm and natively: this package uses the standard library only and
// encodes without help (a Kind is a string).
package event

// Event is one socket event of a run.
//
// Addresses are "host:port". Local is the learner program's end, Remote the peer's; Addr is
// the peer as the program named it ("web.lab:80"). Streams with bind, sendto or recvfrom
// events are UDP; the others are TCP, a listener, or a lookup.
type Event struct {
	T      float64  `json:"t"`      // milliseconds since the run's session started
	Stream uint32   `json:"stream"` // one per socket or lookup
	Kind   Kind     `json:"kind"`
	Addr   string   `json:"addr,omitempty"`
	Local  string   `json:"local,omitempty"`
	Remote string   `json:"remote,omitempty"`
	N      int      `json:"n,omitempty"`    // bytes sent or received
	Data   []byte   `json:"data,omitempty"` // those bytes, or their first part (base64 in JSON)
	Addrs  []string `json:"addrs,omitempty"`
	Micros int      `json:"micros,omitempty"` // how long a connect took
	Host   string   `json:"host,omitempty"`   // where the gateway host reaches a listener or UDP socket
	Code   string   `json:"code,omitempty"`   // the wire protocol's code of a failure
	Error  string   `json:"error,omitempty"`
	Text   string   `json:"text,omitempty"` // in step mode, what is about to happen, in words; the faults of a Faults event
	// Fault says what the lab's faults did to this event (see FaultSegment, FaultLoss,
	// FaultLossSent), when they did something.
	Fault string `json:"fault,omitempty"`
}

// What the lab's faults did, in Event.Fault.
const (
	// FaultSegment, followed by "=N", marks a send or recv whose bytes crossed as one piece
	// of at most N bytes, split so by the lab (the segment fault): "segment=1".
	FaultSegment = "segment"
	// FaultLoss marks a Drop of a datagram the lab dropped on its way to the program (the
	// loss fault); Remote is its sender.
	FaultLoss = "loss"
	// FaultLossSent marks a Drop of a datagram the program sent that the lab dropped on its
	// way (the loss fault); Remote is its destination. Its sendto came before.
	FaultLossSent = "loss-sent"
)

// Kind says what an Event records. In JSON it is the kind's name ("fin-sent").
type Kind string

// The kinds of Event. The page's scripts name the same kinds (a test keeps them in step).
const (
	// Lookup: the program looks up a name. Addr is the name.
	Lookup Kind = "lookup"
	// Answer: a lookup's result. Addr is the name, Addrs its addresses.
	Answer Kind = "answer"
	// Dial: a TCP connect starts. Addr is what the program dialed, Remote the address.
	Dial Kind = "dial"
	// Connected: the connect worked. Local, Remote, and Micros how long it took.
	Connected Kind = "connected"
	// Listen: a TCP listener opened. Local is its lab address, Host where the gateway host
	// reaches it.
	Listen Kind = "listen"
	// Accept: the program accepted a connection on a listener, which is a new stream. Local,
	// Remote the client.
	Accept Kind = "accept"
	// Send: the program wrote N bytes on a TCP stream; Data holds them or their start.
	Send Kind = "send"
	// Recv: a read on the program's TCP stream returned N bytes; Data holds them or their
	// start. It is told when the program reads them, not when they arrive, so events keep
	// the program's order; bytes it never reads are told when it closes the socket. The
	// peer's FIN, close and reset that came after them are told after them.
	Recv Kind = "recv"
	// FinSent: the program half-closed its connection (CloseWrite): a FIN went out.
	FinSent Kind = "fin-sent"
	// FinRecv: the peer half-closed: the program will read EOF, and may still write.
	FinRecv Kind = "fin-recv"
	// Close: a connection was closed in order, or a listener or UDP socket was closed.
	Close Kind = "close"
	// Reset: the peer reset the connection. Code and Error say why.
	Reset Kind = "reset"
	// ResetSent: the program reset the connection (Close with linger 0).
	ResetSent Kind = "reset-sent"
	// Bind: a UDP socket opened. Local, and Remote (with Addr its name) when connected.
	Bind Kind = "bind"
	// SendTo: a datagram sent. Remote is its destination, Addr its name, Data the bytes.
	SendTo Kind = "sendto"
	// RecvFrom: a datagram received. Remote is its sender, Addr its name, Data the bytes.
	RecvFrom Kind = "recvfrom"
	// Drop: a datagram of N bytes from Addr was dropped because too many were waiting to be
	// read, or, with Fault, by the lab's loss fault.
	Drop Kind = "drop"
	// Faults: the run's network has the lab's faults on purpose (package gateway/faults). Told
	// once, on stream 0, when the program first reaches the lab; Text holds them as a spec
	// with their seed ("segment=1,seed=7"), so a run can be repeated under the same faults.
	Faults Kind = "faults"
	// Error: an operation failed: a connect, a lookup, a listen (Addr "listen") or a UDP
	// socket's. Code and Error say why.
	Error Kind = "error"
)
