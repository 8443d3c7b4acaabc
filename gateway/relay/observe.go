package relay

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"

	"socketlab/wire"
)

// Observer hears what the relay does, for the gateway's metrics and its log (gateway/metrics).
// Its methods are called on the relay's goroutines, some on the data path: they must be quick
// and never block. A nil Relay.Observer hears nothing.
type Observer interface {
	// SessionStarted: a program's session was admitted.
	SessionStarted()
	// SessionEnded: a session is over, or was refused at once (Admitted false).
	SessionEnded(SessionReport)
	// Opened: a program opened a socket: "dial", "listen" or "udp", or its listener accepted
	// a connection, "accept".
	Opened(kind string)
	// Dialed: a program's TCP connect ended: wire.CodeClosed when it connected, else why not.
	Dialed(code wire.Code)
	// PolicyRefused: the operator's policy refused a destination; rule says what refused it
	// (policy.Decision.Refused, or "stale-lookup").
	PolicyRefused(rule string)
	// Moved: n bytes of a program's traffic went to the program (down) or came from it.
	Moved(down bool, n int)
}

// SessionReport is one session, as it ended.
type SessionReport struct {
	Learner  string     // the learner id the page gave (in a class, "class-" and the name)
	Addr     netip.Addr // the learner's lab address (invalid when not admitted)
	Client   string     // the address the program connected from
	Admitted bool       // false: refused at once, End is "limit"
	Duration time.Duration
	Up, Down int64 // bytes the program sent through its sockets, and bytes it was sent
	// End is how the session ended, one of a few words: "closed" (the program said goodbye),
	// "gone" (the page's connection dropped, as when Stop ends the worker), "protocol"
	// (the page broke the protocol), "limit" (refused: the lab was full), "shutdown" (the
	// gateway stopped) or "error".
	End string
	// Reason says more, when there is more to say: the protocol error, the limit, the error.
	Reason string
}

// nopObserver is the Observer of a Relay without one.
type nopObserver struct{}

func (nopObserver) SessionStarted()            {}
func (nopObserver) SessionEnded(SessionReport) {}
func (nopObserver) Opened(string)              {}
func (nopObserver) Dialed(wire.Code)           {}
func (nopObserver) PolicyRefused(string)       {}
func (nopObserver) Moved(bool, int)            {}

func (r *Relay) obs() Observer {
	if r.Observer == nil {
		return nopObserver{}
	}
	return r.Observer
}

// moved counts n bytes of the program's traffic, to it (down) or from it.
func (s *session) moved(down bool, n int) {
	if down {
		s.down.Add(int64(n))
	} else {
		s.up.Add(int64(n))
	}
	s.relay.obs().Moved(down, n)
}

// ending words how a session's run ended, for SessionReport.End and Reason.
func (r *Relay) ending(err error) (end, reason string) {
	var cf closeFrame
	var pe protocolError
	switch {
	case r.context().Err() != nil:
		return "shutdown", ""
	case errors.Is(err, context.Canceled):
		return "closed", ""
	case errors.As(err, &pe):
		return "protocol", pe.reason
	case errors.As(err, &cf), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
		return "gone", ""
	case err == nil:
		return "closed", ""
	}
	return "error", err.Error()
}
