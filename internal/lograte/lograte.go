// Package lograte keeps a gateway's log from growing with what its clients do: a line about a
// client is written at most once a minute for each key (a client address, with what the line
// is about), so a burst of ten thousand refused connections is one line, not ten thousand.
package lograte

import (
	"sync"
	"time"
)

// Every is how long a key stays quiet after a line is written for it.
const Every = time.Minute

// most bounds the keys remembered; past it they are all forgotten, so that a stream of new
// addresses costs a line each at worst, never unbounded memory.
const most = 4096

// Limiter says whether a line for a key may be written now. The zero value is ready to use.
type Limiter struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// Allow reports whether a line for key may be written now, and if so counts it.
func (l *Limiter) Allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil || len(l.last) >= most {
		l.last = map[string]time.Time{}
	}
	if t, ok := l.last[key]; ok && now.Sub(t) < Every {
		return false
	}
	l.last[key] = now
	return true
}
