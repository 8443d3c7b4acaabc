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

// rule rewrites a whole text that matches re into zh, with $1 and the like from re's groups,
// or, when fn is set, into what fn makes of the groups.
type rule struct {
	re *regexp.Regexp
	zh string
	fn func(m []string) string
}

func rules(pairs ...string) []rule {
	var out []rule
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, rule{re: regexp.MustCompile("^(?s:" + pairs[i] + ")$"), zh: pairs[i+1]})
	}
	return out
}

// zhText rewrites s by the first rule that matches it whole, else by its meaning: "VALUE:
// meaning" and "VALUE (meaning)" with a known meaning get the meaning in Chinese.
func zhText(s string, rs []rule) string {
	for _, r := range rs {
		if m := r.re.FindStringSubmatch(s); m != nil {
			if r.fn != nil {
				return r.fn(m)
			}
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

// ruleFn is a rule whose Chinese is made by fn from the groups.
func ruleFn(pattern string, fn func(m []string) string) rule {
	return rule{re: regexp.MustCompile("^(?s:" + pattern + ")$"), fn: fn}
}

// meaningZh is a meaning in Chinese, or as it is when the tables do not know it.
func meaningZh(s string) string {
	if zh, ok := meaningsZh[s]; ok {
		return zh
	}
	return s
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
	`selector (.*)`, `选择符 $1`,
	`end`, `结束`,
	`empty line`, `空行`,
	`extra line: (.*)`, `多余的行：$1`,
	`after the end: (.*)`, `结束之后：$1`,
	`not a reply: (.*)`, `不是应答：$1`,
	`([0-9]{3}) reply, continued`, `$1 应答（续）`,
	`line of ([0-9]+) bytes`, `$1 字节的一行`,
)

// detailRules are the details with values inside; ftpGopherRules, their share for FTP and
// Gopher, come first.
var detailRules = append(ftpGopherRules, baseRules...)

var ftpGopherRules = []rule{
	ruleFn(`([0-9]{3}): (.+); the dash after it opens a multi-line reply, which ends at a line starting ([0-9]{3}) and a space`, func(m []string) string {
		return m[1] + "：" + meaningZh(m[2]) + "；代码后面的短横线表示这是一个多行应答，直到以 " + m[3] + " 加空格开头的那一行为止"
	}),
	ruleFn(`([0-9]+) bytes without a line ending in the first ([0-9]+); (.+)`, func(m []string) string {
		return "在前 " + m[2] + " 个字节里有 " + m[1] + " 个字节没有行结束符；" + meaningZh(m[3])
	}),
}

var baseRules = rules(
	`([0-9]{3}) again, with a space: the last line of the multi-line reply`, `$1 再次出现，后面跟着空格：这是多行应答的最后一行`,
	`a feature the server offers: (.+)`, `服务器提供的一项扩展功能：$1`,
	`a line of ([0-9]+) bytes in a multi-line reply`, `多行应答中一行长 $1 个字节`,
	`the client listens at (\S+) and the server connects to it for the data; port ([0-9]+)\*256 \+ ([0-9]+) = ([0-9]+)`, `客户端在 $1 上监听，服务器连接过去传送数据；端口号 $2×256 + $3 = $4`,
	`the client listens at (\S+) and the server connects to it for the data`, `客户端在 $1 上监听，服务器连接过去传送数据`,
	`the server listens at (\S+) and the client opens the data connection there: the first four numbers are the address, the last two the port; port ([0-9]+)\*256 \+ ([0-9]+) = ([0-9]+)`, `服务器在 $1 上监听，客户端到那里建立数据连接：前四个数是地址，后两个数是端口；端口号 $2×256 + $3 = $4`,
	`the server listens on port ([0-9]+) of the host this control connection goes to, and the client opens the data connection there`, `服务器在这条控制连接所连主机的 $1 号端口上监听，客户端到那里建立数据连接`,
	`a menu line has 4 tab-separated fields; this one has ([0-9]+)`, `菜单行有 4 个以制表符分隔的字段；这一行有 $1 个`,

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
	"words for people; programs go by the code":                                         "给人看的文字；程序只看前面的数字代码",
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

	// FTP: commands, replies, arguments and the control connection's lines.
	"names the account to log in as":                                                "给出要登录的账户名",
	"gives the account's password, as plain text":                                   "给出账户的口令，以明文发送",
	"gives accounting information":                                                  "给出计费信息",
	"changes the working directory":                                                 "切换工作目录",
	"goes up to the parent directory":                                               "回到上一级目录",
	"asks for the working directory":                                                "询问当前工作目录",
	"makes a directory":                                                             "创建目录",
	"removes a directory":                                                           "删除目录",
	"deletes a file":                                                                "删除文件",
	"names a file to rename; RNTO gives the new name":                               "指定要改名的文件；新名字由 RNTO 给出",
	"gives the new name for the file named by RNFR":                                 "给出 RNFR 所指文件的新名字",
	"logs out; the server closes the connection":                                    "退出登录；服务器随后关闭连接",
	"asks the server to listen for a data connection and say where":                 "请服务器为数据连接监听一个端口，并告知地址",
	"like PASV, but the server gives only a port, so it works over IPv6 too":        "和 PASV 类似，但服务器只给出端口，所以在 IPv6 上也能用",
	"tells the server where the client listens for a data connection (active mode)": "告诉服务器客户端在哪里等待数据连接（主动模式）",
	"like PORT, for IPv4 or IPv6":                                                   "和 PORT 类似，IPv4 和 IPv6 都能用",
	"chooses how files are sent: A for text, I for exact bytes":                     "选择文件的传送方式：A 表示文本，I 表示原样的字节",
	"chooses the transfer mode (S, a plain stream, is the usual one)":               "选择传输模式（通常是 S，即普通的字节流）",
	"chooses the file structure (F, a plain file, is the usual one)":                "选择文件结构（通常是 F，即普通文件）",
	"downloads a file over the data connection":                                     "通过数据连接下载文件",
	"uploads a file over the data connection":                                       "通过数据连接上传文件",
	"uploads a file under a name the server picks":                                  "上传文件，文件名由服务器决定",
	"appends to a file over the data connection":                                    "通过数据连接向文件追加内容",
	"sets the offset where the next transfer starts":                                "设置下一次传输开始的位置",
	"aborts the transfer in progress":                                               "中止正在进行的传输",
	"lists a directory, for people, over the data connection":                       "通过数据连接列出目录，供人阅读",
	"lists the names in a directory over the data connection":                       "通过数据连接列出目录中的文件名",
	"lists a directory in a form for programs, over the data connection":            "通过数据连接列出目录，格式供程序读取",
	"describes one file in a form for programs":                                     "以供程序读取的格式描述一个文件",
	"asks for a file's size in bytes":                                               "询问文件的大小（字节）",
	"asks when a file was last changed":                                             "询问文件最后修改的时间",
	"asks what system the server runs":                                              "询问服务器运行的是什么系统",
	"asks for status, over the control connection":                                  "通过控制连接询问状态",
	"asks which commands the server knows":                                          "询问服务器认识哪些命令",
	"does nothing; keeps the connection alive":                                      "什么也不做；让连接保持活动",
	"asks which extensions the server has":                                          "询问服务器支持哪些扩展",
	"sets an option of a command":                                                   "设置某个命令的选项",
	"a command particular to this server":                                           "这个服务器特有的命令",
	"asks to secure the connection (with TLS)":                                      "请求用 TLS 保护连接",
	"names the virtual host to use":                                                 "指定要使用的虚拟主机",
	"a command this dissector does not know":                                        "这个解析器不认识的命令",
	"a restart marker":                                                              "重启标记",
	"ready in a few minutes":                                                        "几分钟后就绪",
	"data connection already open; the transfer starts":                             "数据连接已经打开；传输开始",
	"about to open the data connection; the transfer starts":                        "即将打开数据连接；传输开始",
	"command done":                                                    "命令已完成",
	"command not needed on this server":                               "这个服务器上不需要这条命令",
	"system status, or the list of features":                          "系统状态，或者扩展功能列表",
	"directory status":                                                "目录状态",
	"file status, such as a size":                                     "文件状态，例如大小",
	"help for people":                                                 "给人看的帮助",
	"the system type":                                                 "系统类型",
	"the server greets and is ready for a login":                      "服务器问候，准备好接受登录",
	"goodbye: the server closes the control connection":               "再见：服务器关闭控制连接",
	"data connection open, nothing being sent":                        "数据连接已打开，没有数据在传送",
	"transfer complete; the server closes the data connection":        "传输完成；服务器关闭数据连接",
	"passive mode: the server says where to open the data connection": "被动模式：服务器告知到哪里建立数据连接",
	"long passive mode":                                               "长格式被动模式",
	"extended passive mode: the server says which port to open the data connection to": "扩展被动模式：服务器告知数据连接要连到哪个端口",
	"logged in":                           "已登录",
	"logged in after a security exchange": "经过安全交换后已登录",
	"security exchange accepted":          "安全交换已被接受",
	"file action done":                    "文件操作已完成",
	"a path: the working directory, or the directory made":              "一个路径：当前工作目录，或者刚创建的目录",
	"user name accepted; send the password with PASS":                   "用户名已接受；请用 PASS 发送口令",
	"an account is needed; send ACCT":                                   "需要账户信息；请发送 ACCT",
	"waiting for the next command to finish this one":                   "等待下一条命令来完成这一条",
	"service not available; the server is closing the connection":       "服务不可用；服务器正在关闭连接",
	"could not open the data connection":                                "无法打开数据连接",
	"the data connection closed; transfer aborted":                      "数据连接已关闭；传输中止",
	"wrong user name or password":                                       "用户名或口令错误",
	"the file is busy or unavailable for now":                           "文件正忙或暂时不可用",
	"aborted by an error on the server":                                 "因服务器出错而中止",
	"not enough storage space":                                          "存储空间不足",
	"command not understood":                                            "无法理解这条命令",
	"the command's argument is wrong":                                   "命令的参数有误",
	"command not implemented":                                           "命令没有实现",
	"commands in the wrong order (for example PASS before USER)":        "命令顺序不对（例如在 USER 之前发送 PASS）",
	"not implemented for this argument":                                 "对这个参数没有实现",
	"not logged in":                                                     "没有登录",
	"no such file or directory, or no permission":                       "没有这个文件或目录，或者没有权限",
	"one more line of the reply":                                        "应答中的又一行",
	"every reply line starts with a three-digit code":                   "每一行应答都以三位数字的代码开头",
	"not a command; servers answer 500":                                 "不是命令；服务器会回答 500",
	"the stream ended before the line that closes the multi-line reply": "字节流在结束多行应答的那一行之前就结束了",
	"a 227 reply should carry h1,h2,h3,h4,p1,p2; this one does not":     "227 应答应当带有 h1,h2,h3,h4,p1,p2；这一个没有",
	"the account name (anonymous for a public server)":                  "账户名（公共服务器用 anonymous）",
	"the password, readable by anyone who sees the connection":          "口令，任何能看到这条连接的人都能读到",
	"ASCII, text whose line endings may be changed on the way":          "ASCII，文本的行结束符可能在传送途中被改写",
	"image, bytes sent exactly as they are":                             "image，字节按原样传送",
	"the file":                                                          "文件",
	"the directory":                                                     "目录",
	"too long for FTP":                                                  "对 FTP 来说太长了",
	"missing: the stream ended before the line did":                     "缺失：这一行还没结束，字节流就结束了",

	"an account is needed to store files":                        "需要账户才能存储文件",
	"page type unknown":                                          "页面类型未知",
	"storage allocation exceeded":                                "超出了存储配额",
	"file name not allowed":                                      "不允许使用这个文件名",
	"a first answer: another reply follows when the action ends": "初步应答：操作结束时还会有一个应答",
	"done": "已完成",
	"so far so good: the server waits for another command": "到目前为止一切正常：服务器在等待下一条命令",
	"failed this time; trying again later may work":        "这次失败了；稍后重试也许能成功",
	"failed; repeating the same command will fail again":   "失败了；重复同一条命令还会失败",
	"not a standard reply code":                            "不是标准的应答码",

	// Gopher: the selector, menu lines and text.
	"asks for the item with this selector":                        "请求具有这个选择符的条目",
	"empty: asks for the server's top menu":                       "空的：请求服务器的顶层菜单",
	"search words, for a search item (type 7)":                    "搜索词，用于搜索条目（类型 7）",
	"a Gopher+ request field":                                     "Gopher+ 的请求字段",
	"a Gopher client sends one selector line and then only reads": "Gopher 客户端只发送一行选择符，之后只读不写",
	"a line holding only a dot ends the menu or text":             "只有一个点的一行表示菜单或文本结束",
	"the menu or text already ended with a dot":                   "菜单或文本已经以一个点结束了",
	"a line of text": "一行文本",
	"not a menu line: menu lines hold tab-separated fields":                        "不是菜单行：菜单行由以制表符分隔的字段组成",
	"a line of text; its first dot is doubled so that it is not taken for the end": "一行文本；开头的点写了两遍，以免被当成结束标记",
	"a type this dissector does not know":                                          "这个解析器不认识的类型",
	"missing: a menu line starts with its type":                                    "缺失：菜单行应以类型开头",
	"the text shown to the user":                                                   "显示给用户看的文字",
	"what a client sends to fetch this item":                                       "客户端取这个条目时要发送的内容",
	"the server that holds the item":                                               "存放这个条目的服务器",
	"the port to connect to there":                                                 "要连接的那台服务器的端口",
	"not a port number":                                                            "不是端口号",
	"a field after the port, such as Gopher+'s +":                                  "端口之后的字段，例如 Gopher+ 的 +",
	"perhaps a binary file, which has no lines":                                    "也许是二进制文件，它没有行的概念",
	"a text file":         "文本文件",
	"a menu":              "菜单",
	"a phone book server": "电话簿服务器",
	"an error":            "错误",
	"a BinHex file":       "BinHex 文件",
	"a DOS binary file":   "DOS 二进制文件",
	"a uuencoded file":    "uuencode 编码的文件",
	"a search: the client sends the selector, a tab and the words": "搜索：客户端发送选择符、一个制表符和搜索词",
	"a telnet session":           "telnet 会话",
	"a binary file":              "二进制文件",
	"a mirror of the item above": "上一个条目的镜像",
	"a GIF image":                "GIF 图像",
	"an image":                   "图像",
	"a tn3270 session":           "tn3270 会话",
	"an HTML page":               "HTML 页面",
	"an information line: text to show, not a link": "信息行：只是要显示的文字，不是链接",
	"a sound":    "声音",
	"a document": "文档",
	"chat.lab closes the connection after a line this long": "一行这么长，chat.lab 会关闭连接",
	"count.lab refuses a line this long":                    "count.lab 拒绝这么长的一行",
	"a daytime line is short":                               "daytime 的一行很短",
}
