package classroom

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"socketlab/gateway/relay"
)

var exs = []Exercise{{Lesson: "01-time", Name: "four-bytes", Title: "Read four bytes"}, {Lesson: "02-echo", Name: "1", Title: "Echo"}}

func open(t *testing.T, dir, code string) (*Store, *Classroom, *relay.Class) {
	t.Helper()
	st, err := Open(dir, code, func() string { return "made-up-code" })
	if err != nil {
		t.Fatal(err)
	}
	class := relay.NewClass(st.Code())
	c, err := New(Options{Class: class, Relay: &relay.Relay{}, Store: st, Exercises: exs})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	return st, c, class
}

func exit(n int) *int { return &n }

// TestStoreKeepsTheClass: a class written to a real bbolt file is there again when the file
// is opened anew, as after a restart: code, keys, roster, last runs and progress.
func TestStoreKeepsTheClass(t *testing.T) {
	dir := t.TempDir()
	st, c, class := open(t, dir, "auto")
	if st.Code() != "made-up-code" {
		t.Fatalf("a new class with --class auto has the code %q", st.Code())
	}
	joinKey, teacherKey := class.Key(), c.TeacherKey()
	if teacherKey != st.TeacherKey() || len(teacherKey) != 32 {
		t.Fatalf("teacher key %q, store's %q", teacherKey, st.TeacherKey())
	}
	c.joined("ada")
	c.joined("bob")
	c.Report("ada", &Run{Lesson: "01-time", Cell: "client", State: "done", Exit: exit(0), Code: "package main\n", Console: "hello\n",
		Events: []json.RawMessage{json.RawMessage(`{"kind":"recv","stream":1,"data":"AAECAw=="}`)}})
	c.Checked("ada", "01-time", "four-bytes", []bool{true, true})
	for range 3 {
		c.Checked("bob", "01-time", "four-bytes", []bool{true, false})
	}
	c.Checked("bob", "02-echo", "1", []bool{false})
	c.Checked("bob", "nope", "x", []bool{true}) // unknown exercises are not kept
	for i := range notesLen + 2 {
		c.Send("note "+strconv.Itoa(i), "")
	}
	st.Close()

	st2, c2, class2 := open(t, dir, "auto")
	defer st2.Close()
	if st2.Code() != "made-up-code" || class2.Key() != joinKey || c2.TeacherKey() != teacherKey {
		t.Fatalf("after reopening: code %q, same join key %v, same teacher key %v", st2.Code(), class2.Key() == joinKey, c2.TeacherKey() == teacherKey)
	}
	if !class2.Joined("ada") || !class2.Joined("bob") {
		t.Fatalf("the class's names after reopening: %v", class2.Names())
	}
	if notes := c2.NotesAfter(0); len(notes) != notesLen || notes[0].Text != "note 2" || notes[notesLen-1].Text != "note "+strconv.Itoa(notesLen+1) {
		t.Errorf("the notes after reopening: %d, from %+v", len(notes), notes[0])
	}
	v := c2.View()
	if len(v.Roster) != 2 || v.Roster[0].Name != "ada" || v.Roster[0].Passed != 1 || v.Roster[0].Last == nil || v.Roster[0].Last.State != "done" {
		t.Fatalf("roster after reopening: %+v", v.Roster)
	}
	if got := v.Roster[1].Stuck; len(got) != 1 || got[0] != "01-time/four-bytes" {
		t.Errorf("bob failed the same check three times and should be stuck on 01-time/four-bytes: %v", got)
	}
	if e := v.Exercises[0]; strings.Join(e.Passed, ",") != "ada" || strings.Join(e.Stuck, ",") != "bob" {
		t.Errorf("progress of %s: %+v", e.Key(), e)
	}
	if e := v.Exercises[1]; strings.Join(e.Trying, ",") != "bob" {
		t.Errorf("progress of %s: %+v", e.Key(), e)
	}
	r, ok := c2.LastRun("ada")
	if !ok || r.Code != "package main\n" || r.Console != "hello\n" || len(r.Events) != 1 || string(r.Events[0]) != `{"kind":"recv","stream":1,"data":"AAECAw=="}` {
		t.Fatalf("ada's last run after reopening: %+v", r)
	}
	// A new run after the restart comes after the old ones in the feed.
	c2.Report("bob", &Run{Lesson: "02-echo", Cell: "server", State: "compile-error", CompileError: "main.go:3:1: syntax error\nmore"})
	if r, _ := c2.LastRun("bob"); r.Seq <= 1 {
		t.Errorf("the run after the restart has seq %d", r.Seq)
	}
	if v := c2.View(); v.Feed[len(v.Feed)-1].Error != "main.go:3:1: syntax error" {
		t.Errorf("the feed's compile error: %+v", v.Feed)
	}
	// Removed: gone from the file too.
	c2.Remove("bob")
	if class2.Joined("bob") {
		t.Error("bob is still in the class after Remove")
	}
	ls, _ := st2.Learners()
	if len(ls) != 1 || ls[0].Name != "ada" {
		t.Errorf("learners kept after removing bob: %d", len(ls))
	}
}

// TestStoreRefusals: state of another class, a file that is not a bbolt database, and a file
// held by another gateway are each an error naming the file and what to do.
func TestStoreRefusals(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, "monday", nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, StateFile)
	if _, err := Open(dir, "monday", nil); err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "another socketlab") {
		t.Errorf("opening a file another gateway holds: %v", err)
	}
	st.Close()
	if _, err := Open(dir, "tuesday", nil); err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "--class monday") {
		t.Errorf("opening the state of another class: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, StateFile), []byte(strings.Repeat("not a database\n", 1000)), 0o600)
	if _, err := Open(bad, "monday", nil); err == nil || !strings.Contains(err.Error(), filepath.Join(bad, StateFile)) || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("opening a damaged file: %v", err)
	}
}

// TestCSV: one row per learner with their progress in a column per exercise, read back with
// the standard library's CSV reader.
func TestCSV(t *testing.T) {
	st, c, _ := open(t, t.TempDir(), "monday")
	defer st.Close()
	c.joined("ada")
	c.joined("bob")
	c.Report("ada", &Run{Lesson: "01-time", Cell: "client", State: "done", Exit: exit(0)})
	c.Checked("ada", "01-time", "four-bytes", []bool{true})
	c.Checked("bob", "01-time", "four-bytes", []bool{false})
	for range 3 {
		c.Checked("bob", "02-echo", "1", []bool{true, false})
	}
	var b strings.Builder
	if err := c.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	want := [][]string{
		{"name", "lesson", "runs", "last_run_state", "last_run_exit", "passed", "01-time/four-bytes", "02-echo/1"},
		{"ada", "01-time", "1", "done", "0", "1", "passed", ""},
		{"bob", "", "0", "", "", "0", "tried 1", "stuck"},
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		cols[h] = i
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows:\n%s", len(rows), b.String())
	}
	for r, w := range want {
		for i, col := range want[0] {
			if got := rows[r][cols[col]]; got != w[i] {
				t.Errorf("row %d, column %s: %q, want %q\n%s", r, col, got, w[i], b.String())
			}
		}
	}
}

// TestTeacherKey: the teacher's API answers the key alone, whether in the header or ?key=;
// the join code is not the key.
func TestTeacherKey(t *testing.T) {
	st, c, _ := open(t, t.TempDir(), "monday")
	defer st.Close()
	h := c.TeacherHandler(func(s string) string { return s })
	try := func(header, query string) int {
		req := httptest.NewRequest("GET", "/api/teacher/view"+query, nil)
		if header != "" {
			req.Header.Set(KeyHeader, header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == http.StatusForbidden && !strings.Contains(w.Body.String(), "teacher's key") {
			t.Errorf("the refusal does not say what to do: %s", w.Body)
		}
		return w.Code
	}
	key := c.TeacherKey()
	for _, bad := range []struct{ header, query string }{{"", ""}, {"monday", ""}, {"", "?key=monday"}, {key[:31], ""}, {key + "0", ""}, {strings.ToUpper(key), ""}} {
		if code := try(bad.header, bad.query); code != http.StatusForbidden {
			t.Errorf("key %q, query %q: %d, want 403", bad.header, bad.query, code)
		}
	}
	if code := try(key, ""); code != http.StatusOK {
		t.Errorf("the right key in the header: %d", code)
	}
	if code := try("", "?key="+key); code != http.StatusOK {
		t.Errorf("the right key in the query: %d", code)
	}
	// The first answer to the key sets the teacher's cookie, which then opens the API (and the
	// wire view's routes, IsTeacher) alone; a cookie of another value does not.
	req := httptest.NewRequest("GET", "/api/teacher/view", nil)
	req.Header.Set(KeyHeader, key)
	w0 := httptest.NewRecorder()
	h.ServeHTTP(w0, req)
	cookies := w0.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != teacherCookie || !cookies[0].HttpOnly || cookies[0].Value == key || strings.Contains(cookies[0].Value, key) {
		t.Fatalf("the teacher's cookie: %+v", cookies)
	}
	other := map[bool]string{true: "1", false: "0"}[cookies[0].Value[0] == '0'] + cookies[0].Value[1:]
	for _, ck := range []*http.Cookie{cookies[0], {Name: teacherCookie, Value: key}, {Name: teacherCookie, Value: other}} {
		req := httptest.NewRequest("GET", "/api/teacher/progress.csv", nil)
		req.AddCookie(ck)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if want := map[bool]int{true: 200, false: 403}[ck == cookies[0]]; w.Code != want || c.IsTeacher(req) != (want == 200) {
			t.Errorf("the cookie %q: %d, want %d", ck.Value, w.Code, want)
		}
	}
	// The page itself holds nothing of the class and needs no key.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/teacher", nil))
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), key) || strings.Contains(w.Body.String(), "monday") {
		t.Errorf("GET /teacher: %d\n%s", w.Code, w.Body)
	}
}

// TestAnswersInChinese: the teacher's API and the learner's say what went wrong in the
// language the page asked in (the switch's cookie, else Accept-Language), English otherwise.
func TestAnswersInChinese(t *testing.T) {
	st, c, _ := open(t, t.TempDir(), "monday")
	defer st.Close()
	teacher, learner := c.TeacherHandler(func(s string) string { return s }), c.LearnerHandler()
	ask := func(h http.Handler, method, path, body, lang string, key bool) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		if key {
			req.Header.Set(KeyHeader, c.TeacherKey())
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var answer struct{ Error string }
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil || answer.Error == "" {
			t.Fatalf("%s %s: %d %s, want an error in JSON", method, path, w.Code, w.Body)
		}
		return answer.Error
	}
	for _, c := range []struct {
		h          http.Handler
		method     string
		path, body string
		key        bool
		en, zh     string
	}{
		{teacher, "POST", "/api/teacher/note", `{"text": " "}`, true, "the note is empty", "消息是空的"},
		{teacher, "POST", "/api/teacher/remove", `{"name": "nobody"}`, true, `"nobody" is not in the class`, `"nobody" 不在这个班级里`},
		{teacher, "GET", "/api/teacher/view", "", false, "this is the teacher's view", "这是老师的视图"},
		{learner, "GET", "/api/class/notes", "", false, "join the class first", "请先加入班级"},
	} {
		if got := ask(c.h, c.method, c.path, c.body, "zh-CN,zh;q=0.9,en;q=0.5", c.key); !strings.Contains(got, c.zh) {
			t.Errorf("%s in Chinese: %q, want %q in it", c.path, got, c.zh)
		}
		if got := ask(c.h, c.method, c.path, c.body, "", c.key); !strings.Contains(got, c.en) {
			t.Errorf("%s in English: %q, want %q in it", c.path, got, c.en)
		}
	}
}
