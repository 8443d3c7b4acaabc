package classroom

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// StateFile is the database's name inside the --state folder.
const StateFile = "class.db"

var (
	metaBucket     = []byte("class")
	learnersBucket = []byte("learners") // name → the learner's record, without the last run
	runsBucket     = []byte("runs")     // name → the learner's last run, kept apart: it is large
	notesBucket    = []byte("notes")    // seq, big-endian → a note the teacher sent
)

// Store keeps a class on disk (--state DIR): its code, the key that signs its join cookies,
// the teacher's key, and each learner's record. It is one bbolt file; one gateway holds it
// at a time.
type Store struct {
	db   *bolt.DB
	path string

	code       string
	joinKey    [32]byte
	teacherKey string
}

// Open opens or creates the class kept in dir. code is the join code the gateway was started
// with ("" or "auto": take the kept one, or make one up with newCode). A kept class with
// another code is an error: the state belongs to another class.
func Open(dir, code string, newCode func() string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--state %s: cannot make the folder: %w", dir, err)
	}
	path := filepath.Join(dir, StateFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("%s is in use by another socketlab: stop it, or give this one another --state folder", path)
		}
		return nil, fmt.Errorf("%s cannot be opened as a class's state (%v): move it away to start the class afresh, or give another --state folder", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.load(code, newCode); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// load reads the class's facts, writing them first for a new class.
func (s *Store) load(code string, newCode func() string) error {
	if code == "auto" {
		code = ""
	}
	corrupt := func(what string) error {
		return fmt.Errorf("%s holds a damaged class (%s): move it away to start the class afresh, or give another --state folder", s.path, what)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{learnersBucket, runsBucket, notesBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		kept := string(m.Get([]byte("code")))
		if kept == "" {
			if code == "" {
				code = newCode()
			}
			var jk [32]byte
			var tk [16]byte
			rand.Read(jk[:])
			rand.Read(tk[:])
			for k, v := range map[string][]byte{"code": []byte(code), "join-key": jk[:], "teacher-key": []byte(hex.EncodeToString(tk[:]))} {
				if err := m.Put([]byte(k), v); err != nil {
					return err
				}
			}
			kept = code
		}
		if code != "" && code != kept {
			return fmt.Errorf("%s belongs to the class with the code %q, not %q: start with --class %s (or --class auto) to continue it, or give another --state folder for a new class", s.path, kept, code, kept)
		}
		jk := m.Get([]byte("join-key"))
		tk := string(m.Get([]byte("teacher-key")))
		if len(jk) != 32 || len(tk) < 16 {
			return corrupt("its keys are missing")
		}
		s.code, s.teacherKey = kept, tk
		copy(s.joinKey[:], jk)
		return nil
	})
	return err
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Code is the class's join code.
func (s *Store) Code() string { return s.code }

// JoinKey signs the class's join cookies, so they stay good across restarts.
func (s *Store) JoinKey() [32]byte { return s.joinKey }

// TeacherKey opens the teacher's view.
func (s *Store) TeacherKey() string { return s.teacherKey }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Save writes one learner's record, and their last run when run is true.
func (s *Store) Save(l *Learner, run bool) error {
	rec := *l
	rec.Last = nil
	b, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	var rb []byte
	if run && l.Last != nil {
		if rb, err = json.Marshal(l.Last); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if rb != nil {
			if err := tx.Bucket(runsBucket).Put([]byte(l.Name), rb); err != nil {
				return err
			}
		}
		return tx.Bucket(learnersBucket).Put([]byte(l.Name), b)
	})
}

// Delete forgets a learner.
func (s *Store) Delete(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(runsBucket).Delete([]byte(name)); err != nil {
			return err
		}
		return tx.Bucket(learnersBucket).Delete([]byte(name))
	})
}

// Learners reads every learner's record, with their last run.
func (s *Store) Learners() ([]*Learner, error) {
	var out []*Learner
	err := s.db.View(func(tx *bolt.Tx) error {
		runs := tx.Bucket(runsBucket)
		return tx.Bucket(learnersBucket).ForEach(func(k, v []byte) error {
			l := &Learner{}
			if err := json.Unmarshal(v, l); err != nil || l.Name != string(k) {
				return fmt.Errorf("%s holds a damaged record for the learner %q: move the file away to start the class afresh, or give another --state folder", s.path, k)
			}
			if rb := runs.Get(k); rb != nil {
				l.Last = &Run{}
				if err := json.Unmarshal(rb, l.Last); err != nil {
					return fmt.Errorf("%s holds a damaged last run of the learner %q: move the file away to start the class afresh, or give another --state folder", s.path, k)
				}
			}
			out = append(out, l)
			return nil
		})
	})
	return out, err
}

// SaveNote keeps a note, and forgets the ones before the last keep.
func (s *Store) SaveNote(n Note, keep int) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		nb := tx.Bucket(notesBucket)
		if err := nb.Put(binary.BigEndian.AppendUint64(nil, uint64(n.Seq)), b); err != nil {
			return err
		}
		var keys [][]byte
		nb.ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		})
		for len(keys) > keep {
			if err := nb.Delete(keys[0]); err != nil {
				return err
			}
			keys = keys[1:]
		}
		return nil
	})
}

// Notes reads the notes kept, oldest first.
func (s *Store) Notes() ([]Note, error) {
	var out []Note
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(notesBucket).ForEach(func(k, v []byte) error {
			var n Note
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("%s holds a damaged note: move the file away to start the class afresh, or give another --state folder", s.path)
			}
			out = append(out, n)
			return nil
		})
	})
	return out, err
}

// Learner reads one learner's record, with their last run.
func (s *Store) Learner(name string) (*Learner, bool, error) {
	var l *Learner
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(learnersBucket).Get([]byte(name))
		if v == nil {
			return nil
		}
		l = &Learner{}
		if err := json.Unmarshal(v, l); err != nil || l.Name != name {
			return fmt.Errorf("%s holds a damaged record for the learner %q: move the file away to start the class afresh, or give another --state folder", s.path, name)
		}
		if rb := tx.Bucket(runsBucket).Get([]byte(name)); rb != nil {
			l.Last = &Run{}
			if err := json.Unmarshal(rb, l.Last); err != nil {
				return fmt.Errorf("%s holds a damaged last run of the learner %q: move the file away to start the class afresh, or give another --state folder", s.path, name)
			}
		}
		return nil
	})
	return l, l != nil, err
}
