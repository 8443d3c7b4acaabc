package deploy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"socketlab/internal/relaytest"
	"socketlab/wire"
)

// TestBalancer puts three real gateways behind a real nginx on loopback, configured by
// NginxConfig from the chart's own values.yaml, and shows what the chart's Ingresses promise:
// a class's learners all land on one gateway and reach each other's servers at NAME.lab
// through the balancer; different classes spread over the gateways; solo learners spread
// over all three, each staying on the one that served its first request.
func TestBalancer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three gateways and nginx")
	}
	nginx := need(t, "nginx", "apt-get install nginx", "/usr/sbin/nginx")
	values, err := ReadValues(chartDir + "/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildGateway(t)
	ports := freePorts(t, 4)
	var upstreams []string
	for _, p := range ports[:3] {
		upstreams = append(upstreams, "127.0.0.1:"+strconv.Itoa(p))
	}
	front := "127.0.0.1:" + strconv.Itoa(ports[3])
	startNginx(t, nginx, values, front, upstreams)

	t.Run("class", func(t *testing.T) {
		const code = "k7m-qx2-r9d"
		stop := startGateways(t, bin, values, upstreams, "--class="+code)
		defer stop()
		classOnOneReplica(t, values, front, code)
		joinTriesPerLearner(t, values, front, code)
		classesSpread(t, values, front, upstreams)
	})
	t.Run("solo", func(t *testing.T) {
		stop := startGateways(t, bin, values, upstreams)
		defer stop()
		soloSpread(t, values, front, upstreams)
	})
}

// buildGateway builds ./cmd/socketlab once for the test.
func buildGateway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "socketlab")
	cmd := exec.Command("go", "build", "-o", bin, "socketlab/cmd/socketlab")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the gateway: %v\n%s", err, out)
	}
	return bin
}

// freePorts finds n loopback ports free a moment ago: the balancer's configuration names the
// gateways' ports before they start, and the second set of gateways takes the same ones.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// startNginx writes the generated configuration to a directory of its own and runs nginx there
// as an unprivileged process (nobody, when the test runs as root), until the test ends.
func startNginx(t *testing.T, nginx string, v *Values, listen string, upstreams []string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "socketlab-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf, err := NginxConfig(v, NginxOptions{Dir: dir, Listen: listen, Upstreams: upstreams})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if os.Geteuid() == 0 {
		const nobody = 65534
		if err := os.Chown(dir, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx's output:\n%s\nerror.log:\n%s", out.String(), b)
		}
	})
	waitListening(t, listen, exited, func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return out.String() + string(b)
	})
}

// waitListening waits until addr accepts connections, failing when the process exits first.
func waitListening(t *testing.T, addr string, exited <-chan struct{}, output func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("the process for %s exited:\n%s", addr, output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after a minute:\n%s", addr, output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startGateways starts a gateway on each upstream address with the chart's flags and the
// names the chart would give it, and returns a function that stops them all. The gateways
// compile nothing here: --compile-timeout=1ms lets the lesson cells' warming fail at once
// instead of keeping the machine's cores busy, and no learner of this test compiles.
func startGateways(t *testing.T, bin string, v *Values, upstreams []string, extra ...string) (stop func()) {
	t.Helper()
	gws := startGatewayProcs(t, bin, v, upstreams, extra...)
	return func() {
		for _, g := range gws {
			g.stop(t)
		}
	}
}

// gatewayProc is one gateway process of a test.
type gatewayProc struct {
	addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	out    *lockedBuffer
	done   bool
}

// stop ends the gateway as Kubernetes does, SIGTERM, then SIGKILL after a while; its output
// goes to the test's log when the test failed.
func (g *gatewayProc) stop(t *testing.T) {
	if g.done {
		return
	}
	g.done = true
	g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(15 * time.Second):
		g.cmd.Process.Kill()
		<-g.exited
	}
	if t.Failed() {
		t.Logf("gateway %s:\n%s", g.addr, g.out.String())
	}
}

// kill ends the gateway at once, as a node that fails or a process the kernel kills.
func (g *gatewayProc) kill(t *testing.T) {
	g.done = true
	if err := g.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-g.exited
}

// startGatewayProcs starts the gateways of startGateways and returns them, each stopped when
// the test ends.
func startGatewayProcs(t *testing.T, bin string, v *Values, upstreams []string, extra ...string) []*gatewayProc {
	t.Helper()
	class := slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "--class") })
	var gws []*gatewayProc
	t.Cleanup(func() {
		for _, g := range gws {
			g.stop(t)
		}
	})
	for i, addr := range upstreams {
		args := []string{"--addr", addr}
		args = append(args, v.FlagArgs()...)
		args = append(args, v.GatewayHosts(class)...)
		// nginx here is on loopback, where the chart's Ingress controller is on the pods'
		// network: the gateways believe its headers, and the learners' own addresses differ.
		args = append(args, v.TrustedProxiesArg("127.0.0.1/32"))
		args = append(args, extra...)
		first := 25000 + 1000*i
		args = append(args, "--quiet", "--log-format=text", "--compile-timeout=1ms", "--compile-jobs=1",
			fmt.Sprintf("--host-ports=%d-%d", first, first+999), "--cache-dir", filepath.Join(cacheHome(t), "build"))
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cacheHome(t))
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		g := &gatewayProc{addr: addr, cmd: cmd, exited: make(chan struct{}), out: out}
		go func() { cmd.Wait(); close(g.exited) }()
		gws = append(gws, g)
		waitListening(t, addr, g.exited, out.String)
	}
	return gws
}

// cacheHome is a directory for a gateway's caches, removed when the test ends. A go command
// the gateway started while warming may still be writing there for a moment after the gateway
// stops, so removing it is tried again until it succeeds.
func cacheHome(t *testing.T) string {
	dir, err := os.MkdirTemp("", "socketlab-balancer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var err error
		for range 50 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("removing %s: %v", dir, err)
	})
	return dir
}

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// learner is one browser: its cookies, every connection going to the balancer whatever the
// URL's host, as DNS would send it there.
type learner struct {
	name   string
	host   string // the Host every request carries
	client *http.Client
}

// learnerAddrs hands each learner an address of its own on loopback (127.0.0.2 up), as the
// machines of a room would have.
var learnerAddrs atomic.Uint32

func newLearner(name, host, front string) *learner {
	jar, _ := cookiejar.New(nil)
	n := learnerAddrs.Add(1)
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+n/250), byte(2+n%250))}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, front)
	}}
	return &learner{name: name, host: host, client: &http.Client{
		Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do makes a request and returns the status, the body and the gateway that answered.
func (l *learner) do(t *testing.T, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+l.host+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", l.name, method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("X-Socketlab-Replica")
}

// session opens a program session through the balancer and says HELLO; it returns the
// session and the gateway that took it.
func (l *learner) session(t *testing.T) (*relaytest.Client, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws://"+l.host+"/ws", &websocket.DialOptions{HTTPClient: l.client})
	if err != nil {
		t.Fatalf("%s: a program session through the balancer: %v", l.name, err)
	}
	rc := relaytest.Wrap(t, ws)
	rc.Send(wire.Hello, 0, wire.HelloMsg{Version: wire.Version}.Append(nil))
	if f := rc.Recv(); f.Type != wire.Hello {
		t.Fatalf("%s: the gateway answered HELLO with %v", l.name, f.Type)
	}
	return rc, resp.Header.Get("X-Socketlab-Replica")
}

// lookup resolves a name in the learner's session.
func lookup(t *testing.T, rc *relaytest.Client, id uint32, host string) string {
	t.Helper()
	rc.Send(wire.Lookup, id, wire.LookupMsg{Network: "ip", Host: host}.Append(nil))
	f := rc.RecvFor(id)
	var ans wire.AnswerMsg
	if f.Type != wire.Answer || ans.Unmarshal(f.Payload) != nil || len(ans.Addrs) == 0 {
		t.Fatalf("lookup of %s: %v %q", host, f.Type, f.Payload)
	}
	return ans.Addrs[0]
}

// classOnOneReplica: eight learners join one class through the balancer, all on one gateway;
// each runs a server on port 8000 and the next one's program talks to it at NAME.lab.
func classOnOneReplica(t *testing.T, v *Values, front, code string) {
	names := []string{"ada", "bea", "cyd", "dov", "eli", "fay", "gus", "hal"}
	host := code + "." + v.Ingress.ClassDomain
	replicas := map[string][]string{}
	var learners []*learner
	for _, name := range names {
		l := newLearner(name, host, front)
		status, body, replica := l.do(t, "POST", "/join", url.Values{"code": {code}, "name": {name}, "next": {"/"}})
		if status != http.StatusSeeOther {
			t.Fatalf("%s joining through the balancer: %d\n%s", name, status, body)
		}
		replicas[replica] = append(replicas[replica], name)
		if status, _, replica := l.do(t, "GET", "/labs.json", nil); status != http.StatusOK {
			t.Fatalf("%s after joining: /labs.json answered %d (on %s)", name, status, replica)
		} else {
			replicas[replica] = append(replicas[replica], name+" (labs.json)")
		}
		learners = append(learners, l)
	}
	if len(replicas) != 1 {
		t.Fatalf("the class's requests reached %d gateways: %v", len(replicas), replicas)
	}

	sessions := make([]*relaytest.Client, len(learners))
	for i, l := range learners {
		rc, replica := l.session(t)
		if replica != "" && replicas[replica] == nil {
			t.Errorf("%s's program session went to %s, the class is on %v", l.name, replica, replicas)
		}
		rc.Send(wire.Connect, 1, wire.ConnectMsg{Kind: wire.KindListen, Window: 1 << 16, Network: "tcp", Local: ":8000"}.Append(nil))
		if f := rc.RecvFor(1); f.Type != wire.Connected {
			t.Fatalf("%s's server on :8000: %v %q", l.name, f.Type, f.Payload)
		}
		sessions[i] = rc
	}
	for i, l := range learners {
		j := (i + 1) % len(learners)
		dialer, server := sessions[i], sessions[j]
		id := uint32(3 + 2*i)
		addr := lookup(t, dialer, id, names[j]+".lab")
		if f := dialer.Dial(id+100, 1<<16, addr+":8000"); f.Type != wire.Connected {
			t.Fatalf("%s dialing %s.lab:8000 through the balancer: %v %q", l.name, names[j], f.Type, f.Payload)
		}
		f := server.RecvFor(1)
		var acc wire.AcceptMsg
		if f.Type != wire.Accept || acc.Unmarshal(f.Payload) != nil {
			t.Fatalf("%s's server saw %v, want ACCEPT", names[j], f.Type)
		}
		hello := "hello " + names[j] + ", this is " + l.name
		dialer.Send(wire.Data, id+100, []byte(hello))
		if f := server.RecvFor(acc.Stream); f.Type != wire.Data || string(f.Payload) != hello {
			t.Fatalf("%s's server read %v %q, want %q", names[j], f.Type, f.Payload, hello)
		}
		server.Send(wire.Data, acc.Stream, []byte("hi "+l.name))
		if f := dialer.RecvFor(id + 100); f.Type != wire.Data || string(f.Payload) != "hi "+l.name {
			t.Fatalf("%s read %v %q from %s's server", l.name, f.Type, f.Payload, names[j])
		}
	}
	t.Logf("class %s: %d learners, every request on %v, each reached the next one's server", code, len(learners), slices.Collect(maps.Keys(replicas)))
}

// joinTriesPerLearner: through nginx each learner is held to the join tries of its own
// address, which the gateways read from the balancer's X-Forwarded-For (--trusted-proxies):
// one machine guessing codes is told to wait, and a classmate at another joins meanwhile.
// Every learner arrives from nginx's address; without the trust the guesser would lock the
// whole class out. A spoofed X-Forwarded-For is of no use: nginx appends the real address,
// which is the hop the gateways take.
func joinTriesPerLearner(t *testing.T, v *Values, front, code string) {
	host := code + "." + v.Ingress.ClassDomain
	guesser := newLearner("guesser", host, front)
	refused := 0
	for i := range 12 {
		req, _ := http.NewRequest("POST", "http://"+host+"/join", strings.NewReader(url.Values{"code": {fmt.Sprintf("bad-%d", i)}, "name": {"guess"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)) // claims another machine each time
		resp, err := guesser.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			refused++
		} else if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a wrong code: %d", resp.StatusCode)
		}
	}
	if refused != 2 {
		t.Errorf("12 wrong codes from one address, each claiming another: %d refused as too many, want 2 (10 tries, then wait)", refused)
	}
	late := newLearner("late", host, front)
	if status, body, _ := late.do(t, "POST", "/join", url.Values{"code": {code}, "name": {"late"}, "next": {"/"}}); status != http.StatusSeeOther {
		t.Errorf("a classmate at another address, while the guesser waits: %d\n%s", status, body)
	}
}

// classesSpread: the hash spreads different classes over the gateways, and keeps each on
// its own. Every gateway hosts the same class today, so other codes are asked only for
// /healthz, which answers without joining.
func classesSpread(t *testing.T, v *Values, front string, upstreams []string) {
	where := map[string]int{}
	for i := range 30 {
		code := fmt.Sprintf("c%02d-test", i)
		l := newLearner("probe", code+"."+v.Ingress.ClassDomain, front)
		_, _, first := l.do(t, "GET", "/healthz", nil)
		for range 3 {
			if _, _, again := l.do(t, "GET", "/healthz", nil); again != first {
				t.Fatalf("class %s went to %s, then to %s", code, first, again)
			}
		}
		where[first]++
	}
	checkSpread(t, "30 classes", where, upstreams)
}

// soloSpread: thirty solo learners, each a browser of its own, spread over all three gateways;
// each one's pages and program session stay on the gateway of its first request.
func soloSpread(t *testing.T, v *Values, front string, upstreams []string) {
	where := map[string]int{}
	for i := range 30 {
		l := newLearner(fmt.Sprintf("solo%02d", i), v.Ingress.Host, front)
		status, _, first := l.do(t, "GET", "/", nil)
		if status != http.StatusOK || first == "" {
			t.Fatalf("%s's first page: %d from %q", l.name, status, first)
		}
		u, _ := url.Parse("http://" + v.Ingress.Host + "/")
		if !slices.ContainsFunc(l.client.Jar.Cookies(u), func(c *http.Cookie) bool { return c.Name == v.Ingress.SoloCookie }) {
			t.Fatalf("%s got no %s cookie from the balancer", l.name, v.Ingress.SoloCookie)
		}
		for _, path := range []string{"/labs.json", "/lessons/01-time"} {
			if status, _, again := l.do(t, "GET", path, nil); status != http.StatusOK || again != first {
				t.Fatalf("%s: %s answered %d from %s; the first page came from %s", l.name, path, status, again, first)
			}
		}
		rc, replica := l.session(t)
		if replica != "" && replica != first {
			t.Errorf("%s's program session went to %s, its pages to %s", l.name, replica, first)
		}
		lookup(t, rc, 1, "time.lab")
		rc.C.Close(websocket.StatusNormalClosure, "")
		where[first]++
	}
	checkSpread(t, "30 solo learners", where, upstreams)
}

func checkSpread(t *testing.T, what string, where map[string]int, upstreams []string) {
	t.Helper()
	for _, u := range upstreams {
		if where[u] == 0 {
			t.Errorf("%s: none on %s (%v)", what, u, where)
		}
	}
	if len(where) != len(upstreams) {
		t.Errorf("%s went to %v, want the %d gateways %v", what, where, len(upstreams), upstreams)
	}
	t.Logf("%s over the gateways: %v", what, where)
}
