package lab

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// ErrServerClosed is returned by ConnServer.Serve once Close has been called.
var ErrServerClosed = errors.New("lab: server closed")

// ConnServer is a Server that runs a handler for every accepted connection, each in its own
// goroutine. Close stops accepting, closes every open connection and waits for every handler
// to return, so a handler only has to return once its connection fails.
type ConnServer struct {
	handle func(net.Conn)
	log    *slog.Logger
	done   chan struct{}

	mu     sync.Mutex
	lns    map[net.Listener]struct{}
	conns  map[net.Conn]struct{}
	peak   int // the most connections conns held since it was last made anew
	closed bool
	wg     sync.WaitGroup // one per running handler
}

// NewConnServer returns a ConnServer that calls handle for each connection. The handler
// owns the connection and should close it; the server closes it too once handle returns.
// log receives accept errors and handler panics; it may be nil.
func NewConnServer(handle func(c net.Conn), log *slog.Logger) *ConnServer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ConnServer{
		handle: handle,
		log:    log,
		done:   make(chan struct{}),
		lns:    make(map[net.Listener]struct{}),
		conns:  make(map[net.Conn]struct{}),
	}
}

// Serve accepts connections on l until l fails for good or Close is called. It always
// closes l before returning.
func (s *ConnServer) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.lns[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-s.done:
				return ErrServerClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Most likely out of file descriptors: wait a little and try again, as
			// net/http does, rather than spin or give up.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed; retrying", "listener", l.Addr().String(), "err", err, "backoff", backoff)
			t := time.NewTimer(backoff)
			select {
			case <-s.done:
				t.Stop()
				return ErrServerClosed
			case <-t.C:
			}
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.peak = max(s.peak, len(s.conns))
		s.wg.Add(1)
		s.mu.Unlock()
		go s.run(c)
	}
}

func (s *ConnServer) run(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		// A bug in one handler must not take the whole gateway down: like net/http,
		// log the panic and drop only that connection.
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "client", c.RemoteAddr().String(), "panic", p, "stack", string(debug.Stack()))
		}
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.shrinkLocked()
		s.mu.Unlock()
	}()
	s.handle(c)
}

// shrinkLocked makes the table of connections anew once most of those it grew for are gone:
// a Go map keeps the room it grew to, and thousands of connections held open for a while
// (a hostile client's) would leave it behind for good. Call with mu held.
func (s *ConnServer) shrinkLocked() {
	if s.peak < shrinkFrom || len(s.conns) > s.peak/8 {
		return
	}
	m := make(map[net.Conn]struct{}, len(s.conns))
	for c := range s.conns {
		m[c] = struct{}{}
	}
	s.conns, s.peak = m, len(m)
}

// shrinkFrom is the least peak worth making the table anew for.
const shrinkFrom = 256

// Close stops accepting, closes every open connection and waits for the handlers to return.
func (s *ConnServer) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	var toClose []io.Closer
	for l := range s.lns {
		toClose = append(toClose, l)
	}
	for c := range s.conns {
		toClose = append(toClose, c)
	}
	s.mu.Unlock()
	for _, c := range toClose {
		c.Close()
	}
	s.wg.Wait()
	return nil
}

// idleConn gives every Read and Write its own deadline, so a connection that goes quiet for
// longer than idle fails instead of holding its goroutine forever.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

func (n *Network) idleConn(c net.Conn) idleConn { return idleConn{c, n.idle} }

// finish ends a connection on which the server has said its last word. It sends FIN first
// and then reads and drops whatever the client still sends for a short while: closing a
// socket with unread input makes the kernel send a reset, and the client could then lose
// the reply it has not read yet.
func (n *Network) finish(c net.Conn) {
	defer c.Close()
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(min(n.idle, maxLinger)))
	io.Copy(io.Discard, io.LimitReader(c, 1<<20))
}

// errLineTooLong reports a line longer than the server's MaxLine.
var errLineTooLong = errors.New("line too long")

// newLineReader returns a reader for readLine with room for one line of maxLine bytes.
func newLineReader(r io.Reader, maxLine int) *bufio.Reader {
	return bufio.NewReaderSize(r, maxLine)
}

// readLine reads one line of at most maxLine bytes, line ending included, and returns it
// without its LF or CRLF. A last line that ends at end of stream without a newline counts
// as a line if it leaves room for the newline it lacks; the call after it returns io.EOF.
// A longer line gives errLineTooLong.
func readLine(r *bufio.Reader, maxLine int) (string, error) {
	b, err := r.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		return "", errLineTooLong
	case errors.Is(err, io.EOF) && len(b) > 0:
	default:
		return "", err
	}
	if b[len(b)-1] != '\n' {
		if len(b)+1 > maxLine {
			return "", errLineTooLong
		}
		return string(b), nil
	}
	if len(b) > maxLine {
		return "", errLineTooLong
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return string(b), nil
}

// tracker counts things that are still running (connections, sessions) for servers whose
// goroutines belong to a library, so that their Close can wait for the count to reach zero.
// Unlike a sync.WaitGroup it allows Add while someone waits.
type tracker struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (t *tracker) Add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) Done() {
	t.mu.Lock()
	t.n--
	if t.n < 0 {
		t.mu.Unlock()
		panic("lab: tracker.Done without Add")
	}
	if t.n == 0 && t.cond != nil {
		t.cond.Broadcast()
	}
	t.mu.Unlock()
}

// Wait returns once the count is zero.
func (t *tracker) Wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cond == nil {
		t.cond = sync.NewCond(&t.mu)
	}
	for t.n > 0 {
		t.cond.Wait()
	}
}

// Count returns how many are running now.
func (t *tracker) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}
