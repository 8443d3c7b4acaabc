package runner

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// Run runs the program at prog in dir with args and env in the foreground, as `socketlab
// run` does, and returns its exit status: 128+N when signal N stopped it, 1 when it could
// not start (said on stderr). Interrupts reach the program; Run waits for it either way.
func Run(prog, dir string, args, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(prog, args...)
	cmd.Args[0] = "main" // as in the browser
	return runForeground(cmd, dir, env, stdin, stdout, stderr)
}

// RunArgv is Run for a command line whose first word is the program to start, kept as its
// name (python3 and the script it runs).
func RunArgv(argv []string, dir string, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runForeground(exec.Command(argv[0], argv[1:]...), dir, env, stdin, stdout, stderr)
}

func runForeground(cmd *exec.Cmd, dir string, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd.Dir = dir
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
	if sig, ok := signaled(st); ok && sig != syscall.SIGINT {
		fmt.Fprintf(stderr, "socketlab run: the program was stopped by a signal: %v\n", sig)
	}
	return exitStatus(st)
}

// exitStatus is a program's exit status as a shell gives it: 128+N for signal N.
func exitStatus(st *os.ProcessState) int {
	if st == nil {
		return -1 // it never ran
	}
	if sig, ok := signaled(st); ok {
		return 128 + int(sig)
	}
	return st.ExitCode()
}

func signaled(st *os.ProcessState) (syscall.Signal, bool) {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal(), true
	}
	return 0, false
}
