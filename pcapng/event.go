package pcapng

// Event is one socket event of a run, as the lab runtime records it for the wire view.
// socketlab/labnet.Event has the same fields, types and JSON names, so the runtime
// converts with a plain conversion, pcapng.Event(e), or through JSON.
//
// Addresses are "host:port". Local is the learner program's end, Remote the peer's.
// Streams with bind, sendto or recvfrom events are UDP; the others are TCP.
type Event struct {
	T      float64  `json:"t"`      // milliseconds since the run started
	Stream uint32   `json:"stream"` // one per socket or lookup
	Kind   string   `json:"kind"`   // see the Kind constants
	Addr   string   `json:"addr,omitempty"`
	Local  string   `json:"local,omitempty"`
	Remote string   `json:"remote,omitempty"`
	N      int      `json:"n,omitempty"`    // bytes sent or received
	Data   []byte   `json:"data,omitempty"` // those bytes, or their first part (base64 in JSON)
	Addrs  []string `json:"addrs,omitempty"`
	Micros int      `json:"micros,omitempty"` // how long a connect took
	Host   string   `json:"host,omitempty"`   // where the gateway host reaches a listener
	Code   string   `json:"code,omitempty"`
	Error  string   `json:"error,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// The kinds of Event that Write turns into packets. Others (lookup, listen, drop, an error
// on a lookup) give no packets, but an "answer" names its addresses in the file.
const (
	KindAnswer    = "answer"     // a lookup's result: Addr the name, Addrs its addresses
	KindDial      = "dial"       // a TCP connect starts: Addr what was dialed, Remote the address
	KindConnected = "connected"  // the connect worked: Local, Remote, Micros
	KindAccept    = "accept"     // a listener took a connection: Local, Remote
	KindSend      = "send"       // the program wrote N bytes: Data
	KindRecv      = "recv"       // the program received N bytes: Data
	KindFinSent   = "fin-sent"   // the program half-closed (CloseWrite)
	KindFinRecv   = "fin-recv"   // the peer half-closed: the program will read EOF
	KindClose     = "close"      // the connection was closed in order
	KindReset     = "reset"      // the peer reset the connection
	KindResetSent = "reset-sent" // the program reset the connection (Close with linger 0)
	KindError     = "error"      // an operation failed: Code, Error
	KindBind      = "bind"       // a UDP socket opened: Local, and Remote when connected
	KindSendTo    = "sendto"     // a datagram sent: Remote its destination, Data
	KindRecvFrom  = "recvfrom"   // a datagram received: Remote its sender, Data
)
