package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"socketlab/gateway/faults"
	"socketlab/internal/runner"
	"socketlab/wire"
)

const runUsage = `usage: socketlab run [flags] FILE.go|FILE.py [ARGS...]

Builds an ordinary learner program for this machine and runs it with ARGS, its sockets going
through a socketlab gateway to the lab network, as in the browser. A Python program runs on
the system's python3 with the lab's socket module in place of the standard one. Standard input, output and
the exit status pass through. Without --gateway a gateway runs inside this command for as
long as the program does. The program runs in a fresh temporary directory; the files it
leaves there are listed when it ends.

--faults makes the lab's network bad on purpose for this run, the faults combined with
commas, for example --faults segment=1 or --faults loss=0.3,seed=7:

  segment=N      TCP bytes travel in pieces of at most N bytes, both ways: a read returns
                 at most one piece
  delay=D        each direction waits D (200ms, 1s)
  rate=BYTES     at most BYTES a second each way
  reset-after=N  a TCP connection is reset (ECONNRESET) once N bytes have crossed it
  loss=P         a UDP datagram is dropped with probability P (0 to 1), either way
  dup=P          a UDP datagram arrives twice with probability P
  reorder=P      a UDP datagram is held back behind the next one with probability P
  blackhole      TCP connects never get an answer: the program meets its timeout
  seed=N         the random choices start from N: the same seed, the same run

flags:
`

// runCommand is `socketlab run`: args are what follows "run" on the command line. It returns
// the program's exit status, 2 when the program does not compile or the command line is
// wrong, and 1 when the program could not be built or started.
func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("socketlab run", runUsage, stderr)
	gateway := fl.String("gateway", "", "`URL` of a running gateway, for example ws://127.0.0.1:8080/ws (default: start one here)")
	events := fl.String("events", "", "append the program's socket events to `FILE`, one JSON object a line")
	cacheDir := fl.String("cache-dir", "", "where compiled programs are kept (default: the user cache directory)")
	var fx faults.Spec
	fl.Var(&fx, "faults", "the lab's faults for this run: a `spec` such as segment=1 or loss=0.3,seed=7 (see above)")
	if status, ok := parseFlags(fl, args); !ok {
		return status
	}
	if fl.NArg() == 0 || !strings.HasSuffix(fl.Arg(0), ".go") && !strings.HasSuffix(fl.Arg(0), ".py") {
		fmt.Fprintln(stderr, "socketlab run: name the program to run, a file ending in .go or .py")
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
		if wsURL, err = runner.RelayURL(*gateway); err != nil {
			fmt.Fprintf(stderr, "socketlab run: --gateway: %v\n", err)
			return 2
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fail("%v", err)
	}
	env := os.Environ()
	spec := faultsOf(&fx)
	if spec != "" {
		env = append(env, "SOCKETLAB_FAULTS="+spec)
	}
	if *events != "" {
		abs, err := filepath.Abs(*events)
		if err != nil {
			return fail("--events: %v", err)
		}
		env = append(env, "SOCKETLAB_EVENTS="+abs)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if strings.HasSuffix(file, ".py") {
		return runPython(ctx, file, progArgs, wsURL, spec, *cacheDir, env, stdin, stdout, stderr)
	}
	b, err := runner.NativeBuilder(*cacheDir)
	if err != nil {
		return fail("%v", err)
	}
	slow := time.AfterFunc(3*time.Second, func() {
		fmt.Fprintf(stderr, "socketlab run: compiling %s (a first build can take a minute)...\n", file)
	})
	prog, res, err := b.Build(ctx, src)
	slow.Stop()
	if err != nil {
		return fail("building %s: %v", file, err)
	}
	if prog == "" {
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

	if wsURL == "" {
		var shutdown func()
		if wsURL, shutdown, err = runner.ServeLocal(ctx, *cacheDir); err != nil {
			return fail("starting a gateway: %v", err)
		}
		defer shutdown()
	}
	// Each run starts in a fresh working directory, as each run in the page has a file
	// system of its own; the files it leaves there are listed after it.
	dir, err := runner.Workdir()
	if err != nil {
		return fail("making the program's working directory: %v", err)
	}
	status := runner.Run(prog, dir, progArgs, append(env, "SOCKETLAB_GATEWAY="+wsURL), stdin, stdout, stderr)
	runner.ReportFiles(stderr, dir)
	return status
}

// faultsOf is the --faults spec to pass on, "" when the run has none.
func faultsOf(fx *faults.Spec) string {
	if !fx.Clean() || fx.Seeded {
		return fx.String()
	}
	return ""
}

// runPython is `socketlab run FILE.py`: the system's python3 with the lab's socket module,
// against the gateway at wsURL or one started here, under the faults spec ("" for none).
func runPython(ctx context.Context, file string, args []string, wsURL, spec, cacheDir string, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	argv, cleanup, err := runner.Python(file, args)
	if err != nil {
		fmt.Fprintf(stderr, "socketlab run: %v\n", err)
		return 1
	}
	defer cleanup()
	if wsURL == "" {
		var shutdown func()
		if wsURL, shutdown, err = runner.ServeLocal(ctx, cacheDir); err != nil {
			fmt.Fprintf(stderr, "socketlab run: starting a gateway: %v\n", err)
			return 1
		}
		defer shutdown()
	}
	dir, err := runner.Workdir()
	if err != nil {
		fmt.Fprintf(stderr, "socketlab run: making the program's working directory: %v\n", err)
		return 1
	}
	// The Python module takes the faults in the gateway's URL, as labnet puts them there.
	status := runner.RunArgv(argv, dir, append(env, "SOCKETLAB_GATEWAY="+wire.WithFaults(wsURL, spec)), stdin, stdout, stderr)
	runner.ReportFiles(stderr, dir)
	return status
}
