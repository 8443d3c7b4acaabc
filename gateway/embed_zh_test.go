package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestEmbedCellInChinese: /embed/cell?lang=zh is a cell in Chinese (the page's lang, its
// buttons, and a lesson's cell from the Chinese translation); /embed/hello names the host it
// refuses, so that a Chinese cell can say the refusal in Chinese.
func TestEmbedCellInChinese(t *testing.T) {
	_, addr := serveGuarded(t, &Options{Origins: []string{"docs.example.org"}})
	get := func(path, origin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		path          string
		want, notWant []string
	}{
		{"/embed/cell?lesson=01-time&cell=1&lang=zh", []string{`<html lang="zh-CN">`, `>运行</button>`, "服务器时间："}, []string{">Run</button>"}},
		{"/embed/cell?code=package+main&lang=zh-CN", []string{`<html lang="zh-CN">`, `>运行</button>`}, nil},
		{"/embed/cell?lesson=01-time&cell=1", []string{`<html lang="en">`, `>Run</button>`, "server time is"}, []string{"服务器时间"}},
	} {
		code, body := get(c.path, "")
		if code != 200 {
			t.Errorf("%s: %d %s", c.path, code, body)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", c.path, w)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s has %q", c.path, w)
			}
		}
	}
	_, body := get("/embed/hello", "https://evil.example.com")
	var a struct {
		OK          bool
		Error, Host string
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.OK || a.Host != "evil.example.com" {
		t.Errorf("/embed/hello for an unlisted origin: %s, want ok false with host evil.example.com", body)
	}
}
