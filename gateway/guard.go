package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"socketlab/gateway/classroom"
	"socketlab/lessons/grade"
)

// The gateway's HTTP side, before any route: which names it answers to, where a request that
// changes something may come from, how large a body may be, and how often and how many at once
// one client address may ask for work. Connections and their timeouts are in listener.go.

// HTTPLimits bound the gateway's HTTP side. Zero fields take their defaults; Flags registers
// them.
type HTTPLimits struct {
	// ReadTimeout bounds reading one request, headers and body. Defaults to 30s.
	ReadTimeout time.Duration
	// WriteTimeout bounds one response, from the end of its request's headers, except on
	// WebSockets (which the relay keeps) and compiles (which the build service bounds).
	// Defaults to 60s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sent no request for this long. Defaults
	// to 60s.
	IdleTimeout time.Duration
	// ConnsPerClient bounds the open connections of one client address (an IPv6 client's
	// /64); more are answered 429 and closed. Defaults to 256; negative: no limit.
	ConnsPerClient int
	// APIPerMinute bounds wire-view, check, format and vet requests (/api/annotate,
	// /api/export.pcapng, /api/check, /api/format, /api/vet) per client address, with a burst of half as
	// many. Defaults to 120; negative: no limit.
	APIPerMinute float64
	// Hosts are names, or patterns like *.example.org, besides loopback and the listen
	// address, that requests may carry in their Host header (--host).
	Hosts []string
	// TrustedProxies are the load balancers in front of the gateway (--trusted-proxies): from
	// them, the client's address is taken from X-Forwarded-For or X-Real-IP (proxy.go), and
	// their connections are not counted against one address's. None: headers are ignored.
	TrustedProxies Prefixes
}

// DefaultHTTPLimits are the HTTP limits a gateway starts with.
var DefaultHTTPLimits = HTTPLimits{
	ReadTimeout:    30 * time.Second,
	WriteTimeout:   60 * time.Second,
	IdleTimeout:    60 * time.Second,
	ConnsPerClient: 256,
	APIPerMinute:   120,
}

// Flags registers the HTTP flags, writing into l.
func (l *HTTPLimits) Flags(fl *flag.FlagSet) {
	d := DefaultHTTPLimits
	fl.DurationVar(&l.ReadTimeout, "http-read-timeout", d.ReadTimeout, "longest a client may take to send one request, headers and body")
	fl.DurationVar(&l.WriteTimeout, "http-write-timeout", d.WriteTimeout, "longest one response may take (not WebSockets, not compiles)")
	fl.DurationVar(&l.IdleTimeout, "http-idle-timeout", d.IdleTimeout, "close a keep-alive connection idle for this long")
	fl.IntVar(&l.ConnsPerClient, "max-conns-per-client", d.ConnsPerClient, "open HTTP and WebSocket connections per client address, an IPv6 client's /64 (-1: no limit)")
	fl.Float64Var(&l.APIPerMinute, "api-rate", d.APIPerMinute, "wire-view, check, format and vet requests per minute per client address (-1: no limit)")
	fl.Var(&l.TrustedProxies, "trusted-proxies", "take the client's address from X-Forwarded-For or X-Real-IP on requests from these load balancers: comma-separated `CIDR`s, e.g. the Ingress controller's pods (repeatable; never from anyone else; see docs/security.md)")
	fl.Var((*stringList)(&l.Hosts), "host", "also answer requests for this `name` (or pattern, *.example.org): a name this machine is reached by (repeatable; see docs/security.md)")
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	d := DefaultHTTPLimits
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	dur(&l.ReadTimeout, d.ReadTimeout)
	dur(&l.WriteTimeout, d.WriteTimeout)
	dur(&l.IdleTimeout, d.IdleTimeout)
	if l.ConnsPerClient == 0 {
		l.ConnsPerClient = d.ConnsPerClient
	}
	if l.APIPerMinute == 0 {
		l.APIPerMinute = d.APIPerMinute
	}
	return l
}

// Bounds with no flag: they follow from the page and the machine.
const (
	// maxSmallBody bounds the body of any request not named below (pages, WebSockets, /join,
	// whose tries the class itself limits: relay.Class).
	maxSmallBody = 64 << 10
	// inflightPerClient bounds one address's compile, wire-view and check requests at once:
	// a finished run posts one check per exercise of its cell and one annotation together.
	inflightPerClient = 8
)

// guard holds a Server's HTTP checks and their state.
type guard struct {
	limits   HTTPLimits
	origins  []string
	log      *slog.Logger
	maxBuild int64 // the body cap of /api/build and /api/format

	compiles, api *limiter
	work          chan struct{} // work being done at once, gateway-wide

	mu       sync.Mutex
	inflight map[netip.Prefix]int

	listen   atomic.Pointer[netip.Addr] // set by HTTPServer.Serve
	hostname string                     // this machine's name, answered when serving beyond loopback
	logged   atomic.Int64               // when a refusal was last logged, Unix seconds
}

func newGuard(opts *Options, log *slog.Logger) *guard {
	l := opts.HTTP.withDefaults()
	compileRate := opts.Compile.PerMinute
	if compileRate == 0 {
		compileRate = 30
	}
	maxSource := opts.Compile.MaxSource
	if maxSource <= 0 {
		maxSource = 256 << 10
	}
	g := &guard{
		limits:   l,
		origins:  opts.Origins,
		log:      log,
		maxBuild: int64(6*maxSource + 8192), // above the build service's own cap, which says more
		compiles: newLimiter(compileRate, compileRate),
		api:      newLimiter(l.APIPerMinute, l.APIPerMinute/2),
		work:     make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		inflight: map[netip.Prefix]int{},
	}
	g.hostname, _ = os.Hostname()
	return g
}

// route is what the guard knows of a request's route.
type route struct {
	limiter *limiter
	body    int64 // the body cap
	work    bool  // read the body first, then take a work slot
	what    string
	flag    string
}

func (g *guard) route(r *http.Request) route {
	post := r.Method == http.MethodPost
	switch p := r.URL.Path; {
	case post && p == "/api/build":
		return route{g.compiles, g.maxBuild, true, "compiles", "--compile-rate"}
	case post && (p == "/api/annotate" || p == "/api/export.pcapng"):
		return route{g.api, maxRunJSON + 4096, true, "wire-view requests", "--api-rate"}
	case post && p == "/api/check":
		return route{g.api, grade.MaxRequest + 4096, true, "checks", "--api-rate"}
	case post && p == "/api/format":
		return route{g.api, g.maxBuild, true, "format requests", "--api-rate"}
	case post && p == "/api/vet":
		return route{g.api, g.maxBuild, true, "vet requests", "--api-rate"}
	case post && p == "/api/class/run":
		return route{g.api, classroom.MaxRunBody + 4096, true, "run reports", "--api-rate"}
	case strings.HasPrefix(p, "/api/teacher/"):
		// Not a work slot: the view's requests wait for news (long polling).
		return route{g.api, maxSmallBody, false, "teacher's view requests", "--api-rate"}
	}
	return route{body: maxSmallBody}
}

// wrap puts the guard in front of h.
func (g *guard) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.fromProxy(r)
		if !g.hostAllowed(r.Host) {
			g.refuseHost(w, r)
			return
		}
		if !safeMethod(r.Method) {
			if err := g.sameOrigin(r); err != nil {
				refuse(w, r, http.StatusForbidden, err.Error())
				return
			}
			if strings.HasPrefix(r.URL.Path, "/api/") {
				if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
					refuse(w, r, http.StatusUnsupportedMediaType, "send the request as Content-Type: application/json")
					return
				}
			}
		}
		rt := g.route(r)
		client := clientKey(r.RemoteAddr)
		if rt.limiter != nil {
			if ok, wait := rt.limiter.allow(client); !ok {
				tooMany(w, r, wait, fmt.Sprintf("too many %s from your address: wait %s and try again (the gateway's operator sets the rate with %s)", rt.what, retrySeconds(wait), rt.flag))
				return
			}
		}
		if r.ContentLength > rt.body {
			// Said before it is sent: refused at once, and what the client still sends is
			// thrown away as it comes (under the read timeout), never gathered in memory;
			// read, so that the client is not reset before it reads the answer.
			msg, _ := json.Marshal(map[string]string{"error": fmt.Sprintf("the request is larger than the %d bytes this endpoint reads", rt.body)})
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(msg)+1)) // whole, so that the client has it before the body ends
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			w.Write(append(msg, '\n'))
			http.NewResponseController(w).Flush()
			io.Copy(io.Discard, r.Body)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, rt.body)
		if !rt.work {
			h.ServeHTTP(w, r)
			return
		}
		if !g.enter(client) {
			tooMany(w, r, time.Second, "too many requests from your address at once: wait for the others to finish")
			return
		}
		defer g.leave(client)
		// The body is read here, under the read timeout, and the work runs after it: a
		// compile may take longer than a request may take to arrive, and the server cancels
		// a request whose read deadline passes.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than the %d bytes this endpoint reads", rt.body))
				return
			}
			return // the client went away or was too slow: nobody to answer
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		if r.URL.Path == "/api/build" || r.URL.Path == "/api/vet" {
			// The build service bounds a compile (or a vet) and its wait, and has a fair queue
			// of its own: a build takes no work slot, so that a program already compiled is
			// answered at once however many compiles run, and compiles do not hold up checks.
			rc.SetWriteDeadline(time.Time{})
			h.ServeHTTP(w, r)
			return
		}
		select {
		case g.work <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-g.work }()
		h.ServeHTTP(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func (g *guard) enter(client netip.Prefix) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight[client] >= inflightPerClient {
		return false
	}
	g.inflight[client]++
	return true
}

func (g *guard) leave(client netip.Prefix) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight[client]--; g.inflight[client] <= 0 {
		delete(g.inflight, client)
	}
}

// hostAllowed says whether the gateway answers to a Host header. A page that an attacker's
// name serves can have that name resolve to this machine (DNS rebinding); the browser then
// sends the attacker's name as the Host, which is refused. Loopback names and addresses are
// always answered; addresses that the gateway listens on, its machine's name when it listens
// beyond loopback, and the --host and --origin names too. An address as the Host cannot be
// rebound, so when the gateway listens on every address it answers to every address.
func (g *guard) hostAllowed(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.ToLower(strings.Trim(name, "[]")), ".")
	if name == "" {
		return true // HTTP/1.0 without a Host: not a browser
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	var listen netip.Addr
	if p := g.listen.Load(); p != nil {
		listen = *p
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		ip = ip.Unmap().WithZone("")
		return ip.IsLoopback() || listen.IsUnspecified() || ip == listen
	}
	if listen.IsValid() && !listen.IsLoopback() && g.hostname != "" &&
		(name == strings.ToLower(g.hostname) || name == strings.ToLower(g.hostname)+".local") {
		return true
	}
	for _, p := range append(g.limits.Hosts[:len(g.limits.Hosts):len(g.limits.Hosts)], g.origins...) {
		p = strings.TrimSuffix(strings.ToLower(p), ".")
		if h, _, err := net.SplitHostPort(p); err == nil {
			p = h
		}
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func (g *guard) refuseHost(w http.ResponseWriter, r *http.Request) {
	if now := time.Now().Unix(); g.logged.Load() < now-60 {
		g.logged.Store(now)
		g.log.Warn("refused requests for a name this gateway does not serve (--host adds one; logged once a minute)", "host", r.Host, "client", r.RemoteAddr)
	}
	refuse(w, r, http.StatusMisdirectedRequest, fmt.Sprintf(
		"this socketlab gateway does not answer to the name %q: a page of another site may be trying to use it (DNS rebinding). "+
			"Open the lab at its own address, such as http://127.0.0.1:PORT/, or, if %q is a name of this machine, start socketlab with --host %s",
		r.Host, r.Host, hostOnly(r.Host)))
}

func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// sameOrigin says why a request that changes something may not come from where it comes
// from: only the gateway's own pages and pages the operator allows (--origin) may post. A
// client that is not a browser sends neither header and may.
func (g *guard) sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	host := ""
	if origin != "" {
		if u, err := url.Parse(origin); err == nil {
			host = u.Host
		}
	}
	allowed := func() bool {
		for _, p := range g.origins {
			if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(host)); ok && host != "" {
				return true
			}
		}
		return false
	}
	refused := fmt.Errorf("requests from pages of %s may not change anything here; only the lab's own pages may (its operator can allow a site with --origin)", firstNonEmpty(host, origin, "another site"))
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		if allowed() {
			return nil
		}
		return refused
	}
	if origin == "" {
		return nil
	}
	if host != "" && strings.EqualFold(host, r.Host) || allowed() {
		return nil
	}
	return refused
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// refuse answers with a JSON error under /api/ and for WebSockets, and with text elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/ws" || r.URL.Path == "/websockify" || r.URL.Path == "/join" {
		jsonError(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}

func tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strings.TrimSuffix(retrySeconds(wait), "s"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// retrySeconds is a wait in whole seconds, at least 1, written "5s".
func retrySeconds(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int64(math.Ceil(d.Seconds()))))
}

// clientKey is who a remote address is for every per-address limit: an IPv4 address, or an
// IPv6 address's /64, which one subscriber usually holds whole.
func clientKey(remote string) netip.Prefix {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Prefix{}
	}
	a := ap.Addr().Unmap().WithZone("")
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// limiter is a token bucket per client address.
type limiter struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	m     map[netip.Prefix]*rate.Limiter
}

// newLimiter allows perMinute requests a minute with a burst of burst; perMinute < 0 allows
// all.
func newLimiter(perMinute, burst float64) *limiter {
	if perMinute < 0 {
		return nil
	}
	return &limiter{every: rate.Limit(perMinute / 60), burst: max(1, int(burst)), m: map[netip.Prefix]*rate.Limiter{}}
}

// allow takes a token from client's bucket, or says how long until there is one.
func (l *limiter) allow(client netip.Prefix) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := time.Now()
	l.mu.Lock()
	lim := l.m[client]
	if lim == nil {
		if len(l.m) >= 10000 {
			l.sweep(now)
		}
		lim = rate.NewLimiter(l.every, l.burst)
		l.m[client] = lim
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets the clients whose buckets are full again, and all of them if that is not
// enough, so that many addresses cannot grow the map without bound.
func (l *limiter) sweep(now time.Time) {
	for k, lim := range l.m {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.m, k)
		}
	}
	if len(l.m) >= 10000 {
		clear(l.m)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }
