package gateway

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"socketlab"
	"socketlab/gateway/build"
	"socketlab/gateway/build/overlay"
)

const runUsage = `usage: socketlab run [flags] FILE.go [ARGS...]

Builds an ordinary learner program for this machine and runs it with ARGS, its sockets going
through a socketlab gateway to the lab network, as in the browser. Standard input, output and
the exit status pass through. Without --gateway a gateway runs inside this command for as
long as the program does.

flags:
`

// labnetPrelude is the file the build adds to every learner program (as server.go does).
const labnetPrelude = "package main\n\nimport _ \"socketlab/labnet\"\n"

// Run is `socketlab run`: args are what follows "run" on the command line. It returns the
// program's exit status, 2 when the program does not compile or the command line is wrong, and
// 1 when the program could not be built or started.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("socketlab run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fl.PrintDefaults()
	}
	gateway := fl.String("gateway", "", "`URL` of a running gateway, for example ws://127.0.0.1:8080/ws (default: start one here)")
	events := fl.String("events", "", "append the program's socket events to `FILE`, one JSON object a line")
	cacheDir := fl.String("cache-dir", "", "where compiled programs are kept (default: the user cache directory)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() == 0 || !strings.HasSuffix(fl.Arg(0), ".go") {
		fmt.Fprintln(stderr, "socketlab run: name the program to run, a file ending in .go")
		fl.Usage()
		return 2
	}
	file, progArgs := fl.Arg(0), fl.Args()[1:]
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "socketlab run: "+format+"\n", a...)
		return 1
	}
	var err error
	wsURL := ""
	if *gateway != "" {
		if wsURL, err = relayURL(*gateway); err != nil {
			fmt.Fprintf(stderr, "socketlab run: --gateway: %v\n", err)
			return 2
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fail("%v", err)
	}
	env := os.Environ()
	if *events != "" {
		abs, err := filepath.Abs(*events)
		if err != nil {
			return fail("--events: %v", err)
		}
		env = append(env, "SOCKETLAB_EVENTS="+abs)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	bs, err := NativeBuilder(*cacheDir)
	if err != nil {
		return fail("%v", err)
	}
	slow := time.AfterFunc(3*time.Second, func() {
		fmt.Fprintf(stderr, "socketlab run: compiling %s (a first build can take a minute)...\n", file)
	})
	res, err := bs.Build(ctx, src)
	slow.Stop()
	if err != nil {
		return fail("building %s: %v", file, err)
	}
	if !res.OK {
		for _, d := range res.Diagnostics {
			switch {
			case d.Line > 0 && d.Col > 0:
				fmt.Fprintf(stderr, "%s:%d:%d: %s\n", file, d.Line, d.Col, d.Msg)
			case d.Line > 0:
				fmt.Fprintf(stderr, "%s:%d: %s\n", file, d.Line, d.Msg)
			default:
				fmt.Fprintf(stderr, "%s: %s\n", file, d.Msg)
			}
		}
		return 2
	}
	prog, ok := bs.ProgramPath(res.Hash)
	if !ok {
		return fail("the build of %s left no program; try again", file)
	}

	if wsURL == "" {
		var shutdown func()
		if wsURL, shutdown, err = serveLocal(ctx, *cacheDir); err != nil {
			return fail("starting a gateway: %v", err)
		}
		defer shutdown()
	}
	return runProgram(prog, progArgs, append(env, "SOCKETLAB_GATEWAY="+wsURL), stdin, stdout, stderr)
}

// NativeBuilder is a build service for this machine, with the native overlay: what
// socketlab run uses, and what tests use to run learner programs without a browser.
func NativeBuilder(cacheDir string) (*build.Service, error) {
	goroot, err := goEnv("GOROOT")
	if err != nil {
		return nil, fmt.Errorf("finding the Go toolchain (socketlab run compiles the program with it): %w", err)
	}
	files, err := overlay.FilesFor(goroot, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	return build.New(&build.Options{
		CacheDir: cacheDir,
		GOOS:     runtime.GOOS,
		GOARCH:   runtime.GOARCH,
		Tags:     []string{"socketlab"},
		Runtime:  socketlab.Runtime,
		Require:  socketlab.ThirdParty,
		GoSum:    socketlab.ThirdPartySum(),
		Overlay:  files,
		Prelude:  []byte(labnetPrelude),
		Timeout:  5 * time.Minute, // a cold cache compiles the standard library
		Logf:     func(string, ...any) {},
	})
}

// relayURL turns what --gateway says into the relay's ws:// URL: ws://HOST:PORT/ws as it is,
// or an http:// URL or a bare HOST:PORT of the gateway's pages.
func relayURL(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "ws://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "ws":
	case "http":
		u.Scheme = "ws"
	default:
		return "", fmt.Errorf("%q: give the gateway as ws://HOST:PORT/ws or http://HOST:PORT (TLS is not supported)", s)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q has no host:port", s)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	return u.String(), nil
}

// serveLocal starts a gateway on a free loopback port and returns its relay URL.
func serveLocal(ctx context.Context, cacheDir string) (wsURL string, shutdown func(), err error) {
	s, err := New(&Options{CacheDir: cacheDir})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	srv := s.NewHTTPServer(sctx) // relay sessions end with this context
	done := make(chan struct{})
	go func() {
		srv.Serve(ln)
		close(done)
	}()
	return "ws://" + ln.Addr().String() + "/ws", func() {
		cancel()
		srv.Close()
		<-done
		s.Close()
	}, nil
}

// runProgram runs the compiled program and returns its exit status. Interrupts reach the
// program; this command waits for it either way.
func runProgram(prog string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(prog, args...)
	cmd.Args[0] = "main" // as in the browser
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	// Output the program left to a process of its own does not hold this command up.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "socketlab run: starting the program: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	waited := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				cmd.Process.Signal(sig)
			case <-waited:
				return
			}
		}
	}()
	err := cmd.Wait()
	signal.Stop(sigs)
	close(waited)

	st := cmd.ProcessState
	if st == nil {
		fmt.Fprintf(stderr, "socketlab run: %v\n", err)
		return 1
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if sig := ws.Signal(); sig != syscall.SIGINT {
			fmt.Fprintf(stderr, "socketlab run: the program was stopped by a signal: %v\n", sig)
		}
		return 128 + int(ws.Signal())
	}
	return st.ExitCode()
}
