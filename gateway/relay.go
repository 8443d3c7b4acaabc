package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
	"socketlab/wire"
)

// Relay serves the wire protocol on WebSocket connections: each connection is one learner
// program's session, and every stream in it is a real socket opened by the gateway.
type Relay struct {
	Lab  *lab.Network
	Logf func(format string, args ...any)
	// Window is the credit granted to a program for each stream it writes to. Defaults to 256 KiB.
	Window uint32
	// DialTimeout bounds a TCP connect. Defaults to 10s.
	DialTimeout time.Duration
	// Limits bound sessions, sockets and traffic. Zero fields take DefaultLimits.
	Limits Limits
	// Policy decides which destinations outside the lab programs may reach. Nil allows none.
	Policy *policy.Policy
	// Class, when set, is classroom mode: only people who joined may connect, each is the
	// learner they joined as, and classmates reach each other at NAME.lab.
	Class *Class
	// connectHook, when set (by tests), sees every real destination just before the gateway
	// connects to it or sends it a datagram; an error stops it.
	connectHook func(network, address string) error
	// Origins are host patterns (path.Match syntax) of other pages allowed to connect. Pages
	// of the gateway's own host always are; anything else is refused.
	Origins []string

	limOnce  sync.Once
	lim      Limits
	clientMu sync.Mutex
	clients  map[string]int // sessions per client address
	active   int            // sessions in all

	baseOnce sync.Once
	base     context.Context
	stop     context.CancelFunc

	learners  learners
	nextID    atomic.Uint32 // ids of streams the gateway opens
	udpByReal sync.Map      // real address → *udpSock, to name senders
	sessions  sync.WaitGroup
}

// peers is the lab's table of the relay's connections (nil without a lab: no one reads it).
func (r *Relay) peers() *lab.Peers {
	if r.Lab == nil {
		return nil
	}
	return r.Lab.Peers()
}

func (r *Relay) limits() Limits {
	r.limOnce.Do(func() { r.lim = r.Limits.withDefaults() })
	return r.lim
}

// admit counts a session for a client address, or says which limit it would break.
func (r *Relay) admit(client string) (release func(), reason string) {
	lim := r.limits()
	r.clientMu.Lock()
	defer r.clientMu.Unlock()
	if r.clients == nil {
		r.clients = map[string]int{}
	}
	switch {
	case lim.Sessions > 0 && r.active >= lim.Sessions:
		return nil, fmt.Sprintf("the lab is full: %d programs are connected, its limit (--max-sessions); try again in a moment", r.active)
	case lim.SessionsPerClient > 0 && r.clients[client] >= lim.SessionsPerClient:
		return nil, fmt.Sprintf("your address has %d programs connected, the lab's limit (--max-sessions-per-client): stop some and try again", r.clients[client])
	}
	r.active++
	r.clients[client]++
	return func() {
		r.clientMu.Lock()
		r.active--
		if r.clients[client]--; r.clients[client] <= 0 {
			delete(r.clients, client)
		}
		r.clientMu.Unlock()
	}, ""
}

func (r *Relay) window() uint32 {
	if r.Window == 0 {
		return 256 << 10
	}
	return r.Window
}

func (r *Relay) dialTimeout() time.Duration {
	if r.DialTimeout == 0 {
		return 10 * time.Second
	}
	return r.DialTimeout
}

func (r *Relay) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// ServeHTTP upgrades the request to a WebSocket and runs a session on it. Only pages of the
// gateway's own origin may connect. The query parameter "learner" names the learner the
// program belongs to, so that all of one learner's programs share an address and listeners.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	learnerID := req.URL.Query().Get("learner")
	if r.Class != nil {
		name, ok := r.Class.Identify(req)
		if !ok {
			jsonError(w, http.StatusUnauthorized, "this lab is in classroom mode: join the class on the lab's page first")
			return
		}
		learnerID = classLearnerID(name)
	}
	ws, client, ok := upgrade(w, req, r.Origins, "this is the lab's WebSocket endpoint for programs: open a lesson page and press Run")
	if !ok {
		return
	}
	// The session runs on a goroutine of its own and this handler returns, so that the HTTP
	// server lets go of the request, its buffers and its stack.
	r.sessions.Add(1)
	go func() {
		defer r.sessions.Done()
		r.serveSession(ws, client, learnerID)
	}()
}

// serveSession runs one program's session on an upgraded connection.
func (r *Relay) serveSession(ws *wsConn, client, learnerID string) {
	defer ws.conn.Close()
	release, reason := r.admit(client)
	if release == nil {
		msg := wire.Append(make([]byte, wsMaxHeader, 256), wire.Close, 0, wire.CloseMsg{Code: wire.CodeLimit, Reason: reason}.Append(nil))
		ws.writeBinary(msg, len(msg)-wsMaxHeader)
		ws.closeWith(1013, reason) // try again later
		return
	}
	defer release()
	rd := newMsgReader(ws, wire.MaxFrame)
	defer rd.release()
	l := r.learners.join(learnerID, r.limits())
	defer r.learners.leave(l)
	s := &session{
		relay:     r,
		ws:        ws,
		rd:        rd,
		streams:   map[uint32]*stream{},
		listeners: map[uint32]*listener{},
		sockets:   map[uint32]*udpSock{},
		learner:   l,
	}
	s.ctx, s.cancel = context.WithCancel(r.context())
	// When the gateway shuts down, the reader stops waiting for the program.
	defer context.AfterFunc(s.ctx, func() { ws.conn.SetReadDeadline(time.Unix(1, 0)) })()
	err := s.run()
	s.shutdown()
	var cf closeFrame
	switch {
	case err == nil, errors.As(err, &cf), errors.Is(err, context.Canceled), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		r.context().Err() != nil:
	default:
		r.logf("session of learner %s (%s) ended: %v", s.learner.addr, client, err)
	}
}

// context is the parent of every session's context: Close cancels it.
func (r *Relay) context() context.Context {
	r.baseOnce.Do(func() { r.base, r.stop = context.WithCancel(context.Background()) })
	return r.base
}

// Close ends every session: each program's connections get what it wrote, then a FIN, and
// the program is told the lab is going away. It waits for the sessions, at most until ctx ends.
func (r *Relay) Close(ctx context.Context) error {
	r.context()
	r.stop()
	done := make(chan struct{})
	go func() {
		r.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drainTime bounds how long a finished program's streams may take to send what it wrote.
const drainTime = 5 * time.Second

// session is one program's connection.
type session struct {
	relay   *Relay
	ws      *wsConn
	rd      *msgReader
	learner *learner
	ctx     context.Context
	cancel  context.CancelFunc

	bytes atomic.Int64 // moved either way, for Limits.BytesPerSession

	mu        sync.Mutex
	names     map[netip.Addr]string // outside addresses this session looked up, and their names
	streams   map[uint32]*stream
	listeners map[uint32]*listener
	sockets   map[uint32]*udpSock
	wg        sync.WaitGroup // stream goroutines
}

// protocolError ends the session: the page broke the protocol.
type protocolError struct{ reason string }

func (e protocolError) Error() string { return e.reason }

func (s *session) run() error {
	if err := s.hello(); err != nil {
		return err
	}
	for {
		msg, err := s.rd.next()
		if err != nil {
			return s.readFailed(err)
		}
		f, err := wire.Decode(msg)
		if err != nil {
			return s.fail(err.Error())
		}
		if err := s.dispatch(f); err != nil {
			var pe protocolError
			if errors.As(err, &pe) {
				return s.fail(pe.reason)
			}
			return err
		}
	}
}

// readFailed ends the session after a failed read: a client that broke the WebSocket
// protocol is told why.
func (s *session) readFailed(err error) error {
	var fe *frameError
	if errors.As(err, &fe) {
		s.ws.closeWith(fe.status, fe.reason)
		return protocolError{fe.reason}
	}
	return err
}

func (s *session) hello() error {
	s.ws.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	msg, err := s.rd.next()
	if err != nil {
		return s.readFailed(err)
	}
	s.ws.conn.SetReadDeadline(time.Time{})
	f, err := wire.Decode(msg)
	if err != nil {
		return s.fail(err.Error())
	}
	var h wire.HelloMsg
	if f.Type != wire.Hello || f.Stream != 0 {
		return s.fail(fmt.Sprintf("the session must start with HELLO on stream 0, not %v on stream %d", f.Type, f.Stream))
	}
	if err := h.Unmarshal(f.Payload); err != nil {
		return s.fail(err.Error())
	}
	if h.Version < wire.Version {
		return s.fail(fmt.Sprintf("protocol version %d is not supported; this gateway speaks version %d", h.Version, wire.Version))
	}
	return s.send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: s.learner.addr.String()}.Append(nil))
}

// fail tells the page why the session ends and closes it.
func (s *session) fail(reason string) error {
	s.send(wire.Close, 0, wire.CloseMsg{Code: wire.CodeProtocol, Reason: reason}.Append(nil))
	s.ws.closeWith(1008, reason) // policy violation
	return protocolError{reason}
}

// frameBufs hold outgoing frames, with room in front for the WebSocket header.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (s *session) send(t wire.Type, id uint32, payload []byte) error {
	bp := frameBufs.Get().(*[]byte)
	msg := wire.Append((*bp)[:wsMaxHeader], t, id, payload)
	err := s.ws.writeBinary(msg, len(msg)-wsMaxHeader)
	if cap(msg) <= wire.MaxFrame {
		*bp = msg[:0]
		frameBufs.Put(bp)
	}
	return err
}

// sendData sends buf[dataAt:dataAt+n] as a DATA frame, writing the headers into the space
// before it, so the bytes leave in one write without being copied again.
func (s *session) sendData(id uint32, buf []byte, n int) error {
	wire.Append(buf[wsMaxHeader:wsMaxHeader], wire.Data, id, nil)
	return s.ws.writeBinary(buf, wire.HeaderSize+n)
}

// dataAt is where a DATA frame's payload starts in a relay buffer.
const dataAt = wsMaxHeader + wire.HeaderSize

func (s *session) sendClose(id uint32, code wire.Code, reason string) {
	s.send(wire.Close, id, wire.CloseMsg{Code: code, Reason: reason}.Append(nil))
}

func (s *session) dispatch(f wire.Frame) error {
	if f.Stream == 0 {
		if f.Type == wire.Close {
			return context.Canceled // the program said goodbye
		}
		return protocolError{fmt.Sprintf("%v is not allowed on stream 0", f.Type)}
	}
	switch f.Type {
	case wire.Connect:
		var m wire.ConnectMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return protocolError{err.Error()}
		}
		if f.Stream&wire.GatewayStream != 0 {
			return protocolError{fmt.Sprintf("stream %d is in the gateway's range; programs open streams below %d", f.Stream, uint32(wire.GatewayStream))}
		}
		return s.open(f.Stream, m)
	case wire.Lookup:
		var m wire.LookupMsg
		if err := m.Unmarshal(f.Payload); err != nil {
			return protocolError{err.Error()}
		}
		return s.lookup(f.Stream, m)
	case wire.Data, wire.Continue, wire.Fin, wire.Close, wire.Datagram:
		s.mu.Lock()
		st := s.streams[f.Stream]
		ln := s.listeners[f.Stream]
		u := s.sockets[f.Stream]
		s.mu.Unlock()
		if u != nil {
			return u.fromProgram(f)
		}
		if ln != nil && f.Type == wire.Close {
			ln.close()
			return nil
		}
		if st == nil {
			// The stream may have ended at the gateway while the frame was in flight.
			return nil
		}
		if f.Type == wire.Datagram {
			return protocolError{fmt.Sprintf("stream %d is not a UDP socket", f.Stream)}
		}
		return st.fromProgram(f)
	}
	return protocolError{fmt.Sprintf("a program may not send %v", f.Type)}
}

func (s *session) open(id uint32, m wire.ConnectMsg) error {
	s.mu.Lock()
	_, dup := s.streams[id]
	_, dupL := s.listeners[id]
	_, dupU := s.sockets[id]
	dup = dup || dupL || dupU
	s.mu.Unlock()
	if dup {
		return protocolError{fmt.Sprintf("stream %d is already open", id)}
	}
	switch m.Kind {
	case wire.KindDial:
		if err := s.learner.takeSocket(s.relay.limits(), false); err != nil {
			s.sendClose(id, wire.CodeLimit, err.Error())
			return nil
		}
		st := newStream(s, id, m.Window)
		st.counted = true
		s.mu.Lock()
		s.streams[id] = st
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			st.dial(m)
		}()
	case wire.KindListen:
		s.listen(id, m)
	case wire.KindUDP:
		s.openUDP(id, m)
	}
	return nil
}

func (s *session) remove(id uint32) {
	s.mu.Lock()
	delete(s.streams, id)
	s.mu.Unlock()
}

// shutdown closes every socket of the session and waits for their goroutines.
func (s *session) shutdown() {
	s.mu.Lock()
	listeners := s.listeners
	s.listeners = map[uint32]*listener{}
	sockets := s.sockets
	s.sockets = map[uint32]*udpSock{}
	open := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		open = append(open, st)
	}
	s.mu.Unlock()
	for _, ln := range listeners {
		ln.close()
	}
	for _, u := range sockets {
		u.close()
	}
	// A program that ends closes its connections the way a process exit does: what it wrote
	// still goes out, then a FIN. Give them a moment to drain before cutting them off.
	for _, st := range open {
		st.drainAndClose()
	}
	drained := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainTime):
	}

	s.cancel()
	s.mu.Lock()
	streams := s.streams
	s.streams = map[uint32]*stream{}
	s.mu.Unlock()
	for _, st := range streams {
		st.abort()
	}
	s.wg.Wait()
	s.ws.closeWith(1000, "")
	s.ws.conn.Close()
}
