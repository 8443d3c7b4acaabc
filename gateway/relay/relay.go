// Package relay carries learner programs' sockets: each WebSocket on /ws is one program's
// session, and every stream in it is a real socket the gateway opens, listens on or binds
// for the program (dial.go, stream.go, listen.go, udp.go, lookup.go), where route decides what
// a program may reach (route.go). Learners, their budgets (limits.go) and classroom mode
// (class.go) live here too, and so do /websockify (one TCP connection on one WebSocket) and
// the server side of the WebSocket protocol that both endpoints speak (wsconn.go).
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"socketlab/gateway/faults"
	"socketlab/gateway/lab"
	"socketlab/gateway/policy"
	"socketlab/internal/lograte"
	"socketlab/wire"
)

// Relay serves the wire protocol on WebSocket connections: each connection is one learner
// program's session, and every stream in it is a real socket opened by the gateway.
type Relay struct {
	Lab *lab.Network
	// Logger receives sessions that end in an error and bridges that end with a reason, with
	// the client address and the learner's lab address as attributes. Defaults to discarding.
	Logger *slog.Logger
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
	// Faults are the lab's faults on every program's sockets (socketlab --faults); a program
	// may add its own (the "faults" query parameter of /ws) but not take these away.
	Faults faults.Spec
	// Origins are host patterns (path.Match syntax) of other pages allowed to connect. Pages
	// of the gateway's own host always are; anything else is refused.
	Origins []string
	// Observer hears of sessions, sockets, dials, refusals and bytes (observe.go). Nil: nothing.
	Observer Observer

	limOnce  sync.Once
	lim      Limits
	clientMu sync.Mutex
	clients  map[string]*client // by clientKey
	active   int                // sessions in all
	sockets  int                // sockets in all

	logRate lograte.Limiter // lines about a client: at most one a minute for each address and kind

	baseOnce sync.Once
	base     context.Context
	stop     context.CancelFunc

	learners  learners
	nextID    atomic.Uint32 // ids of streams the gateway opens
	udpByReal sync.Map      // real address → *udpSock, to name senders
	byReal    sync.Map      // real local address of a program's connection → its owner
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

// logger is r.Logger, or one that discards.
func (r *Relay) logger() *slog.Logger {
	if r.Logger == nil {
		return discardLogger
	}
	return r.Logger
}

var discardLogger = slog.New(slog.DiscardHandler)

// learnerOf is the learner a request acts as: the query parameter "learner", or in a class the
// one who joined, whatever the parameter says. Without a join it answers 401 and false.
func (r *Relay) learnerOf(w http.ResponseWriter, req *http.Request) (string, bool) {
	if r.Class == nil {
		return req.URL.Query().Get("learner"), true
	}
	name, ok := r.Class.Identify(req)
	if !ok {
		jsonError(w, http.StatusUnauthorized, "this lab is in classroom mode: join the class on the lab's page first")
		return "", false
	}
	return classLearnerID(name), true
}

// ServeHTTP upgrades the request to a WebSocket and runs a session on it. Only pages of the
// gateway's own origin may connect. The query parameter "learner" names the learner the
// program belongs to, so that all of one learner's programs share an address and listeners.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	learnerID, ok := r.learnerOf(w, req)
	if !ok {
		return
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
		r.serveSession(ws, client, learnerID, req.URL.Query().Get("faults"))
	}()
}

// serveSession runs one program's session on an upgraded connection.
func (r *Relay) serveSession(ws *wsConn, client, learnerID, faultSpec string) {
	defer ws.conn.Close()
	start := time.Now()
	c, release, reason := r.admit(client)
	if release == nil {
		r.obs().SessionEnded(SessionReport{Learner: learnerID, Client: client, End: "limit", Reason: reason})
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
		client:    c,
	}
	s.faults, s.faultErr = r.sessionFaults(faultSpec)
	s.ctx, s.cancel = context.WithCancel(r.context())
	l.mu.Lock()
	if l.running == nil {
		l.running = map[*session]struct{}{}
	}
	l.running[s] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.running, s)
		l.mu.Unlock()
	}()
	// When the gateway shuts down, the reader stops waiting for the program.
	defer context.AfterFunc(s.ctx, func() { ws.conn.SetReadDeadline(time.Unix(1, 0)) })()
	r.obs().SessionStarted()
	err := s.run()
	s.shutdown()
	end, why := r.ending(err)
	r.obs().SessionEnded(SessionReport{Learner: learnerID, Addr: l.addr, Client: client, Admitted: true,
		Duration: time.Since(start), Up: s.up.Load(), Down: s.down.Load(), End: end, Reason: why})
	var cf closeFrame
	switch {
	case err == nil, errors.As(err, &cf), errors.Is(err, context.Canceled), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		r.context().Err() != nil:
	default:
		if r.logRate.Allow(clientKey(client) + " session") {
			r.logger().Warn("a session ended on an error (logged once a minute per address)", "client", client, "learner", s.learner.addr, "err", err)
		}
	}
}

// Programs is how many programs a classmate has connected now.
func (r *Relay) Programs(name string) int { return r.learners.count(classLearnerID(name)) }

// EndPrograms ends every program of a classmate, as if each page's connection dropped: their
// listeners close and their ports are free. It says how many programs there were.
func (r *Relay) EndPrograms(name string) int { return r.learners.end(classLearnerID(name)) }

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

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
