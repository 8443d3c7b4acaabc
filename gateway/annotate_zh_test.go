package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAnnotateInChinese: /api/annotate?lang=zh gives the notes and summaries in Chinese, on the
// same bytes as in English; an unknown language is a clear 400.
func TestAnnotateInChinese(t *testing.T) {
	body, _ := json.Marshal(map[string]any{"events": annotateRuns()["time-daytime"]})
	ask := func(query string) (int, []annotation) {
		rec := httptest.NewRecorder()
		serveAnnotate(rec, httptest.NewRequest("POST", "/api/annotate"+query, bytes.NewReader(body)))
		var ans struct{ Messages []annotation }
		json.Unmarshal(rec.Body.Bytes(), &ans)
		return rec.Code, ans.Messages
	}
	code, en := ask("")
	zcode, zh := ask("?lang=zh")
	if code != 200 || zcode != 200 || len(en) == 0 || len(zh) != len(en) {
		t.Fatalf("English: %d, %d messages; Chinese: %d, %d messages", code, len(en), zcode, len(zh))
	}
	var labels []string
	for i := range en {
		if len(zh[i].Notes) != len(en[i].Notes) || zh[i].Event != en[i].Event || zh[i].Off != en[i].Off {
			t.Errorf("message %d is placed otherwise in Chinese", i)
			continue
		}
		for j, n := range zh[i].Notes {
			if n.Off != en[i].Notes[j].Off || n.Len != en[i].Notes[j].Len {
				t.Errorf("note %q is placed otherwise in Chinese", n.Label)
			}
			labels = append(labels, n.Label+": "+n.Detail)
		}
	}
	all := strings.Join(labels, "\n")
	for _, want := range []string{"自 1900 年起的秒数: 把 ", "Unix 时间: ", "日期和时间: "} {
		if !strings.Contains(all, want) {
			t.Errorf("the Chinese notes lack %q:\n%s", want, all)
		}
	}
	if code, _ := ask("?lang=fr"); code != http.StatusBadRequest {
		t.Errorf("lang=fr: %d, want 400", code)
	}
}
