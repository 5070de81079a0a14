// Package readahead is the module's one read-ahead engine: a goroutine fills
// a bounded queue of pooled buffers a few steps ahead of a consumer that
// reads them through [Reader], so that producing the bytes (inflating,
// fetching over the network) overlaps consuming them on another core.
//
// The queue is filled in one of two ways: [NewReader] reads an [io.Reader]
// into the buffers, [Start] runs a [Producer] that writes into them. Either
// way, the data arrives in order and then the producer's error, or [io.EOF];
// [Reader.Close] stops the goroutine and waits for it, so that none
// outlives the consumer.
package readahead

import (
	"context"
	"io"
	"os"
	"sync"

	"github.com/dumpline/importer/pool"
)

// BufferSize is the size of one buffer of the queue.
const BufferSize = 256 << 10

// A Producer writes a stream into w until it ends (it returns nil) or fails.
// It should give up when ctx is done; w's Write fails then too.
type Producer func(ctx context.Context, w io.Writer) error

// Reader reads what its goroutine queued. Read and Close are for one
// goroutine, the consumer; they are not safe for concurrent use.
type Reader struct {
	full   chan chunk    // filled buffers, in order; the last carries the error
	free   chan *[]byte  // buffers the consumer has drained
	cancel func()        // stops the goroutine
	done   chan struct{} // closed when the goroutine has exited
	depth  int           // buffers at most
	alloc  int           // buffers taken from the pool so far (goroutine's)

	// mu is held by Read and by Close once the goroutine has exited, so
	// that Close may be called while a Read runs (to end a run): the
	// buffers go back to the pool only when no Read copies from them.
	mu        sync.Mutex
	cur       chunk // the chunk Read is draining
	off       int   // bytes of cur already read
	closed    bool
	closeOnce sync.Once
}

// chunk is a filled buffer: n bytes of buf, then err when it is not nil.
// buf is nil on an error that came without data.
type chunk struct {
	buf *[]byte
	n   int
	err error
}

// NewReader starts reading src on a goroutine of its own, at most depth
// buffers of [BufferSize] ahead (at least one). A read of src that blocks is
// not interrupted by Close: src must end or fail on its own, as a file or an
// inflating reader over one does.
func NewReader(src io.Reader, depth int) *Reader {
	r, ctx := newReader(context.Background(), depth)
	go r.fill(ctx, src)
	return r
}

// Start runs produce on a goroutine of its own, its writes queued in at
// most depth buffers of [BufferSize] (at least one) while the consumer reads
// them. produce's ctx is derived from ctx and is cancelled by Close. When
// produce returns, Read returns what it wrote and then its error, or
// [io.EOF] when it returned nil.
func Start(ctx context.Context, depth int, produce Producer) *Reader {
	r, ctx := newReader(ctx, depth)
	go func() {
		defer close(r.done)
		w := &writer{r: r, ctx: ctx}
		err := produce(ctx, w)
		if err == nil {
			err = io.EOF
		}
		r.last(chunk{buf: w.cur, n: w.n, err: err})
	}()
	return r
}

func newReader(parent context.Context, depth int) (*Reader, context.Context) {
	depth = max(depth, 1)
	ctx, cancel := context.WithCancel(parent)
	return &Reader{
		// One place more than there are buffers, for an error that comes
		// without data: the last chunk never waits.
		full:   make(chan chunk, depth+1),
		free:   make(chan *[]byte, depth),
		cancel: cancel,
		done:   make(chan struct{}),
		depth:  depth,
	}, ctx
}

// fill is NewReader's goroutine.
func (r *Reader) fill(ctx context.Context, src io.Reader) {
	defer close(r.done)
	for ctx.Err() == nil {
		b := r.get(ctx)
		if b == nil {
			return
		}
		c := chunk{buf: b}
		buf := *b
		// Fill at least half the buffer, so that the consumer is not woken
		// for every small read of the source.
		for c.n < len(buf)/2 && c.err == nil {
			var m int
			m, c.err = src.Read(buf[c.n:])
			c.n += m
		}
		if c.err != nil {
			r.last(c)
			return
		}
		if !r.send(ctx, c) {
			return
		}
	}
}

// get returns a buffer to fill: a drained one, or a new one while there are
// fewer than depth, or else the next one the consumer drains. It returns nil
// when ctx is done first.
func (r *Reader) get(ctx context.Context) *[]byte {
	select {
	case b := <-r.free:
		return b
	default:
	}
	if r.alloc < r.depth {
		r.alloc++
		return pool.Get(BufferSize)
	}
	select {
	case b := <-r.free:
		return b
	case <-ctx.Done():
		return nil
	}
}

// send queues c, unless ctx is done first; then c's buffer goes back to the
// free list, for Close to return to the pool.
func (r *Reader) send(ctx context.Context, c chunk) bool {
	select {
	case r.full <- c:
		return true
	case <-ctx.Done():
		r.free <- c.buf // there is room: no more buffers than depth
		return false
	}
}

// last queues the last chunk, which carries the error. There is always
// room for it (see newReader), so that the consumer learns the error even
// when ctx is done.
func (r *Reader) last(c chunk) {
	r.full <- c
}

// Read implements [io.Reader]. After Close it returns [os.ErrClosed]; a
// Read that runs while Close is called returns what was queued, then an
// error.
func (r *Reader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, os.ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	for r.off == r.cur.n {
		if r.cur.err != nil {
			return 0, r.cur.err
		}
		if r.cur.buf != nil {
			r.free <- r.cur.buf // there is room: no more buffers than depth
			r.cur.buf = nil
		}
		select {
		case c := <-r.full:
			r.cur, r.off = c, 0
		case <-r.done:
			// The goroutine queued everything it sent before it exited.
			select {
			case c := <-r.full:
				r.cur, r.off = c, 0
			default:
				return 0, os.ErrClosed
			}
		}
	}
	n := copy(p, (*r.cur.buf)[r.off:r.cur.n])
	r.off += n
	return n, nil
}

// Close stops the goroutine (cancelling a [Producer]'s context), waits for
// it to exit and returns the buffers to the pool. It always returns nil;
// calling it again does nothing.
func (r *Reader) Close() error {
	r.closeOnce.Do(func() {
		r.cancel()
		<-r.done
		r.mu.Lock() // a running Read ends: the goroutine has exited
		defer r.mu.Unlock()
		r.closed = true
		pool.Put(r.cur.buf)
		r.cur = chunk{}
		for {
			select {
			case b := <-r.free:
				pool.Put(b)
			case c := <-r.full:
				pool.Put(c.buf)
			default:
				return
			}
		}
	})
	return nil
}

// writer is the [io.Writer] of a [Producer]: it copies the writes into
// buffers and queues each one when it is full.
type writer struct {
	r   *Reader
	ctx context.Context
	cur *[]byte // the buffer being filled, nil before the first write
	n   int     // bytes of cur filled
}

func (w *writer) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if w.cur == nil {
			if w.cur = w.r.get(w.ctx); w.cur == nil {
				return written, w.ctx.Err()
			}
		}
		m := copy((*w.cur)[w.n:], p)
		w.n += m
		p = p[m:]
		written += m
		if w.n == len(*w.cur) {
			c := chunk{buf: w.cur, n: w.n}
			w.cur, w.n = nil, 0
			if !w.r.send(w.ctx, c) {
				return written, w.ctx.Err()
			}
		}
	}
	return written, nil
}
