package classroom

import (
	"fmt"
	"strings"
)

// State keeps a class where it outlives the gateway: its code, its keys, each learner's
// record and the teacher's notes. Store (bbolt, --state DIR) is the one-machine default;
// Postgres (--state postgres://...) is a store every replica of a deployment reaches, so
// a class whose replica goes away continues on another.
type State interface {
	// Path says where the class is kept, for messages (a file, or a database without its
	// password).
	Path() string
	// Code is the class's join code.
	Code() string
	// JoinKey signs the class's join cookies, so they stay good across restarts and replicas.
	JoinKey() [32]byte
	// TeacherKey opens the teacher's view.
	TeacherKey() string
	// Save writes one learner's record, and their last run when run is true.
	Save(l *Learner, run bool) error
	// Delete forgets a learner.
	Delete(name string) error
	// Learners reads every learner's record, with their last run.
	Learners() ([]*Learner, error)
	// Learner reads one learner's record, with their last run; false when none is kept.
	Learner(name string) (*Learner, bool, error)
	// SaveNote keeps a note, and forgets the ones before the last keep.
	SaveNote(n Note, keep int) error
	// Notes reads the notes kept, oldest first.
	Notes() ([]Note, error)
	// Close lets go of the store.
	Close() error
}

// IsDatabaseURL says whether --state names a PostgreSQL database rather than a folder.
func IsDatabaseURL(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// OpenState opens the class kept at spec: a PostgreSQL URL (postgres://...) or a folder for
// a bbolt file. code and newCode are as for Open.
func OpenState(spec, code string, newCode func() string) (State, error) {
	if spec == "" {
		return nil, fmt.Errorf("--state is empty: give a folder, or a postgres:// URL")
	}
	if IsDatabaseURL(spec) {
		return OpenPostgres(spec, code, newCode)
	}
	return Open(spec, code, newCode)
}
