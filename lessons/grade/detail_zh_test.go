package grade

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
)

// TestDetailInChinese: every detail the check cases pin has a Chinese form that keeps its
// quoted text and numbers, and English stays as it is.
func TestDetailInChinese(t *testing.T) {
	b, err := os.ReadFile("testdata/check_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if s, ok := y.(string); ok && k == "detail" && s != "" {
					details = append(details, s)
				}
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var cases any
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	walk(cases)
	if len(details) < 10 {
		t.Fatalf("only %d details in the check cases", len(details))
	}
	for _, d := range details {
		zh := DetailIn(d, Chinese)
		han := false
		for _, r := range zh {
			han = han || unicode.Is(unicode.Han, r)
		}
		if !han {
			t.Errorf("%q has no Chinese form (got %q)", d, zh)
		}
		for _, keep := range []string{`"`, "web.lab:80", "time.lab:37"} {
			if strings.Count(d, keep) != strings.Count(zh, keep) {
				t.Errorf("%q in Chinese, %q, lost its %s", d, zh, keep)
			}
		}
		if DetailIn(d, "en") != d {
			t.Errorf("English changed %q", d)
		}
	}
	for _, c := range []struct{ en, zh string }{
		{"received 5 bytes from time.lab:37", "接收了 5 字节（来自 time.lab:37）"},
		{"sent 1 datagram to discard.lab:9", "发送了 1 个数据报（发往 discard.lab:9）"},
		{"there was no fin-sent on the stream to web.lab:80", "到 web.lab:80 的字节流上没有 fin-sent"},
		{"the program exited with status 1", "程序以退出状态 1 结束"},
	} {
		if got := DetailIn(c.en, Chinese); got != c.zh {
			t.Errorf("%q in Chinese: %q, want %q", c.en, got, c.zh)
		}
	}
}
