package archive

import (
	"io"

	"github.com/dumpline/importer/pool"
)

// readAhead reads its source on a goroutine of its own, a few buffers ahead
// of the consumer, so that decompression overlaps parsing on another core.
// Close stops the goroutine and waits for it.
type readAhead struct {
	full chan chunk
	free chan *[]byte
	stop chan struct{}
	done chan struct{}
	cur  chunk
	off  int
}

type chunk struct {
	buf *[]byte
	n   int
	err error
}

const (
	readAheadSize  = 256 << 10
	readAheadCount = 4
)

func newReadAhead(src io.Reader) *readAhead {
	ra := &readAhead{
		full: make(chan chunk, readAheadCount),
		free: make(chan *[]byte, readAheadCount),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range readAheadCount {
		ra.free <- pool.Get(readAheadSize)
	}
	go ra.fill(src)
	return ra
}

func (ra *readAhead) fill(src io.Reader) {
	defer close(ra.done)
	for {
		var b *[]byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		c := chunk{buf: b}
		buf := *b
		// Fill at least half the buffer, so that the consumer is not woken
		// for every small read of the decoder.
		for c.n < len(buf)/2 && c.err == nil {
			var m int
			m, c.err = src.Read(buf[c.n:])
			c.n += m
		}
		select {
		case ra.full <- c:
		case <-ra.stop:
			pool.Put(b)
			return
		}
		if c.err != nil {
			return
		}
	}
}

// Read implements io.Reader.
func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.cur.buf == nil || ra.off == ra.cur.n {
		if ra.cur.buf != nil {
			if ra.cur.err != nil {
				return 0, ra.cur.err
			}
			ra.free <- ra.cur.buf
			ra.cur.buf = nil
		}
		ra.cur, ra.off = <-ra.full, 0
	}
	n := copy(p, (*ra.cur.buf)[ra.off:ra.cur.n])
	ra.off += n
	return n, nil
}

// Close stops the reading goroutine, waits for it to exit and returns the
// buffers to the pool.
func (ra *readAhead) Close() {
	close(ra.stop)
	<-ra.done
	if ra.cur.buf != nil {
		pool.Put(ra.cur.buf)
	}
	for {
		select {
		case b := <-ra.free:
			pool.Put(b)
		case c := <-ra.full:
			pool.Put(c.buf)
		default:
			return
		}
	}
}
