package classroom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/gateway/relay"
	"socketlab/internal/pgtest"
)

// stores are the two kinds of State, each opened anew by open(code) on the same place, as a
// restart (bbolt) or another replica (PostgreSQL) would.
func stores(t *testing.T) map[string]func(t *testing.T, code string) State {
	pg := pgtest.Start(t)
	return map[string]func(t *testing.T, code string) State{
		"bbolt": func(t *testing.T, code string) State {
			dir := t.TempDir()
			return reopenable(t, func(code string) (State, error) { return Open(dir, code, func() string { return "made-up-code" }) }, code)
		},
		"postgres": func(t *testing.T, code string) State {
			// Every subtest a class of its own in the one database, as classes share it.
			return reopenable(t, func(c string) (State, error) {
				return OpenPostgres(pg.URL, c, func() string { return "made-up-code" })
			}, code)
		},
	}
}

// reopenable opens a store and remembers how, so reopen(st) opens it again.
func reopenable(t *testing.T, open func(code string) (State, error), code string) State {
	t.Helper()
	st, err := open(code)
	if err != nil {
		t.Fatal(err)
	}
	reopeners.Store(st, open)
	t.Cleanup(func() { st.Close() })
	return st
}

var reopeners sync.Map

// reopen opens the store st came from again, with code: a second replica over the same
// database, or (bbolt, one gateway at a time) the gateway restarted over the same file, st
// closed first.
func reopen(t *testing.T, st State, code string) State {
	t.Helper()
	open, _ := reopeners.Load(st)
	if _, bolt := st.(*Store); bolt {
		st.Close()
	}
	st2, err := open.(func(string) (State, error))(code)
	if err != nil {
		t.Fatal(err)
	}
	reopeners.Store(st2, open)
	t.Cleanup(func() { st2.Close() })
	return st2
}

// TestStates runs the same suite on both stores: bbolt in a temporary folder, PostgreSQL on a
// real server this test starts.
func TestStates(t *testing.T) {
	for kind, open := range stores(t) {
		t.Run(kind, func(t *testing.T) {
			t.Run("keys and code", func(t *testing.T) { stateKeys(t, open) })
			t.Run("learners", func(t *testing.T) { stateLearners(t, open) })
			t.Run("notes", func(t *testing.T) { stateNotes(t, open) })
			t.Run("class through a second opening", func(t *testing.T) { stateClassroom(t, open) })
		})
	}
}

func stateKeys(t *testing.T, open func(*testing.T, string) State) {
	code := fmt.Sprintf("keys-%d", time.Now().UnixNano())
	st := open(t, code)
	if st.Code() != code || len(st.TeacherKey()) != 32 || st.JoinKey() == [32]byte{} {
		t.Fatalf("a new class: code %q, teacher key %q, join key %x", st.Code(), st.TeacherKey(), st.JoinKey())
	}
	teacherKey, joinKey := st.TeacherKey(), st.JoinKey()
	st2 := reopen(t, st, code)
	if st2.Code() != code || st2.TeacherKey() != teacherKey || st2.JoinKey() != joinKey {
		t.Fatalf("opened again: code %q, same teacher key %v, same join key %v", st2.Code(), st2.TeacherKey() == teacherKey, st2.JoinKey() == joinKey)
	}
	if st3 := reopen(t, st2, "auto"); st3.Code() != code {
		t.Errorf("--class auto takes the class kept last: got %q, want %q", st3.Code(), code)
	}

}

func stateLearners(t *testing.T, open func(*testing.T, string) State) {
	code := fmt.Sprintf("learners-%d", time.Now().UnixNano())
	st := open(t, code)
	ada := &Learner{Name: "ada", Joined: time.Now().UTC().Truncate(time.Second), Lesson: "01-time", Runs: 2,
		Exercises: map[string]*Progress{"01-time/four-bytes": {Passed: true, Tries: 2, Check: -1}}}
	ada.Last = &Run{Seq: 7, Lesson: "01-time", Cell: "client", State: "done", Exit: exit(0), Code: "package main\n", Console: "hi\n",
		Events: []json.RawMessage{json.RawMessage(`{"kind":"recv","stream":1}`)}}
	if err := st.Save(ada, true); err != nil {
		t.Fatal(err)
	}
	// A record saved without its run keeps the run saved before.
	ada.Runs = 3
	ada.Exercises["02-echo/1"] = &Progress{Tries: 1, Check: 0, Streak: 1}
	if err := st.Save(ada, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(&Learner{Name: "bob", Joined: time.Now().UTC()}, false); err != nil {
		t.Fatal(err)
	}
	st2 := reopen(t, st, code)
	got, ok, err := st2.Learner("ada")
	if err != nil || !ok {
		t.Fatalf("Learner(ada): %v %v", ok, err)
	}
	if got.Runs != 3 || len(got.Exercises) != 2 || !got.Exercises["01-time/four-bytes"].Passed || got.Last == nil || got.Last.Seq != 7 || got.Last.Console != "hi\n" || len(got.Last.Events) != 1 {
		t.Fatalf("ada as kept: %+v, last %+v", got, got.Last)
	}
	if _, ok, err := st2.Learner("cyd"); ok || err != nil {
		t.Errorf("Learner(cyd), never saved: %v %v", ok, err)
	}
	ls, err := st2.Learners()
	if err != nil || len(ls) != 2 {
		t.Fatalf("Learners: %d, %v", len(ls), err)
	}
	if err := st2.Delete("ada"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st2.Learner("ada"); ok {
		t.Error("ada is still kept after Delete")
	}
	// Another class in the same place has none of these learners (PostgreSQL: one database
	// holds many classes).
	if other := open(t, code+"-other"); other != nil {
		if ls, _ := other.Learners(); len(ls) != 0 {
			t.Errorf("another class sees %d learners", len(ls))
		}
	}
}

func stateNotes(t *testing.T, open func(*testing.T, string) State) {
	code := fmt.Sprintf("notes-%d", time.Now().UnixNano())
	st := open(t, code)
	for i := 1; i <= 7; i++ {
		if err := st.SaveNote(Note{Seq: int64(i * 10), Text: fmt.Sprint("note ", i), Code: "x"}, 5); err != nil {
			t.Fatal(err)
		}
	}
	notes, err := reopen(t, st, code).Notes()
	if err != nil || len(notes) != 5 || notes[0].Seq != 30 || notes[4].Text != "note 7" || notes[4].Code != "x" {
		t.Fatalf("notes kept: %+v %v", notes, err)
	}
}

// stateClassroom: two classrooms over the same class, as two replicas over one database (or a
// gateway and its restart over one file): a learner who joined and made progress on the first
// is let into the second by their join cookie, with their progress, and the teacher's notes.
func stateClassroom(t *testing.T, open func(*testing.T, string) State) {
	code := fmt.Sprintf("class-%d", time.Now().UnixNano())
	st := open(t, code)
	class1 := relay.NewClass(code)
	c1, err := New(Options{Class: class1, Relay: &relay.Relay{}, Store: st, Exercises: exs})
	if err != nil {
		t.Fatal(err)
	}
	// cyd joined before the second started, which restores her name; then she is removed.
	cyd := join(t, class1, "cyd")
	// The second starts before the others join, as a replica does.
	st2 := st
	if _, bolt := st.(*Store); !bolt {
		st2 = reopen(t, st, code)
	}
	class2 := relay.NewClass(code)
	c2, err := New(Options{Class: class2, Relay: &relay.Relay{}, Store: st2, Exercises: exs})
	if err != nil {
		t.Fatal(err)
	}
	c1.Remove("cyd")
	if _, ok := class2.Identify(withCookie(cyd)); ok {
		t.Error("a learner removed on the first classroom is let into the second, which restored her name at its start")
	}
	cookie := join(t, class1, "ada")
	c1.Report("ada", &Run{Lesson: "01-time", Cell: "client", State: "done", Exit: exit(0), Code: "package main\n"})
	c1.Checked("ada", "01-time", "four-bytes", []bool{true})
	c1.Send("look at the board", "")

	name, ok := class2.Identify(withCookie(cookie))
	if !ok || name != "ada" {
		t.Fatalf("the second classroom does not let ada in with her cookie: %q %v", name, ok)
	}
	if p := c2.Passed("ada"); len(p["01-time"]) != 1 {
		t.Errorf("ada's progress on the second: %v", p)
	}
	if r, ok := c2.LastRun("ada"); !ok || r.State != "done" {
		t.Errorf("ada's last run on the second: %+v %v", r, ok)
	}
	if n := c2.NotesAfter(0); len(n) != 1 || n[0].Text != "look at the board" {
		t.Errorf("the notes on the second: %+v", n)
	}
	// A note sent there comes after the ones the page saw.
	if n := c2.Send("next", ""); n.Seq <= c1.NotesAfter(0)[0].Seq {
		t.Errorf("a note on the second has seq %d, not after the first's %d", n.Seq, c1.NotesAfter(0)[0].Seq)
	}
	// A cookie for a name never kept is not let in.
	forged := join(t, class1, "bob")
	if err := st.Delete("bob"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(resync)
	if _, ok := class2.Identify(withCookie(forged)); ok {
		t.Error("a name the store does not keep was let into the second classroom")
	}
}

// join joins class as name through its join page, and returns the cookie it sets.
func join(t *testing.T, class *relay.Class, name string) *http.Cookie {
	t.Helper()
	form := url.Values{"code": {class.Code()}, "name": {name}, "next": {"/"}}
	r := httptest.NewRequest("POST", "/join", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "192.0.2.7:5000"
	w := httptest.NewRecorder()
	class.Gate(http.NotFoundHandler()).ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		return c
	}
	t.Fatalf("joining as %s: %d %s", name, w.Code, w.Body)
	return nil
}

func withCookie(c *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "/api/class/notes", nil)
	r.AddCookie(c)
	return r
}

// TestPostgresRefusals: a database that is not there is said so, without the password.
func TestPostgresRefusals(t *testing.T) {
	_, err := OpenPostgres("postgres://teacher:s3cret@127.0.0.1:1/socketlab?connect_timeout=2", "abc", relay.NewCode)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "cannot reach the database") {
		t.Fatalf("an unreachable database: %v", err)
	}
	if !IsDatabaseURL("postgres://h/db") || !IsDatabaseURL("postgresql://h/db") || IsDatabaseURL("/var/lib/socketlab") {
		t.Error("IsDatabaseURL")
	}
}
