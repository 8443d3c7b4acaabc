//go:build race

package relay

// raceOn: the race detector is on. It makes sync.Pool drop some of what it is given, so
// counting allocations means nothing then.
const raceOn = true
