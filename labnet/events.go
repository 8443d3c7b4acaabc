package labnet

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"socketlab/event"
)

// observer receives events as JSON; nil drops them. It may not keep the bytes. Set per
// platform.
var observer func(json []byte)

// stepper, when set, is called before each socket operation with what is about to happen and
// returns when the learner lets the program go on (step mode). stepping, when set, says
// whether the learner is stepping now. stepped, when set, hears what a read the learner
// stepped over returned. Set per platform.
var (
	stepper  func(about event.Event)
	stepping func() bool
	stepped  func(result event.Event)
)

// stepMu lets one goroutine pause at a time: the page resumes one operation per Step, so a
// second goroutine that reaches a socket operation meanwhile waits its turn.
var stepMu sync.Mutex

// steppingNow reports whether pause would stop: a caller that must build the words first
// (with fmt, on every write) asks this before.
func steppingNow() bool {
	return stepper != nil && (stepping == nil || stepping())
}

// pause stops before a socket operation in step mode. Text says what is about to happen in
// words: "about to send 18 bytes to web.lab:80". It reports whether it paused.
func (s *session) pause(e event.Event, text string) bool {
	if !steppingNow() {
		return false
	}
	stepMu.Lock()
	defer stepMu.Unlock()
	if !steppingNow() { // the learner pressed Continue while this goroutine waited its turn
		return false
	}
	e.T = float64(time.Since(s.started).Microseconds()) / 1000
	e.Text = text
	stepper(e)
	return true
}

// told says, after an operation the program paused before, what it returned: "the read
// returned 4 bytes from time.lab:37".
func (s *session) told(e event.Event, text string) {
	if stepped == nil {
		return
	}
	e.T = float64(time.Since(s.started).Microseconds()) / 1000
	e.Text = text
	stepped(e)
}

// emit reports e to the observer. Without one it costs nothing: it is small enough to be
// inlined, and only report, which is not, makes the event escape.
func (s *session) emit(e event.Event) {
	if observer != nil {
		s.report(e)
	}
}

// report encodes e as JSON into a buffer the session keeps (a stream's bytes make big
// events, and the wire view wants every one) and hands it to the observer, which must be done
// with it when it returns.
func (s *session) report(e event.Event) {
	e.T = float64(time.Since(s.started).Microseconds()) / 1000
	s.events.Lock()
	defer s.events.Unlock()
	s.events.buf.Reset()
	if s.events.enc == nil {
		s.events.enc = json.NewEncoder(&s.events.buf)
	}
	if s.events.enc.Encode(e) != nil {
		return
	}
	b := s.events.buf.Bytes()
	observer(b[:len(b)-1]) // without Encode's newline
}

// eventBuffer is where a session encodes its events.
type eventBuffer struct {
	sync.Mutex
	buf bytes.Buffer
	enc *json.Encoder
}
