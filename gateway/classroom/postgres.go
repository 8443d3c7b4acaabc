package classroom

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres keeps classes in a PostgreSQL database every replica of a deployment reaches
// (--state postgres://...). One database holds any number of classes, each under its code;
// replicas started with the same code share the class: its keys, so a join cookie made on one
// is good on all, and the learners' records, so a class whose replica goes away continues on
// the next with its roster and progress.
type Postgres struct {
	pool  *pgxpool.Pool
	where string // the URL without its password

	code       string
	joinKey    [32]byte
	teacherKey string
}

// pgTimeout bounds one statement: a database that does not answer is reported, not waited
// for while a learner's page hangs.
const pgTimeout = 10 * time.Second

// pgSchema makes the tables. It runs under an advisory lock, so replicas starting together
// do not race to create them.
const pgSchema = `
CREATE TABLE IF NOT EXISTS socketlab_class (
	code        text PRIMARY KEY,
	join_key    bytea NOT NULL,
	teacher_key text NOT NULL,
	created     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS socketlab_learner (
	code   text NOT NULL REFERENCES socketlab_class (code) ON DELETE CASCADE,
	name   text NOT NULL,
	record jsonb NOT NULL,
	run    jsonb,
	PRIMARY KEY (code, name)
);
CREATE TABLE IF NOT EXISTS socketlab_note (
	code text NOT NULL REFERENCES socketlab_class (code) ON DELETE CASCADE,
	seq  bigint NOT NULL,
	note jsonb NOT NULL,
	PRIMARY KEY (code, seq)
);`

// pgLock is the advisory lock's key while a replica opens its class ("socklab" in ASCII).
const pgLock = 0x736f636b6c6162

// OpenPostgres connects to the database at dsn and opens the class with the given code there,
// making the tables and the class when they are missing. code "" or "auto" takes the class
// made last, or makes one up with newCode when there is none.
func OpenPostgres(dsn, code string, newCode func() string) (*Postgres, error) {
	where := redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("--state %s: not a PostgreSQL URL (%v): write postgres://USER:PASSWORD@HOST:PORT/DATABASE", where, err)
	}
	cfg.MaxConns = 8
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("--state %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("--state %s: cannot reach the database (%v): check that it runs, that this machine may connect, and the user and password", where, err)
	}
	s := &Postgres{pool: pool, where: where}
	if err := s.load(ctx, code, newCode); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// redact is dsn without its password.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://..."
	}
	return u.Redacted()
}

// load makes the tables and the class if need be, and reads the class's keys.
func (s *Postgres) load(ctx context.Context, code string, newCode func() string) error {
	if code == "auto" {
		code = ""
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(pgLock)); err != nil {
			return fmt.Errorf("%s: %w", s.where, err)
		}
		if _, err := tx.Exec(ctx, pgSchema); err != nil {
			return fmt.Errorf("%s: making the tables: %w", s.where, err)
		}
		q, args := "SELECT code, join_key, teacher_key FROM socketlab_class WHERE code = $1", []any{code}
		if code == "" {
			q, args = "SELECT code, join_key, teacher_key FROM socketlab_class ORDER BY created DESC LIMIT 1", nil
		}
		var jk []byte
		err := tx.QueryRow(ctx, q, args...).Scan(&s.code, &jk, &s.teacherKey)
		if errors.Is(err, pgx.ErrNoRows) {
			if code == "" {
				code = newCode()
			}
			var tk [16]byte
			jk = make([]byte, 32)
			rand.Read(jk)
			rand.Read(tk[:])
			s.code, s.teacherKey = code, hex.EncodeToString(tk[:])
			_, err = tx.Exec(ctx, "INSERT INTO socketlab_class (code, join_key, teacher_key) VALUES ($1, $2, $3)", s.code, jk, s.teacherKey)
		}
		if err != nil {
			return fmt.Errorf("%s: reading the class %q: %w", s.where, code, err)
		}
		if len(jk) != 32 || len(s.teacherKey) < 16 {
			return fmt.Errorf("%s holds a damaged class %q (its keys are missing): delete its row in socketlab_class to start it afresh", s.where, s.code)
		}
		copy(s.joinKey[:], jk)
		return nil
	})
}

// Path is the database's URL without its password.
func (s *Postgres) Path() string { return s.where }

// Code is the class's join code.
func (s *Postgres) Code() string { return s.code }

// JoinKey signs the class's join cookies.
func (s *Postgres) JoinKey() [32]byte { return s.joinKey }

// TeacherKey opens the teacher's view.
func (s *Postgres) TeacherKey() string { return s.teacherKey }

// Close closes the connections.
func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

func (s *Postgres) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), pgTimeout)
}

// Save writes one learner's record, and their last run when run is true; a record written
// without its run keeps the run kept before.
func (s *Postgres) Save(l *Learner, run bool) error {
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
	ctx, cancel := s.ctx()
	defer cancel()
	_, err = s.pool.Exec(ctx, `INSERT INTO socketlab_learner (code, name, record, run) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code, name) DO UPDATE SET record = excluded.record, run = COALESCE(excluded.run, socketlab_learner.run)`,
		s.code, l.Name, string(b), nullJSON(rb))
	return err
}

// nullJSON is b as a jsonb parameter, NULL when empty.
func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// Delete forgets a learner.
func (s *Postgres) Delete(name string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := s.pool.Exec(ctx, "DELETE FROM socketlab_learner WHERE code = $1 AND name = $2", s.code, name)
	return err
}

// Learners reads every learner's record, with their last run.
func (s *Postgres) Learners() ([]*Learner, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT name, record, run FROM socketlab_learner WHERE code = $1 ORDER BY name", s.code)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the class's learners: %w", s.where, err)
	}
	defer rows.Close()
	var out []*Learner
	for rows.Next() {
		var name string
		var rec, run []byte
		if err := rows.Scan(&name, &rec, &run); err != nil {
			return nil, err
		}
		l, err := s.decode(name, rec, run)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Learner reads one learner's record, with their last run.
func (s *Postgres) Learner(name string) (*Learner, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var rec, run []byte
	err := s.pool.QueryRow(ctx, "SELECT record, run FROM socketlab_learner WHERE code = $1 AND name = $2", s.code, name).Scan(&rec, &run)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: reading the learner %q: %w", s.where, name, err)
	}
	l, err := s.decode(name, rec, run)
	return l, err == nil, err
}

func (s *Postgres) decode(name string, rec, run []byte) (*Learner, error) {
	l := &Learner{}
	if err := json.Unmarshal(rec, l); err != nil || l.Name != name {
		return nil, fmt.Errorf("%s holds a damaged record for the learner %q of the class %q: delete its row in socketlab_learner", s.where, name, s.code)
	}
	if run != nil {
		l.Last = &Run{}
		if err := json.Unmarshal(run, l.Last); err != nil {
			return nil, fmt.Errorf("%s holds a damaged last run of the learner %q of the class %q: set its run to NULL in socketlab_learner", s.where, name, s.code)
		}
	}
	return l, nil
}

// SaveNote keeps a note, and forgets the ones before the last keep.
func (s *Postgres) SaveNote(n Note, keep int) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO socketlab_note (code, seq, note) VALUES ($1, $2, $3) ON CONFLICT (code, seq) DO UPDATE SET note = excluded.note", s.code, n.Seq, string(b)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM socketlab_note WHERE code = $1 AND seq NOT IN
			(SELECT seq FROM socketlab_note WHERE code = $1 ORDER BY seq DESC LIMIT $2)`, s.code, keep)
		return err
	})
}

// Notes reads the notes kept, oldest first.
func (s *Postgres) Notes() ([]Note, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT note FROM socketlab_note WHERE code = $1 ORDER BY seq", s.code)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the class's notes: %w", s.where, err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var n Note
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, fmt.Errorf("%s holds a damaged note of the class %q: delete it in socketlab_note", s.where, s.code)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
