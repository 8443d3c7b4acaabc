package classroom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"socketlab/internal/pagelang"
	"socketlab/lessons/grade"
)

// KeyHeader carries the teacher's key on the teacher's API requests; the page takes the key
// from its URL's fragment, which browsers never send.
const KeyHeader = "X-Teacher-Key"

// teacherCookie holds, once the teacher's page has shown the key, a token derived from it,
// so that the page's own requests beyond /api/teacher/ (the wire view's annotations and
// capture export) are the teacher's too.
const teacherCookie = "socketlab_teacher"

// cookieToken is the teacher cookie's value for key.
func cookieToken(key string) string {
	sum := sha256.Sum256([]byte("socketlab teacher cookie|" + key))
	return hex.EncodeToString(sum[:])
}

// teacher says whether a request carries the teacher's key (the header, or ?key= for a
// download link), or the cookie made from it. Keys are compared by their hashes in constant
// time.
func (c *Classroom) teacher(r *http.Request) bool {
	got := r.Header.Get(KeyHeader)
	if got == "" {
		got = r.URL.Query().Get("key")
	}
	if got != "" {
		a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(c.key))
		return subtle.ConstantTimeCompare(a[:], b[:]) == 1
	}
	return c.IsTeacher(r)
}

// IsTeacher says whether a request carries the teacher's cookie, which the teacher's page
// gets with its first answer.
func (c *Classroom) IsTeacher(r *http.Request) bool {
	ck, err := r.Cookie(teacherCookie)
	if err != nil {
		return false
	}
	a, b := sha256.Sum256([]byte(ck.Value)), sha256.Sum256([]byte(cookieToken(c.key)))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// say picks the words of an answer in the language of the page that asked (the join page's
// and the teacher's view's choice: the switch's cookie, else Accept-Language).
func say(r *http.Request, en, zh string) string {
	if pagelang.Of(r) == pagelang.Chinese {
		return zh
	}
	return en
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// LearnerHandler serves a joined learner's page (behind the class's gate): GET
// /api/class/notes?after=SEQ&lesson=SLUG (the teacher's notes, and where the page is) and
// POST /api/class/run (a finished run).
func (c *Classroom) LearnerHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/class/notes", func(w http.ResponseWriter, r *http.Request) {
		name, ok := c.class.Identify(r)
		if !ok {
			jsonError(w, http.StatusUnauthorized, say(r, "join the class first", "请先加入班级"))
			return
		}
		after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
		c.Seen(name, r.URL.Query().Get("lesson"))
		answer := map[string]any{"name": name, "notes": c.NotesAfter(after), "server": instance}
		if after == 0 { // the page's first question: what the learner passed, here or elsewhere
			answer["passed"] = c.Passed(name)
		}
		writeJSON(w, http.StatusOK, answer)
	})
	mux.HandleFunc("POST /api/class/run", func(w http.ResponseWriter, r *http.Request) {
		name, ok := c.class.Identify(r)
		if !ok {
			jsonError(w, http.StatusUnauthorized, say(r, "join the class first", "请先加入班级"))
			return
		}
		var run Run
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxRunBody)).Decode(&run); err != nil {
			if _, big := errors.AsType[*http.MaxBytesError](err); big {
				jsonError(w, http.StatusRequestEntityTooLarge, say(r, "the run is too large to report", "这次运行的记录太大，无法上报"))
				return
			}
			jsonError(w, http.StatusBadRequest, say(r, "the run could not be read: ", "这次运行的记录读不出来：")+err.Error())
			return
		}
		run.Seq, run.Truncated = 0, false
		c.Report(name, &run)
		writeJSON(w, http.StatusOK, map[string]any{"seq": run.Seq})
	})
	return mux
}

// ObserveChecks wraps the exercises' checker (POST /api/check): each verdict the gateway
// gives a learner of the class counts in their progress.
func (c *Classroom) ObserveChecks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := c.class.Identify(r)
		if !ok || r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, grade.MaxRequest))
		if err != nil {
			jsonError(w, http.StatusRequestEntityTooLarge, say(r, "the run is too large to check", "这次运行的记录太大，无法检查"))
			return
		}
		var which struct{ Lesson, Exercise string }
		json.Unmarshal(body, &which)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		var resp grade.Response
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || len(resp.Results) == 0 {
			return
		}
		oks := make([]bool, len(resp.Results))
		for i, res := range resp.Results {
			oks[i] = res.OK
		}
		c.Checked(name, which.Lesson, which.Exercise, oks)
	})
}

// TeacherHandler serves the teacher's view: the page at /teacher (which holds nothing of
// the class's until its script shows the key) and its API under /api/teacher/, each request
// with the teacher's key.
func (c *Classroom) TeacherHandler(assetURL func(string) string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /teacher", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Accept-Language, Cookie")
		teacherPage.Execute(w, map[string]any{"CSS": assetURL("/static/style.css"), "TeacherCSS": assetURL("/static/teacher.css"), "JS": assetURL("/static/teacher.js"), "W": teacherWordsFor(r)})
	})
	api := http.NewServeMux()
	api.HandleFunc("GET /api/teacher/view", c.serveView)
	api.HandleFunc("GET /api/teacher/run", c.serveRun)
	api.HandleFunc("GET /api/teacher/progress.csv", c.serveCSV)
	api.HandleFunc("POST /api/teacher/note", c.serveNote)
	api.HandleFunc("POST /api/teacher/end", c.serveEnd)
	api.HandleFunc("POST /api/teacher/remove", c.serveEnd)
	mux.Handle("/api/teacher/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.teacher(r) {
			jsonError(w, http.StatusForbidden, say(r, "this is the teacher's view: open it with the URL socketlab printed when it started (the teacher's key is in it)",
				"这是老师的视图：请用 socketlab 启动时打印出的网址打开（老师的密钥就在网址里）"))
			return
		}
		if !c.IsTeacher(r) {
			http.SetCookie(w, &http.Cookie{Name: teacherCookie, Value: cookieToken(c.key), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		}
		api.ServeHTTP(w, r)
	}))
	return mux
}

// longest a view request waits for news (?wait=1), below the gateway's write timeout.
const viewWait = 25 * time.Second

func (c *Classroom) serveView(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("wait") == "1" {
		ctx, cancel := context.WithTimeout(r.Context(), viewWait)
		select {
		case <-c.Changed():
		case <-ctx.Done():
		}
		cancel()
		if r.Context().Err() != nil {
			return
		}
	}
	writeJSON(w, http.StatusOK, c.View())
}

func (c *Classroom) serveRun(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	run, ok := c.LastRun(name)
	if !ok {
		jsonError(w, http.StatusNotFound, say(r, "no run of "+strconv.Quote(name)+" is known: has the learner pressed Run yet?",
			"还没有 "+strconv.Quote(name)+" 的运行记录：这位同学按过“运行”了吗？"))
		return
	}
	c.did("open-run")
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "run": run})
}

func (c *Classroom) serveCSV(w http.ResponseWriter, r *http.Request) {
	c.did("export")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="progress.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	c.WriteCSV(w)
}

func (c *Classroom) serveNote(w http.ResponseWriter, r *http.Request) {
	var in struct{ Text, Code string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		jsonError(w, http.StatusBadRequest, say(r, "send {\"text\": ..., \"code\": ...}: ", "请发送 {\"text\": ..., \"code\": ...}：")+err.Error())
		return
	}
	in.Text, in.Code = strings.TrimSpace(in.Text), strings.TrimRight(in.Code, " \n\t")
	switch {
	case in.Text == "" && in.Code == "":
		jsonError(w, http.StatusBadRequest, say(r, "the note is empty: write some words or some code", "消息是空的：写几句话或者一段代码吧"))
		return
	case len(in.Text) > MaxNote:
		jsonError(w, http.StatusRequestEntityTooLarge, say(r, "the note is longer than "+strconv.Itoa(MaxNote)+" bytes: say it in fewer words",
			"消息超过了 "+strconv.Itoa(MaxNote)+" 字节：请说得简短一些"))
		return
	case len(in.Code) > MaxNoteCode:
		jsonError(w, http.StatusRequestEntityTooLarge, say(r, "the code is longer than "+strconv.Itoa(MaxNoteCode)+" bytes: send a shorter program",
			"代码超过了 "+strconv.Itoa(MaxNoteCode)+" 字节：请发一个短一些的程序"))
		return
	}
	c.did("note")
	writeJSON(w, http.StatusOK, c.Send(in.Text, in.Code))
}

// serveEnd answers /api/teacher/end (end a learner's programs) and /api/teacher/remove
// (that, and take them out of the class).
func (c *Classroom) serveEnd(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		jsonError(w, http.StatusBadRequest, say(r, "send {\"name\": LEARNER}", "请发送 {\"name\": 学生名}"))
		return
	}
	if strings.HasSuffix(r.URL.Path, "/remove") {
		if !c.Remove(in.Name) {
			jsonError(w, http.StatusNotFound, strconv.Quote(in.Name)+say(r, " is not in the class", " 不在这个班级里"))
			return
		}
		c.did("remove")
		writeJSON(w, http.StatusOK, map[string]any{"removed": in.Name})
		return
	}
	c.did("end")
	writeJSON(w, http.StatusOK, map[string]any{"ended": c.End(in.Name)})
}

var teacherPage = template.Must(template.New("teacher").Parse(`<!doctype html>
<html lang="{{.W.Tag}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.W.Title}} · socketlab</title>
<link rel="stylesheet" href="{{.CSS}}">
<link rel="stylesheet" href="{{.TeacherCSS}}">
</head>
<body class="teacher-page">
<main class="teacher">
<h1>{{.W.Title}}</h1>
<p class="teacher-status" role="status">{{.W.Loading}}</p>
<section class="teacher-join" hidden><p>{{.W.JoinBefore}}<a class="join-url"></a>{{.W.JoinAfter}}</p>
<img class="join-qr" alt="{{.W.QRAlt}}" width="160" height="160"></section>
<section class="teacher-roster"><h2>{{.W.Roster}}</h2>
<table class="roster"><thead><tr><th>{{.W.Name}}</th><th>{{.W.Connected}}</th><th>{{.W.Where}}</th><th>{{.W.LastRun}}</th><th>{{.W.Passed}}</th><th></th></tr></thead><tbody></tbody></table>
<p><a class="export" href="/api/teacher/progress.csv" download="progress.csv">{{.W.Export}}</a></p>
</section>
<section class="teacher-progress"><h2>{{.W.Progress}}</h2>
<table class="progress"><thead><tr><th>{{.W.Exercise}}</th><th>{{.W.PassedBy}}</th><th>{{.W.Stuck}}</th><th>{{.W.Trying}}</th></tr></thead><tbody></tbody></table>
</section>
<section class="teacher-note"><h2>{{.W.Send}}</h2>
<form class="note">
<p><label>{{.W.Note}} <textarea name="text" rows="2"></textarea></label></p>
<p><label>{{.W.Code}} <textarea name="code" rows="6" class="code" spellcheck="false"></textarea></label></p>
<p><button type="submit">{{.W.SendAll}}</button> <span class="sent" role="status"></span></p>
</form>
</section>
<section class="teacher-feed"><h2>{{.W.Feed}}</h2><ol class="feed" reversed></ol></section>
<section class="teacher-run cell" hidden><h2>{{.W.LastOf}}<span class="who"></span>{{.W.LastOfAfter}}</h2>
<p class="run-facts"></p>
<pre class="run-code"></pre>
<h3>{{.W.Console}}</h3>
<pre class="console run-console"></pre>
<h3>{{.W.Wire}}</h3>
<button class="run" type="button" hidden>{{.W.Run}}</button>
<div class="bytes"></div>
</section>
</main>
<script type="module" src="{{.JS}}"></script>
</body>
</html>
`))

// teacherWords are the teacher's page's words in one language (static/teacher.js has the
// words it writes in static/i18n.js).
type teacherWords struct {
	Tag, Title, Loading, JoinBefore, JoinAfter, QRAlt, Roster, Name, Connected, Where, LastRun string
	Passed, Export, Progress, Exercise, PassedBy, Stuck, Trying, Send, Note, Code, SendAll     string
	Feed, LastOf, LastOfAfter, Console, Wire, Run                                              string
}

var teacherEnglish = teacherWords{
	Tag: "en", Title: "Teacher's view", Loading: "Loading the class…",
	JoinBefore: "Learners open ", JoinAfter: " (the code is filled in), or scan:", QRAlt: "QR code of the join URL",
	Roster: "Roster", Name: "Name", Connected: "Connected", Where: "Where", LastRun: "Last run", Passed: "Exercises passed",
	Export: "Export progress as CSV", Progress: "Progress by exercise", Exercise: "Exercise", PassedBy: "Passed",
	Stuck: "Stuck (the same check failed 3 times)", Trying: "Trying", Send: "Send the class a note or a code cell",
	Note: "Note", Code: "Code", SendAll: "Send to everyone", Feed: "Live feed", LastOf: "Last run of ",
	Console: "Console", Wire: "The wire", Run: "Run",
}

var teacherChinese = teacherWords{
	Tag: "zh-CN", Title: "教师视图", Loading: "正在载入班级…",
	JoinBefore: "学生打开 ", JoinAfter: "（加入码已经填好），或者扫描二维码：", QRAlt: "加入网址的二维码",
	Roster: "花名册", Name: "名字", Connected: "在线", Where: "位置", LastRun: "最近一次运行", Passed: "已通过的练习",
	Export: "把进度导出为 CSV", Progress: "各练习的进度", Exercise: "练习", PassedBy: "已通过",
	Stuck: "卡住（同一项检查失败了 3 次）", Trying: "正在尝试", Send: "给全班发一条消息或一个代码单元",
	Note: "消息", Code: "代码", SendAll: "发给所有人", Feed: "实时动态", LastOf: "", LastOfAfter: " 最近一次运行",
	Console: "控制台", Wire: "线路上的字节", Run: "运行",
}

// teacherWordsFor is the teacher's page's words for r: the language chosen on a lesson page's
// switch, else the browser's.
func teacherWordsFor(r *http.Request) *teacherWords {
	if pagelang.Of(r) == pagelang.Chinese {
		return &teacherChinese
	}
	return &teacherEnglish
}
