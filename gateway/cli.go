package gateway

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"socketlab/gateway/policy"
	"socketlab/gateway/relay"
)

const usage = `usage: socketlab [flags]
       socketlab run [--gateway URL] FILE.go [ARGS...]   (run a program here; run -h for more)

Starts the socketlab gateway: lesson pages, the build service, the lab network and the
relay that carries learner programs' sockets. Open the printed URL in a browser.

flags:
`

// Main runs the socketlab command with args (without the program name) and returns its exit
// status: 0 after a clean shutdown, 1 when the gateway fails, 2 for bad flags.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run" {
		return Run(args[1:], os.Stdin, stdout, stderr)
	}
	fl := flag.NewFlagSet("socketlab", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, usage)
		fl.PrintDefaults()
	}
	addr := fl.String("addr", "127.0.0.1:8080", "`host:port` to serve on (also $SOCKETLAB_ADDR)")
	expose := fl.Bool("expose", false, "allow --addr to be a non-loopback address; anyone who can reach it can use the lab")
	labPorts := fl.Int("lab-ports", 0, "pin the lab servers to host ports starting at `BASE` (0: pick free ports)")
	cacheDir := fl.String("cache-dir", "", "where compiled programs are kept (default: the user cache directory)")
	quiet := fl.Bool("quiet", false, "log less")
	var limits relay.Limits
	limits.Flags(fl)
	var compile CompileLimits
	compile.Flags(fl)
	var httpLimits HTTPLimits
	httpLimits.Flags(fl)
	var allow policy.Flag
	fl.Var(&allow, "allow", "let programs reach an outside `destination`: host or CIDR, port or range, optional /tcp or /udp (repeatable; see docs/security.md)")
	class := fl.String("class", "", "classroom mode: everyone joins with this `code` and a name, and reaches classmates at NAME.lab (\"auto\" makes a code up)")
	var origins stringList
	fl.Var(&origins, "origin", "also accept program connections from pages of this `host` pattern, e.g. lab.example.org (repeatable)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "socketlab: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
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

	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	quietf := logf
	if *quiet {
		quietf = func(string, ...any) {}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, &Options{LabPortBase: *labPorts, CacheDir: *cacheDir, Limits: limits, Compile: compile, Allow: allow, Origins: origins, Class: classFor(*class), HTTP: httpLimits, Logf: quietf}, stdout, logf); err != nil {
		fmt.Fprintf(stderr, "socketlab: %v\n", err)
		return 1
	}
	return 0
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

// run serves until ctx ends: it listens first, so the pages answer at once, and compiles the
// lesson cells in the background.
func run(ctx context.Context, addr string, opts *Options, stdout io.Writer, logf func(string, ...any)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another socketlab running? try --addr 127.0.0.1:9090)", addr, err)
	}
	s, err := New(opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.Close()
	for _, svc := range s.Lab.Services() {
		opts.Logf("lab: %-12s %s/%-5d listens on %s", svc.Name, svc.Proto, svc.Port, svc.Listen)
	}
	srv := s.NewHTTPServer(ctx) // sessions end with the server: their contexts derive from ctx
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "socketlab is running: open http://%s/\n", ln.Addr())
	if opts.Class != nil {
		fmt.Fprintf(stdout, "classroom mode: the join code is %s\n", opts.Class.Code())
	}

	go func() {
		start := time.Now()
		logf("compiling the lesson cells in the background (the first time takes a minute)...")
		s.Warm(ctx, func(done, total int, err error) {
			if err != nil {
				logf("cell %d/%d: %v", done, total, err)
				return
			}
			opts.Logf("compiled lesson cell %d/%d", done, total)
		})
		if ctx.Err() == nil {
			logf("lesson cells ready in %s", time.Since(start).Round(100*time.Millisecond))
		}
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	// Programs' sessions are no longer the HTTP server's: end them too, letting each
	// connection send what its program wrote.
	s.Relay.Close(sctx)
	return err
}
