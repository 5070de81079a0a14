package remote

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/pkg/sftp"

	"github.com/dumpline/importer/internal/readahead"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// remoteFile reads one remote file. Read and WriteTo stream it from the
// start; ReadAt reads anywhere and is safe for concurrent use with itself.
type remoteFile struct {
	s    *SFTP
	ctx  context.Context // Open's: cancelling it stops retries and read-ahead
	f    source.File
	rp   string // remote path
	size int64  // size when opened, -1 when unknown

	mu   sync.Mutex // guards c and file against reconnects
	c    *sftpConn
	file *sftp.File // for ReadAt; nil over SCP (see scpReader)

	// The stream (Read, WriteTo) has its own handle: pkg/sftp's WriteTo
	// holds the handle's lock while it runs, which would block ReadAt.
	sc    *sftpConn
	sfile *sftp.File

	off  int64 // bytes delivered by Read/WriteTo
	want []byte
	hash hash.Hash

	// read-ahead of Read
	ra     *readahead.Reader
	closed bool
	cache  *blockCache // read-ahead of small ReadAt calls, guarded by mu
}

// open opens the file's handle for ReadAt on c, checking that the file is
// still the one that was first opened.
func (r *remoteFile) open(ctx context.Context, c *sftpConn) error {
	rp := r.rp
	file, err := c.client.Open(rp)
	if err != nil {
		return fmt.Errorf("remote: opening %s: %w", rp, sftpFailure(err))
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return fmt.Errorf("remote: stat %s: %w", rp, sftpFailure(err))
	}
	if !st.Mode().IsRegular() {
		file.Close()
		return fmt.Errorf("remote: %s is not a regular file", rp)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		// The first open fixes the size (the file may have changed since
		// List); reopens after a reconnect must find the same size.
		r.size = st.Size()
	} else if st.Size() != r.size {
		file.Close()
		return fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, rp, st.Size(), r.size)
	}
	if r.file != nil {
		r.file.Close()
	}
	r.c, r.file = c, file
	return nil
}

// streamHandle returns the stream's handle on c, opening it when needed.
func (r *remoteFile) streamHandle(c *sftpConn) (*sftp.File, error) {
	if r.sfile != nil && r.sc == c && !c.isDead() {
		return r.sfile, nil
	}
	if r.sfile != nil {
		r.sfile.Close()
		r.sfile, r.sc = nil, nil
	}
	file, err := c.client.Open(r.rp)
	if err != nil {
		return nil, fmt.Errorf("remote: opening %s: %w", r.rp, sftpFailure(err))
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, &netError{fmt.Errorf("remote: stat %s: %w", r.rp, err)}
	}
	if st.Size() != r.size {
		file.Close()
		return nil, fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, r.rp, st.Size(), r.size)
	}
	r.sfile, r.sc = file, c
	return file, nil
}

// current returns the open handle, reopening it on a new connection when
// the old one died.
func (r *remoteFile) current() (*sftpConn, *sftp.File) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c, r.file
}

// WriteTo streams the rest of the file into w with Concurrency reads in
// flight, resuming on a new connection after a failure. It fails with
// ErrShortRead when the server sends fewer bytes than the size.
func (r *remoteFile) WriteTo(w io.Writer) (int64, error) {
	return r.stream(r.ctx, w)
}

func (r *remoteFile) stream(ctx context.Context, w io.Writer) (int64, error) {
	start := r.off
	last := r.off
	err := r.s.retry(ctx, nil, func(conn *sshConn) error {
		c, err := sftpOf(conn)
		if err != nil {
			return err
		}
		if l := c.getLister(ctx, r.s.slowStream); l != nil && r.size >= 0 {
			err := r.streamOwn(ctx, c, l, w)
			if !errors.Is(err, sftpwire.ErrProtocol) {
				return err
			}
			// The server speaks a dialect the own client does not
			// understand: go on with pkg/sftp from where it stopped.
			c.disableLister()
		}
		cur := c
		file, err := r.streamHandle(c)
		if err != nil {
			return err
		}
		if served := int(r.s.served.Load()); served > 0 && served < cur.maxPacket {
			return r.streamReadAt(ctx, file, served, w)
		}
		if _, err := file.Seek(r.off, io.SeekStart); err != nil {
			return err
		}
		pw := &packetWriter{w: w, r: r, max: cur.maxPacket}
		_, err = file.WriteTo(pw)
		if pw.hole {
			// pkg/sftp issue #658: the server serves less than MaxPacket
			// per request. What was delivered is a correct prefix; go on
			// with requests the server serves whole.
			r.s.served.Store(int64(pw.served))
			return r.streamReadAt(ctx, file, pw.served, w)
		}
		if pw.err != nil {
			return pw.err
		}
		if err != nil {
			return &netError{fmt.Errorf("remote: reading %s at %d: %w", r.rp, r.off, err)}
		}
		return r.finish()
	}, func() bool {
		p := r.off > last
		last = r.off
		return p
	})
	return r.off - start, err
}

// streamOwn streams the rest of the file with the connection's own SFTP
// session ([sftpwire.Client.StreamFile]), and checks it at the end.
func (r *remoteFile) streamOwn(ctx context.Context, c *sftpConn, l *sftpwire.Client, w io.Writer) error {
	handle, size, err := l.OpenFile(ctx, r.rp)
	if err != nil {
		return err
	}
	defer l.CloseHandle(handle)
	if size != r.size {
		return fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, r.rp, size, r.size)
	}
	// Replies to reads above openSSHMaxRead would not fit the client's
	// longest packet; OpenSSH serves no more anyway.
	chunk := min(c.maxPacket, openSSHMaxRead)
	if served := int(r.s.served.Load()); served > 0 && served < chunk {
		chunk = served
	}
	err = l.StreamFile(ctx, r.rp, handle, r.off, r.size, chunk, r.s.concurrency(chunk),
		func(b []byte) error { return r.deliver(w, b) },
		func(n int) { r.s.served.Store(int64(n)) })
	var re *sftpwire.StatusError
	if errors.As(err, &re) && re.Op == "read" {
		// As a failed read through pkg/sftp: retried on a new connection.
		return &netError{err}
	}
	if err != nil {
		return err
	}
	return r.finish()
}

// finish checks the byte count and checksum at the end of the stream.
func (r *remoteFile) finish() error {
	if r.size >= 0 && r.off < r.size {
		return fmt.Errorf("%w: %s: got %d of %d bytes", ErrShortRead, r.rp, r.off, r.size)
	}
	if r.hash != nil {
		if got := r.hash.Sum(nil); string(got) != string(r.want) {
			return fmt.Errorf("%w: %s: sha256 %x, want %x", ErrChecksum, r.rp, got, r.want)
		}
	}
	return nil
}

// packetWriter receives the packets of sftp.File.WriteTo. A packet shorter
// than the packet size can only be the last one: one followed by another
// means the server served less than asked and pkg/sftp skipped the rest
// (issue #658), so the stream stops before the hole.
type packetWriter struct {
	w      io.Writer
	r      *remoteFile
	max    int
	served int // length of the first short packet
	hole   bool
	err    error
}

var errHole = errors.New("remote: hole in the SFTP stream")

func (p *packetWriter) Write(b []byte) (int, error) {
	if p.served > 0 {
		p.hole = true
		return 0, errHole
	}
	if len(b) < p.max {
		p.served = len(b)
	}
	if err := p.r.deliver(p.w, b); err != nil {
		p.err = err
		return 0, err
	}
	return len(b), nil
}

// deliver hands b, the bytes at r.off, to w.
func (r *remoteFile) deliver(w io.Writer, b []byte) error {
	if r.size >= 0 && r.off+int64(len(b)) > r.size {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrChanged, r.rp, r.size)
	}
	n, err := w.Write(b)
	if r.hash != nil {
		r.hash.Write(b[:n])
	}
	r.off += int64(n)
	if err != nil {
		return &writeError{err}
	}
	return nil
}

// streamReadAt streams the rest of the file with concurrent ReadAt calls of
// chunk bytes (no more than the server serves per request), delivered in
// order.
func (r *remoteFile) streamReadAt(ctx context.Context, file *sftp.File, chunk int, w io.Writer) error {
	if r.size < 0 {
		return fmt.Errorf("%w: %s: size unknown", ErrShortRead, r.rp)
	}
	type result struct {
		b   *[]byte
		n   int
		err error
	}
	conc := r.s.concurrency(chunk)
	ctx, cancel := context.WithCancel(ctx)
	order := make(chan chan result, conc)
	pool := sync.Pool{New: func() any { b := make([]byte, chunk); return &b }}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		for off := r.off; off < r.size; off += int64(chunk) {
			ch := make(chan result, 1)
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(off int64) {
				defer wg.Done()
				b := pool.Get().(*[]byte)
				n, err := file.ReadAt((*b)[:min(int64(chunk), r.size-off)], off)
				ch <- result{b, n, err}
			}(off)
		}
	}()
	defer func() {
		cancel()
		for ch := range order {
			<-ch
		}
		wg.Wait()
	}()
	for ch := range order {
		res := <-ch
		var err error
		if res.n > 0 {
			err = r.deliver(w, (*res.b)[:res.n])
		}
		pool.Put(res.b)
		if err != nil {
			return err
		}
		if res.err != nil && !(res.err == io.EOF && r.off == r.size) {
			if res.err == io.EOF {
				return fmt.Errorf("%w: %s: end of file at %d, size %d", ErrShortRead, r.rp, r.off, r.size)
			}
			return &netError{fmt.Errorf("remote: reading %s at %d: %w", r.rp, r.off, res.err)}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return r.finish()
}

// ReadAt reads len(b) bytes at off. Reads smaller than a cache block go
// through a small cache of 1 MiB blocks that reads ahead of sequential
// access (see blockCache); larger ones go to the server directly. It
// continues after short server replies and reconnects after failures; it
// returns io.EOF only at the end of the file. It is safe for concurrent use.
func (r *remoteFile) ReadAt(b []byte, off int64) (int, error) {
	if len(b) < cacheBlock && r.size > 0 && off >= 0 && off < r.size {
		r.mu.Lock()
		if r.cache == nil && !r.closed {
			r.cache = newBlockCache(r.ctx, r.size, r.readAtDirect)
		}
		bc := r.cache
		r.mu.Unlock()
		if bc != nil {
			return bc.ReadAt(b, off)
		}
	}
	return r.readAtDirect(b, off)
}

// readAtDirect is ReadAt without the cache.
func (r *remoteFile) readAtDirect(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("remote: negative offset")
	}
	if r.size >= 0 && off >= r.size {
		return 0, io.EOF
	}
	want := len(b)
	if r.size >= 0 && off+int64(want) > r.size {
		want = int(r.size - off)
	}
	n := 0
	last := 0
	err := r.s.retry(r.ctx, nil, func(conn *sshConn) error {
		c, err := sftpOf(conn)
		if err != nil {
			return err
		}
		if cur, _ := r.current(); cur != c || cur.isDead() {
			if err := r.open(r.ctx, c); err != nil {
				return err
			}
		}
		_, file := r.current()
		for n < want {
			m, err := file.ReadAt(b[n:want], off+int64(n))
			n += m
			if err == io.EOF && m > 0 {
				continue // a short reply from the server: ask for the rest
			}
			if err == io.EOF {
				return fmt.Errorf("%w: %s: end of file at %d, size %d", ErrShortRead, r.rp, off+int64(n), r.size)
			}
			if err != nil {
				return &netError{fmt.Errorf("remote: reading %s at %d: %w", r.rp, off+int64(n), err)}
			}
		}
		return nil
	}, func() bool { p := n > last; last = n; return p })
	if err != nil {
		return n, err
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Size returns the file's size when it was opened.
func (r *remoteFile) Size() int64 { return r.size }

// slowStart is how many bytes Read serves with direct requests before it
// starts the read-ahead: a reader that only sniffs the first bytes (to
// detect the format before switching to ReadAt) does not pull megabytes
// it will not use.
const slowStart = 256 << 10

// readAheadDepth is how many buffers of [readahead.BufferSize] Read's
// read-ahead holds at most: 4 MiB queued ahead of the consumer.
const readAheadDepth = 16

// Read reads the file sequentially, through a read-ahead goroutine (that
// runs until the end of the file or Close) after the first slowStart bytes.
func (r *remoteFile) Read(b []byte) (int, error) {
	// Close may run while Read does (a cancelled run closes its files).
	r.mu.Lock()
	closed, ra := r.closed, r.ra
	r.mu.Unlock()
	if closed {
		return 0, os.ErrClosed
	}
	if ra == nil && r.off < slowStart {
		if r.off >= r.size {
			if err := r.finish(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if len(b) > 64<<10 {
			b = b[:64<<10]
		}
		n, err := r.readAtDirect(b, r.off)
		if r.hash != nil {
			r.hash.Write(b[:n])
		}
		r.off += int64(n)
		if err == io.EOF && n > 0 {
			err = nil
		}
		return n, err
	}
	if ra == nil {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return 0, os.ErrClosed
		}
		r.ra = readahead.Start(r.ctx, readAheadDepth, func(ctx context.Context, w io.Writer) error {
			_, err := r.stream(ctx, w)
			return err
		})
		ra = r.ra
		r.mu.Unlock()
	}
	return ra.Read(b)
}

// Close stops the read-ahead and closes the remote file. The connection
// stays open for other files.
func (r *remoteFile) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	bc, ra := r.cache, r.ra
	r.mu.Unlock()
	if ra != nil {
		ra.Close()
	}
	if bc != nil {
		bc.cancel()
		defer bc.close() // after the handles are closed, so fetches end
	}
	if r.sfile != nil {
		r.sfile.Close()
		r.sfile = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	return nil
}
