package dissect

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// noteLine is a note in a golden file: "    OFF+LEN LABEL: DETAIL".
var noteLine = regexp.MustCompile(`^    [0-9]+\+[0-9]+ ([^:]+): `)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestChineseLabels: every label the dissectors give in the golden files, and every label
// of the table, has its Chinese.
func TestChineseLabels(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.golden")
	if len(files) < 10 {
		t.Fatalf("only %d golden files", len(files))
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			m := noteLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			seen++
			if zh, _ := TranslateNote(m[1], "", Chinese); !hasHan(zh) {
				t.Errorf("%s:%d: the label %q has no Chinese in labelsZh (dissect/zh.go)", f, i+1, m[1])
			}
		}
	}
	if seen < 100 {
		t.Errorf("only %d notes read from the golden files", seen)
	}
	for en, zh := range labelsZh {
		if !hasHan(zh) {
			t.Errorf("labelsZh[%q] = %q is not Chinese", en, zh)
		}
	}
}

// TestTranslateTime: the time protocol's notes in Chinese, with the bytes and numbers kept;
// English is left alone, and so are the messages given.
func TestTranslateTime(t *testing.T) {
	d := For(37, "tcp")
	msgs := d.Feed(ToClient, []byte{0xe9, 0x8a, 0xf8, 0x70})
	if len(msgs) != 1 || len(msgs[0].Notes) < 2 {
		t.Fatalf("the time dissector said %+v", msgs)
	}
	zh := Translate(msgs, Chinese)
	want := []struct{ label, detail string }{
		{"自 1900 年起的秒数", "把 e9 8a f8 70 按大端字节序读成一个数：3918198896"},
		{"Unix 时间", "3918198896 - 2208988800 = 1709210096，即自 1970 年起的秒数"},
	}
	for i, w := range want {
		if n := zh[0].Notes[i]; n.Label != w.label || n.Detail != w.detail {
			t.Errorf("note %d in Chinese: %q %q, want %q %q", i, n.Label, n.Detail, w.label, w.detail)
		}
	}
	if !strings.HasPrefix(zh[0].Summary, "时间 2024-02-29") {
		t.Errorf("summary in Chinese: %q", zh[0].Summary)
	}
	if msgs[0].Notes[0].Label != "seconds since 1900" {
		t.Errorf("Translate changed the messages it was given: %q", msgs[0].Notes[0].Label)
	}
	if en := Translate(msgs, "en"); en[0].Notes[0].Detail != msgs[0].Notes[0].Detail {
		t.Errorf("English changed: %q", en[0].Notes[0].Detail)
	}
	// A meaning after a value: the HTTP status code.
	if _, d := TranslateNote("status code", "404: not found: nothing at this path", Chinese); d != "404：未找到：这个路径上没有资源" {
		t.Errorf("status code 404 in Chinese: %q", d)
	}
}
