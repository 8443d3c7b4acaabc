package gateway

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CompileLimits bound the build service. Zero fields take their defaults.
type CompileLimits struct {
	// Timeout bounds one compile. Defaults to 60s.
	Timeout time.Duration
	// MaxSource is the largest program accepted, in bytes. Defaults to 256 KiB.
	MaxSource int
	// Jobs is how many compiles may run at once. Defaults to 2.
	Jobs int
	// PerMinute bounds compile requests per client address (a burst of as many is allowed).
	// Defaults to 30; negative turns the limit off.
	PerMinute float64
	// Budget is the compile time (CPU seconds of the compiler and linker) one client address
	// may use a minute, with twice as much saved up. Defaults to 30s; negative: none.
	Budget time.Duration
	// Memory bounds each process of a build (the go command, a compiler, the linker).
	// Defaults to 1 GiB; negative: none.
	Memory int64
	// CPU bounds the CPU time of each process of a build. Defaults to 60s; negative: none.
	CPU time.Duration
	// MaxFile bounds every file a build writes. Defaults to 256 MiB; negative: none.
	MaxFile int64
	// GoCacheSize caps the build service's Go build cache. Defaults to 2 GiB; negative: no cap.
	GoCacheSize int64
	// ProgramsSize caps the compiled programs kept. Defaults to 1 GiB; negative: no cap.
	ProgramsSize int64
}

// Flags registers the build service's flags, writing into c.
func (c *CompileLimits) Flags(fl *flag.FlagSet) {
	fl.DurationVar(&c.Timeout, "compile-timeout", 60*time.Second, "longest a compile of a learner's program may take")
	fl.IntVar(&c.MaxSource, "max-source", 256<<10, "largest program source accepted, in bytes")
	fl.IntVar(&c.Jobs, "compile-jobs", 2, "compiles that may run at once")
	fl.Float64Var(&c.PerMinute, "compile-rate", 30, "compile requests per minute per client address (-1: no limit)")
	fl.DurationVar(&c.Budget, "compile-budget", 30*time.Second, "compile time (CPU) per minute per client address, twice as much saved up (-1s: no limit)")
	fl.DurationVar(&c.CPU, "compile-cpu", 60*time.Second, "CPU time each compiler or linker process may use (-1s: no limit)")
	c.Memory, c.MaxFile, c.GoCacheSize, c.ProgramsSize = 1<<30, 256<<20, 2<<30, 1<<30
	fl.Var((*sizeFlag)(&c.Memory), "compile-memory", "`bytes` of memory each compiler or linker process may use (-1: no limit)")
	fl.Var((*sizeFlag)(&c.MaxFile), "compile-max-file", "largest file, in `bytes`, a compile may write (-1: no limit)")
	fl.Var((*sizeFlag)(&c.GoCacheSize), "gocache-size", "`bytes` the build service's Go build cache may hold before the files used longest ago go (-1: no cap)")
	fl.Var((*sizeFlag)(&c.ProgramsSize), "programs-size", "`bytes` of compiled programs kept before those used longest ago go (-1: no cap)")
}

// sizeFlag is a flag value like 1GiB, 256MiB, 3GB or 1000.
type sizeFlag int64

var sizeUnits = []struct {
	suffix string
	n      float64
}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func (f *sizeFlag) String() string {
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n := int64(*f); n > 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*f), 10)
}

func (f *sizeFlag) Set(s string) error {
	t, mult := strings.ToUpper(strings.TrimSpace(s)), 1.0
	for _, u := range sizeUnits {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.n
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return fmt.Errorf("%q is not a size: write a number with an optional unit, like 512MiB or 2GB", s)
	}
	*f = sizeFlag(v * mult)
	return nil
}
