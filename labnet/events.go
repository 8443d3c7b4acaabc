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
// whether the learner is stepping now. Set per platform.
var (
	stepper  func(about event.Event)
	stepping func() bool
)

// steppingNow reports whether pause would stop: a caller that must build the words first
// (with fmt, on every write) asks this before.
func steppingNow() bool {
	return stepper != nil && (stepping == nil || stepping())
}

// pause stops before a socket operation in step mode. Text says what is about to happen in
// words: "about to send 18 bytes to web.lab:80".
func (s *session) pause(e event.Event, text string) {
	if !steppingNow() {
		return
	}
	e.T = float64(time.Since(s.started).Microseconds()) / 1000
	e.Text = text
	stepper(e)
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
