package labnet

import (
	"bytes"
	"fmt"
	"testing"

	"socketlab/wire"
)

// TestReceiveQueueKeepsPieces: under the lab's segment fault each DATA frame is a piece, and a
// read returns at most the rest of the oldest piece however many are queued and however large
// the read; the bytes still come out whole and in order, and the buffers stay shared.
func TestReceiveQueueKeepsPieces(t *testing.T) {
	for _, sizes := range [][]int{{1}, {3, 3, 1}, {100, 37, 100, 100}, {1, wire.MaxData}} {
		var q rqueue
		var want []byte
		var pieces []int
		next := byte(0)
		for i := 0; i < 600; i++ {
			n := sizes[i%len(sizes)]
			buf := getFrameBuf()
			for j := range n {
				(*buf)[wire.HeaderSize+j] = next
				next++
			}
			want = append(want, (*buf)[wire.HeaderSize:wire.HeaderSize+n]...)
			if !q.push(buf, wire.HeaderSize, wire.HeaderSize+n) {
				putFrameBuf(buf)
			}
			q.mark(n)
			pieces = append(pieces, n)
		}
		if len(sizes) == 1 && len(q.segs) != 1 {
			t.Errorf("pieces of %v: %d runs kept, want 1: equal pieces share one", sizes, len(q.segs))
		}
		var got []byte
		var reads []int
		p := make([]byte, 1<<20)
		for q.n > 0 {
			n := q.read(p)
			got = append(got, p[:n]...)
			reads = append(reads, n)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("pieces of %v: read back %d bytes that differ from the %d queued", sizes, len(got), len(want))
		}
		if fmt.Sprint(reads) != fmt.Sprint(pieces) {
			t.Errorf("pieces of %v: reads of %v, want one per piece", sizes, reads[:min(len(reads), 10)])
		}
		if len(q.segs) != 0 || q.headRead != 0 {
			t.Errorf("pieces of %v: %d runs left after reading everything", sizes, len(q.segs))
		}
	}

	// A read smaller than a piece takes part of it; the next read takes the rest of that
	// piece only.
	var q rqueue
	for _, s := range []string{"hello", "world"} {
		buf := getFrameBuf()
		copy((*buf)[wire.HeaderSize:], s)
		q.push(buf, wire.HeaderSize, wire.HeaderSize+len(s))
		q.mark(len(s))
	}
	small, big := make([]byte, 2), make([]byte, 64)
	var got []string
	got = append(got, string(small[:q.read(small)]))
	got = append(got, string(big[:q.read(big)]))
	got = append(got, string(big[:q.read(big)]))
	if fmt.Sprint(got) != "[he llo world]" {
		t.Errorf("reads %q, want [he llo world]", got)
	}
	q.reset()
}

func TestSegmentOf(t *testing.T) {
	for spec, want := range map[string]int{"": 0, "segment=1": 1, "delay=1s,segment=12,seed=3": 12, "loss=1": 0, "segment=x": 0} {
		if got := segmentOf(spec); got != want {
			t.Errorf("segmentOf(%q) = %d, want %d", spec, got, want)
		}
	}
}
