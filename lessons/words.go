package lessons

import "socketlab/lessons/grade"

// words are the page's words that the lesson renderer writes around cells, output blocks and
// exercises, in one language. The script's own words are in static/i18n.js.
type words struct {
	needs, goCode, pythonCode, run, stop, args                   string
	expected, noArgs, withArgs, typing, exitStatus, anyLines     string
	varies, open, comma, close                                   string
	exercise, editRun, exArgs, exTyping, checksIntro, exactCheck string
	notChecked                                                   string
	faults, faultsNone, faultsTitle, cleanNet, underFaults       string
	says                                                         func(grade.Check) string
}

var englishWords = &words{
	needs:       `<p class="cell-needs">This program talks to <a href="#cell-%s">the server above</a>: run that cell first, then this one.</p>`,
	goCode:      "Go code",
	pythonCode:  "Python code",
	run:         "Run",
	stop:        "Stop",
	args:        "Arguments",
	expected:    "Expected output",
	noArgs:      "with no arguments",
	withArgs:    "with arguments",
	typing:      "typing",
	exitStatus:  "exit status %d",
	anyLines:    "any number of lines",
	varies:      "varies: %s",
	open:        " (",
	comma:       ", ",
	close:       ")",
	exercise:    "Exercise: ",
	editRun:     `Edit and run <a href="#cell-%s">the cell</a>`,
	exArgs:      ` with arguments <code>%s</code>`,
	exTyping:    `, typing <code>%s</code>`,
	checksIntro: `. When the program ends (or you press Stop), these checks look at its output and at its socket events:`,
	exactCheck:  "the exact check",
	notChecked:  "Not checked yet.",
	faults:      "Faults",
	faultsNone:  "none",
	faultsTitle: "make the lab's network bad on purpose, e.g. segment=1 or loss=0.3",
	cleanNet:    "on a clean network",
	underFaults: "under the faults <code>%s</code>",
	says:        func(c grade.Check) string { return c.Says },
}

var chineseWords = &words{
	needs:       `<p class="cell-needs">这个程序要和<a href="#cell-%s">上面的服务器</a>通信：请先运行那个单元，再运行这个。</p>`,
	goCode:      "Go 代码",
	pythonCode:  "Python 代码",
	run:         "运行",
	stop:        "停止",
	args:        "参数",
	expected:    "预期输出",
	noArgs:      "不带参数",
	withArgs:    "参数为",
	typing:      "输入",
	exitStatus:  "退出状态 %d",
	anyLines:    "任意行数",
	varies:      "每次不同：%s",
	open:        "（",
	comma:       "，",
	close:       "）",
	exercise:    "练习：",
	editRun:     `修改并运行<a href="#cell-%s">这个单元</a>`,
	exArgs:      `，参数为 <code>%s</code>`,
	exTyping:    `，输入 <code>%s</code>`,
	checksIntro: `。程序结束（或按下“停止”）后，下面的检查会查看它的输出和套接字事件：`,
	exactCheck:  "检查的原文",
	notChecked:  "尚未检查。",
	faults:      "故障",
	faultsNone:  "无",
	faultsTitle: "故意让实验网络变差，例如 segment=1 或 loss=0.3",
	cleanNet:    "在正常的网络上",
	underFaults: "在故障 <code>%s</code> 下",
	says:        func(c grade.Check) string { return c.SaysIn(grade.Chinese) },
}

// wordsFor returns the page's words in the language lang ("" or "en" for English).
func wordsFor(lang string) *words {
	if lang == Chinese {
		return chineseWords
	}
	return englishWords
}
