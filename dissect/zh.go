package dissect

import (
	"regexp"
	"strings"
)

// Chinese is the language code of the notes' Chinese words (Translate).
const Chinese = "zh"

// Translate returns copies of the messages with their summaries, labels and details in the
// language lang: as they are for English ("" or "en"), in Chinese for "zh". Protocol text
// quoted in a note (a header line, a reply, the bytes in hex) stays as it was sent. A detail
// the tables below do not know stays English; every label has its Chinese
// (TestChineseLabels). The messages given are left as they are: programs read their labels
// (LabelDataAddress).
func Translate(ms []Message, lang string) []Message {
	if lang != Chinese {
		return ms
	}
	out := make([]Message, len(ms))
	for i, m := range ms {
		m.Summary = TranslateSummary(m.Summary, lang)
		notes := make([]Note, len(m.Notes))
		for j, n := range m.Notes {
			n.Label, n.Detail = TranslateNote(n.Label, n.Detail, lang)
			notes[j] = n
		}
		m.Notes = notes
		out[i] = m
	}
	return out
}

// TranslateSummary gives a message's summary in lang (see Translate).
func TranslateSummary(summary, lang string) string {
	if lang != Chinese {
		return summary
	}
	return zhText(summary, summaryRules)
}

// TranslateNote gives a note's label and detail in lang (see Translate).
func TranslateNote(label, detail, lang string) (string, string) {
	if lang != Chinese {
		return label, detail
	}
	if zh, ok := labelsZh[label]; ok {
		label = zh
	}
	return label, zhText(detail, detailRules)
}

// labelsZh names every label the dissectors give, in Chinese.
var labelsZh = map[string]string{
	"header": "首部", "text": "文本", "version": "版本", "end of headers": "首部结束",
	"reply code": "应答码", "command": "命令", "status code": "状态码", "reason": "原因短语",
	"target": "请求目标", "method": "方法", "selector": "选择符", "type": "类型",
	"display": "显示文字", "body": "实体主体", "port": "端口", "host": "主机",
	"argument": "参数", "line ending": "行结束符", "chunk size": "分块大小", "line": "行",
	"end of chunk": "分块结束", "chunk data": "分块数据", "reply": "应答", "end": "结束",
	"date and time": "日期和时间", "data address": "数据连接地址", "your address": "你的地址",
	"welcome": "欢迎语", "seconds since 1900": "自 1900 年起的秒数", "request": "请求",
	"prompt": "提示", "passive mode": "被动模式", "end of body": "实体主体结束", "date": "日期",
	"cut short": "提前结束", "answer": "回答", "Unix time": "Unix 时间", "trailer": "尾部首部",
	"short": "过短", "search": "搜索", "not an FTP reply": "不是 FTP 应答", "not HTTP": "不是 HTTP",
	"ignored": "被忽略", "greeting": "问候", "extra line": "多余的行", "directory": "目录",
	"body cut short": "实体主体不完整", "active mode": "主动模式", "unexpected": "多余的字节",
	"too many headers": "首部过多", "unfinished line": "未结束的行", "long line": "过长的行",
	"empty line": "空行", "not a time value": "不是时间值", "no address": "没有地址",
	"folded header": "折叠的首部", "extra field": "多余的字段", "bad header": "错误的首部",
	"bad chunk size": "错误的分块大小", "bad chunk": "错误的分块", "after the end": "结束之后",
	"status line": "状态行", "request line": "请求行",
}

// rule rewrites a whole text that matches re into zh, with $1 and the like from re's groups.
type rule struct {
	re *regexp.Regexp
	zh string
}

func rules(pairs ...string) []rule {
	var out []rule
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, rule{regexp.MustCompile("^(?s:" + pairs[i] + ")$"), pairs[i+1]})
	}
	return out
}

// zhText rewrites s by the first rule that matches it whole, else by its meaning: "VALUE:
// meaning" and "VALUE (meaning)" with a known meaning get the meaning in Chinese.
func zhText(s string, rs []rule) string {
	for _, r := range rs {
		if r.re.MatchString(s) {
			return r.re.ReplaceAllString(s, r.zh)
		}
	}
	if zh, ok := meaningsZh[s]; ok {
		return zh
	}
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		if zh, ok := meaningsZh[s[i+2:len(s)-1]]; ok {
			return s[:i] + "（" + zh + "）"
		}
	}
	for i := 0; ; {
		j := strings.Index(s[i:], ": ")
		if j < 0 {
			return s
		}
		i += j
		if zh, ok := meaningsZh[s[i+2:]]; ok {
			return s[:i] + "：" + zh
		}
		i += 2
	}
}

var summaryRules = rules(
	`time (.+)`, `时间 $1`,
	`request, 1 byte`, `请求，1 字节`,
	`request, ([0-9]+) bytes`, `请求，$1 字节`,
	`body, 1 byte`, `实体主体，1 字节`,
	`body, ([0-9]+) bytes`, `实体主体，$1 字节`,
	`chunk, ([0-9]+) bytes?`, `分块，$1 字节`,
	`last chunk \(body ([0-9]+) bytes?\)`, `最后一个分块（实体主体共 $1 字节）`,
	`([0-9]+) bytes? to a time server`, `发给时间服务器的 $1 字节`,
	`([0-9]+) more bytes?`, `多出的 $1 字节`,
	`cut short`, `提前结束`,
	`not a time value`, `不是时间值`,
)

var detailRules = rules(
	`([0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}) read as one big-endian number: ([0-9]+)`, `把 $1 按大端字节序读成一个数：$2`,
	`([0-9]+) - ([0-9]+) = (-?[0-9]+) seconds since 1970`, `$1 - $2 = $3，即自 1970 年起的秒数`,
	`a time server sends its 4 bytes without reading anything`, `时间服务器不读任何数据，直接发出 4 个字节`,
	`a time value is 4 bytes; the stream ended after ([0-9]+)`, `时间值是 4 个字节；字节流在 $1 个字节后就结束了`,
	`a time server sends 4 bytes and closes; these came after them`, `时间服务器发出 4 个字节后就关闭连接；这些字节是在那之后到达的`,
	`a time reply is one datagram of 4 bytes; this one has ([0-9]+)`, `时间应答是一个 4 字节的数据报；这个有 $1 字节`,
	`any datagram asks for the (time|date); what it holds does not matter, and it may be empty`, `任何数据报都表示询问$1；内容无关紧要，也可以为空`,
	`(.+); the format is for people to read, each server picks its own`, `$1；这个格式是给人读的，每个服务器各有各的写法`,
	`text for people to read; each daytime server picks its own format`, `给人读的文字；每个 daytime 服务器各有各的格式`,
	`a daytime server sends its line without waiting for the client`, `daytime 服务器不等客户端发送，直接发出它的那一行`,
	`LF alone; this protocol ends lines with CR LF, though many servers accept LF`, `只有 LF；这个协议用 CR LF 结束一行，不过很多服务器也接受单独的 LF`,
	`chat\.lab's answer to the line before`, `chat.lab 对上一行的回答`,
	`chat\.lab speaks first, as soon as the connection opens`, `连接一建立，chat.lab 就先开口`,
	`a line for chat\.lab, which answers it with one line`, `发给 chat.lab 的一行，它会用一行来回答`,
	`asks to leave: chat\.lab says goodbye and closes the connection`, `请求离开：chat.lab 说再见并关闭连接`,
	`the last line: chat\.lab closes the connection after it`, `最后一行：chat.lab 发完就关闭连接`,
	`the line to count: ([0-9]+) characters?; count\.lab counts characters, not bytes, and leaves out the line ending`, `要计数的行：$1 个字符；count.lab 数的是字符而不是字节，并且不算行结束符`,
	`count\.lab reads only one line`, `count.lab 只读一行`,
	`count\.lab now waits for one line`, `count.lab 现在等待一行输入`,
	`how many characters the line had; count\.lab closes the connection after this`, `这一行有多少个字符；count.lab 说完就关闭连接`,
	`a line from count\.lab`, `来自 count.lab 的一行`,
	`count\.lab greets the client as soon as it connects`, `客户端一连上，count.lab 就打招呼`,
	`(.+): the address count\.lab sees the connection coming from`, `$1：count.lab 看到的连接来源地址`,
	`an empty line ends the head; (.+)`, `一个空行结束首部；$1`,
	`([0-9]+) bytes?, read until the server closed the connection(.*)`, `$1 字节，一直读到服务器关闭连接$2`,
	`([0-9]+) bytes?, as Content-Length said(.*)`, `$1 字节，与 Content-Length 所说一致$2`,
	`the stream ended before this line's CR LF`, `字节流在这一行的 CR LF 之前就结束了`,
	`the stream ended before the empty line that ends the headers`, `字节流在结束首部的空行之前就结束了`,
	`an empty line before a request or response is allowed and skipped`, `请求或响应之前的空行是允许的，会被跳过`,
)

// meaningsZh are the meanings the dissectors give after a value, in Chinese.
var meaningsZh = map[string]string{
	"no body follows":        "后面没有实体主体",
	"a chunked body follows": "后面是分块传输的实体主体",
	"a chunked body follows: chunks, each after its size, until a chunk of size 0": "后面是分块传输的实体主体：每块先给出大小，直到大小为 0 的分块",
	"no body (Content-Length: 0)":                                                       "没有实体主体（Content-Length: 0）",
	"no body: a response to HEAD has only headers":                                      "没有实体主体：对 HEAD 的响应只有首部",
	"no length given, so the body runs until the server closes the connection":          "没有给出长度，所以实体主体一直持续到服务器关闭连接",
	"the server's HTTP version":                                                         "服务器的 HTTP 版本",
	"words for people; programs go by the code":                                         "给人看的文字；程序只看状态码",
	"the path of the resource on this server":                                           "资源在这个服务器上的路径",
	"the path of the resource, then after ? the query":                                  "资源的路径，? 之后是查询串",
	"a whole URL, the form used when talking to a proxy":                                "完整的 URL，与代理服务器通信时用这种形式",
	"the connection stays open for more requests unless a side sends Connection: close": "连接保持打开，可以继续发请求，除非一方发送 Connection: close",
	"one request per connection, unless both sides ask to keep it open":                 "每个连接只发一个请求，除非双方都要求保持连接",
	"the HTTP version the client speaks":                                                "客户端使用的 HTTP 版本",
	"asks for a resource":                                                               "请求一个资源",
	"asks for a resource's headers only, without the body":                              "只请求资源的首部，不要实体主体",
	"sends data in the body for the server to process":                                  "在实体主体中发送数据，交给服务器处理",
	"which site on the server the request is for":                                       "请求的是服务器上的哪个站点",
	"the client program":                                                                "客户端程序",
	"the kinds of content the client takes":                                             "客户端接受的内容类型",
	"whether the connection stays open after this exchange":                             "这次交换之后连接是否保持打开",
	"the body's length in bytes":                                                        "实体主体的长度（字节）",
	"what kind of data the body holds":                                                  "实体主体中是什么类型的数据",
	"how the body is framed; chunked: in pieces, each after its size":                   "实体主体的分帧方式；chunked：分块传送，每块先给出大小",
	"when the message was made":                                                         "报文生成的时间",
	"the server program":                                                                "服务器程序",
	"where to go instead, for a redirect or a new resource":                             "重定向或新资源的去处",
	"OK, the request worked":                                                            "OK，请求成功",
	"not found: nothing at this path":                                                   "未找到：这个路径上没有资源",
	"bad request: the server could not make sense of it":                                "错误请求：服务器无法理解它",
	"this method is not allowed here":                                                   "这里不允许使用这个方法",
	"the server failed while handling the request":                                      "服务器处理请求时出错",
	"moved for good; the new address is in Location":                                    "已永久移走；新地址在 Location 里",
	"found elsewhere for now; see Location":                                             "暂时在别处；见 Location",
}
