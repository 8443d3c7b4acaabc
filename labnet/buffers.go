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
//
// Under the lab's segment fault the queue also keeps where each DATA frame ended (mark), and
// read returns at most the rest of the oldest frame: a program's read then gets one piece, as
// on a network that delivers it in pieces, however many have arrived since.
type rqueue struct {
	chunks []chunk
	n      int // bytes queued

	segs     []segRun // the pieces queued, oldest first, when their boundaries are kept
	headRead int      // bytes of the oldest piece already read
}

// segRun is count pieces of size bytes each, one after another.
type segRun struct{ size, count int }

// mark records that the last n bytes pushed arrived as one piece.
func (q *rqueue) mark(n int) {
	if n == 0 {
		return
	}
	if k := len(q.segs); k > 0 && q.segs[k-1].size == n {
		q.segs[k-1].count++
		return
	}
	q.segs = append(q.segs, segRun{n, 1})
}

// consumed takes n bytes read off the pieces.
func (q *rqueue) consumed(n int) {
	for n > 0 && len(q.segs) > 0 {
		left := q.segs[0].size - q.headRead
		if n < left {
			q.headRead += n
			return
		}
		n -= left
		q.headRead = 0
		if q.segs[0].count--; q.segs[0].count == 0 {
			q.segs = q.segs[1:]
		}
	}
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

// read moves queued bytes into p, oldest first, and returns how many: at most one piece
// when pieces are kept (see mark).
func (q *rqueue) read(p []byte) int {
	if len(q.segs) > 0 {
		p = p[:min(len(p), q.segs[0].size-q.headRead)]
	}
	return q.readAll(p)
}

// readAll moves queued bytes into p, oldest first, whatever the pieces, and returns how many.
func (q *rqueue) readAll(p []byte) int {
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
	q.consumed(total)
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
	q.segs, q.headRead = nil, 0
}
