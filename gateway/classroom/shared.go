package classroom

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// A class kept in a store several replicas share (--state postgres://...) moves: when the
// replica holding it goes away, the balancer sends its learners to another, whose gateway
// has the same class (same code, same keys) but has not heard of them. Their join cookies are
// good there; the first request of a name the replica does not know reads the class again from
// the store, roster, progress and notes, and lets the learner in. A learner the replica knew
// from its start (restored then) is read again the first time it hears from them here, since
// another replica may have moved them on meanwhile.

// instance tells this gateway process from any other: a page that sees it change knows its
// class moved (another replica, or a restart) and says so.
var instance = func() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// resync is how often, at most, a name not known here reads the whole class again; between
// two, only that learner and the notes are read.
const resync = time.Second

// shared is what a Classroom keeps for learners arriving from another replica.
type shared struct {
	mu     sync.Mutex
	synced time.Time
}

// elsewhere is the relay class's Elsewhere: whether name, holding a good join cookie but not
// known here, joined the class on another replica. It takes the class from the store.
func (c *Classroom) elsewhere(name string) bool {
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	if time.Since(c.shared.synced) >= resync {
		c.shared.synced = time.Now()
		known, err := c.resync()
		if err != nil {
			c.log.Error("cannot read the class from its store", "store", c.store.Path(), "err", err)
			return false
		}
		if known[name] {
			return true
		}
	}
	l, ok, err := c.store.Learner(name)
	if err != nil {
		c.log.Error("cannot read a learner from the class's store", "store", c.store.Path(), "learner", name, "err", err)
		return false
	}
	if !ok {
		return false
	}
	notes, err := c.store.Notes()
	if err != nil {
		c.log.Error("cannot read the class's notes from its store", "store", c.store.Path(), "err", err)
	}
	c.adopt([]*Learner{l}, notes)
	return true
}

// resync reads the whole class from the store and takes what this replica has not heard
// of: learners it has not seen, notes it does not have. It returns the names kept.
func (c *Classroom) resync() (map[string]bool, error) {
	ls, err := c.store.Learners()
	if err != nil {
		return nil, err
	}
	notes, err := c.store.Notes()
	if err != nil {
		return nil, err
	}
	c.adopt(ls, notes)
	known := map[string]bool{}
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		known[l.Name] = true
		names = append(names, l.Name)
	}
	c.class.Restore(c.store.JoinKey(), names)
	return known, nil
}

// adopt takes learners read from the store, unless this replica has heard from them since it
// started (then its own record is the newer), and the notes when the store has newer ones.
// The feed's numbers go on after the highest seen, so pages asking for notes after the last
// they saw miss none.
func (c *Classroom) adopt(ls []*Learner, notes []Note) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range ls {
		if cur := c.learners[l.Name]; cur == nil || cur.seen.IsZero() {
			c.learners[l.Name] = l
		}
		if l.Last != nil {
			c.seq = max(c.seq, l.Last.Seq)
		}
	}
	last := int64(0)
	if len(c.notes) > 0 {
		last = c.notes[len(c.notes)-1].Seq
	}
	if len(notes) > 0 && notes[len(notes)-1].Seq > last {
		c.notes = notes
	}
	for _, n := range notes {
		c.seq = max(c.seq, n.Seq)
	}
	c.notify()
}

// fresh is l as the store has it now, for a learner first heard of here; c.mu is held.
func (c *Classroom) fresh(l *Learner) *Learner {
	if c.store == nil {
		return l
	}
	kept, ok, err := c.store.Learner(l.Name)
	if err != nil {
		c.log.Error("cannot read a learner from the class's store", "store", c.store.Path(), "learner", l.Name, "err", err)
		return l
	}
	if !ok {
		return l
	}
	if kept.Last != nil {
		c.seq = max(c.seq, kept.Last.Seq)
	}
	c.learners[l.Name] = kept
	return kept
}
