// Package faults is the lab's bad network on purpose: a spec of faults that the relay applies
// to a program's real sockets, such as "segment=1,delay=200ms" or "loss=0.3,seed=7".
//
// The terms, combined with commas:
//
//	segment=N      TCP bytes travel in pieces of at most N bytes, both ways
//	delay=D        each direction waits D (a Go duration: 200ms, 1s)
//	rate=BYTES     each direction of a connection or UDP socket carries at most BYTES a second
//	reset-after=N  a TCP connection is reset once N bytes have crossed it, either way
//	loss=P         a UDP datagram is dropped with probability P (0 to 1), either way
//	dup=P          a UDP datagram arrives twice with probability P
//	reorder=P      a UDP datagram is held back behind the next one with probability P
//	blackhole      TCP connects never get an answer: the program meets its timeout
//	seed=N         the random choices start from N: the same seed, the same run
//
// Parse checks a spec and keeps its values within bounds; [Add] combines the gateway's default
// with a run's own faults; [Spec.Rand] gives each socket's direction its own random source, so
// a run's choices depend only on the seed and on what the program does.
package faults

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Spec is a set of faults. The zero Spec is a clean network.
type Spec struct {
	Segment    int           // TCP pieces of at most this many bytes; 0: as they come
	Delay      time.Duration // each direction waits this long
	Rate       int           // bytes a second each way; 0: no cap
	ResetAfter int           // with Reset: bytes a connection carries before it is reset
	Reset      bool
	Loss       float64 // probabilities for UDP datagrams
	Dup        float64
	Reorder    float64
	Blackhole  bool
	Seed       uint64
	Seeded     bool // Seed was given
}

// The bounds a spec's values are kept within: beyond them a fault teaches nothing more and
// only holds the gateway's resources longer.
const (
	MaxSegment    = 1 << 16
	MaxDelay      = 10 * time.Second
	MinRate       = 10
	MaxRate       = 1 << 30
	MaxResetAfter = 1 << 30
	MaxSpecLen    = 256
)

// Terms lists the spec's terms with what each does, for usage texts.
const Terms = `segment=N (TCP bytes in pieces of at most N bytes, both ways), delay=D (each direction waits D, e.g. 200ms), ` +
	`rate=BYTES (a cap in bytes a second, each way), reset-after=N (a TCP connection is reset after N bytes), ` +
	`loss=P, dup=P, reorder=P (UDP datagrams dropped, doubled or held back with probability P), ` +
	`blackhole (TCP connects never answer), seed=N (the same seed, the same run); combine with commas`

// Parse reads a spec such as "segment=1,delay=200ms". An empty spec is a clean network.
// Values past a bound are brought within it; nonsense is an error that says what to write.
func Parse(s string) (Spec, error) {
	var sp Spec
	if len(s) > MaxSpecLen {
		return sp, fmt.Errorf("the faults spec is %d characters long; at most %d, such as segment=1,delay=200ms", len(s), MaxSpecLen)
	}
	seen := map[string]bool{}
	for term := range strings.SplitSeq(s, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			if strings.TrimSpace(s) == "" {
				return Spec{}, nil
			}
			return sp, fmt.Errorf("%q has an empty term: separate faults with single commas, such as segment=1,delay=200ms", s)
		}
		key, val, hasVal := strings.Cut(term, "=")
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(val)
		if seen[key] {
			return sp, fmt.Errorf("%s is given twice: give each fault once", key)
		}
		seen[key] = true
		if err := sp.set(key, val, hasVal); err != nil {
			return Spec{}, err
		}
	}
	return sp, nil
}

// set applies one term.
func (sp *Spec) set(key, val string, hasVal bool) error {
	if key == "blackhole" {
		if hasVal {
			return fmt.Errorf("blackhole=%s: blackhole takes no value; write just blackhole", val)
		}
		sp.Blackhole = true
		return nil
	}
	if !hasVal || val == "" {
		if _, known := examples[key]; known {
			return fmt.Errorf("%s needs a value, such as %s", key, examples[key])
		}
		return unknown(key)
	}
	var err error
	switch key {
	case "segment":
		sp.Segment, err = count(key, val, 1, 1, MaxSegment)
	case "delay":
		sp.Delay, err = duration(val)
	case "rate":
		sp.Rate, err = count(key, val, 1, MinRate, MaxRate)
	case "reset-after":
		sp.ResetAfter, err = count(key, val, 0, 0, MaxResetAfter)
		sp.Reset = true
	case "loss":
		sp.Loss, err = probability(key, val)
	case "dup":
		sp.Dup, err = probability(key, val)
	case "reorder":
		sp.Reorder, err = probability(key, val)
	case "seed":
		sp.Seed, err = strconv.ParseUint(val, 10, 64)
		if err != nil {
			err = fmt.Errorf("seed=%s: a whole number from 0 to %d, such as seed=7", val, uint64(1<<64-1))
		}
		sp.Seeded = true
	default:
		return unknown(key)
	}
	return err
}

var examples = map[string]string{
	"segment":     "segment=1",
	"delay":       "delay=200ms",
	"rate":        "rate=1000",
	"reset-after": "reset-after=100",
	"loss":        "loss=0.3",
	"dup":         "dup=0.3",
	"reorder":     "reorder=0.3",
	"seed":        "seed=7",
}

func unknown(key string) error {
	return fmt.Errorf("%q is not a fault; the faults are segment=N, delay=D, rate=BYTES, reset-after=N, loss=P, dup=P, reorder=P, blackhole and seed=N", key)
}

// count reads a whole number of at least least, then brings it within lo and hi.
func count(key, val string, least, lo, hi int) (int, error) {
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil || n < int64(least) {
		return 0, fmt.Errorf("%s=%s: a whole number of at least %d, such as %s", key, val, least, examples[key])
	}
	return int(min(max(n, int64(lo)), int64(hi))), nil
}

func duration(val string) (time.Duration, error) {
	d, err := time.ParseDuration(val)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("delay=%s: a duration with its unit, such as delay=200ms or delay=1s", val)
	}
	return min(d, MaxDelay), nil
}

func probability(key, val string) (float64, error) {
	p, err := strconv.ParseFloat(val, 64)
	if err != nil || !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("%s=%s: a probability between 0 and 1, such as %s", key, val, examples[key])
	}
	return p, nil
}

// String is the spec in its canonical form, the terms in a fixed order; Parse reads it back.
func (sp Spec) String() string {
	var t []string
	if sp.Segment > 0 {
		t = append(t, "segment="+strconv.Itoa(sp.Segment))
	}
	if sp.Delay > 0 {
		t = append(t, "delay="+sp.Delay.String())
	}
	if sp.Rate > 0 {
		t = append(t, "rate="+strconv.Itoa(sp.Rate))
	}
	if sp.Reset {
		t = append(t, "reset-after="+strconv.Itoa(sp.ResetAfter))
	}
	for _, p := range []struct {
		key string
		p   float64
	}{{"loss", sp.Loss}, {"dup", sp.Dup}, {"reorder", sp.Reorder}} {
		if p.p > 0 {
			t = append(t, p.key+"="+strconv.FormatFloat(p.p, 'g', -1, 64))
		}
	}
	if sp.Blackhole {
		t = append(t, "blackhole")
	}
	if sp.Seeded {
		t = append(t, "seed="+strconv.FormatUint(sp.Seed, 10))
	}
	return strings.Join(t, ",")
}

// Set reads a spec into sp, so that a *Spec is a command-line flag.
func (sp *Spec) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*sp = v
	return nil
}

// Clean reports whether the spec does nothing to the network (a seed alone does nothing).
func (sp Spec) Clean() bool {
	sp.Seed, sp.Seeded = 0, false
	return sp == Spec{}
}

// Streams reports whether the spec changes how TCP bytes travel.
func (sp Spec) Streams() bool {
	return sp.Segment > 0 || sp.Delay > 0 || sp.Rate > 0 || sp.Reset
}

// Datagrams reports whether the spec changes how UDP datagrams travel.
func (sp Spec) Datagrams() bool {
	return sp.Loss > 0 || sp.Dup > 0 || sp.Reorder > 0 || sp.Delay > 0 || sp.Rate > 0
}

// Add is base with more's faults added: where both set a fault the harsher value holds, so a
// run's own faults can make the gateway's default worse but never take it away. more's seed
// wins when it has one.
func Add(base, more Spec) Spec {
	sp := base
	sp.Segment = smallestSet(base.Segment, more.Segment)
	sp.Delay = max(base.Delay, more.Delay)
	sp.Rate = smallestSet(base.Rate, more.Rate)
	switch {
	case base.Reset && more.Reset:
		sp.ResetAfter = min(base.ResetAfter, more.ResetAfter)
	case more.Reset:
		sp.Reset, sp.ResetAfter = true, more.ResetAfter
	}
	sp.Loss = max(base.Loss, more.Loss)
	sp.Dup = max(base.Dup, more.Dup)
	sp.Reorder = max(base.Reorder, more.Reorder)
	sp.Blackhole = base.Blackhole || more.Blackhole
	if more.Seeded {
		sp.Seed, sp.Seeded = more.Seed, true
	}
	return sp
}

// Covers says whether a run under sp had at least the faults of want: each of want's faults
// is in sp, as harsh or harsher, and want's seed, if it names one, is sp's.
func (sp Spec) Covers(want Spec) bool {
	return Add(sp, want).String() == sp.String()
}

// smallestSet is the smaller of two limits where 0 means none.
func smallestSet(a, b int) int {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// WithSeed gives a spec without a seed the seed s; one with a seed keeps it.
func (sp Spec) WithSeed(s uint64) Spec {
	if !sp.Seeded {
		sp.Seed, sp.Seeded = s, true
	}
	return sp
}

// Dir is a direction of a socket's traffic.
type Dir uint8

const (
	ToProgram   Dir = 1 // the peer's bytes or datagrams on their way to the program
	FromProgram Dir = 2 // the program's on their way to the peer
)

// Rand is the random source of one direction of one socket (key names the socket: the
// program's stream id, which it chooses in order): its choices depend only on the seed, the
// socket and the direction, never on other sockets' traffic or on timing.
func (sp Spec) Rand(key uint32, d Dir) *rand.Rand {
	return rand.New(rand.NewPCG(sp.Seed, uint64(key)<<8|uint64(d)))
}
