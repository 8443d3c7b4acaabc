package labnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"socketlab/event"
	"socketlab/wire"
)

// window is how many bytes of one stream the runtime buffers for the program: the credit it
// grants the gateway.
const window = 256 << 10

// creditBatch is how many bytes the program reads before the runtime returns them to the
// gateway as credit, in one CONTINUE. While the program waits for bytes, everything it read
// is either credited already or less than a batch, so the gateway then holds at least
// window-creditBatch of credit: a stream never stalls for want of a CONTINUE, and a small
// exchange (a 64-byte echo) sends none at all.
const creditBatch = window / 4

// transport carries whole wire frames to and from the gateway. One goroutine reads; writes
// come one at a time (the session serialises them).
type transport interface {
	// ReadMessage reads the next message into buf, which holds the largest frame, and
	// returns it (a prefix of buf).
	ReadMessage(ctx context.Context, buf []byte) ([]byte, error)
	// WriteFrame sends one frame as one message. It keeps nothing of payload.
	WriteFrame(ctx context.Context, t wire.Type, stream uint32, payload []byte) error
	Close() error
}

// session is the program's one connection to the gateway.
type session struct {
	tr      transport
	started time.Time
	learner string // the program's own address in the lab

	// The lab's faults on this session, as the gateway's HELLO told them: segment is the
	// segment fault's N (0: none) and segmentFault the events' Fault for its pieces.
	faults       string
	segment      int
	segmentFault string

	wmu    sync.Mutex // serialises writes
	credit [4]byte    // a CONTINUE's payload, under wmu

	events eventBuffer

	mu        sync.Mutex
	next      uint32
	streams   map[uint32]*stream
	listeners map[uint32]*listener
	packets   map[uint32]*packetConn
	lookups   map[uint32]chan lookupResult
	names     map[string]string // address → name, from lookups, for the wire view
	err       error             // set when the session is gone
	done      chan struct{}
}

var (
	sessionMu   sync.Mutex
	current     *session
	gatewayURL  func() string // set per platform
	dialGateway func(ctx context.Context, url string) (transport, error)
)

// getSession returns the live session, connecting on first use.
func getSession(ctx context.Context) (*session, error) {
	sessionMu.Lock()
	defer sessionMu.Unlock()
	if current != nil {
		select {
		case <-current.done:
		default:
			return current, nil
		}
	}
	url := gatewayURL()
	if url == "" {
		return nil, errnoErr(syscall.ENETUNREACH, "the lab gateway is not configured for this program")
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	tr, err := dialGateway(cctx, url)
	if err != nil {
		return nil, errnoErr(syscall.ENETUNREACH, fmt.Sprintf("cannot reach the lab gateway at %s: %v", url, err))
	}
	s, err := startSession(cctx, tr)
	if err != nil {
		tr.Close()
		return nil, errnoErr(syscall.ENETUNREACH, fmt.Sprintf("cannot start a session with the lab gateway at %s: %v", url, err))
	}
	current = s
	if s.faults != "" {
		s.emit(event.Event{Kind: event.Faults, Text: s.faults})
	}
	return s, nil
}

// startSession greets the gateway over tr and starts reading what it sends.
func startSession(ctx context.Context, tr transport) (*session, error) {
	s := &session{
		tr:        tr,
		started:   time.Now(),
		next:      1,
		streams:   map[uint32]*stream{},
		listeners: map[uint32]*listener{},
		packets:   map[uint32]*packetConn{},
		lookups:   map[uint32]chan lookupResult{},
		names:     map[string]string{},
		done:      make(chan struct{}),
	}
	if err := s.hello(ctx); err != nil {
		return nil, err
	}
	go s.readLoop()
	return s, nil
}

func (s *session) hello(ctx context.Context) error {
	if err := s.tr.WriteFrame(ctx, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "labnet"}.Append(nil)); err != nil {
		return err
	}
	buf := getFrameBuf()
	defer putFrameBuf(buf)
	reply, err := s.tr.ReadMessage(ctx, *buf)
	if err != nil {
		return err
	}
	f, err := wire.Decode(reply)
	if err != nil {
		return err
	}
	switch f.Type {
	case wire.Hello:
		var h wire.HelloMsg
		if err := h.Unmarshal(f.Payload); err != nil {
			return err
		}
		if h.Version != wire.Version {
			return fmt.Errorf("it speaks protocol version %d, this program version %d", h.Version, wire.Version)
		}
		s.learner = h.Info
		s.faults = h.Faults
		if s.segment = segmentOf(h.Faults); s.segment > 0 {
			s.segmentFault = event.FaultSegment + "=" + strconv.Itoa(s.segment)
		}
		return nil
	case wire.Close:
		var c wire.CloseMsg
		c.Unmarshal(f.Payload)
		return errors.New(c.Reason)
	}
	return fmt.Errorf("unexpected %v frame", f.Type)
}

// send writes one frame to the gateway.
func (s *session) send(t wire.Type, id uint32, payload []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.sendLocked(t, id, payload)
}

// sendCredit returns n bytes of credit on a stream.
func (s *session) sendCredit(id uint32, n int) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.sendLocked(wire.Continue, id, wire.Credit(s.credit[:0], uint32(n)))
}

func (s *session) sendLocked(t wire.Type, id uint32, payload []byte) error {
	select {
	case <-s.done:
		return s.err
	default:
	}
	if err := s.tr.WriteFrame(context.Background(), t, id, payload); err != nil {
		s.fail(err)
		return s.err
	}
	return nil
}

// newID allocates an odd stream id.
func (s *session) newID() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.next
	s.next += 2
	return id
}

// readLoop reads and applies every frame from the gateway. Each message lands in a frame
// buffer; when a stream keeps it (see rqueue), the next message goes into a fresh one.
func (s *session) readLoop() {
	buf := getFrameBuf()
	defer func() { putFrameBuf(buf) }()
	for {
		msg, err := s.tr.ReadMessage(context.Background(), *buf)
		if err != nil {
			s.fail(err)
			return
		}
		f, err := wire.Decode(msg)
		if err != nil {
			s.fail(fmt.Errorf("the gateway sent a bad frame: %w", err))
			return
		}
		kept, err := s.dispatch(f, buf)
		if err != nil {
			s.fail(err)
			return
		}
		if kept {
			buf = getFrameBuf()
		}
	}
}

// dispatch applies f, whose payload lies in buf. It reports whether a stream kept buf.
func (s *session) dispatch(f wire.Frame, buf *[]byte) (kept bool, err error) {
	if f.Stream == 0 {
		if f.Type == wire.Close {
			var c wire.CloseMsg
			if c.Unmarshal(f.Payload) == nil {
				return false, fmt.Errorf("the gateway ended the session: %s", c.Reason)
			}
		}
		return false, nil
	}
	s.mu.Lock()
	st := s.streams[f.Stream]
	lk := s.lookups[f.Stream]
	ln := s.listeners[f.Stream]
	pc := s.packets[f.Stream]
	s.mu.Unlock()
	if pc != nil {
		return false, pc.handle(f)
	}
	if lk != nil {
		s.answer(f, lk)
		return false, nil
	}
	if ln != nil {
		return false, ln.handle(f)
	}
	if st == nil {
		return false, nil // a stream the program already closed
	}
	return st.handle(f, buf)
}

// fail ends the session: every socket sees the error.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = errnoErr(syscall.ECONNRESET, "the connection to the lab gateway was lost: "+err.Error())
	close(s.done)
	streams := s.streams
	s.streams = map[uint32]*stream{}
	lookups := s.lookups
	s.lookups = map[uint32]chan lookupResult{}
	listeners := s.listeners
	s.listeners = map[uint32]*listener{}
	packets := s.packets
	s.packets = map[uint32]*packetConn{}
	s.mu.Unlock()
	for _, pc := range packets {
		pc.fail(s.err)
	}
	s.tr.Close()
	for _, st := range streams {
		st.fail(s.err)
	}
	for _, ln := range listeners {
		ln.fail(s.err)
	}
	for _, lk := range lookups {
		lk <- lookupResult{err: s.err}
	}
}

func (s *session) add(st *stream) {
	s.mu.Lock()
	s.streams[st.id] = st
	s.mu.Unlock()
}

func (s *session) removePacket(id uint32) {
	s.mu.Lock()
	delete(s.packets, id)
	s.mu.Unlock()
}

func (s *session) removeListener(id uint32) {
	s.mu.Lock()
	delete(s.listeners, id)
	s.mu.Unlock()
}

func (s *session) remove(id uint32) {
	s.mu.Lock()
	delete(s.streams, id)
	s.mu.Unlock()
}

// name returns "time.lab:37" for "10.10.0.37:37" when the program looked the name up.
func (s *session) name(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	s.mu.Lock()
	n, ok := s.names[host]
	s.mu.Unlock()
	if !ok {
		return addr
	}
	return net.JoinHostPort(n, port)
}

// closeError turns a Close frame into the error the program sees.
func closeError(c wire.CloseMsg) error {
	errno := c.Code.Errno()
	switch c.Code {
	case wire.CodeRefused, wire.CodeReset, wire.CodeTimeout, wire.CodeAddrInUse,
		wire.CodeHostUnreach, wire.CodeNetUnreach, wire.CodeAddrNotAvail, wire.CodeDenied:
		// Exactly what Linux says; the gateway's explanation goes to the wire view.
		return errno
	}
	if errno == 0 {
		errno = syscall.EIO
	}
	return errnoErr(errno, c.Reason)
}

// segmentOf is N of the segment fault in a spec in the gateway's canonical form
// ("segment=1,seed=7"), or 0.
func segmentOf(spec string) int {
	for term := range strings.SplitSeq(spec, ",") {
		if v, ok := strings.CutPrefix(term, "segment="); ok {
			n, _ := strconv.Atoi(v)
			return max(n, 0)
		}
	}
	return 0
}
