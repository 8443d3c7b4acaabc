package gateway

import (
	"flag"
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
}

// Flags registers the build service's flags, writing into c.
func (c *CompileLimits) Flags(fl *flag.FlagSet) {
	fl.DurationVar(&c.Timeout, "compile-timeout", 60*time.Second, "longest a compile of a learner's program may take")
	fl.IntVar(&c.MaxSource, "max-source", 256<<10, "largest program source accepted, in bytes")
	fl.IntVar(&c.Jobs, "compile-jobs", 2, "compiles that may run at once")
	fl.Float64Var(&c.PerMinute, "compile-rate", 30, "compile requests per minute per client address (-1: no limit)")
}
