package gateway_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"socketlab/gateway"
	"socketlab/internal/browser"
)

const embedServer = `package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	ln, err := net.Listen("tcp", ":8600")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr())
	c, err := ln.Accept()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print("client says: ", line)
	fmt.Fprintln(c, strings.ToUpper(line))
	c.Close()
}
`

const embedClient = `package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	c, err := net.Dial("tcp", "localhost:8600")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Fprintln(c, os.Args[1])
	reply, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print("server answers: ", reply)
}
`

// hostPage is a plain page of another site with two embedded cells, a server and its
// client; css, when not empty, is a stylesheet of the host's.
func hostPage(gw, css string) string {
	link := ""
	if css != "" {
		link = `<link rel="stylesheet" href="/host.css">`
	}
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A tutorial</title>` + link + `
<script src="` + gw + `/embed.js" defer></script></head><body>
<h1>Sockets, by example</h1>
<p>The server:</p>
<pre data-socketlab data-id="server">
` + html.EscapeString(embedServer) + `</pre>
<p>Its client:</p>
<socketlab-cell id="client" with="server" args="hello">` + html.EscapeString(embedClient) + `</socketlab-cell>
<pre data-socketlab-output>server answers: HELLO</pre>
<pre class="plain">a host's own code block</pre>
<button class="host">a host's button</button>
</body></html>`
}

// hostCSS restyles what a cell is made of; none of it may reach the cells.
const hostCSS = `pre { background: #f0f !important; color: #0f0 !important; font-size: 40px !important; padding: 50px !important; border: 9px solid red !important; }
button { background: #000 !important; color: #ff0 !important; font-size: 30px !important; padding: 40px !important; }
* { font-family: fantasy !important; letter-spacing: 5px !important; }
html { font-size: 9px; }
body { text-align: center; line-height: 3; text-transform: uppercase; }`

// strictCSP is a host page's policy that allows the gateway and nothing else: no inline
// script or style, no WebAssembly, no blob: workers, Trusted Types required.
func strictCSP(gw string) string {
	return "default-src 'none'; script-src " + gw + "; connect-src " + gw + "; frame-src " + gw +
		"; style-src 'self'; base-uri 'none'; require-trusted-types-for 'script'"
}

// TestEmbedInBrowser serves a tutorial page from another origin (another port on
// loopback) that embeds two cells with the script tag, and runs them, server then client:
// as a plain page, under a strict Content Security Policy, with a host stylesheet that
// restyles pre and button, in dark mode, and from an origin the operator did not list.
func TestEmbedInBrowser(t *testing.T) {
	ctx := browser.New(t)

	// The host site listens first, so that the gateway can list its origin.
	hostLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostPort := strconv.Itoa(hostLn.Addr().(*net.TCPAddr).Port)
	s, err := gateway.New(&gateway.Options{CacheDir: t.TempDir(), Origins: []string{"127.0.0.1:" + hostPort},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	gwts := httptest.NewServer(s)
	t.Cleanup(gwts.Close)
	gw := gwts.URL

	mux := http.NewServeMux()
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, hostPage(gw, "")) })
	mux.HandleFunc("/zh", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, zhHostPage(gw, false)) })
	mux.HandleFunc("/zh-cell", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, zhHostPage(gw, true)) })
	mux.HandleFunc("/styled", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, hostPage(gw, "x")) })
	mux.HandleFunc("/strict", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP(gw))
		fmt.Fprint(w, hostPage(gw, "x"))
	})
	mux.HandleFunc("/noframe", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strings.Replace(strictCSP(gw), "frame-src "+gw, "frame-src 'none'", 1))
		fmt.Fprint(w, hostPage(gw, ""))
	})
	mux.HandleFunc("/keep", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, keepPage(t, gw)) })
	mux.HandleFunc("/keep-too", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, keepPage(t, gw)) })
	mux.HandleFunc("/host.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, hostCSS)
	})
	site := t.TempDir()
	mux.Handle("/site/", http.StripPrefix("/site/", http.FileServer(http.Dir(site))))
	host := &httptest.Server{Listener: hostLn, Config: &http.Server{Handler: mux}}
	host.Start()
	t.Cleanup(host.Close)
	page := "http://127.0.0.1:" + hostPort

	t.Run("plain", func(t *testing.T) { runEmbedded(t, ctx, page+"/plain") })
	t.Run("strict-csp", func(t *testing.T) {
		runEmbedded(t, ctx, page+"/strict")
		// The policy holds in the host page: no HTML from strings (Trusted Types) and no
		// WebAssembly there (the programs run in the gateway's frame).
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			let out = [];
			try { document.createElement('div').innerHTML = '<b>x</b>'; out.push('innerHTML ran'); } catch (e) { out.push('innerHTML blocked'); }
			try { await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); out.push('wasm ran'); } catch (e) { out.push('wasm blocked'); }
			return out.join(', ');
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if got != "innerHTML blocked, wasm blocked" {
			t.Errorf("under the strict policy the host page says %q, want innerHTML (Trusted Types) and wasm blocked", got)
		}
	})
	t.Run("csp-without-frame", func(t *testing.T) {
		// A policy that forgets frame-src: Run says what to add.
		if err := chromedp.Do(ctx, chromedp.Navigate(page+"/noframe")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the cell", embCell(0)+` && `+embCell(0)+`.dataset.state === 'idle'`)
		chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(0)+`.querySelector('.run').click()`))
		waitFor(t, ctx, "the run to fail", embCell(0)+`.dataset.state === 'error'`)
		if out := evalString(t, ctx, embCell(0)+`.querySelector('.console').textContent`); !strings.Contains(out, "add frame-src "+gw) {
			t.Errorf("the cell says %q, want it to ask for frame-src %s", out, gw)
		}
	})
	t.Run("host-styles", func(t *testing.T) {
		plain := cellLooks(t, ctx, page+"/plain")
		styled := cellLooks(t, ctx, page+"/styled")
		if plain != styled {
			t.Errorf("the host's stylesheet changed the cell:\nwithout it: %s\nwith it:    %s", plain, styled)
		}
		// The cell's own styles do not reach the host's blocks either.
		own := evalString(t, ctx, `getComputedStyle(document.querySelector('pre.plain')).fontSize + ' ' + getComputedStyle(document.querySelector('button.host')).fontSize`)
		if own != "40px 30px" {
			t.Errorf("the host's own pre and button are %s, want its stylesheet's 40px 30px", own)
		}
	})
	t.Run("dark", func(t *testing.T) {
		light := cellLooks(t, ctx, page+"/plain")
		scheme := func(v string) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
			return err
		}
		if err := scheme("dark"); err != nil {
			t.Fatal(err)
		}
		dark := cellLooks(t, ctx, page+"/plain")
		scheme("light")
		if light == dark {
			t.Errorf("the cell looks the same in dark mode: %s", dark)
		}
	})
	t.Run("iframe", func(t *testing.T) {
		// The cell as a page of its own, for a host without scripts: the program, its
		// arguments and its input all come in the URL.
		prog := "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tline, _ := bufio.NewReader(os.Stdin).ReadString('\\n')\n\tfmt.Printf(\"%s heard %q\\n\", os.Args[1], line)\n}\n"
		u := gw + "/embed/cell?" + url.Values{"code": {prog}, "args": {"cell"}, "stdin": {"one line\n"}}.Encode()
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			t.Fatal(err)
		}
		out := runCell(t, ctx)
		if !strings.Contains(out, `cell heard "one line\n"`) || !strings.Contains(out, "exit status 0") {
			t.Errorf("the iframe form's cell printed:\n%s", out)
		}
		// Only the listed origin may frame it.
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		policy := resp.Header.Get("Content-Security-Policy")
		if !strings.HasSuffix(policy, "frame-ancestors 'self' 127.0.0.1:"+hostPort) {
			t.Errorf("the iframe form's policy is %q, want frame-ancestors 'self' 127.0.0.1:%s", policy, hostPort)
		}
	})
	t.Run("hugo", func(t *testing.T) {
		hugoSite(t, gw, page+"/site/", site)
		if err := chromedp.Do(ctx, chromedp.Navigate(page+"/site/posts/time/")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the cell", embCell(0)+` && `+embCell(0)+`.dataset.state === 'idle'`)
		chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(0)+`.querySelector('.run').click()`))
		waitFor(t, ctx, "the run to end", embCell(0)+`.querySelector('.console').textContent.includes('exit status')`)
		out := evalString(t, ctx, embCell(0)+`.querySelector('.console').textContent`)
		if !strings.Contains(out, "server time is") || !strings.Contains(out, "exit status 0") {
			t.Errorf("the cell in Hugo's page printed:\n%s", out)
		}
		if h := evalString(t, ctx, `document.querySelector('h1') ? document.querySelector('h1').textContent : ''`); h != "What time is it?" {
			t.Errorf("the page's heading is %q: not the page Hugo built", h)
		}
	})
	t.Run("chinese", func(t *testing.T) { embeddedInChinese(t, ctx, page+"/zh") })
	t.Run("chinese-cell-attr", func(t *testing.T) { embeddedInChinese(t, ctx, page+"/zh-cell") })
	t.Run("refused-chinese", func(t *testing.T) {
		refusedInChinese(t, ctx, "http://localhost:"+hostPort+"/zh", "localhost:"+hostPort)
	})
	t.Run("keep", func(t *testing.T) { testEmbedKeep(t, ctx, page) })
	t.Run("share", func(t *testing.T) { testEmbedShare(t, ctx, page, gw) })
	t.Run("faults", func(t *testing.T) { testEmbedFaults(t, ctx, page, gw) })
	t.Run("refused", func(t *testing.T) {
		// The same page under another name is another origin, which the operator did not list.
		other := "http://localhost:" + hostPort + "/plain"
		if err := chromedp.Do(ctx, chromedp.Navigate(other)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the refusal", embCell(0)+` && `+embCell(0)+`.dataset.state === 'refused'`)
		text := evalString(t, ctx, embCell(0)+`.querySelector('.console').textContent`)
		if want := "--origin localhost:" + hostPort; !strings.Contains(text, want) {
			t.Errorf("the refused cell says %q, want it to name %q", text, want)
		}
		if d := evalString(t, ctx, `String(`+embCell(1)+`.querySelector('.run').disabled)`); d != "true" {
			t.Errorf("the refused cell's Run button is enabled")
		}
	})
}

// embCell evaluates to the n-th embedded cell's section in its shadow root.
func embCell(n int) string {
	return `document.querySelectorAll('socketlab-embed')[` + strconv.Itoa(n) + `]?.shadowRoot?.querySelector('.cell')`
}

// runEmbedded opens url, runs the server cell, then the client cell, and checks what both
// print and that the client's verdict holds.
func runEmbedded(t *testing.T, ctx context.Context, url string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	console := func(n int) string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(`+embCell(n)+`?.querySelector('.console').textContent) || ''`))
		return s
	}
	wait := func(what, cond string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 180*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(0))); err != nil {
			t.Fatalf("waiting for %s: %v\nserver console: %s\nclient console: %s", what, err, console(0), console(1))
		}
	}
	wait("two cells", embCell(1)+` && `+embCell(1)+`.dataset.state === 'idle'`)
	// A worker waits in the gateway's frame before Run: the page says when (the figure is the
	// benchmark's to judge; here it is logged).
	wait("the cells to be interactive", `performance.getEntriesByName('socketlab:interactive').length > 0`)
	t.Logf("%s: interactive %s ms after navigation start", url, evalString(t, ctx, `String(Math.round(performance.getEntriesByName('socketlab:interactive')[0].startTime))`))
	if w := evalString(t, ctx, `String(performance.getEntriesByName('socketlab:interactive')[0].detail.worker)`); w != "true" {
		t.Errorf("the frame's worker did not start: socketlab:interactive says worker %s", w)
	}
	if refused := evalString(t, ctx, `String(Array.from(document.querySelectorAll('socketlab-embed')).some(e => e.shadowRoot.querySelector('.cell').dataset.state === 'refused'))`); refused != "false" {
		t.Fatalf("the cells were refused: %s", console(0))
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('pre[data-socketlab], socketlab-cell, pre[data-socketlab-output]').length)`); n != "0" {
		t.Errorf("%s blocks were left on the page", n)
	}
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(0)+`.querySelector('.run').click()`))
	wait("the server to listen", embCell(0)+`.querySelector('.console').textContent.includes('listening on')`)
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](embCell(1)+`.querySelector('.run').click()`))
	wait("the client to exit", embCell(1)+`.querySelector('.console').textContent.includes('exit status')`)
	wait("the server to exit", embCell(0)+`.querySelector('.console').textContent.includes('exit status')`)
	if out := console(0); !strings.Contains(out, "client says: hello") || !strings.Contains(out, "exit status 0") {
		t.Errorf("server console:\n%s", out)
	}
	if out := console(1); !strings.Contains(out, "server answers: HELLO") || !strings.Contains(out, "exit status 0") {
		t.Errorf("client console:\n%s", out)
	}
	if v := evalString(t, ctx, embCell(1)+`.querySelector('.verdict').textContent`); !strings.HasPrefix(v, "As expected") {
		t.Errorf("the client's verdict is %q, want As expected", v)
	}
	// The wire view drew the client's connection.
	if got := evalString(t, ctx, embCell(1)+`.querySelector('.bytes').dataset.sent || ''`); got != "6" {
		t.Errorf("the client's bytes panel says %q bytes sent, want 6", got)
	}
}

// cellLooks opens url and describes how the first embedded cell is drawn: computed styles of
// its parts and its size.
func cellLooks(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cell", embCell(0)+` && `+embCell(0)+`.dataset.state === 'idle'`)
	return evalString(t, ctx, `(() => {
		const c = `+embCell(0)+`;
		const s = (sel, ...props) => { const cs = getComputedStyle(c.querySelector(sel)); return sel + ' ' + props.map(p => cs[p]).join(' '); };
		const r = c.getBoundingClientRect();
		return [s('button.run', 'fontSize', 'fontFamily', 'backgroundColor', 'color', 'paddingTop', 'letterSpacing'),
			s('pre.console', 'fontSize', 'fontFamily', 'backgroundColor', 'color', 'paddingTop', 'borderTopWidth'),
			s('textarea.code', 'fontSize', 'backgroundColor', 'color', 'textAlign', 'lineHeight'),
			Math.round(r.width) + 'x' + Math.round(r.height)].join('; ');
	})()`)
}
