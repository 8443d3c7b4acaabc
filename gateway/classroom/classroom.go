// Package classroom is the teacher's side of classroom mode (--class): the roster and each
// learner's progress, kept by the gateway (in a bbolt file with --state DIR, so that both
// survive a restart), the teacher's view behind a key of its own, a live feed of the class's
// runs, notes and code the teacher sends to every page, and the progress as CSV.
//
// Learners' pages report to it: each run in classroom mode (POST /api/class/run, from
// static/classroom.js), and every exercise check the gateway judges (ObserveChecks wraps
// POST /api/check). The relay's Class says who a request is.
package classroom

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"socketlab/gateway/relay"
)

// Learner is one learner's record: what the roster shows and what is kept.
type Learner struct {
	Name      string               `json:"name"`
	Joined    time.Time            `json:"joined"`
	Lesson    string               `json:"lesson,omitempty"` // where they are: the lesson's slug
	Cell      string               `json:"cell,omitempty"`   // and the cell they ran last
	Runs      int                  `json:"runs"`
	Last      *Run                 `json:"last,omitempty"`
	Exercises map[string]*Progress `json:"exercises,omitempty"` // by "LESSON/EXERCISE"

	seen time.Time // the page last asked for notes or reported a run
}

// Run is a learner's run as their page reported it.
type Run struct {
	Seq    int64     `json:"seq"` // its place in the class's feed
	At     time.Time `json:"at"`
	Lesson string    `json:"lesson"`
	Cell   string    `json:"cell"`
	// State is how the run ended: "done", "compile-error", "error", "stopped", ...
	State string `json:"state"`
	Exit  *int   `json:"exit"` // nil when the program did not exit by itself
	// CompileError is the compiler's complaint, when State is "compile-error".
	CompileError string            `json:"compile_error,omitempty"`
	Code         string            `json:"code"`
	Console      string            `json:"console"` // the console's last MaxConsole bytes
	Events       []json.RawMessage `json:"events"`  // the run's socket events, the first MaxEvents
	Truncated    bool              `json:"truncated,omitempty"`
}

// Progress is a learner's progress on one exercise.
type Progress struct {
	Passed   bool      `json:"passed"`
	PassedAt time.Time `json:"passed_at,omitzero"`
	Tries    int       `json:"tries"`
	// Check is the first check the last try failed (-1: none), and Streak how many tries in
	// a row failed it: three or more and the learner is stuck.
	Check  int `json:"check"`
	Streak int `json:"streak"`
}

// Stuck says whether the learner failed the same check three times in a row, and has not
// passed since.
func (p *Progress) Stuck() bool { return !p.Passed && p.Streak >= StuckAfter }

// StuckAfter is how many failures of the same check in a row make a learner stuck.
const StuckAfter = 3

// Exercise names an exercise, for the progress table and the CSV's columns.
type Exercise struct {
	Lesson string `json:"lesson"`
	Name   string `json:"name"`
	Title  string `json:"title"`
}

// Key is the exercise's key in Learner.Exercises.
func (e Exercise) Key() string { return e.Lesson + "/" + e.Name }

// Bounds on what the gateway keeps of a run and of the class.
const (
	MaxRunBody  = 2 << 20   // the body of POST /api/class/run
	MaxCode     = 256 << 10 // a run's code, as the build service's --max-source
	MaxConsole  = 16 << 10  // the tail of a run's console
	MaxEvents   = 2000      // a run's socket events
	MaxEventsB  = 1 << 20   // the events' bytes
	MaxNote     = 4000      // a note's text
	MaxNoteCode = 32 << 10  // a code cell sent to the class
	feedLen     = 200       // feed items kept
	notesLen    = 50        // notes kept
	// online is how recently a page must have been heard from to count as connected.
	online = 20 * time.Second
)

// FeedItem is one run in the class's live feed.
type FeedItem struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Name   string    `json:"name"`
	Lesson string    `json:"lesson"`
	Cell   string    `json:"cell"`
	State  string    `json:"state"`
	Exit   *int      `json:"exit"`
	Error  string    `json:"error,omitempty"` // the first line of a compile error
}

// Note is what the teacher sends the class: words, a code cell, or both.
type Note struct {
	Seq  int64     `json:"seq"`
	At   time.Time `json:"at"`
	Text string    `json:"text,omitempty"`
	Code string    `json:"code,omitempty"`
}

// Options configure a Classroom.
type Options struct {
	Class *relay.Class
	Relay *relay.Relay
	// Store keeps the class (a bbolt file, or a database the replicas share); nil keeps it
	// in memory only.
	Store State
	// TeacherKey opens the teacher's view; "" takes the Store's, or makes one up.
	TeacherKey string
	// Exercises are the lessons' exercises, in the lessons' order.
	Exercises []Exercise
	// Action hears each thing the teacher does ("note", "end", "remove", "export",
	// "open-run"), for the metrics. Nil: nothing.
	Action func(what string)
	Logger *slog.Logger
}

// Classroom is the class's roster and progress, and the teacher's view of them.
type Classroom struct {
	class     *relay.Class
	relay     *relay.Relay
	store     State
	shared    shared // learners who arrive from another replica
	key       string
	exercises []Exercise
	known     map[string]bool // exercise keys
	action    func(string)
	log       *slog.Logger

	mu       sync.Mutex
	joinURL  string // the URL learners open, and its QR code as a data: URL
	joinQR   string
	learners map[string]*Learner
	feed     []FeedItem
	notes    []Note
	seq      int64
	changed  chan struct{} // closed and replaced when the feed or roster changes
}

// New makes the classroom, reading the kept learners from the store and giving the relay's
// class their names and its join key.
func New(o Options) (*Classroom, error) {
	c := &Classroom{class: o.Class, relay: o.Relay, store: o.Store, key: o.TeacherKey, exercises: o.Exercises,
		known: map[string]bool{}, action: o.Action, log: o.Logger, learners: map[string]*Learner{}, changed: make(chan struct{})}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, e := range o.Exercises {
		c.known[e.Key()] = true
	}
	if c.key == "" && c.store != nil {
		c.key = c.store.TeacherKey()
	}
	if c.key == "" {
		var b [16]byte
		rand.Read(b[:])
		c.key = hex.EncodeToString(b[:])
	}
	if c.store != nil {
		ls, err := c.store.Learners()
		if err != nil {
			return nil, err
		}
		var names []string
		for _, l := range ls {
			c.learners[l.Name] = l
			names = append(names, l.Name)
			if l.Last != nil && l.Last.Seq > c.seq {
				c.seq = l.Last.Seq
			}
		}
		if c.notes, err = c.store.Notes(); err != nil {
			return nil, err
		}
		for _, n := range c.notes {
			c.seq = max(c.seq, n.Seq)
		}
		c.class.Restore(c.store.JoinKey(), names)
		c.class.Elsewhere = c.elsewhere
	}
	c.class.OnJoin = c.joined
	return c, nil
}

// SetJoinURL tells the teacher's view the URL learners open (the command knows the
// addresses it listens on), which it shows with a QR code.
func (c *Classroom) SetJoinURL(u string) error {
	png, err := qrcode.Encode(u, qrcode.Medium, 320)
	if err != nil {
		return fmt.Errorf("making the QR code of %s: %w", u, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.joinURL, c.joinQR = u, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png)
	c.notify()
	return nil
}

// TeacherKey is the key of the teacher's view.
func (c *Classroom) TeacherKey() string { return c.key }

func (c *Classroom) did(what string) {
	if c.action != nil {
		c.action(what)
	}
}

// notify wakes whoever waits for news; c.mu is held.
func (c *Classroom) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// learner returns name's record, making it; c.mu is held.
func (c *Classroom) learner(name string) *Learner {
	l := c.learners[name]
	if l != nil && l.seen.IsZero() {
		l = c.fresh(l) // first heard of here: another replica may have moved them on
	}
	if l == nil {
		l = &Learner{Name: name, Joined: time.Now().UTC(), Exercises: map[string]*Progress{}}
		c.learners[name] = l
	}
	if l.Exercises == nil {
		l.Exercises = map[string]*Progress{}
	}
	return l
}

// save keeps l, with their last run when run is true; c.mu is held (bbolt serialises
// writers anyway, and a class is small).
func (c *Classroom) save(l *Learner, run bool) {
	if c.store == nil {
		return
	}
	if err := c.store.Save(l, run); err != nil {
		c.log.Error("cannot keep a learner's progress", "file", c.store.Path(), "learner", l.Name, "err", err)
	}
}

func (c *Classroom) joined(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.learner(name)
	l.seen = time.Now()
	c.save(l, false)
	c.notify()
}

// Report records a run a learner's page reported, and puts it in the feed.
func (c *Classroom) Report(name string, r *Run) {
	r.trim()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	r.Seq, r.At = c.seq, time.Now().UTC()
	l := c.learner(name)
	l.Runs++
	l.Last, l.Lesson, l.Cell, l.seen = r, r.Lesson, r.Cell, time.Now()
	c.feed = append(c.feed, FeedItem{Seq: r.Seq, At: r.At, Name: name, Lesson: r.Lesson, Cell: r.Cell, State: r.State, Exit: r.Exit, Error: firstLine(r.CompileError)})
	if len(c.feed) > feedLen {
		c.feed = append(c.feed[:0:0], c.feed[len(c.feed)-feedLen:]...)
	}
	c.save(l, true)
	c.notify()
}

// trim cuts a run to what the gateway keeps.
func (r *Run) trim() {
	if len(r.Code) > MaxCode {
		r.Code, r.Truncated = r.Code[:MaxCode], true
	}
	if len(r.Console) > MaxConsole {
		r.Console, r.Truncated = r.Console[len(r.Console)-MaxConsole:], true
	}
	if len(r.CompileError) > MaxConsole {
		r.CompileError, r.Truncated = r.CompileError[:MaxConsole], true
	}
	size := 0
	for i, e := range r.Events {
		size += len(e)
		if i >= MaxEvents || size > MaxEventsB {
			r.Events, r.Truncated = r.Events[:i], true
			break
		}
	}
	r.Lesson, r.Cell, r.State = clip(r.Lesson, 100), clip(r.Cell, 100), clip(r.State, 40)
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return clip(s, 300)
}

// Checked records the verdict of one exercise's checks on a learner's run.
func (c *Classroom) Checked(name, lesson, exercise string, ok []bool) {
	key := lesson + "/" + exercise
	if !c.known[key] {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.learner(name)
	p := l.Exercises[key]
	if p == nil {
		p = &Progress{Check: -1}
		l.Exercises[key] = p
	}
	p.Tries++
	failed := -1
	for i, v := range ok {
		if !v {
			failed = i
			break
		}
	}
	switch {
	case failed < 0:
		if !p.Passed {
			p.PassedAt = time.Now().UTC()
		}
		p.Passed, p.Check, p.Streak = true, -1, 0
	case failed == p.Check:
		p.Streak++
	default:
		p.Check, p.Streak = failed, 1
	}
	c.save(l, false)
	c.notify()
}

// Seen notes that name's page is open on lesson.
func (c *Classroom) Seen(name, lesson string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.learner(name)
	moved := lesson != "" && l.Lesson != clip(lesson, 100)
	if moved {
		l.Lesson = clip(lesson, 100)
		l.Cell = ""
	}
	was := time.Since(l.seen) < online
	l.seen = time.Now()
	if moved {
		c.save(l, false)
	}
	if moved || !was {
		c.notify()
	}
}

// Send puts a note in front of the whole class.
func (c *Classroom) Send(text, code string) Note {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	n := Note{Seq: c.seq, At: time.Now().UTC(), Text: text, Code: code}
	c.notes = append(c.notes, n)
	if len(c.notes) > notesLen {
		c.notes = append(c.notes[:0:0], c.notes[len(c.notes)-notesLen:]...)
	}
	if c.store != nil {
		if err := c.store.SaveNote(n, notesLen); err != nil {
			c.log.Error("cannot keep a note", "file", c.store.Path(), "err", err)
		}
	}
	c.notify()
	return n
}

// NotesAfter are the notes after seq.
func (c *Classroom) NotesAfter(seq int64) []Note {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []Note{}
	for _, n := range c.notes {
		if n.Seq > seq {
			out = append(out, n)
		}
	}
	return out
}

// Passed lists the exercises name has passed, by lesson: what their page shows as done on
// any machine.
func (c *Classroom) Passed(name string) map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string][]string{}
	if l := c.learners[name]; l != nil {
		for _, e := range c.exercises {
			if p := l.Exercises[e.Key()]; p != nil && p.Passed {
				out[e.Lesson] = append(out[e.Lesson], e.Name)
			}
		}
	}
	return out
}

// End ends a learner's programs, which frees their listeners; it says how many there were.
func (c *Classroom) End(name string) int {
	n := c.relay.EndPrograms(name)
	c.mu.Lock()
	c.notify()
	c.mu.Unlock()
	return n
}

// Remove ends a learner's programs and takes them out of the class: their join cookie stops
// working and their record is forgotten.
func (c *Classroom) Remove(name string) bool {
	// Out of the store first: a request meanwhile that asks the store (Elsewhere) finds
	// them gone, and is not let back in.
	if c.store != nil {
		if err := c.store.Delete(name); err != nil {
			c.log.Error("cannot forget a learner", "file", c.store.Path(), "learner", name, "err", err)
		}
	}
	c.class.Remove(name)
	c.relay.EndPrograms(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.learners[name]
	delete(c.learners, name)
	c.notify()
	return ok
}

// LastRun is a learner's last run.
func (c *Classroom) LastRun(name string) (*Run, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.learners[name]
	if l == nil || l.Last == nil {
		return nil, false
	}
	return l.Last, true
}

// Row is a learner as the roster shows them.
type Row struct {
	Name      string    `json:"name"`
	Connected bool      `json:"connected"`
	Programs  int       `json:"programs"`
	Lesson    string    `json:"lesson"`
	Cell      string    `json:"cell"`
	Runs      int       `json:"runs"`
	Last      *FeedItem `json:"last"`
	Passed    int       `json:"passed"`
	Stuck     []string  `json:"stuck"` // exercise keys
}

// ExerciseRow is the class's progress on one exercise.
type ExerciseRow struct {
	Exercise
	Passed []string `json:"passed"`
	Stuck  []string `json:"stuck"`
	Trying []string `json:"trying"` // tried, not passed, not stuck
}

// View is everything the teacher's view shows.
type View struct {
	Code      string        `json:"code"`
	JoinURL   string        `json:"join_url,omitempty"`
	JoinQR    string        `json:"join_qr,omitempty"` // a data: URL of a PNG`
	Roster    []Row         `json:"roster"`
	Exercises []ExerciseRow `json:"exercises"`
	Feed      []FeedItem    `json:"feed"`
	Notes     []Note        `json:"notes"`
}

// View is the class as it is now.
func (c *Classroom) View() View {
	programs := map[string]int{}
	for _, n := range c.class.Names() {
		programs[n] = c.relay.Programs(n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v := View{Code: c.class.Code(), JoinURL: c.joinURL, JoinQR: c.joinQR, Roster: []Row{}, Feed: append([]FeedItem{}, c.feed...), Notes: append([]Note{}, c.notes...)}
	names := make([]string, 0, len(c.learners))
	for n := range c.learners {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, e := range c.exercises {
		row := ExerciseRow{Exercise: e, Passed: []string{}, Stuck: []string{}, Trying: []string{}}
		for _, n := range names {
			p := c.learners[n].Exercises[e.Key()]
			switch {
			case p == nil:
			case p.Passed:
				row.Passed = append(row.Passed, n)
			case p.Stuck():
				row.Stuck = append(row.Stuck, n)
			default:
				row.Trying = append(row.Trying, n)
			}
		}
		v.Exercises = append(v.Exercises, row)
	}
	for _, n := range names {
		l := c.learners[n]
		row := Row{Name: n, Programs: programs[n], Lesson: l.Lesson, Cell: l.Cell, Runs: l.Runs, Stuck: []string{}}
		row.Connected = row.Programs > 0 || time.Since(l.seen) < online
		if r := l.Last; r != nil {
			row.Last = &FeedItem{Seq: r.Seq, At: r.At, Name: n, Lesson: r.Lesson, Cell: r.Cell, State: r.State, Exit: r.Exit, Error: firstLine(r.CompileError)}
		}
		for _, e := range c.exercises {
			if p := l.Exercises[e.Key()]; p != nil && p.Passed {
				row.Passed++
			} else if p != nil && p.Stuck() {
				row.Stuck = append(row.Stuck, e.Key())
			}
		}
		v.Roster = append(v.Roster, row)
	}
	return v
}

// Changed is closed at the next change of the roster, the feed or the notes.
func (c *Classroom) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}
