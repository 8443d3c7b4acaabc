package build

import "runtime"

// The gateway's own share of a build, compressing its program (gzipFile, 0.3 s of CPU for
// a net/http program), runs in the gateway's process, beside the relay. A flood of builds
// (the soak's hostile addresses) made it three quarters of the gateway's CPU, at the
// relay's priority and on every processor Go had, and healthy learners' socket operations
// waited behind it. batch runs such work on at most all processors but one, so that one is
// always free for the relay, and on a thread at the builds' niceness (buildNice) where the
// system allows it, so that the kernel, too, gives the relay's threads the CPU first.
var heavy = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))

// batch runs f as batch work (see heavy) and returns its error.
func batch(f func() error) error {
	heavy <- struct{}{}
	defer func() { <-heavy }()
	if runtime.GOMAXPROCS(0) < 2 {
		// One processor: a thread the kernel puts last would hold up everything else.
		return f()
	}
	return niced(f)
}
