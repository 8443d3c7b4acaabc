package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// zhHostPage is hostPage in Chinese: the page's <html lang> is zh-CN (attr false), or the page
// stays English and the first cell has lang="zh" of its own (attr true).
func zhHostPage(gw string, attr bool) string {
	p := hostPage(gw, "")
	if attr {
		return strings.Replace(p, `<pre data-socketlab data-id="server">`, `<pre data-socketlab data-id="server" lang="zh">`, 1)
	}
	return strings.Replace(p, `<html lang="en">`, `<html lang="zh-CN">`, 1)
}

// embeddedInChinese runs the server and client cells of a Chinese host page (url) and checks
// that the cells speak Chinese: the buttons, the status line, the console's exit line, the
// bytes panel and the verdict.
func embeddedInChinese(t *testing.T, ctx context.Context, url string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	wait := func(what, cond string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 180*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
			t.Fatalf("waiting for %s: %v\nserver: %s\nclient: %s", what, err,
				evalString(t, ctx, `(`+embCell(0)+`?.textContent) || ''`), evalString(t, ctx, `(`+embCell(1)+`?.textContent) || ''`))
		}
	}
	wait("two cells", embCell(1)+` && `+embCell(1)+`.dataset.state === 'idle'`)
	for js, want := range map[string]string{
		embCell(0) + `.querySelector('.run').textContent`:                                                     "运行",
		embCell(0) + `.querySelector('.stop').textContent`:                                                    "停止",
		embCell(0) + `.querySelector('label').firstChild.textContent`:                                         "参数 ",
		embCell(1) + `.querySelector('details.expected summary').textContent`:                                 "预期输出",
		`document.querySelectorAll('socketlab-embed')[1].shadowRoot.querySelector('.cell-needs').textContent`: `这个程序要和单元“server”里的服务器通信：请先运行那个单元，再运行这个。`,
	} {
		if got := evalString(t, ctx, js); got != want {
			t.Errorf("%s is %q, want %q", js, got, want)
		}
	}
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(0)+`.querySelector('.run').click()`))
	wait("the server to listen", embCell(0)+`.querySelector('.console').textContent.includes('listening on')`)
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(1)+`.querySelector('.run').click()`))
	wait("the client to exit", embCell(1)+`.dataset.state === 'exited'`)
	wait("the server to exit", embCell(0)+`.dataset.state === 'exited'`)
	for js, want := range map[string]string{
		embCell(1) + `.querySelector('.status').textContent`:  "已退出（0）",
		embCell(1) + `.querySelector('.verdict').textContent`: "与预期相符：输出和退出状态都一样。",
	} {
		if got := evalString(t, ctx, js); got != want {
			t.Errorf("%s is %q, want %q", js, got, want)
		}
	}
	if out := evalString(t, ctx, embCell(1)+`.querySelector('.console').textContent`); !strings.Contains(out, "退出状态 0") {
		t.Errorf("the client's console does not say 退出状态 0:\n%s", out)
	}
	wait("the bytes panel", embCell(1)+`.querySelector('.bytes').textContent.includes('发送了 6 字节')`)
}

// refusedInChinese opens a Chinese host page from an origin the operator did not list: the
// refusal is in Chinese and still names the flag.
func refusedInChinese(t *testing.T, ctx context.Context, url, host string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", embCell(0)+` && `+embCell(0)+`.dataset.state === 'refused'`)
	if s := evalString(t, ctx, embCell(0)+`.querySelector('.status').textContent`); s != "此处不允许运行" {
		t.Errorf("the refused cell's status is %q", s)
	}
	want := "这个 socketlab 网关不为 " + host + " 的页面运行单元；网关的管理员可以用 --origin " + host + " 启动它来允许这些页面"
	if s := evalString(t, ctx, embCell(0)+`.querySelector('.console').textContent`); s != want {
		t.Errorf("the refused cell says %q, want %q", s, want)
	}
}
