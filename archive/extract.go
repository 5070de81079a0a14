package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
)

// Extractor detects a file's format from its first bytes and streams its
// entries: the members of a ZIP or tar archive, or the decompressed content
// of a gzip or zstd stream or of a plain file, which is then one entry.
// Archives found inside entries (a .sql.gz inside a ZIP, a .tar.zst) are
// unpacked too, up to MaxDepth levels.
//
// The zero value is ready to use, with the default Limits, no password and
// one entry at a time. An Extractor may be used by several goroutines at
// once; it must not be modified while an Extract call is running.
//
// Extract runs on the caller's goroutine and starts none, unless Parallel
// is above one; [Extractor.ExtractWith] also reads ahead. In steady state
// extracting an entry allocates nothing. The package README lists the
// goroutines, buffers and allocations.
//
// # ZIP archives without io.ReaderAt
//
// A ZIP is read through its central directory, which is at its end. When r
// implements io.ReaderAt (as *os.File and SFTP files do) and size is known,
// the archive is read in place. Otherwise, and for ZIPs nested in another
// archive, the ZIP is first read into memory up to Limits.MaxBuffer bytes
// and, if it is larger, spooled to a temporary file in TempDir (up to
// Limits.MaxSpool bytes; the file is deleted before Extract returns) — the
// last resort, chosen over reading local headers sequentially because the
// central directory is the authoritative list of entries (sizes, names,
// encryption) that the safety checks need before any entry is delivered.
type Extractor struct {
	// Limits are the safety limits; the zero value means the defaults.
	Limits Limits
	// Password returns the password of an encrypted ZIP entry, given the
	// archive's name and the entry's name. It is called once per encrypted
	// entry. Nil means encrypted entries fail with ErrPassword; use
	// StaticPassword for one fixed password. Passwords are never logged nor
	// put in errors.
	Password func(archive, entry string) (string, error)
	// MaxDepth is how many container levels are unpacked, counting the
	// file itself as the first (a .tar.gz or .tar.zst counts as one level).
	// Archives found in entries deeper than that are delivered as they
	// are. Zero means DefaultMaxDepth; 1 never looks inside entries.
	MaxDepth int
	// Parallel is how many entries of a ZIP archive are extracted at once
	// when the archive can be read in place (r is an io.ReaderAt, or the
	// archive was spooled). fn is then called concurrently from up to
	// Parallel goroutines, in no particular order, and must be safe for
	// that. Zero or one extracts one entry at a time, in archive order, on
	// the caller's goroutine.
	Parallel int
	// TempDir is where a ZIP archive that cannot be read in place and does
	// not fit in Limits.MaxBuffer is spooled. "" means os.TempDir().
	TempDir string
}

// StaticPassword returns a password hook for Extractor.Password that gives
// every entry the same password.
func StaticPassword(password string) func(archive, entry string) (string, error) {
	return func(string, string) (string, error) { return password, nil }
}

// Detect returns the format of a file that starts with head (at least 512
// bytes of it when the file is that long).
func Detect(head []byte) Format {
	switch {
	case len(head) >= 4 && head[0] == 'P' && head[1] == 'K' &&
		(head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6):
		return Zip
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return Gzip
	case len(head) >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd:
		return Zstd
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return Tar
	}
	return Plain
}

const headLen = 512

// Extract reads the file called name (size bytes, or -1 when unknown) from r,
// which must be at the start of the file, and calls fn once for each entry with a reader of its uncompressed content,
// valid until fn returns. It implements importer.Extractor.
//
// When fn returns nil, the rest of the entry is read and checked (sizes,
// CRC-32, authentication code) before the next entry, so that a corrupt
// entry fails the extraction even if fn stopped reading early. An error
// returned by fn is returned unchanged; every other failure is an *Error
// naming the archive, the entry and the offset, wrapping one of the
// package's sentinel errors (or the reader's own error, or ctx's).
func (x *Extractor) Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(Entry, io.Reader) error) error {
	if x == nil {
		x = &Extractor{}
	}
	ex := &extraction{
		x:        x,
		ctx:      ctx,
		archive:  name,
		fn:       fn,
		maxDepth: x.MaxDepth,
		c:        &counters{lim: x.Limits.resolved()},
	}
	if ex.maxDepth <= 0 {
		ex.maxDepth = DefaultMaxDepth
	}
	src := &source{r: r}
	ex.c.in = func() int64 { return max(size, src.n) }
	if err := ctx.Err(); err != nil {
		return ex.errorf("", -1, err)
	}

	var ra io.ReaderAt
	if a, ok := r.(io.ReaderAt); ok {
		if size < 0 {
			if s, ok := r.(io.Seeker); ok {
				if n, err := s.Seek(0, io.SeekEnd); err == nil {
					if _, err := s.Seek(0, io.SeekStart); err == nil {
						size = n
					}
				}
			}
		}
		if size >= 0 {
			ra = &sourceAt{ra: a}
		}
	}
	br := getBufio(src)
	defer putBufio(br)
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	w := ex.newWorker()
	defer ex.putWorker(w)
	return ex.container(w, level{
		name:   base,
		prefix: "",
		in:     br,
		ra:     ra,
		size:   size,
		depth:  1,
		count:  buffered{src, br},
	})
}

// level is one container being unpacked.
type level struct {
	name   string // file base name (top) or entry name (nested)
	prefix string // prefix of member names: "" at the top, "entry/" nested
	in     *bufio.Reader
	ra     io.ReaderAt // the container in place, or nil
	size   int64
	depth  int
	count  counter // compressed bytes consumed so far
	// encrypted: the container was inside an encrypted entry.
	encrypted bool
}

// counter counts bytes consumed.
type counter interface{ consumed() int64 }

// buffered counts the bytes of a container that its decoder has taken from
// the bufio.Reader in front of it: those read from below, less those still
// buffered (read ahead by Peek but not yet decoded).
type buffered struct {
	c  counter
	br *bufio.Reader
}

func (b buffered) consumed() int64 { return b.c.consumed() - int64(b.br.Buffered()) }

// extraction is the state of one Extract call.
type extraction struct {
	x        *Extractor
	ctx      context.Context
	archive  string
	fn       func(Entry, io.Reader) error
	maxDepth int
	c        *counters
}

// errorf returns the *Error for a failure in entry at offset off. When err
// already holds an *Error (from an enclosing archive's entry), that one is
// returned: it names where the failure really is.
func (ex *extraction) errorf(entry string, off int64, err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Archive: ex.archive, Entry: entry, Offset: off, Err: err}
}

// container unpacks one level.
func (ex *extraction) container(w *worker, lv level) error {
	head, err := lv.in.Peek(headLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return ex.errorf(strings.TrimSuffix(lv.prefix, "/"), 0, classify(err))
	}
	switch Detect(head) {
	case Zip:
		return ex.zipArchive(w, lv)
	case Tar:
		return ex.tarArchive(w, lv, Tar)
	case Gzip, Zstd:
		return ex.compressed(w, lv, Detect(head))
	}
	e := Entry{Name: singleName(lv), Format: Plain, Size: -1, CompressedSize: -1, Encrypted: lv.encrypted}
	if lv.depth == 1 && lv.size >= 0 {
		e.Size, e.CompressedSize = lv.size, lv.size
	}
	if err := ex.c.addEntry(e.Name); err != nil {
		return ex.errorf(e.Name, -1, err)
	}
	er := &w.er
	er.reset(ex, e.Name, lv.in, nil, 0)
	er.countTotal = true
	er.noVerify = true // nothing to check at the end of a plain file
	return ex.deliver(w, e, er, lv.depth)
}

// singleName is the entry name of a single-stream file: its name without a
// compression suffix.
func singleName(lv level) string {
	n := lv.name
	for _, suf := range [...]string{".gz", ".zst", ".zstd"} {
		if len(n) > len(suf) && strings.HasSuffix(strings.ToLower(n), suf) {
			return n[:len(n)-len(suf)]
		}
	}
	return n
}

// compressed unpacks a gzip or zstd stream: a tarball or a single entry.
func (ex *extraction) compressed(w *worker, lv level, f Format) error {
	name := singleName(lv)
	// The ratio counts every compressed byte the decoder takes, including
	// those it reads before the first byte of output is asked for.
	base := lv.count.consumed()
	var dec io.Reader
	switch f {
	case Gzip:
		zr := getGzip()
		defer putGzip(zr)
		if err := zr.Reset(lv.in); err != nil {
			return ex.errorf(name, 0, classify(err))
		}
		dec = zr
	default:
		zd, err := getZstd()
		if err != nil {
			return ex.errorf(name, -1, err)
		}
		defer putZstd(zd)
		if err := zd.Reset(lv.in); err != nil {
			return ex.errorf(name, 0, classify(err))
		}
		dec = zd
	}
	inner := getBufio(dec)
	defer putBufio(inner)
	head, err := inner.Peek(headLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return ex.errorf(name, 0, classify(err))
	}
	if Detect(head) == Tar {
		lv.in = inner
		if err := ex.tarArchive(w, lv, f); err != nil {
			return err
		}
		// Read the end of the stream too, so that its checksum is checked.
		if _, err := io.Copy(io.Discard, inner); err != nil {
			return ex.errorf(strings.TrimSuffix(lv.prefix, "/"), lv.count.consumed(), classify(err))
		}
		return nil
	}
	e := Entry{Name: name, Format: f, Size: -1, CompressedSize: -1, Encrypted: lv.encrypted}
	if lv.depth == 1 && lv.size >= 0 {
		e.CompressedSize = lv.size
	}
	if zr, ok := dec.(*gzip.Reader); ok && !zr.ModTime.IsZero() {
		e.Modified = zr.ModTime
	}
	if err := ex.c.addEntry(e.Name); err != nil {
		return ex.errorf(e.Name, -1, err)
	}
	er := &w.er
	er.reset(ex, e.Name, inner, lv.count, base)
	er.countTotal = true
	return ex.deliver(w, e, er, lv.depth)
}

// tarArchive streams the members of a tar archive; f is the format of the
// stream it came in (Tar, Gzip or Zstd). Only regular files are entries.
func (ex *extraction) tarArchive(w *worker, lv level, f Format) error {
	tr := tar.NewReader(lv.in)
	last := strings.TrimSuffix(lv.prefix, "/")
	for {
		if err := ex.ctx.Err(); err != nil {
			return ex.errorf(last, -1, err)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ex.errorf(last, lv.count.consumed(), classify(err))
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != '\x00' {
			continue // directories, links, devices: no content
		}
		name := lv.prefix + localName(hdr.Name)
		last = name
		if err := ex.c.addEntry(name); err != nil {
			return ex.errorf(name, -1, err)
		}
		if hdr.Size > ex.c.lim.MaxEntrySize {
			return ex.errorf(name, -1, fmt.Errorf("%w: entry of %d bytes, over %d", ErrLimit, hdr.Size, ex.c.lim.MaxEntrySize))
		}
		e := Entry{Name: name, Format: Tar, Size: hdr.Size, CompressedSize: -1, Modified: hdr.ModTime, Encrypted: lv.encrypted}
		er := &w.er
		er.reset(ex, name, tr, lv.count, lv.count.consumed())
		er.declared = hdr.Size
		er.countTotal = true
		if err := ex.deliver(w, e, er, lv.depth); err != nil {
			return err
		}
	}
}

// deliver hands one entry to fn, or unpacks it when it is itself an archive
// and the depth allows, then reads the rest of it to check it.
func (ex *extraction) deliver(w *worker, e Entry, er *entryReader, depth int) error {
	var r io.Reader = er
	if depth < ex.maxDepth {
		pk := &w.pk
		pk.reset(er)
		if f := Detect(pk.head()); f != Plain && (er.err == nil || er.err == io.EOF) {
			// Archive inside the entry: unpack it instead. Its bytes count
			// as the inner entries' bytes, not twice.
			er.countTotal = false
			er.nested = true
			inner := getBufio(pk)
			nw := ex.newWorker()
			err := ex.container(nw, level{
				name:   e.Name,
				prefix: e.Name + "/",
				in:     inner,
				size:   -1,
				depth:  depth + 1,
				// Entries of an archive inside an encrypted entry were
				// encrypted too.
				encrypted: e.Encrypted,
				count:     buffered{er, inner},
			})
			ex.putWorker(nw)
			putBufio(inner)
			if err != nil {
				return err
			}
			return er.drain(w)
		}
		r = pk
	}
	if err := ex.fn(e, r); err != nil {
		er.close()
		return err
	}
	return er.drain(w)
}

// classify maps a decoder's or reader's error to the error an *Error wraps.
func classify(err error) error {
	var se *sourceError
	var ae *Error
	switch {
	case errors.As(err, &ae):
		return err
	case errors.As(err, &se):
		return se.err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case isOurs(err):
		return err
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, zstd.ErrCRCMismatch), errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("%w: %w", ErrChecksum, err)
	case errors.Is(err, zip.ErrAlgorithm):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %w", ErrFormat, err)
}

func isOurs(err error) bool {
	for _, s := range [...]error{ErrFormat, ErrLimit, ErrInsecurePath, ErrPassword, ErrUnsupported, ErrChecksum} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// sourceError marks an error of the file's own reader (a network or disk
// failure), which is passed on as it is rather than as a format error.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

// source counts the bytes read from the file and marks its errors.
type source struct {
	r io.Reader
	n int64
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

func (s *source) consumed() int64 { return s.n }

// sourceAt marks the errors of the file's io.ReaderAt.
type sourceAt struct{ ra io.ReaderAt }

func (s *sourceAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.ra.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}
