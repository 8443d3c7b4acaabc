// Package cli is the socketlab command. [Main] takes the command line, the environment and
// the standard streams and returns the exit status, so that cmd/socketlab is one line and
// tests run the command in-process: `socketlab [flags]` serves the lab (gateway.New behind an
// HTTP server until SIGINT or SIGTERM), `socketlab run FILE.go` runs a program natively
// through internal/runner. Bad command lines exit 2 with the usage.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"socketlab/gateway"
	"socketlab/gateway/classroom"
	"socketlab/gateway/faults"
	"socketlab/gateway/policy"
	"socketlab/gateway/relay"
	"socketlab/lessons"
)

const usage = `usage: socketlab [flags]
       socketlab run [--gateway URL] FILE.go [ARGS...]   (run a program here; run -h for more)
       socketlab check DIR                              (run a folder of lessons' cells; check -h for more)

Starts the socketlab gateway: lesson pages, the build service, the lab network and the
relay that carries learner programs' sockets. Open the printed URL in a browser.

flags:
`

// Main runs the socketlab command with args (without the program name) and returns its exit
// status: 0 after a clean shutdown, 1 when the gateway fails, 2 for bad flags. `socketlab
// run` returns the program's status instead (see runCommand). getenv reads the environment;
// stdin is the program's for `socketlab run`.
func Main(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run" {
		return runCommand(args[1:], stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "check" {
		return checkCommand(args[1:], stdout, stderr)
	}
	fl := newFlagSet("socketlab", usage, stderr)
	addr := fl.String("addr", "127.0.0.1:8080", "`host:port` to serve on (also $SOCKETLAB_ADDR)")
	expose := fl.Bool("expose", false, "allow --addr to be a non-loopback address; anyone who can reach it can use the lab")
	labPorts := fl.Int("lab-ports", 0, "pin the lab servers to host ports starting at `BASE` (0: pick free ports)")
	cacheDir := fl.String("cache-dir", "", "where compiled programs are kept (default: the user cache directory)")
	var logs logOptions
	logs.flags(fl)
	var limits relay.Limits
	limits.Flags(fl)
	var compile gateway.CompileLimits
	compile.Flags(fl)
	var httpLimits gateway.HTTPLimits
	httpLimits.Flags(fl)
	var allow policy.Flag
	fl.Var(&allow, "allow", "let programs reach an outside `destination`: host or CIDR, port or range, optional /tcp or /udp (repeatable; see docs/security.md)")
	class := fl.String("class", "", "classroom mode: everyone joins with this `code` and a name, and reaches classmates at NAME.lab (\"auto\" makes a code up)")
	stateDir := fl.String("state", "", "classroom mode: keep the roster and progress in `DIR` (a bbolt file, class.db), so a restart with the same code continues the class; or in a PostgreSQL database every replica reaches (postgres://USER:PASSWORD@HOST/DB), so a class moves to another replica when its own goes away")
	var metricsFrom prefixList
	fl.Var(&metricsFrom, "metrics-from", "also serve /metrics to clients in this `CIDR` or at this address, a scraper's (repeatable; loopback always may)")
	var fx faults.Spec
	fl.Var(&fx, "faults", "make every program's network bad on purpose: a `spec` such as segment=1,delay=200ms (the faults: socketlab run -h); a run can add faults, not remove these")
	var origins stringList
	fl.Var(&origins, "origin", "also accept program connections from pages of this `host` pattern, e.g. lab.example.org (repeatable)")
	var lessonDirs stringList
	fl.Var(&lessonDirs, "lessons", "serve the lessons in folder `DIR` (NAME.md files) instead of the built-in ones; repeatable, and the word builtin adds the built-in lessons beside them")
	if status, ok := parseFlags(fl, args); !ok {
		return status
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "socketlab: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
		return 2
	}
	log, err := logs.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab: %v\n", err)
		return 2
	}
	if !flagSet(fl, "addr") && getenv("SOCKETLAB_ADDR") != "" {
		*addr = getenv("SOCKETLAB_ADDR")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab: --addr %q is not host:port (for example 127.0.0.1:8080)\n", *addr)
		return 2
	}
	if !isLoopback(host) {
		if !*expose {
			fmt.Fprintf(stderr, "socketlab: %s is not a loopback address: anyone who can reach it could open sockets through this machine.\n"+
				"Add --expose if that is what you want, or use 127.0.0.1.\n", host)
			return 2
		}
		fmt.Fprintf(stderr, "WARNING: serving on %s, not on loopback: anyone who can reach this address can use the lab.\n", *addr)
	}

	var ls []*lessons.Lesson
	if len(lessonDirs) > 0 {
		if ls, err = lessons.LoadAll(lessonDirs); err != nil {
			fmt.Fprintf(stderr, "socketlab: --lessons: %v\n", err)
			return 1
		}
	}

	if *stateDir != "" && *class == "" {
		fmt.Fprintf(stderr, "socketlab: --state keeps a class's roster and progress: use it with --class CODE (or --class auto)\n")
		return 2
	}
	cls, state, err := openClass(*class, *stateDir)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab: %v\n", err)
		return 1
	}
	if state != nil {
		defer state.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, &gateway.Options{Lessons: ls, LabPortBase: *labPorts, CacheDir: *cacheDir, Limits: limits, Compile: compile, Allow: allow, Origins: origins, Class: cls, State: state, HTTP: httpLimits, Logger: log, MetricsFrom: metricsFrom, Faults: fx}, stdout); err != nil {
		fmt.Fprintf(stderr, "socketlab: %v\n", err)
		return 1
	}
	return 0
}

// newFlagSet is a flag set that reports to stderr and whose usage is the text u and then
// the flags.
func newFlagSet(name, u string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, u)
		fl.PrintDefaults()
	}
	return fl
}

// parseFlags parses args into fl. It returns 0 and true to go on, or the exit status: 0
// for -h (the usage is printed), 2 for a bad flag (the usage is printed after the error).
func parseFlags(fl *flag.FlagSet, args []string) (int, bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// logOptions are the flags that say how the gateway logs.
type logOptions struct {
	quiet  bool
	format string
}

// flags registers the log flags, writing into l.
func (l *logOptions) flags(fl *flag.FlagSet) {
	fl.BoolVar(&l.quiet, "quiet", false, "log only warnings and errors")
	fl.StringVar(&l.format, "log-format", "text", "log as `text` or json lines")
}

// logger is the command's logger, writing to w.
func (l *logOptions) logger(w io.Writer) (*slog.Logger, error) {
	return newLogger(l.format, l.quiet, w)
}

// newLogger is the command's logger: records as text (the time of day, the level, the message,
// then attributes) or as JSON lines, to w; quiet keeps only warnings and errors.
func newLogger(format string, quiet bool, w io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if quiet {
		opts.Level = slog.LevelWarn
	}
	switch format {
	case "text":
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				a.Value = slog.StringValue(a.Value.Time().Format(time.TimeOnly))
			}
			return a
		}
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: write text or json", format)
}

// openClass is classFor with the class kept in dir (--state), when dir is not "": the kept
// class's code when code is "auto".
func openClass(code, dir string) (*relay.Class, classroom.State, error) {
	if dir == "" {
		return classFor(code), nil, nil
	}
	st, err := classroom.OpenState(dir, code, relay.NewCode)
	if err != nil {
		return nil, nil, err
	}
	return relay.NewClass(st.Code()), st, nil
}

func classFor(code string) *relay.Class {
	switch code {
	case "":
		return nil
	case "auto":
		return relay.NewClass("")
	}
	return relay.NewClass(code)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// prefixList is a repeatable flag of CIDR prefixes; a bare address is a prefix of one.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	var s []string
	for _, p := range *l {
		s = append(s, p.String())
	}
	return strings.Join(s, ",")
}

func (l *prefixList) Set(s string) error {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		*l = append(*l, netip.PrefixFrom(a, a.BitLen()))
		return nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return fmt.Errorf("%q is neither an address nor a CIDR prefix: write 192.0.2.7 or 10.0.0.0/8", s)
	}
	*l = append(*l, p.Masked())
	return nil
}

func flagSet(fl *flag.FlagSet, name string) bool {
	set := false
	fl.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
