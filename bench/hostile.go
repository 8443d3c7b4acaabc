package main

// The soak's hostile addresses (soak.go): each is a loopback source address of its own
// (127.0.0.2, ...) that cycles through every class of attack issue 22 lists, one step of
// each class after another, and counts how the gateway answered. Every step is bounded in
// count and in time, and every connection goes to the gateway on loopback.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/internal/wsframe"
	"socketlab/wire"
)

// attacker is one hostile client address.
type attacker struct {
	ip    net.IP
	gw    string // the gateway's host:port
	labs  []labService
	http  *http.Client
	tally *tally
}

// labService is an entry of the gateway's /labs.json.
type labService struct {
	Name   string `json:"name"`
	Proto  string `json:"proto"`
	Listen string `json:"listen"`
}

// An attack is one step of a class of attack; it returns when done or when ctx ends.
type attack struct {
	name string
	run  func(ctx context.Context, a *attacker)
}

// attacks is the cycle every hostile address goes through, each from its own starting point.
var attacks = []attack{
	{"compile bombs (1 GiB array, exponential generics)", compileBombs},
	{"a flood of builds", buildFlood},
	{"forged wire-view requests", forgedWireView},
	{"every descriptor it can (many learner ids × streams)", takeDescriptors},
	{"idle keep-alive connections and trickled bodies", slowHTTP},
	{"rebinding Host: and cross-origin requests", rebinding},
	{"//go:wasmimport", wasmImport},
	{"malformed WebSocket frames", malformedFrames},
	{"connections to lab servers held open", holdLabServers},
}

func newAttacker(ip net.IP, gw string, labs []labService, t *tally) *attacker {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &attacker{ip: ip, gw: gw, labs: labs, tally: t, http: &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 8, DisableCompression: true},
		// A compile bomb runs up to the compile timeout (60s) after waiting its turn.
		Timeout:       150 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// cycle runs the attacks in turn, starting with the first-th, until ctx ends.
func (a *attacker) cycle(ctx context.Context, first int) {
	for i := first; ctx.Err() == nil; i++ {
		at := attacks[i%len(attacks)]
		start := time.Now()
		at.run(ctx, a)
		if ctx.Err() == nil {
			a.tally.step(at.name)
			fmt.Fprintf(os.Stderr, "soak: %s: %s took %v\n", a.ip, at.name, time.Since(start).Round(100*time.Millisecond))
		}
	}
}

// tally counts what the gateway answered, by attack and outcome.
type tally struct {
	mu      sync.Mutex
	counts  map[string]map[string]int
	steps   map[string]int
	example map[string]string // what a refusal said, one per attack and outcome
}

func newTally() *tally {
	return &tally{counts: map[string]map[string]int{}, steps: map[string]int{}, example: map[string]string{}}
}

func (t *tally) add(attack, outcome string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts[attack] == nil {
		t.counts[attack] = map[string]int{}
	}
	t.counts[attack][outcome] += n
}

// say keeps one example of what the gateway said for an outcome.
func (t *tally) say(attack, outcome, text string) {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 160 {
		text = text[:160] + "…"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.example[attack+"\x00"+outcome]; !ok && text != "" {
		t.example[attack+"\x00"+outcome] = text
	}
}

func (t *tally) step(attack string) {
	t.mu.Lock()
	t.steps[attack]++
	t.mu.Unlock()
}

// sleep waits d or until ctx ends, and says whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// errOutcome names what a failed request ran into.
func errOutcome(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed, no answer"
	}
	return "connection failed"
}

// request sends one HTTP request from the attacker's address and returns the status and up
// to 64 KiB of the answer (the rest is read and dropped).
func (a *attacker) request(ctx context.Context, method, path, host string, hdr map[string]string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+a.gw+path, body)
	if err != nil {
		return 0, nil, err
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, b, nil
}

// postBuild asks the build service to compile src, as the page does.
func (a *attacker) postBuild(ctx context.Context, src string, hdr map[string]string) (int, []byte, error) {
	b, _ := json.Marshal(map[string]string{"source": src})
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range hdr {
		h[k] = v
	}
	return a.request(ctx, http.MethodPost, "/api/build", "", h, bytes.NewReader(b))
}

// buildOutcome reads the build service's answer: which limit a refused build names.
func buildOutcome(status int, body []byte, err error) (outcome, said string) {
	if err != nil {
		return errOutcome(err), err.Error()
	}
	var r struct {
		OK          bool   `json:"ok"`
		Cached      bool   `json:"cached"`
		Error       string `json:"error"`
		Diagnostics []struct {
			Msg string `json:"msg"`
		} `json:"diagnostics"`
	}
	json.Unmarshal(body, &r)
	if status != http.StatusOK {
		return fmt.Sprintf("%d %s", status, http.StatusText(status)), r.Error
	}
	if r.OK {
		if r.Cached {
			return "200, compiled (cached)", ""
		}
		return "200, compiled", ""
	}
	msg := ""
	if len(r.Diagnostics) > 0 {
		msg = r.Diagnostics[0].Msg
	}
	cached := ""
	if r.Cached {
		cached = ", cached"
	}
	switch {
	case strings.Contains(msg, "of memory"):
		return "200, compile error: memory limit" + cached, msg
	case strings.Contains(msg, "CPU time"):
		return "200, compile error: CPU limit" + cached, msg
	case strings.Contains(msg, "took too long") || strings.Contains(msg, "timed out"):
		return "200, compile error: timeout" + cached, msg
	case strings.Contains(msg, "not available in the lab"):
		return "200, refused: directive" + cached, msg
	}
	return "200, compile error" + cached, msg
}

// nonce makes every hostile program a new one, so that none is answered from the cache.
var nonce atomic.Int64

func arrayBomb() string {
	return fmt.Sprintf("package main\n\n// %d\nvar a = [1 << 30]byte{1}\n\nfunc main() { println(a[len(a)-1]) }\n", nonce.Add(1))
}

// genericBomb's generic functions instantiate each other 2^depth times, each with a type of
// a shape of its own, so that the compiler cannot share the code.
func genericBomb(depth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package main\n\n// %d\n", nonce.Add(1))
	for i := range depth {
		fmt.Fprintf(&b, "func f%d[T any]() { f%d[[1]T](); f%d[struct{ x T }]() }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "func f%d[T any]() {}\n\nfunc main() { f0[int]() }\n", depth)
	return b.String()
}

// compileBombs sends one of each bomb, one after the other.
func compileBombs(ctx context.Context, a *attacker) {
	for _, b := range []struct{ name, src string }{{"1 GiB array", arrayBomb()}, {"exponential generics", genericBomb(24)}} {
		status, body, err := a.postBuild(ctx, b.src, nil)
		if ctx.Err() != nil {
			return
		}
		o, said := buildOutcome(status, body, err)
		name := "compile bomb: " + b.name
		a.tally.add(name, o, 1)
		a.tally.say(name, o, said)
	}
}

// buildFlood sends 45 small programs (the page's rate allows 30 a minute), each new, 4 at a time.
func buildFlood(ctx context.Context, a *attacker) {
	const total, workers = 45, 4
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= total && ctx.Err() == nil {
				src := fmt.Sprintf("package main\n\nfunc main() { println(%d) }\n", nonce.Add(1))
				status, body, err := a.postBuild(ctx, src, nil)
				if ctx.Err() != nil {
					return
				}
				o, said := buildOutcome(status, body, err)
				a.tally.add("a flood of builds", o, 1)
				a.tally.say("a flood of builds", o, said)
			}
		}()
	}
	wg.Wait()
}

// forgedRun is a run of three events whose last claims 1 GiB sent with one byte recorded:
// 234 bytes that make the capture writer fill in the rest.
const forgedRun = `{"start":0,"events":[{"t":0,"stream":1,"kind":"dial","addr":"echo.lab:7","remote":"10.10.0.7:7"},` +
	`{"t":1,"stream":1,"kind":"connected","local":"10.10.1.2:40000","remote":"10.10.0.7:7"},` +
	`{"t":2,"stream":1,"kind":"send","n":1073741824,"data":"eA=="}]}`

// spaces is a JSON body that never ends: an opening and then blanks, n bytes in all.
func spaces(prefix string, n int64) io.Reader {
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(blankReader{}, n-int64(len(prefix))))
}

type blankReader struct{}

func (blankReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// forgedWireView posts runs whose lengths lie, and bodies far over the caps.
func forgedWireView(ctx context.Context, a *attacker) {
	hdr := map[string]string{"Content-Type": "application/json"}
	for _, r := range []struct {
		name, path string
		body       func() io.Reader
	}{
		{"export.pcapng: a 1 GiB length in 234 bytes", "/api/export.pcapng", func() io.Reader { return strings.NewReader(forgedRun) }},
		{"export.pcapng: a 1 GiB length in 234 bytes", "/api/export.pcapng", func() io.Reader { return strings.NewReader(forgedRun) }},
		{"annotate: a 1 GiB length in 234 bytes", "/api/annotate", func() io.Reader { return strings.NewReader(forgedRun) }},
		{"export.pcapng: a 32 MiB body", "/api/export.pcapng", func() io.Reader { return spaces(`{"events":[`, 32<<20) }},
		{"annotate: a 32 MiB body", "/api/annotate", func() io.Reader { return spaces(`{"events":[`, 32<<20) }},
		{"build: an 8 MiB body", "/api/build", func() io.Reader { return spaces(`{"source":"package main`, 8<<20) }},
	} {
		t0 := time.Now()
		status, body, err := a.request(ctx, http.MethodPost, r.path, "", hdr, r.body())
		if ctx.Err() != nil {
			return
		}
		o := errOutcome(err)
		if err == nil {
			o = statusOutcome(status, nil)
		}
		name := "wire view, " + r.name
		a.tally.add(name, o, 1)
		if err == nil && status != http.StatusOK {
			a.tally.say(name, o, string(body))
		}
		if time.Since(t0) > 5*time.Second {
			a.tally.say(name, "slowest", fmt.Sprintf("one took %v", time.Since(t0).Round(100*time.Millisecond)))
		}
	}
}

// wsDial opens a WebSocket to path on the gateway from the attacker's address, with Host and
// Origin as given (empty: the gateway's address, no Origin). A refusal is its HTTP status.
func (a *attacker) wsDial(ctx context.Context, path, host, origin string) (ws *wsClient, status int, err error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: a.ip}, Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", a.gw)
	if err != nil {
		return nil, 0, err
	}
	noTimeWait(c)
	if host == "" {
		host = a.gw
	}
	key := wsframe.NewKey()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		c.Close()
		return nil, 0, err
	}
	br := bufio.NewReaderSize(c, 4<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		c.Close()
		return nil, resp.StatusCode, nil
	}
	c.SetDeadline(time.Time{})
	return &wsClient{conn: c, br: br}, resp.StatusCode, nil
}

var flagName = regexp.MustCompile(`\(--[a-z-]+\)`)

// refusal names a refusal by the flag it names, or by its first words.
func refusal(reason string) string {
	if m := flagName.FindString(reason); m != "" {
		return m
	}
	if len(reason) > 60 {
		return reason[:60] + "…"
	}
	return reason
}

// takeDescriptors opens 70 sessions, each a learner id of its own, and 32 streams to
// echo.lab on each, holds whatever it got for 15 seconds, and closes everything.
func takeDescriptors(ctx context.Context, a *attacker) {
	const sessions, streams = 70, 32
	const name = "every descriptor: sessions and streams"
	var held []*wsClient
	defer func() {
		for _, ws := range held {
			ws.conn.Close()
		}
	}()
	buf := make([]byte, 0, 4096)
	tag := strings.ReplaceAll(a.ip.String(), ".", "-")
	for i := range sessions {
		if ctx.Err() != nil {
			return
		}
		ws, status, err := a.wsDial(ctx, fmt.Sprintf("/ws?learner=soak-%s-%d", tag, i), "", "")
		switch {
		case err != nil:
			a.tally.add(name, "session: "+errOutcome(err), 1)
			continue
		case ws == nil:
			a.tally.add(name, fmt.Sprintf("session refused: HTTP %d", status), 1)
			continue
		}
		held = append(held, ws)
		msgs := [][]byte{wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "soak"}.Append(nil))}
		for s := uint32(1); s <= streams; s++ {
			c := wire.ConnectMsg{Kind: wire.KindDial, Window: 256 << 10, Network: "tcp", Remote: "echo.lab:7"}
			msgs = append(msgs, wire.Append(nil, wire.Connect, s, c.Append(nil)))
		}
		if err := ws.writeMessages(msgs...); err != nil {
			a.tally.add(name, "session: "+errOutcome(err), 1)
			continue
		}
		ws.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		opened := false
	replies:
		for got := 0; got < streams; {
			msg, err := ws.readMessage(buf)
			if err != nil {
				a.tally.add(name, "session ended: "+errOutcome(err), 1)
				break
			}
			f, err := wire.Decode(msg)
			if err != nil {
				continue
			}
			switch f.Type {
			case wire.Connected:
				got++
				opened = true
				a.tally.add(name, "stream opened", 1)
			case wire.Close:
				var m wire.CloseMsg
				m.Unmarshal(f.Payload)
				if f.Stream == 0 {
					o := "session refused " + refusal(m.Reason)
					a.tally.add(name, o, 1)
					a.tally.say(name, o, m.Reason)
					break replies
				}
				got++
				o := "stream refused " + refusal(m.Reason)
				a.tally.add(name, o, 1)
				a.tally.say(name, o, m.Reason)
			}
		}
		ws.conn.SetReadDeadline(time.Time{})
		if opened {
			a.tally.add(name, "session opened", 1)
		}
	}
	sleep(ctx, 15*time.Second)
}

// slowHTTP holds 200 idle keep-alive connections and 200 request bodies trickled a byte
// every 2 seconds for 75 seconds (past the gateway's idle and read timeouts, 60 and 30
// seconds by default), then counts how many the gateway still keeps open.
func slowHTTP(ctx context.Context, a *attacker) {
	const idle, trickled = 200, 200
	const hold = 75 * time.Second
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: a.ip}, Timeout: 5 * time.Second}
	var idles, slows []net.Conn
	defer func() {
		for _, c := range append(idles, slows...) {
			c.Close()
		}
	}()
	for range idle {
		c, err := d.DialContext(ctx, "tcp", a.gw)
		if err != nil {
			a.tally.add("idle keep-alive connections", errOutcome(err), 1)
			continue
		}
		noTimeWait(c)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+a.gw+"\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			c.Close()
			a.tally.add("idle keep-alive connections", errOutcome(err), 1)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		c.SetDeadline(time.Time{})
		idles = append(idles, c)
	}
	for range trickled {
		c, err := d.DialContext(ctx, "tcp", a.gw)
		if err != nil {
			a.tally.add("trickled request bodies", errOutcome(err), 1)
			continue
		}
		noTimeWait(c)
		io.WriteString(c, "POST /api/annotate HTTP/1.1\r\nHost: "+a.gw+"\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{")
		slows = append(slows, c)
	}
	dead := make([]bool, len(slows))
	end := time.Now().Add(hold)
	for time.Now().Before(end) && sleep(ctx, 2*time.Second) {
		for i, c := range slows {
			if dead[i] {
				continue
			}
			c.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := c.Write([]byte(" ")); err != nil {
				dead[i] = true
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	open := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		var b [1]byte
		_, err := c.Read(b[:])
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	for _, c := range idles {
		if open(c) {
			a.tally.add("idle keep-alive connections", fmt.Sprintf("still open after %v", hold), 1)
		} else {
			a.tally.add("idle keep-alive connections", "closed by the gateway", 1)
		}
	}
	for i, c := range slows {
		if !dead[i] && open(c) {
			a.tally.add("trickled request bodies", fmt.Sprintf("still open after %v", hold), 1)
		} else {
			a.tally.add("trickled request bodies", "closed or answered by the gateway", 1)
		}
	}
}

// rebinding sends what a page on another site could make a browser send: a WebSocket with
// Host and Origin both a rebound name, a page under that Host, and cross-origin text/plain
// POSTs (which need no preflight).
func rebinding(ctx context.Context, a *attacker) {
	_, port, _ := net.SplitHostPort(a.gw)
	evil := "evil.example:" + port
	for range 3 {
		for _, p := range []struct{ name, path string }{
			{"rebinding: /ws with Host and Origin evil.example", "/ws?learner=soak-rebound"},
			{"rebinding: /websockify with Host and Origin evil.example", "/websockify?target=echo.lab:7"},
		} {
			ws, status, err := a.wsDial(ctx, p.path, evil, "http://"+evil)
			if ctx.Err() != nil {
				return
			}
			switch {
			case err != nil:
				a.tally.add(p.name, errOutcome(err), 1)
			case ws == nil:
				a.tally.add(p.name, fmt.Sprintf("%d %s", status, http.StatusText(status)), 1)
			default:
				a.tally.add(p.name, "101 upgraded"+relayed(ws, p.path), 1)
				ws.conn.Close()
			}
		}
		status, _, err := a.request(ctx, http.MethodGet, "/", evil, nil, nil)
		a.tally.add("rebinding: GET / with Host evil.example", statusOutcome(status, err), 1)
		cross := map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
		status, body, err := a.postBuild(ctx, "package main\n\nfunc main() { println(\"rebound\") }\n", cross)
		o, _ := buildOutcome(status, body, err)
		a.tally.add("cross-origin text/plain POST /api/build", o, 1)
		status, _, err = a.request(ctx, http.MethodPost, "/api/export.pcapng", "", cross,
			strings.NewReader(`{"events":[{"t":0,"stream":1,"kind":"dial","addr":"echo.lab:7","remote":"10.10.0.7:7"}]}`))
		a.tally.add("cross-origin text/plain POST /api/export.pcapng", statusOutcome(status, err), 1)
	}
}

// relayed says whether an upgraded session carries traffic: on /ws a stream to echo.lab
// opens, on /websockify (already connected to echo.lab) a byte comes back.
func relayed(ws *wsClient, path string) string {
	ws.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if strings.HasPrefix(path, "/websockify") {
		if _, err := ws.Write([]byte("x")); err != nil {
			return ""
		}
		var b [1]byte
		if _, err := io.ReadFull(ws, b[:]); err == nil && b[0] == 'x' {
			return ", relayed"
		}
		return ""
	}
	c := wire.ConnectMsg{Kind: wire.KindDial, Window: 256 << 10, Network: "tcp", Remote: "echo.lab:7"}
	if ws.writeMessages(wire.Append(nil, wire.Hello, 0, wire.HelloMsg{Version: wire.Version, Info: "soak"}.Append(nil)),
		wire.Append(nil, wire.Connect, 1, c.Append(nil))) != nil {
		return ""
	}
	buf := make([]byte, 0, 512)
	for {
		msg, err := ws.readMessage(buf)
		if err != nil {
			return ""
		}
		if f, err := wire.Decode(msg); err == nil && f.Stream == 1 {
			if f.Type == wire.Connected {
				return ", relayed"
			}
			return ""
		}
	}
}

func statusOutcome(status int, err error) string {
	if err != nil {
		return errOutcome(err)
	}
	o := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if status == http.StatusOK {
		o += " (accepted)"
	}
	return o
}

// wasmImport sends programs that declare a //go:wasmimport, each new.
func wasmImport(ctx context.Context, a *attacker) {
	for range 3 {
		src := fmt.Sprintf("package main\n\n//go:wasmimport gojs syscall/js.valueGet\nfunc get(v, p uintptr) uintptr\n\n// %d\nfunc main() { get(0, 0) }\n", nonce.Add(1))
		status, body, err := a.postBuild(ctx, src, nil)
		if ctx.Err() != nil {
			return
		}
		o, said := buildOutcome(status, body, err)
		a.tally.add("//go:wasmimport", o, 1)
		a.tally.say("//go:wasmimport", o, said)
	}
}

// malformedFrames sends one breach of RFC 6455 on each of a series of sessions and records
// the close code the gateway answers with.
func malformedFrames(ctx context.Context, a *attacker) {
	frame := func(h wsframe.Header, payload []byte) []byte {
		h.Masked = true
		binary.LittleEndian.PutUint32(h.Mask[:], mrand.Uint32())
		h.Length = uint64(len(payload))
		b := wsframe.Append(nil, h)
		p := slices.Clone(payload)
		wsframe.Mask(h.Mask, 0, p)
		return append(b, p...)
	}
	cases := []struct {
		name string
		b    []byte
		want int
	}{
		{"a 1-byte close payload", frame(wsframe.Header{Fin: true, Op: wsframe.OpClose}, []byte{3}), wsframe.CloseProtocolError},
		{"close code 999", frame(wsframe.Header{Fin: true, Op: wsframe.OpClose}, []byte{0x03, 0xe7}), wsframe.CloseProtocolError},
		{"an unmasked frame", wsframe.Append([]byte{}, wsframe.Header{Fin: true, Op: wsframe.OpBinary, Length: 5}), wsframe.CloseProtocolError},
		{"a 126-byte ping", frame(wsframe.Header{Fin: true, Op: wsframe.OpPing}, make([]byte, 126)), wsframe.CloseProtocolError},
		{"a fragmented ping", frame(wsframe.Header{Op: wsframe.OpPing}, []byte("hi")), wsframe.CloseProtocolError},
		{"reserved opcode 0x3", frame(wsframe.Header{Fin: true, Op: 0x3}, []byte("hi")), wsframe.CloseProtocolError},
		{"RSV1 with no extension", frame(wsframe.Header{Fin: true, Op: wsframe.OpBinary, RSV: 0x40}, []byte("hi")), wsframe.CloseProtocolError},
		{"a continuation with no message", frame(wsframe.Header{Fin: true, Op: wsframe.OpContinuation}, []byte("hi")), wsframe.CloseProtocolError},
		{"a 2^62-byte length", wsframe.Append(nil, wsframe.Header{Fin: true, Op: wsframe.OpBinary, Masked: true, Length: 1 << 62}), wsframe.CloseTooBig},
		{"a text message", frame(wsframe.Header{Fin: true, Op: wsframe.OpText}, []byte("hi")), wsframe.CloseUnsupportedData},
	}
	for range 2 {
		for _, c := range cases {
			ws, status, err := a.wsDial(ctx, "/ws?learner=soak-frames", "", "")
			if ctx.Err() != nil {
				return
			}
			name := "malformed frame: " + c.name
			if err != nil || ws == nil {
				a.tally.add(name, "not upgraded: "+statusOutcome(status, err), 1)
				continue
			}
			ws.conn.Write(c.b)
			code, err := readCloseCode(ws, 5*time.Second)
			ws.conn.Close()
			switch {
			case err != nil:
				a.tally.add(name, "no close frame: "+errOutcome(err), 1)
			case code == c.want:
				a.tally.add(name, fmt.Sprintf("close %d, as RFC 6455 asks", code), 1)
			default:
				a.tally.add(name, fmt.Sprintf("close %d (RFC 6455 asks %d)", code, c.want), 1)
			}
		}
	}
}

// readCloseCode reads frames until a Close and returns its code (1005 when it has none).
func readCloseCode(ws *wsClient, d time.Duration) (int, error) {
	ws.conn.SetReadDeadline(time.Now().Add(d))
	for {
		b, err := ws.br.Peek(2)
		if err != nil {
			return 0, err
		}
		hl := wsframe.Len(b[1])
		if b, err = ws.br.Peek(hl); err != nil {
			return 0, err
		}
		h, _ := wsframe.Parse(b)
		ws.br.Discard(hl)
		if h.Length > 1<<20 {
			return 0, errors.New("a frame too large to read")
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(ws.br, p); err != nil {
			return 0, err
		}
		if h.Op == wsframe.OpClose {
			if len(p) < 2 {
				return wsframe.CloseNoStatus, nil
			}
			return int(binary.BigEndian.Uint16(p)), nil
		}
	}
}

// holdLabServers opens 300 connections straight to each of two lab TCP servers (their real
// ports on the gateway host), holds them for 20 seconds and counts what the servers did.
func holdLabServers(ctx context.Context, a *attacker) {
	const per = 300
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: a.ip}, Timeout: 5 * time.Second}
	for _, name := range []string{"echo.lab", "discard.lab"} {
		i := slices.IndexFunc(a.labs, func(s labService) bool { return s.Name == name && s.Proto == "tcp" })
		if i < 0 {
			continue
		}
		label := "lab server held open: " + name
		var conns []net.Conn
		for range per {
			c, err := d.DialContext(ctx, "tcp", a.labs[i].Listen)
			if err != nil {
				a.tally.add(label, errOutcome(err), 1)
				continue
			}
			noTimeWait(c)
			conns = append(conns, c)
		}
		if !sleep(ctx, 10*time.Second) {
			for _, c := range conns {
				c.Close()
			}
			return
		}
		for _, c := range conns {
			c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			b := make([]byte, 512)
			n, err := c.Read(b)
			var ne net.Error
			switch {
			case n > 0:
				o := "answered with a refusal and closed"
				a.tally.add(label, o, 1)
				a.tally.say(label, o, string(b[:n]))
			case errors.As(err, &ne) && ne.Timeout():
				a.tally.add(label, "still open after 10s", 1)
			default:
				a.tally.add(label, "closed by the server", 1)
			}
			c.Close()
		}
	}
}

// joinFlood sends wrong join codes to a gateway in classroom mode, 4 at a time, n in all or
// until d has passed.
func joinFlood(ctx context.Context, a *attacker, n int, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n) && ctx.Err() == nil; i = next.Add(1) {
				form := url.Values{"code": {fmt.Sprintf("zzz-%03d-%03d", i/1000, i%1000)}, "name": {fmt.Sprintf("mallory%d", i)}}
				status, _, err := a.request(ctx, http.MethodPost, "/join", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()))
				if ctx.Err() != nil {
					return
				}
				a.tally.add("wrong join codes", statusOutcome(status, err), 1)
			}
		}()
	}
	wg.Wait()
}
