package grade

import "fmt"

// Chinese is the language code of the checks' Chinese words (SaysIn).
const Chinese = "zh"

// kindWordsZh words an event kind in Chinese, as kindWords does in English.
var kindWordsZh = map[string]string{
	"send":       "发送数据",
	"recv":       "接收数据",
	"fin-sent":   "结束发送（用 CloseWrite 发出 FIN）",
	"fin-recv":   "收到对方结束发送（对方的 FIN）",
	"close":      "关闭连接",
	"reset":      "连接被对方复位（RST）",
	"reset-sent": "复位连接（发出 RST）",
}

// SaysIn says in plain words what the check wants, in the language lang: Says for English,
// the same sentence in Chinese for "zh". The words in parentheses of an "output matches"
// check are the lesson's own, in the lesson's language.
func (c Check) SaysIn(lang string) string {
	if lang != Chinese {
		return c.Says
	}
	switch c.Op {
	case "output-contains":
		return "输出中包含 " + quote(c.Str)
	case "output-lacks":
		return "输出中不包含 " + quote(c.Str)
	case "output-matches":
		if c.Words != "" {
			return "输出中有" + c.Words
		}
		return "输出中有一行匹配模式 " + quote(c.Str)
	case "exit":
		if c.N == 0 {
			return "程序正常结束（退出状态 0）"
		}
		return fmt.Sprintf("程序以退出状态 %d 结束", c.N)
	case "count":
		return fmt.Sprintf("程序%s%s%s %d %s", c.peerZh(), c.verbZh(), cmpZh[c.Cmp], c.N, unitZh[c.Unit])
	case "data":
		return fmt.Sprintf("程序%s%s %s", c.peerZh(), c.verbZh(), quote(c.Str))
	case "order":
		s := fmt.Sprintf("程序先%s，然后才%s", kindWordsZh[c.First], kindWordsZh[c.Then])
		if c.Peer != "" {
			s += "（在到 " + c.Peer + " 的连接上）"
		}
		return s
	case "accepted":
		return fmt.Sprintf("程序接受%s %d 个连接", cmpZh[c.Cmp], c.N)
	case "concurrent":
		if c.N == 1 {
			return "程序为一个连接提供服务"
		}
		return fmt.Sprintf("程序同时为 %d 个连接提供服务", c.N)
	case "listened":
		return fmt.Sprintf("程序在端口 %d 上监听", c.N)
	case "connected":
		return "程序连接到 " + c.Peer
	case "refused":
		return "到 " + c.Peer + " 的连接被拒绝"
	case "faults":
		return "程序在实验网络的故障 " + c.Str + " 下运行（“故障”一栏）"
	}
	return c.Text
}

// cmpZh words a count's comparison in Chinese.
var cmpZh = map[string]string{
	"exactly":  "恰好",
	"at least": "至少",
	"at most":  "至多",
}

// unitZh names a count's unit in Chinese.
var unitZh = map[string]string{
	"bytes":     "字节",
	"datagrams": "个数据报",
}

// verbZh is 发送 or 接收.
func (c Check) verbZh() string {
	if c.Dir == "sent" {
		return "发送"
	}
	return "接收"
}

// peerZh is "向 ADDR", "从 ADDR" or "".
func (c Check) peerZh() string {
	switch {
	case c.Peer == "":
		return ""
	case c.Dir == "sent":
		return "向 " + c.Peer + " "
	}
	return "从 " + c.Peer + " "
}
