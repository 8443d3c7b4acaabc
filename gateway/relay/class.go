package relay

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/time/rate"

	"socketlab/internal/pagelang"
)

// Class is classroom mode: a teacher runs one gateway for a room, everyone joins with the
// join code and a name, and classmates reach each other's servers at NAME.lab. Without the
// code nothing but the join page is served.
type Class struct {
	code string
	key  [32]byte // signs the join cookies; a restart asks everyone to join again

	// Reserved says whether a name is taken by the lab itself (time for time.lab). The
	// gateway sets it before serving.
	Reserved func(name string) bool
	// Busy says whether a name has programs connected now. A name that is not busy may be
	// joined again from another address: a learner who changed machine continues. Nil:
	// a name stays with the address that took it.
	Busy func(name string) bool
	// Pass lets through, without a join, the requests it says yes to (the gateway's teacher
	// on the wire view's routes). Nil: none.
	Pass func(r *http.Request) bool
	// OnJoin hears every successful join (and rejoin), after the cookie is made. Nil: nothing.
	OnJoin func(name string)
	// Elsewhere says whether a name with a good join cookie, not joined on this gateway since
	// it started, is in the class's store: a learner who joined on another replica sharing the
	// store (the class moved here), or one restored at start and not removed since. It is
	// asked once per name. Nil: the names joined or restored here are the class.
	Elsewhere func(name string) bool

	mu    sync.Mutex
	names map[string]string // name → the client address that took it
	here  map[string]bool   // names joined here, or confirmed by Elsewhere

	triesMu sync.Mutex
	tries   map[string]*rate.Limiter // join attempts by client address
}

// Join attempts a client address may make: a burst for typos, then one every few seconds,
// so that guessing a code of 44 bits would take longer than the universe has.
const (
	joinBurst = 10
	joinEvery = 3 * time.Second
)

// codeLetters are the join code's letters: nothing that reads as another (no i, l, o, 0, 1).
const codeLetters = "abcdefghjkmnpqrstuvwxyz23456789"

// codeLen letters of 31 make log2(31^9) ≈ 44.6 bits.
const codeLen = 9

// newCode makes a join code from crypto/rand, in groups of three for reading aloud:
// "k7m-qx2-r9d".
func newCode() string {
	var sb strings.Builder
	for sb.Len() < codeLen+2 {
		var b [1]byte
		rand.Read(b[:])
		if int(b[0]) >= 256-256%len(codeLetters) {
			continue // keep every letter equally likely
		}
		if sb.Len() == 3 || sb.Len() == 7 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeLetters[int(b[0])%len(codeLetters)])
	}
	return sb.String()
}

// normalCode is a code as typed, without case, spaces or dashes.
func normalCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// allowTry counts one join attempt of a client address, and says whether it may be made.
func (c *Class) allowTry(client string) bool {
	key := clientKey(client)
	c.triesMu.Lock()
	defer c.triesMu.Unlock()
	if c.tries == nil || len(c.tries) > 10000 {
		c.tries = map[string]*rate.Limiter{} // forget old clients rather than grow without bound
	}
	l := c.tries[key]
	if l == nil {
		l = rate.NewLimiter(rate.Every(joinEvery), joinBurst)
		c.tries[key] = l
	}
	return l.Allow()
}

// NewClass starts classroom mode with a join code; an empty code makes one up.
func NewClass(code string) *Class {
	c := &Class{code: code, names: map[string]string{}}
	rand.Read(c.key[:])
	if c.code == "" {
		c.code = newCode()
	}
	return c
}

// NewCode makes up a join code, as NewClass does for an empty one.
func NewCode() string { return newCode() }

// Restore gives the class the signing key and the names of a class kept from before a
// restart: the join cookies its learners hold stay good, and their names stay theirs (taken
// again by whoever joins with the code and the name first, while no program of theirs runs).
func (c *Class) Restore(key [32]byte, names []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key = key
	for _, n := range names {
		if _, ok := c.names[n]; !ok && validName.MatchString(n) {
			c.names[n] = ""
		}
	}
}

// Key is the key that signs the join cookies, to keep with the class across restarts.
func (c *Class) Key() [32]byte { return c.key }

// Remove takes a name out of the class: its join cookie stops working, and the name is free.
func (c *Class) Remove(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.names[name]
	delete(c.names, name)
	return ok
}

// Names lists who has joined.
func (c *Class) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.names))
	for n := range c.names {
		out = append(out, n)
	}
	return out
}

// Code is the join code to tell the class.
func (c *Class) Code() string { return c.code }

const classCookie = "socketlab_class"

var validName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)

func (c *Class) sign(name string, expires int64) string {
	m := hmac.New(sha256.New, c.key[:])
	fmt.Fprintf(m, "%s|%d", name, expires)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Identify returns the name a request joined with, if it carries a valid join cookie.
func (c *Class) Identify(r *http.Request) (string, bool) {
	ck, err := r.Cookie(classCookie)
	if err != nil {
		return "", false
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 3 {
		return "", false
	}
	expires, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Now().Unix() > expires || !validName.MatchString(parts[0]) {
		return "", false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(c.sign(parts[0], expires))) {
		return "", false
	}
	if !c.member(parts[0]) { // removed from the class
		return "", false
	}
	return parts[0], true
}

// Joined reports whether name is a classmate who has joined.
func (c *Class) Joined(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.names[name]
	return ok
}

// member says whether name, holding a good cookie, is in the class. With Elsewhere, a name
// not joined here is asked about once: in the store, it is let in (it joined on another
// replica, or was restored at start); not there, it was removed, and is forgotten here too.
func (c *Class) member(name string) bool {
	c.mu.Lock()
	_, in := c.names[name]
	here := c.here[name]
	c.mu.Unlock()
	if c.Elsewhere == nil || here {
		return in
	}
	kept := c.Elsewhere(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.here[name] { // joined here meanwhile
		_, in = c.names[name]
		return in
	}
	if !kept {
		delete(c.names, name)
		return false
	}
	if _, ok := c.names[name]; !ok {
		c.names[name] = ""
	}
	c.confirm(name)
	return true
}

// confirm marks name as joined here or confirmed by Elsewhere; c.mu is held.
func (c *Class) confirm(name string) {
	if c.here == nil {
		c.here = map[string]bool{}
	}
	c.here[name] = true
}

// Size is how many people have joined.
func (c *Class) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.names)
}

// Gate lets through only requests of people who joined; others get the join page (pages) or
// a JSON error (the API and the program sessions).
func (c *Class) Gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/join":
			c.serveJoin(w, r)
			return
		case strings.HasPrefix(r.URL.Path, "/static/"), r.URL.Path == "/healthz":
			h.ServeHTTP(w, r)
			return
		}
		if _, ok := c.Identify(r); ok || (c.Pass != nil && c.Pass(r)) {
			h.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/ws" && r.URL.Path != "/websockify" && !strings.HasPrefix(r.URL.Path, "/wasm/") {
			http.Redirect(w, r, "/join?next="+template.URLQueryEscaper(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		jsonError(w, http.StatusUnauthorized, "this lab is in classroom mode: open the lab's page and join with the code your teacher gives you")
	})
}

var joinPage = template.Must(template.New("join").Parse(`<!doctype html>
<html lang="{{.W.Tag}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.W.Title}} · socketlab</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body class="join-page">
<main>
<h1>{{.W.Title}}</h1>
<p>{{.W.Intro}}</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/join">
<input type="hidden" name="next" value="{{.Next}}">
<p><label>{{.W.Code}} <input name="code" autocomplete="off" required value="{{.Code}}"></label></p>
<p><label>{{.W.Name}} <input name="name" autocomplete="nickname" required pattern="[a-z][a-z0-9-]{1,19}" value="{{.Name}}"></label>
<small>{{.W.NameHint}}</small></p>
<p><button type="submit">{{.W.Join}}</button></p>
</form>
</main>
</body>
</html>
`))

// joinWords are the join page's words in one language; the errors take the values named.
type joinWords struct {
	Tag, Title, Code, Name, NameHint, Join string
	Intro                                  template.HTML
	TooMany                                string // the wait
	WrongCode, BadName                     string
	Reserved, Taken                        string // the name
}

var joinEnglish = joinWords{
	Tag: "en", Title: "Join the class", Code: "Join code", Name: "Your name", Join: "Join",
	Intro:     "Your teacher has the join code. Your name becomes your machine's name in the lab:\nclassmates reach a server you run at <code>NAME.lab</code>.",
	NameHint:  "2 to 20 lowercase letters, digits or dashes, starting with a letter",
	TooMany:   "Too many tries from your address: wait %v and try again, and check the code with your teacher.",
	WrongCode: "That is not this class's join code: check it with your teacher.",
	BadName:   "Pick a name of 2 to 20 lowercase letters, digits or dashes, starting with a letter.",
	Reserved:  "%s.lab is a lab server's name: pick another.",
	Taken:     "Someone else in the class is already called %s: pick another name.",
}

var joinChinese = joinWords{
	Tag: "zh-CN", Title: "加入班级", Code: "加入码", Name: "你的名字", Join: "加入",
	Intro:     "加入码在老师那里。你的名字会成为你这台机器在实验网络里的名字：\n同学们可以通过 <code>名字.lab</code> 访问你运行的服务器。",
	NameHint:  "2 到 20 个小写字母、数字或短横线，以字母开头",
	TooMany:   "你的地址尝试次数太多了：请等 %v 再试，并向老师核对加入码。",
	WrongCode: "这不是本班的加入码：请向老师核对。",
	BadName:   "请取一个由 2 到 20 个小写字母、数字或短横线组成、以字母开头的名字。",
	Reserved:  "%s.lab 是实验网络中一台服务器的名字：请换一个。",
	Taken:     "班里已经有人叫 %s 了：请换一个名字。",
}

// joinWordsFor is the join page's words for r: Chinese when it leads to a Chinese page or the
// learner chose or prefers Chinese.
func joinWordsFor(r *http.Request, next string) *joinWords {
	if next == "/zh" || strings.HasPrefix(next, "/zh/") || pagelang.Of(r) == pagelang.Chinese {
		return &joinChinese
	}
	return &joinEnglish
}

func (c *Class) serveJoin(w http.ResponseWriter, r *http.Request) {
	type page struct {
		Error, Next, Code, Name string
		W                       *joinWords
	}
	next := r.FormValue("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/"
	}
	words := joinWordsFor(r, next)
	show := func(status int, p page) {
		p.Next, p.W = next, words
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		joinPage.Execute(w, p)
	}
	if r.Method != http.MethodPost {
		// The gateway prints join URLs with the code in them (and their QR code).
		show(http.StatusOK, page{Code: r.URL.Query().Get("code")})
		return
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	code := strings.TrimSpace(r.FormValue("code"))
	name := strings.ToLower(strings.TrimSpace(r.FormValue("name")))
	if !c.allowTry(client) {
		w.Header().Set("Retry-After", strconv.Itoa(int(joinEvery.Seconds())))
		show(http.StatusTooManyRequests, page{Error: fmt.Sprintf(words.TooMany, joinEvery), Name: name})
		return
	}
	if subtle.ConstantTimeCompare([]byte(normalCode(code)), []byte(normalCode(c.code))) != 1 {
		show(http.StatusForbidden, page{Error: words.WrongCode, Name: name})
		return
	}
	if !validName.MatchString(name) {
		show(http.StatusBadRequest, page{Error: words.BadName, Code: code})
		return
	}
	if c.Reserved != nil && c.Reserved(name) {
		show(http.StatusConflict, page{Error: fmt.Sprintf(words.Reserved, name), Code: code})
		return
	}
	if !c.take(name, client) {
		show(http.StatusConflict, page{Error: fmt.Sprintf(words.Taken, name), Code: code})
		return
	}
	expires := time.Now().Add(24 * time.Hour).Unix()
	http.SetCookie(w, &http.Cookie{
		Name:     classCookie,
		Value:    name + "." + strconv.FormatInt(expires, 10) + "." + c.sign(name, expires),
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Expires:  time.Unix(expires, 0),
	})
	if c.OnJoin != nil {
		c.OnJoin(name)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// take gives name to client, unless another address holds it and has programs running (a
// name not busy moves to the address that joins with it: a learner changed machine).
func (c *Class) take(name, client string) bool {
	c.mu.Lock()
	owner, taken := c.names[name]
	c.mu.Unlock()
	if taken && owner != client && owner != "" && (c.Busy == nil || c.Busy(name)) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now, ok := c.names[name]; ok != taken || now != owner {
		return now == client // another join took it meanwhile
	}
	c.names[name] = client
	c.confirm(name)
	return true
}

// classmate finds a classmate's lab address by name ("bob" for bob.lab).
func (c *Class) classmate(name string) (netip.Addr, bool) {
	if !c.Joined(name) {
		return netip.Addr{}, false
	}
	return learnerAddr(classLearnerID(name)), true
}

// classLearnerID is the learner id of a classmate.
func classLearnerID(name string) string { return "class-" + name }
