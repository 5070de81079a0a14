package sink

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// spool is the queue of LOAD DATA text between the parser and one LOAD
// DATA: up to chunksAhead chunks in memory, the rest in a temporary file.
// The parser never waits for the server: it goes on to the next table
// while the server still loads this one, so that tables load at once even
// when the dump holds them one after the other, and memory stays bounded.
//
// Every chunk in memory is older than every byte in the file: a chunk
// goes to memory only when the reader has read the whole file, and the
// reader reads memory first.
type spool struct {
	mu      sync.Mutex
	cond    sync.Cond
	mem     [][]byte
	file    *os.File
	w, r    int64 // bytes written to the file, and read from it
	closed  bool  // the writer is done
	aborted bool
	err     error       // what Read fails with once aborted
	free    chan []byte // where the reader returns the chunks it read

	cur, buf []byte // reader side: the rest of the chunk being read, and the chunk
}

func newSpool(free chan []byte) *spool {
	q := &spool{free: free}
	q.cond.L = &q.mu
	return q
}

// put queues chunk b. It reports whether the spool kept b (else its bytes
// were copied and the caller may reuse it), and errStreamAborted when the
// loader has gone.
func (q *spool) put(b []byte) (kept bool, err error) {
	q.mu.Lock()
	if q.aborted {
		q.mu.Unlock()
		return false, errStreamAborted
	}
	if q.r == q.w && len(q.mem) < chunksAhead {
		q.mem = append(q.mem, b)
		q.cond.Signal()
		q.mu.Unlock()
		return true, nil
	}
	if q.file == nil {
		f, err := os.CreateTemp("", "dumpline-mysql-*.tsv")
		if err != nil {
			q.mu.Unlock()
			return false, fmt.Errorf("sink: mysql: spool rows waiting for the server: %w", err)
		}
		if runtime.GOOS != "windows" {
			os.Remove(f.Name()) // gone with the process, whatever happens
		}
		q.file = f
	}
	f, off := q.file, q.w
	q.mu.Unlock()
	// Only this goroutine writes, and the reader reads below q.w only.
	if _, err := f.WriteAt(b, off); err != nil {
		return false, fmt.Errorf("sink: mysql: spool rows waiting for the server: %w", err)
	}
	q.mu.Lock()
	q.w += int64(len(b))
	q.cond.Signal()
	q.mu.Unlock()
	return false, nil
}

// close says that no more chunks come: the reader ends at the last one.
func (q *spool) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// abort makes the reader fail, with err or errStreamAborted, and put
// refuse chunks.
func (q *spool) abort(err error) {
	q.mu.Lock()
	q.aborted = true
	q.err = err
	if err == nil {
		q.err = errStreamAborted
	}
	q.mem = nil
	q.cond.Broadcast()
	q.mu.Unlock()
}

// Read implements io.Reader for the LOAD DATA.
func (q *spool) Read(p []byte) (int, error) {
	if len(q.cur) == 0 && q.buf != nil {
		select {
		case q.free <- q.buf[:0]:
		default:
		}
		q.buf = nil
	}
	if len(q.cur) > 0 {
		n := copy(p, q.cur)
		q.cur = q.cur[n:]
		return n, nil
	}
	q.mu.Lock()
	for {
		switch {
		case q.aborted:
			err := q.err
			q.mu.Unlock()
			return 0, err
		case len(q.mem) > 0:
			b := q.mem[0]
			q.mem[0] = nil
			q.mem = q.mem[1:]
			q.mu.Unlock()
			q.buf = b
			n := copy(p, b)
			q.cur = b[n:]
			return n, nil
		case q.r < q.w:
			f, off, n := q.file, q.r, min(int64(len(p)), q.w-q.r)
			q.mu.Unlock()
			m, err := f.ReadAt(p[:n], off)
			q.mu.Lock()
			q.r += int64(m)
			q.mu.Unlock()
			if err == io.EOF && int64(m) == n {
				err = nil
			}
			return m, err
		case q.closed:
			q.mu.Unlock()
			return 0, io.EOF
		}
		q.cond.Wait()
	}
}

// release closes and removes the spool's file.
func (q *spool) release() {
	q.mu.Lock()
	f := q.file
	q.file = nil
	q.mu.Unlock()
	if f != nil {
		f.Close()
		os.Remove(f.Name())
	}
}
