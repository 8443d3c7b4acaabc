package build

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrBudget is the error of a build refused because its client address has used its compile
// time for now. It is wrapped with how long to wait; see [RetryAfter].
var ErrBudget = errors.New("compile budget used up")

// budgetError says how long a client must wait for its next build.
type budgetError struct {
	used, budget time.Duration
	wait         time.Duration
}

func (e *budgetError) Error() string {
	return fmt.Sprintf("%v: your address used %.3g compile-seconds lately, and the lab allows %.3g a minute (--compile-budget); the next build can start in %.0f s (a build that runs into a limit costs the most)",
		ErrBudget, e.used.Seconds(), e.budget.Seconds(), max(1, e.wait.Seconds()))
}

func (e *budgetError) Unwrap() error { return ErrBudget }

// RetryAfter is how long a client refused with [ErrBudget] should wait, or 0.
func RetryAfter(err error) time.Duration {
	var b *budgetError
	if errors.As(err, &b) {
		return b.wait
	}
	return 0
}

type clientKey struct{}

// WithClient returns ctx marked with the address of the client a build is for; the build's
// compile time is charged to that address. The handler marks every request with its remote
// address. An IPv6 address is counted by its /64, which one client usually owns whole.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, clientOf(addr))
}

func clientOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return host
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// budgets keeps, for each client address, the compile time it may still use: a bucket that
// fills at the budget per minute, up to twice the budget. A build starts while the bucket is
// not empty and is charged the CPU time of the compiler and linker afterwards, so one build
// may take the bucket below zero; the client then waits until it is full enough again.
type budgets struct {
	perMinute time.Duration // 0: no budget
	mu        sync.Mutex
	m         map[string]*account
}

type account struct {
	left float64 // seconds of compile time
	last time.Time
}

func (b *budgets) refill(client string, now time.Time) *account {
	if b.m == nil || len(b.m) > 10000 {
		b.m = map[string]*account{} // forget old clients rather than grow without bound
	}
	a := b.m[client]
	if a == nil {
		a = &account{left: 2 * b.perMinute.Seconds(), last: now}
		b.m[client] = a
	}
	a.left = min(2*b.perMinute.Seconds(), a.left+now.Sub(a.last).Minutes()*b.perMinute.Seconds())
	a.last = now
	return a
}

// check returns a budgetError when client may not start a build now.
func (b *budgets) check(client string) error {
	if b.perMinute <= 0 || client == "" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.refill(client, time.Now())
	if a.left > 0 {
		return nil
	}
	// Waiting until the bucket holds a tenth of a minute's budget again.
	need := -a.left + b.perMinute.Seconds()/10
	wait := time.Duration(need / b.perMinute.Seconds() * float64(time.Minute))
	used := time.Duration((2*b.perMinute.Seconds() - a.left) * float64(time.Second))
	return &budgetError{used: used, budget: b.perMinute, wait: wait}
}

// charge takes d of compile time from client's budget.
func (b *budgets) charge(client string, d time.Duration) {
	if b.perMinute <= 0 || client == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(client, time.Now()).left -= d.Seconds()
}

// Limits a build can run into. The names are those of Result.Limit.
const (
	LimitMemory = "memory"
	LimitCPU    = "cpu"
	LimitDisk   = "disk"
)

var oomRE = regexp.MustCompile(`cannot allocate (\d+)-byte block \((\d+) in use\)`)

// limitHit reads the go command's output for a process that ran into one of the sandbox's
// limits, and says which one in words for the learner. cpu is the CPU time the build used.
func (s *Service) limitHit(text string, cpu time.Duration) (limit, msg string) {
	tool := "the compiler"
	switch {
	case strings.Contains(text, "cmd/link/"), strings.Contains(text, "link: "):
		tool = "the linker"
	case strings.Contains(text, "cmd/go/"):
		tool = "the go command"
	}
	switch {
	case s.memory > 0 && (strings.Contains(text, "out of memory") || strings.Contains(text, "cannot allocate memory")):
		how := ""
		if m := oomRE.FindStringSubmatch(text); m != nil {
			asked, _ := strconv.ParseInt(m[1], 10, 64)
			inUse, _ := strconv.ParseInt(m[2], 10, 64)
			how = fmt.Sprintf(" (it asked for %s more with %s in use)", formatSize(asked), formatSize(inUse))
		}
		return LimitMemory, fmt.Sprintf("%s used more than %s of memory building this program%s and was stopped; "+
			"a program with a huge initialised array, or generic functions that instantiate each other without end, does this: "+
			"make the data smaller or build it at run time", tool, formatSize(s.memory), how)
	case s.memory > 0 && crashed(text):
		// A tool that cannot map what it needs under the address-space limit may crash
		// instead of saying so (the linker maps its output file): the limit is the likely
		// cause, since the toolchain does not crash otherwise.
		return LimitMemory, fmt.Sprintf("%s crashed building this program, most likely because it needed more than the %s of memory "+
			"a build may use; a program with a huge initialised array, or generic functions that instantiate each other without end, does this: "+
			"make the data smaller or build it at run time", tool, formatSize(s.memory))
	case s.maxFile > 0 && (strings.Contains(text, "file too large") || strings.Contains(text, "SIGXFSZ")):
		return LimitDisk, fmt.Sprintf("%s tried to write a file larger than %s building this program and was stopped; "+
			"a program with a huge initialised array does this: make the data smaller or build it at run time", tool, formatSize(s.maxFile))
	case s.cpu > 0 && (strings.Contains(text, "signal: killed") || strings.Contains(text, "SIGXCPU")) && cpu >= s.cpu*9/10:
		return LimitCPU, fmt.Sprintf("%s used more than %v of CPU time building this program (%.1f s in all) and was stopped; "+
			"generic functions that instantiate each other without end, or huge constant expressions, do this", tool, s.cpu, cpu.Seconds())
	}
	return "", ""
}

// crashed says whether a tool's output is that of a crash (a fault signal) rather than of an
// error it reported.
func crashed(text string) bool {
	for _, sig := range []string{"SIGSEGV", "SIGBUS", "segmentation fault", "signal: bus error"} {
		if strings.Contains(text, sig) {
			return true
		}
	}
	return false
}

// formatSize writes n bytes the way a learner reads them: 1 GiB, 512 MiB, 1.5 GiB.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64), ".0") + " GiB"
	case n >= 1<<20:
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64), ".0") + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
