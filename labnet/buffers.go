package labnet

import (
	"sync"

	"socketlab/wire"
)

// Every message from the gateway is read into a frame buffer from a pool. A DATA payload
// either moves into its stream's queue together with its buffer (no copy), or is copied after
// the bytes already queued there when it fits, and its buffer is read into again. Buffers go
// back to the pool as the program reads them empty, so in steady state nothing is allocated
// per message, however the messages are sized.

// frameBufSize holds the largest frame either side sends.
const frameBufSize = wire.MaxFrame

var framePool = sync.Pool{New: func() any {
	b := make([]byte, frameBufSize)
	return &b
}}

func getFrameBuf() *[]byte  { return framePool.Get().(*[]byte) }
func putFrameBuf(b *[]byte) { framePool.Put(b) }

// chunk is a frame buffer in a stream's queue; (*buf)[r:w] is not read yet.
type chunk struct {
	buf  *[]byte
	r, w int
}

// rqueue is what a stream has received and the program has not read yet.
//
// Memory: a chunk is added only when a payload does not fit after the last one, so any two
// neighbouring chunks hold more than a frame buffer between them, and a full window of 256 KiB
// takes at most about nine buffers, whatever the gateway's message sizes.
type rqueue struct {
	chunks []chunk
	n      int // bytes queued
}

// push queues the payload (*buf)[off:end]. It reports whether the queue kept buf; if not,
// the caller may reuse it.
func (q *rqueue) push(buf *[]byte, off, end int) (kept bool) {
	n := end - off
	if n == 0 {
		return false
	}
	q.n += n
	if k := len(q.chunks); k > 0 {
		last := &q.chunks[k-1]
		if b := *last.buf; len(b)-last.w >= n {
			copy(b[last.w:], (*buf)[off:end])
			last.w += n
			return false
		}
	}
	q.chunks = append(q.chunks, chunk{buf, off, end})
	return true
}

// read moves queued bytes into p, oldest first, and returns how many.
func (q *rqueue) read(p []byte) int {
	total := 0
	for len(p) > 0 && len(q.chunks) > 0 {
		c := &q.chunks[0]
		k := copy(p, (*c.buf)[c.r:c.w])
		c.r += k
		p = p[k:]
		total += k
		if c.r == c.w {
			q.pop()
		}
	}
	q.n -= total
	return total
}

// pop releases the first chunk's buffer. The queue is short, so it shifts in place rather
// than reslicing, which would lose its capacity.
func (q *rqueue) pop() {
	putFrameBuf(q.chunks[0].buf)
	last := len(q.chunks) - 1
	copy(q.chunks, q.chunks[1:])
	q.chunks[last] = chunk{}
	q.chunks = q.chunks[:last]
}

// reset drops everything queued.
func (q *rqueue) reset() {
	for len(q.chunks) > 0 {
		q.pop()
	}
	q.n = 0
}
