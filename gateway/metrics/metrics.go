// Package metrics is the gateway's account of itself for operators: Prometheus metrics of
// sessions, sockets, bytes, dials, policy refusals and compiles, and the log line that ends
// every program's session. The relay and the build service feed it through their Observer
// hooks (relay.Observer, build.Observer); the gateway serves Handler at /metrics.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"socketlab/gateway/relay"
	"socketlab/wire"
)

// Metrics holds the gateway's metrics in a registry of their own. It is a relay.Observer and
// a build.Observer. Its methods are safe for concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	log     *slog.Logger
	handler http.Handler
	lines   lineBudget

	sessionsActive prometheus.Gauge
	sessions       *prometheus.CounterVec
	sockets        *prometheus.CounterVec
	toProgram      prometheus.Counter
	fromProgram    prometheus.Counter
	dials          *prometheus.CounterVec
	refusals       *prometheus.CounterVec

	compilesWaiting prometheus.Gauge
	compilesRunning prometheus.Gauge
	compileSeconds  *prometheus.HistogramVec
	builds          *prometheus.CounterVec

	teacher *prometheus.CounterVec
}

// New makes the metrics. log receives one line per session (nil: none). classSize, when not
// nil, is read at every scrape for the class's size.
func New(log *slog.Logger, classSize func() int) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	f := factory{m.reg}
	m.sessionsActive = f.gauge("socketlab_sessions_active", "Programs connected now, one WebSocket session each.")
	m.sessions = f.counters("socketlab_sessions_total", "Program sessions ended, by how they ended: closed, gone, protocol, limit (refused at once), shutdown, error.", "end")
	m.sockets = f.counters("socketlab_sockets_opened_total", "Sockets programs opened, by kind: dial, listen, udp, accept (a connection to a program's listener).", "kind")
	bytes := f.counters("socketlab_bytes_total", "Bytes of programs' traffic the relay carried, by direction: to_program or from_program.", "direction")
	m.toProgram = bytes.WithLabelValues("to_program")
	m.fromProgram = bytes.WithLabelValues("from_program")
	m.dials = f.counters("socketlab_dials_total", "TCP connects programs asked for, by result: connected, refused, timeout, policy, no_host, limit, ...", "result")
	m.refusals = f.counters("socketlab_policy_refusals_total", "Destinations the operator's policy refused, by what refused them: no-rule, gateway-address, stale-lookup or a special range such as 10.0.0.0/8.", "rule")
	m.compilesWaiting = f.gauge("socketlab_compiles_waiting", "Compiles waiting for a free compiler slot.")
	m.compilesRunning = f.gauge("socketlab_compiles_running", "Compilers running now.")
	m.compileSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "socketlab_compile_duration_seconds",
		Help:    "Time of each compiler run, by outcome: ok, error (the program does not compile), limit (a sandbox limit), failed (the service failed).",
		Buckets: []float64{0.25, 0.5, 1, 2, 4, 8, 15, 30, 60},
	}, []string{"outcome"})
	m.reg.MustRegister(m.compileSeconds)
	m.builds = f.counters("socketlab_builds_total", "Build requests answered, by where the program came from: the cache (hit), a compile another request started for the same source (shared), or a compile of its own (miss).", "cache")
	for _, v := range []string{"hit", "shared", "miss"} {
		m.builds.WithLabelValues(v)
	}
	m.teacher = f.counters("socketlab_teacher_actions_total", "What the teacher did in the teacher's view, by action: note (sent the class a note or code), end (ended a learner's programs), remove (took a learner out of the class), export (downloaded the progress), open-run (opened a learner's last run).", "action")
	for _, v := range []string{"note", "end", "remove", "export", "open-run"} {
		m.teacher.WithLabelValues(v)
	}
	if classSize != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "socketlab_class_members",
			Help: "People who joined the class.",
		}, func() float64 { return float64(classSize()) }))
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)})
	return m
}

// factory registers metrics in a registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) counters(name, help, label string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	f.reg.MustRegister(c)
	return c
}

// Handler serves the metrics in the Prometheus text format (or another the scraper asks
// for). Who may read them is the gateway's to decide.
func (m *Metrics) Handler() http.Handler { return m.handler }

// TeacherAction counts one thing the teacher did in the teacher's view.
func (m *Metrics) TeacherAction(action string) { m.teacher.WithLabelValues(action).Inc() }

// Registry is where the metrics are registered, for embedders that add their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SessionStarted counts a session in (relay.Observer).
func (m *Metrics) SessionStarted() { m.sessionsActive.Inc() }

// SessionEnded counts a session out and logs it (relay.Observer): one line a session, at most
// linesPerMinute a minute for each client address. A session refused at once is not logged
// here: the relay logs the limit it hit, once a minute for each address.
func (m *Metrics) SessionEnded(r relay.SessionReport) {
	if r.Admitted {
		m.sessionsActive.Dec()
	}
	m.sessions.WithLabelValues(r.End).Inc()
	if !r.Admitted {
		return
	}
	ok, skipped := m.lines.take(r.Client, time.Now())
	if !ok {
		return
	}
	attrs := []any{
		"learner", r.Learner,
		"client", r.Client,
		"duration", r.Duration.Round(time.Millisecond),
		"bytes_from_program", r.Up,
		"bytes_to_program", r.Down,
		"end", r.End,
	}
	if r.Addr.IsValid() {
		attrs = append(attrs, "addr", r.Addr.String())
	}
	if r.Reason != "" {
		attrs = append(attrs, "reason", r.Reason)
	}
	if skipped > 0 {
		attrs = append(attrs, "unlogged_sessions_before", skipped)
	}
	level := slog.LevelInfo
	if r.End == "error" || r.End == "protocol" {
		level = slog.LevelWarn
	}
	m.log.Log(context.Background(), level, "session ended", attrs...)
}

// Opened counts a socket (relay.Observer).
func (m *Metrics) Opened(kind string) { m.sockets.WithLabelValues(kind).Inc() }

// Dialed counts a connect by its result (relay.Observer).
func (m *Metrics) Dialed(code wire.Code) { m.dials.WithLabelValues(dialResult(code)).Inc() }

// PolicyRefused counts a refusal of the operator's policy (relay.Observer).
func (m *Metrics) PolicyRefused(rule string) { m.refusals.WithLabelValues(rule).Inc() }

// Moved counts a program's bytes (relay.Observer).
func (m *Metrics) Moved(down bool, n int) {
	if down {
		m.toProgram.Add(float64(n))
	} else {
		m.fromProgram.Add(float64(n))
	}
}

// Waiting moves the compiles waiting for a slot (build.Observer).
func (m *Metrics) Waiting(delta int) { m.compilesWaiting.Add(float64(delta)) }

// Compiling moves the compilers running (build.Observer).
func (m *Metrics) Compiling(delta int) { m.compilesRunning.Add(float64(delta)) }

// Compiled records a compiler run's time (build.Observer).
func (m *Metrics) Compiled(took time.Duration, outcome string) {
	m.compileSeconds.WithLabelValues(outcome).Observe(took.Seconds())
}

// Answered counts a build request (build.Observer).
func (m *Metrics) Answered(how string, _ bool) { m.builds.WithLabelValues(how).Inc() }

// dialResult is the label of a connect's result: a few words, one per wire code.
func dialResult(c wire.Code) string {
	switch c {
	case wire.CodeClosed:
		return "connected"
	case wire.CodeRefused:
		return "refused"
	case wire.CodeTimeout:
		return "timeout"
	case wire.CodePolicy:
		return "policy"
	case wire.CodeNoHost:
		return "no_host"
	case wire.CodeLimit:
		return "limit"
	case wire.CodeHostUnreach, wire.CodeNetUnreach:
		return "unreachable"
	case wire.CodeInvalid:
		return "invalid"
	case wire.CodeReset:
		return "reset"
	case wire.CodeShutdown:
		return "shutdown"
	}
	return "error"
}
