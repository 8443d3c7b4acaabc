package grade

import (
	"regexp"
	"strings"
)

// detailRule puts one shape of Result.Detail in Chinese: re matches a whole detail as
// eval.go writes it, and zh writes it from re's groups. Quoted text, addresses and the words
// of an "output matches" check (already in the lesson's language) are kept.
type detailRule struct {
	re *regexp.Regexp
	zh func(m []string) string
}

func rule(pattern string, zh func(m []string) string) detailRule {
	return detailRule{regexp.MustCompile("^(?s:" + pattern + ")$"), zh}
}

// same returns zh with $1, $2 ... replaced by the groups.
func same(zh string) func(m []string) string {
	return func(m []string) string {
		out := zh
		for i := len(m) - 1; i >= 1; i-- {
			out = strings.ReplaceAll(out, "$"+string(rune('0'+i)), m[i])
		}
		return out
	}
}

var verbZh = map[string]string{"sent": "发送", "received": "接收"}

var unitZh2 = map[string]string{"byte": "字节", "bytes": "字节", "datagram": "个数据报", "datagrams": "个数据报"}

// placeZh says where a count or data check looked: "in all", "to ADDR" or "from ADDR".
func placeZh(where string) string {
	switch {
	case strings.HasPrefix(where, "to "):
		return "发往 " + strings.TrimPrefix(where, "to ")
	case strings.HasPrefix(where, "from "):
		return "来自 " + strings.TrimPrefix(where, "from ")
	}
	return "总计"
}

// toZh is "到 ADDR " for a stream's peer, "" for none.
func toZh(peer string) string {
	if peer == "" {
		return ""
	}
	return "到 " + peer + " "
}

var detailRulesZh = []detailRule{
	rule(`the run had no faults: put (\S+) in the Faults field and run it again`, same(`这次运行没有故障：请在“故障”一栏填入 $1 后再运行一次`)),
	rule(`the run had the faults (\S+), not (\S+): put (\S+) in the Faults field and run it again`, same(`这次运行的故障是 $1，不是 $2：请在“故障”一栏填入 $3 后再运行一次`)),
	rule(`the output does not contain (.+)`, same(`输出中不包含 $1`)),
	rule(`the output contains (.+)`, same(`输出中包含了 $1`)),
	rule(`the output does not show (.+)`, same(`输出中没有$1`)),
	rule(`nothing in the output matches (.+)`, same(`输出中没有任何内容匹配 $1`)),
	rule(`the program failed before it could exit: the console says why`, same(`程序还没来得及退出就失败了：原因见控制台`)),
	rule(`the program did not exit: it was stopped`, same(`程序没有自己退出：它被停止了`)),
	rule(`the program exited with status (-?[0-9]+)`, same(`程序以退出状态 $1 结束`)),
	rule(`(sent|received) ([0-9]+) (bytes?|datagrams?) (in all|to .+|from .+)`, func(m []string) string {
		return verbZh[m[1]] + "了 " + m[2] + " " + unitZh2[m[3]] + "（" + placeZh(m[4]) + "）"
	}),
	rule(`no bytes were (sent|received) (in all|to .+|from .+)`, func(m []string) string {
		return "没有" + verbZh[m[1]] + "任何字节（" + placeZh(m[2]) + "）"
	}),
	rule(`the bytes (sent|received) (in all|to .+|from .+) do not contain (.+)`, func(m []string) string {
		return verbZh[m[1]] + "的字节（" + placeZh(m[2]) + "）中不包含 " + m[3]
	}),
	rule(`no TCP stream(?: to (.+))? was seen`, func(m []string) string { return "没有看到" + toZh(m[1]) + "的 TCP 字节流" }),
	rule(`there was no ([a-z-]+) on the stream(?: to (.+))?`, func(m []string) string { return toZh(m[2]) + "的字节流上没有 " + m[1] }),
	rule(`the first ([a-z-]+) came before the first ([a-z-]+) on the stream(?: to (.+))?`, func(m []string) string {
		return toZh(m[3]) + "的字节流上，第一个 " + m[1] + " 出现在第一个 " + m[2] + " 之前"
	}),
	rule(`accepted ([0-9]+) connections?`, same(`接受了 $1 个连接`)),
	rule(`no accepted connection was answered`, same(`接受的连接都没有得到应答`)),
	rule(`at most 1 connection was answered at a time`, same(`同一时刻最多只应答了 1 个连接`)),
	rule(`at most ([0-9]+) connections were answered at once`, same(`同一时刻最多只应答了 $1 个连接`)),
	rule(`listening failed: (.+)`, same(`监听失败：$1`)),
	rule(`the program did not listen`, same(`程序没有监听`)),
	rule(`the program listened on (.+)`, same(`程序监听的是 $1`)),
	rule(`the connection to (.+) failed otherwise: (.+)`, same(`到 $1 的连接以别的方式失败了：$2`)),
	rule(`the connection to (.+) failed: (.+)`, same(`到 $1 的连接失败了：$2`)),
	rule(`no connection to (.+) was made`, same(`没有建立到 $1 的连接`)),
	rule(`no connection to (.+) was refused`, same(`没有到 $1 的连接被拒绝`)),
}

// DetailIn gives a result's detail in the language lang: as it is for English, in Chinese
// for "zh" when a rule knows its shape (else as it is).
func DetailIn(detail, lang string) string {
	if lang != Chinese || detail == "" {
		return detail
	}
	for _, r := range detailRulesZh {
		if m := r.re.FindStringSubmatch(detail); m != nil {
			return r.zh(m)
		}
	}
	return detail
}
