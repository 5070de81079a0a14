package archive

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// errEntryDone is returned by an entry's reader once fn has returned.
var errEntryDone = errors.New("archive: entry read after its callback returned")

// entryReader is the reader handed to fn: it counts the bytes an entry
// produces, enforces the limits while they stream, and checks the declared
// size and the CRC-32 at the end.
type entryReader struct {
	ex   *extraction
	name string
	src  io.Reader // decompressed content
	n    int64     // bytes produced so far

	declared int64 // declared uncompressed size, -1 when unknown

	// Compressed bytes, for the ratio: in.consumed()-inBase when in is not
	// nil, else inFixed when ratio is set.
	in      counter
	inBase  int64
	inFixed int64
	ratio   bool

	checkCRC bool
	crc      uint32
	wantCRC  uint32

	countTotal bool      // count the bytes toward Limits.MaxTotalSize
	nested     bool      // the entry is an archive being unpacked
	noVerify   bool      // nothing to check after fn: do not drain
	finish     io.Reader // read to EOF once src ends (raw data, MAC)

	reads int
	err   error // sticky; io.EOF once the entry ended and checked
}

func (e *entryReader) reset(ex *extraction, name string, src io.Reader, in counter, inBase int64) {
	*e = entryReader{ex: ex, name: name, src: src, declared: -1, in: in, inBase: inBase, ratio: in != nil}
}

func (e *entryReader) consumed() int64 { return e.n }

func (e *entryReader) fail(off int64, err error) error {
	e.err = e.ex.errorf(e.name, off, err)
	return e.err
}

// Read implements io.Reader.
func (e *entryReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	e.reads++
	if e.reads&15 == 0 {
		if err := e.ex.ctx.Err(); err != nil {
			return 0, e.fail(e.n, err)
		}
	}
	n, err := e.src.Read(p)
	if n > 0 {
		if e.checkCRC {
			e.crc = crc32.Update(e.crc, crc32.IEEETable, p[:n])
		}
		off := e.n
		e.n += int64(n)
		if lerr := e.limits(n); lerr != nil {
			return 0, e.fail(off, lerr)
		}
	}
	switch err {
	case nil:
		return n, nil
	case io.EOF:
		if ferr := e.atEOF(); ferr != nil {
			return 0, e.fail(e.n, ferr)
		}
		e.err = io.EOF
		return n, io.EOF
	}
	return 0, e.fail(e.n, classify(err))
}

func (e *entryReader) limits(n int) error {
	lim := &e.ex.c.lim
	if e.declared >= 0 && e.n > e.declared {
		return fmt.Errorf("%w: %w: entry longer than its declared %d bytes", ErrFormat, ErrLimit, e.declared)
	}
	if e.n > lim.MaxEntrySize {
		return fmt.Errorf("%w: entry over %d bytes", ErrLimit, lim.MaxEntrySize)
	}
	if e.ratio {
		in := e.inFixed
		if e.in != nil {
			in = e.in.consumed() - e.inBase
		}
		if ratioExceeded(e.n, in, lim.MaxRatio) {
			return fmt.Errorf("%w: entry compression ratio over %d (%d bytes from %d)", ErrLimit, lim.MaxRatio, e.n, in)
		}
	}
	if e.countTotal {
		t := e.ex.c.total.Add(int64(n))
		if t > lim.MaxTotalSize {
			return fmt.Errorf("%w: more than %d bytes in all", ErrLimit, lim.MaxTotalSize)
		}
		if in := e.ex.c.in(); ratioExceeded(t, in, lim.MaxRatio) {
			return fmt.Errorf("%w: overall compression ratio over %d (%d bytes from %d)", ErrLimit, lim.MaxRatio, t, in)
		}
	}
	return nil
}

// atEOF runs the checks at the end of the entry.
func (e *entryReader) atEOF() error {
	if e.finish != nil {
		if _, err := io.Copy(io.Discard, e.finish); err != nil {
			return classify(err)
		}
	}
	if e.declared >= 0 && e.n != e.declared {
		return fmt.Errorf("%w: %w: entry is %d bytes, declared %d", ErrFormat, io.ErrUnexpectedEOF, e.n, e.declared)
	}
	if e.checkCRC && e.crc != e.wantCRC {
		return fmt.Errorf("%w: CRC-32 %08x, want %08x", ErrChecksum, e.crc, e.wantCRC)
	}
	return nil
}

// drain reads the rest of the entry after fn returned nil, so that its
// checks run, then closes it.
func (e *entryReader) drain(w *worker) error {
	defer e.close()
	if e.noVerify && e.err == nil {
		return nil
	}
	for e.err == nil {
		_, _ = e.Read(w.buf[:])
	}
	if e.err == io.EOF {
		return nil
	}
	return e.err
}

func (e *entryReader) close() {
	e.err = errEntryDone
	e.src, e.finish, e.in = nil, nil, nil
}

// peeker reads the first bytes of an entry to detect its format, then
// serves them before the rest.
type peeker struct {
	buf    [headLen]byte
	n, off int
	r      io.Reader
	err    error
}

func (p *peeker) reset(r io.Reader) {
	p.r, p.off, p.err = r, 0, nil
	p.n, p.err = io.ReadFull(r, p.buf[:])
	if p.err == io.EOF || p.err == io.ErrUnexpectedEOF {
		p.err = nil
	}
}

func (p *peeker) head() []byte { return p.buf[:p.n] }

// Read implements io.Reader.
func (p *peeker) Read(b []byte) (int, error) {
	if p.off < p.n {
		n := copy(b, p.buf[p.off:p.n])
		p.off += n
		return n, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.r.Read(b)
}

// worker holds the per-entry state that is reused from one entry to the
// next, so that steady-state extraction does not allocate per entry.
type worker struct {
	er  entryReader
	pk  peeker
	buf [32 << 10]byte
	zr  zipEntryState
}

var workerPool = sync.Pool{New: func() any { return new(worker) }}

func (ex *extraction) newWorker() *worker { return workerPool.Get().(*worker) }

func (ex *extraction) putWorker(w *worker) {
	w.er = entryReader{}
	w.pk.r, w.pk.err = nil, nil
	w.zr.release()
	workerPool.Put(w)
}

const bufSize = 64 << 10

// zipBufSize is the read-ahead of a compressed ZIP entry's raw bytes.
const zipBufSize = 256 << 10

var bufioPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}

func getBufio(r io.Reader) *bufio.Reader {
	br := bufioPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putBufio(br *bufio.Reader) {
	br.Reset(nil)
	bufioPool.Put(br)
}

var gzipPool = sync.Pool{New: func() any { return new(gzip.Reader) }}

func getGzip() *gzip.Reader { return gzipPool.Get().(*gzip.Reader) }

func putGzip(zr *gzip.Reader) { gzipPool.Put(zr) }

var zstdPool sync.Pool

// zstdMaxWindow bounds the memory a zstd stream may ask for (zstd -19 uses
// 8 MiB windows, --long=27 128 MiB).
const zstdMaxWindow = 128 << 20

func getZstd() (*zstd.Decoder, error) {
	if zd, ok := zstdPool.Get().(*zstd.Decoder); ok {
		return zd, nil
	}
	zd, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1), // synchronous: no goroutine
		zstd.WithDecoderLowmem(false),
		zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return zd, nil
}

func putZstd(zd *zstd.Decoder) {
	_ = zd.Reset(nil)
	zstdPool.Put(zd)
}
