package relay

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/gateway/faults"
	"socketlab/wire"
)

// drainTime bounds how long a finished program's streams may take to send what it wrote.
const drainTime = 5 * time.Second

// session is one program's connection.
type session struct {
	relay   *Relay
	ws      *wsConn
	rd      *msgReader
	learner *learner
	client  *client // the address the program came from
	ctx     context.Context
	cancel  context.CancelFunc

	bytes    atomic.Int64 // moved either way, for Limits.BytesPerSession
	up, down atomic.Int64 // the program's bytes sent and received, for the Observer

	faults   faults.Spec // the lab's faults on this session's sockets, with their seed
	faultErr string      // why the faults the session asked for cannot be had

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
	if s.faultErr != "" {
		return s.fail(s.faultErr)
	}
	return s.send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: s.learner.addr.String(), Faults: s.faults.String()}.Append(nil))
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
		if err := s.relay.take(s.owner(), false); err != nil {
			s.relay.obs().Dialed(wire.CodeLimit)
			s.sendClose(id, wire.CodeLimit, err.Error())
			return nil
		}
		st := newStream(s, id, m.Window)
		st.owner = s.owner()
		s.mu.Lock()
		s.streams[id] = st
		s.mu.Unlock()
		s.relay.obs().Opened("dial")
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
