package build

import "runtime"

// The gateway's own share of a build, compressing its program (compressFile, 0.05-0.3 s of
// CPU for a net/http program), runs in the gateway's process, beside the relay. A flood of builds
// (the soak's hostile addresses) made it three quarters of the gateway's CPU, on every
// processor Go had when builds finished together, and healthy learners' socket operations
// waited for a processor behind it. batch runs such work on at most all processors but one,
// so that one is always free for the relay. (Not on a thread at the builds' niceness: such a
// thread keeps its processor while the kernel puts it last, which on a busy machine held up
// the relay more than the work itself did.)
var heavy = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// batch runs f as batch work (see heavy) and returns its error.
func batch(f func() error) error {
	heavy <- struct{}{}
	defer func() { <-heavy }()
	return f()
}
