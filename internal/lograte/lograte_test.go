package lograte

import (
	"strconv"
	"testing"
)

func TestOncePerKey(t *testing.T) {
	var l Limiter
	if !l.Allow("10.0.0.1 limit") {
		t.Fatal("the first line for a key was held back")
	}
	for range 10000 {
		if l.Allow("10.0.0.1 limit") {
			t.Fatal("a second line for the same key within a minute")
		}
	}
	if !l.Allow("10.0.0.2 limit") || !l.Allow("10.0.0.1 other") {
		t.Error("another key was held back by the first")
	}
}

// A stream of new keys never grows the limiter beyond its bound.
func TestBounded(t *testing.T) {
	var l Limiter
	for i := range 3 * most {
		l.Allow(strconv.Itoa(i))
		if len(l.last) > most {
			t.Fatalf("%d keys remembered, want at most %d", len(l.last), most)
		}
	}
}
