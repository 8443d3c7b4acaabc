package lessons

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"socketlab/internal/pagelang"
)

// langCookie keeps the language a learner chose with the switch on a page.
const langCookie = pagelang.Cookie

// langOf is the language of the page at r's path: Chinese under /zh/, else English.
func langOf(r *http.Request) string {
	if r.URL.Path == "/zh" || strings.HasPrefix(r.URL.Path, "/zh/") {
		return Chinese
	}
	return English
}

// root serves "/": the English index, or a redirect to the Chinese one when the learner chose
// Chinese before (the cookie) or, on a first visit, the browser prefers it (Accept-Language).
func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept-Language, Cookie")
	lang := preferred(r.Header.Get("Accept-Language"))
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == English || c.Value == Chinese) {
		lang = c.Value
	}
	if lang == Chinese {
		http.Redirect(w, r, "/zh/", http.StatusFound)
		return
	}
	h.index(w, r)
}

// setLang serves "/lang/CODE?to=PATH", the language switch: it keeps CODE in a cookie and
// goes on to PATH, a path on this site (anything else goes to that language's index).
func (h *handler) setLang(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code != English && code != Chinese {
		http.Error(w, "unknown language "+strconv.Quote(code)+": the pages come in en (English) and zh (中文)", http.StatusNotFound)
		return
	}
	to := r.URL.Query().Get("to")
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\r\n") {
		to = "/"
		if code == Chinese {
			to = "/zh/"
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// preferred reads an Accept-Language header (pagelang.Preferred).
func preferred(header string) string { return pagelang.Preferred(header) }

// pageWords are the words of a page's frame (index, header, pager, notes) in one language,
// with where the language switch on that page goes.
type pageWords struct {
	Lang, Base                          string // <html lang>, and the site's root path ("" or "/zh")
	SwitchURL, SwitchLabel, SwitchTitle string
	Lead, Lessons, Progress, NoLessons  string
	LabNet, LabIntro, NoLabs            string
	Host, Port, Proto, Addr, About, Any string
	LessonN, AllLessons, Fallback       string
	OnlyEnglish                         string // beside a lesson in the index that is not translated
	NotFound, NotFoundText              string
	LeadPython                          string // the Python track's index
	PythonTrack, GoTrack                string // links between the two tracks' indexes
	InPython, InGo                      string // links between a lesson and its twin in the other track
}

var englishPage = pageWords{
	Lang:         "en",
	SwitchLabel:  "中文",
	SwitchTitle:  "阅读中文版",
	Lead:         "Learn socket programming by running real Go programs against a small lab network. Each lesson explains one idea and lets you edit and run the code in the page.",
	Lessons:      "Lessons",
	Progress:     "Your progress (the exercises you have passed) is kept in this browser only: no account, nothing sent anywhere.",
	NoLessons:    "No lessons are installed.",
	LabNet:       "Lab network",
	LabIntro:     "These servers answer inside the lab. Your programs reach them by name (or by address) on the ports below.",
	NoLabs:       "No lab servers are running.",
	Host:         "Host",
	Port:         "Port",
	Proto:        "Protocol",
	Addr:         "Address",
	About:        "What answers",
	Any:          "any",
	LessonN:      "Lesson %d of %d",
	AllLessons:   "All lessons",
	Fallback:     "",
	NotFound:     "Not found",
	NotFoundText: "There is no page at",
	LeadPython:   "Learn socket programming by running real Python 3 programs against a small lab network. The same lessons as in Go, each program written with Python's own socket module.",
	PythonTrack:  "The same lessons in Python",
	GoTrack:      "The lessons in Go",
	InPython:     "This lesson in Python",
	InGo:         "This lesson in Go",
}

var chinesePage = pageWords{
	Lang:         "zh-CN",
	Base:         "/zh",
	SwitchLabel:  "English",
	SwitchTitle:  "Read this in English",
	Lead:         "在一个小型实验网络上运行真实的 Go 程序，学习套接字编程。每一课讲清一个概念，代码可以直接在页面里修改和运行。",
	Lessons:      "课程",
	Progress:     "你的学习进度（已通过的练习）只保存在这个浏览器里：不需要账号，也不会发送到任何地方。",
	NoLessons:    "还没有安装任何课程。",
	LabNet:       "实验网络",
	LabIntro:     "下面这些服务器在实验网络内提供服务。你的程序可以通过主机名（或地址）访问下表中的端口。",
	NoLabs:       "没有正在运行的实验服务器。",
	Host:         "主机",
	Port:         "端口",
	Proto:        "协议",
	Addr:         "地址",
	About:        "提供的服务",
	Any:          "任意",
	LessonN:      "第 %d 课（共 %d 课）",
	AllLessons:   "全部课程",
	Fallback:     "这一课还没有中文版，下面是英文原文。",
	OnlyEnglish:  "暂无中文版",
	NotFound:     "页面不存在",
	NotFoundText: "这个地址没有页面：",
	LeadPython:   "在一个小型实验网络上运行真实的 Python 3 程序，学习套接字编程。课程和 Go 版相同，程序都用 Python 自带的 socket 模块写成。",
	PythonTrack:  "这些课程的 Python 版",
	GoTrack:      "Go 版课程",
	InPython:     "这一课的 Python 版",
	InGo:         "这一课的 Go 版",
}

// pageFor returns the frame's words in lang for the page at path, with the switch pointing
// at the same page in the other language.
func pageFor(lang, path string) pageWords {
	if lang == Chinese {
		p := chinesePage
		en := strings.TrimPrefix(path, "/zh")
		if en == "" {
			en = "/"
		}
		p.SwitchURL = "/lang/en?to=" + url.QueryEscape(en)
		return p
	}
	p := englishPage
	zh := "/zh" + path
	p.SwitchURL = "/lang/zh?to=" + url.QueryEscape(zh)
	return p
}

// labAboutZh says in Chinese what the built-in lab servers answer, keyed by the English line
// the gateway gives (lab.Service.About): a line changed there shows in English until this
// table follows.
var labAboutZh = map[string]string{
	"RFC 862 echo: every byte sent comes back":                              "RFC 862 回显：发来的每个字节都原样送回",
	"RFC 863 discard: takes everything, answers nothing":                    "RFC 863 丢弃：什么都收，什么都不回答",
	"RFC 867 daytime: one readable date line, then close":                   "RFC 867 daytime：一行给人读的日期和时间，然后关闭",
	"RFC 868 time: 4 bytes, seconds since 1900":                             "RFC 868 时间：4 个字节，自 1900 年起的秒数",
	"chat partner: answers each line, bye to leave":                         "聊天对象：每一行都回答，说 bye 离开",
	"welcome and character count: send one line, get its length":            "欢迎并计数：发一行，得到它的字符数",
	"FTP: anonymous (read-only) or student/socketlab, passive mode":         "FTP：匿名（只读）或 student/socketlab，被动模式",
	"Gopher (RFC 1436): menus and short texts":                              "Gopher（RFC 1436）：菜单和短文本",
	"HTTP: a small site and the httpbin API (/get, /post, /status/418 ...)": "HTTP：一个小网站和 httpbin API（/get、/post、/status/418 ……）",
}

// labAbout is what a lab server answers, in the page's language when the table has it.
func labAbout(p pageWords, about string) string {
	if p.Lang != englishPage.Lang {
		if zh, ok := labAboutZh[about]; ok {
			return zh
		}
	}
	return about
}
