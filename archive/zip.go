package archive

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sync/errgroup"
)

// ZIP compression methods and flags this package knows.
const (
	methodStore   = 0
	methodDeflate = 8
	methodZstd    = 93
	methodAES     = 99

	flagEncrypted  = 0x1
	flagDescriptor = 0x8
	flagStrong     = 0x40

	extraAES = 0x9901

	// minLocalHeader is the size of a local file header without its name.
	minLocalHeader = 30
)

// zipItem is one file entry of a ZIP archive, checked and ready to extract.
type zipItem struct {
	f          *zip.File
	name       string
	off        int64  // offset of its data in the archive
	method     uint16 // compression method (inside AES encryption)
	encrypted  bool
	aesVersion int // 1 or 2 for WinZip AES (AE-1, AE-2), else 0
	aesBits    int // 128, 192 or 256
	// inEncrypted: the archive was inside an encrypted entry.
	inEncrypted bool
}

// zipArchive extracts a ZIP archive.
func (ex *extraction) zipArchive(w *worker, lv level) error {
	at := strings.TrimSuffix(lv.prefix, "/")
	ra, size := lv.ra, lv.size
	if ra == nil {
		var cleanup func()
		var err error
		ra, size, cleanup, err = ex.spool(lv)
		if err != nil {
			return err
		}
		defer cleanup()
	}
	// Bound the central directory parse (which allocates per record) by
	// the entry limit, directories included.
	records, maxRecords := 0, 2*min(ex.c.lim.MaxEntries, 1<<40)+16
	zr, err := zip.NewReaderWithOptions(ra, size, zip.ReaderOptions{NameDecoder: func(*zip.FileHeader) error {
		if records++; records > maxRecords {
			return fmt.Errorf("%w: central directory of more than %d records", ErrLimit, maxRecords)
		}
		return nil
	}})
	if err != nil {
		return ex.errorf(at, -1, classify(err))
	}
	items, err := ex.zipPlan(lv, zr, size)
	if err != nil {
		return err
	}
	if p := ex.x.Parallel; p > 1 && len(items) > 1 {
		return ex.zipParallel(ra, items, lv.depth, min(p, len(items)))
	}
	for i := range items {
		if err := ex.zipEntry(w, ra, &items[i], lv.depth); err != nil {
			return err
		}
	}
	return nil
}

// zipPlan checks the central directory before any entry is delivered: names,
// duplicates, entry count, methods and encryption, declared sizes and
// ratios, and entries that overlap (the overlapping-file zip bomb).
func (ex *extraction) zipPlan(lv level, zr *zip.Reader, size int64) ([]zipItem, error) {
	lim := &ex.c.lim
	items := make([]zipItem, 0, len(zr.File))
	var declared int64
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			if f.UncompressedSize64 != 0 {
				return nil, ex.errorf(lv.prefix+f.Name, -1, fmt.Errorf("%w: directory with content", ErrFormat))
			}
			continue
		}
		it := zipItem{f: f, name: lv.prefix + localName(f.Name), method: f.Method, inEncrypted: lv.encrypted}
		if err := ex.c.addEntry(it.name); err != nil {
			return nil, ex.errorf(it.name, -1, err)
		}
		if err := it.parseMethod(); err != nil {
			return nil, ex.errorf(it.name, -1, err)
		}
		unc, comp := f.UncompressedSize64, f.CompressedSize64
		if unc > uint64(lim.MaxEntrySize) {
			return nil, ex.errorf(it.name, -1, fmt.Errorf("%w: entry declares %d bytes, over %d", ErrLimit, unc, lim.MaxEntrySize))
		}
		if declared += int64(unc); declared > lim.MaxTotalSize || declared < 0 {
			return nil, ex.errorf(it.name, -1, fmt.Errorf("%w: entries declare more than %d bytes in all", ErrLimit, lim.MaxTotalSize))
		}
		if comp > uint64(size) {
			return nil, ex.errorf(it.name, -1, fmt.Errorf("%w: entry larger than the archive", ErrFormat))
		}
		if ratioExceeded(int64(unc), int64(comp), lim.MaxRatio) {
			return nil, ex.errorf(it.name, -1, fmt.Errorf("%w: entry declares a compression ratio over %d", ErrLimit, lim.MaxRatio))
		}
		off, err := f.DataOffset()
		if err != nil {
			return nil, ex.errorf(it.name, -1, classify(err))
		}
		if off < minLocalHeader || off > size-int64(comp) {
			return nil, ex.errorf(it.name, off, fmt.Errorf("%w: entry data outside the archive", ErrFormat))
		}
		it.off = off
		items = append(items, it)
	}
	// Overlapping entries: sort by data offset; each entry's local header
	// must start after the previous entry's data.
	byOff := make([]*zipItem, len(items))
	for i := range items {
		byOff[i] = &items[i]
	}
	slices.SortFunc(byOff, func(a, b *zipItem) int { return cmp.Compare(a.off, b.off) })
	for i := 1; i < len(byOff); i++ {
		prev, cur := byOff[i-1], byOff[i]
		if cur.off-minLocalHeader < prev.off+int64(prev.f.CompressedSize64) {
			return nil, ex.errorf(cur.name, cur.off, fmt.Errorf("%w: %w: entry overlaps entry %s (overlapping-file zip bomb)", ErrLimit, ErrFormat, prev.name))
		}
	}
	return items, nil
}

// parseMethod reads the entry's encryption and compression method.
func (it *zipItem) parseMethod() error {
	f := it.f
	if f.Flags&flagStrong != 0 {
		return fmt.Errorf("%w: strong encryption (flag 0x40)", ErrUnsupported)
	}
	it.encrypted = f.Flags&flagEncrypted != 0
	if f.Method == methodAES {
		if !it.encrypted {
			return fmt.Errorf("%w: AES method on an entry not flagged encrypted", ErrFormat)
		}
		found := false
		for ex := f.Extra; len(ex) >= 4; {
			tag, n := binary.LittleEndian.Uint16(ex), int(binary.LittleEndian.Uint16(ex[2:]))
			ex = ex[4:]
			if n > len(ex) {
				break
			}
			if tag == extraAES && n >= 7 && ex[2] == 'A' && ex[3] == 'E' {
				it.aesVersion = int(binary.LittleEndian.Uint16(ex))
				switch ex[4] {
				case 1, 2, 3:
					it.aesBits = 64 + 64*int(ex[4])
				default:
					return fmt.Errorf("%w: AES strength %d", ErrUnsupported, ex[4])
				}
				it.method = binary.LittleEndian.Uint16(ex[5:])
				found = true
				break
			}
			ex = ex[n:]
		}
		if !found {
			return fmt.Errorf("%w: AES entry without its 0x9901 extra field", ErrFormat)
		}
		if it.aesVersion != 1 && it.aesVersion != 2 {
			return fmt.Errorf("%w: WinZip AES version %d", ErrUnsupported, it.aesVersion)
		}
	}
	switch it.method {
	case methodStore, methodDeflate, methodZstd:
		return nil
	case methodAES:
		return fmt.Errorf("%w: nested AES method", ErrFormat)
	}
	return fmt.Errorf("%w: compression method %d", ErrUnsupported, it.method)
}

// zipEntryState holds the readers of one ZIP entry, reused from entry to
// entry.
type zipEntryState struct {
	sr  io.SectionReader
	br  *bufio.Reader
	fr  io.ReadCloser
	zd  *zstd.Decoder
	zc  zipCryptoReader
	aes aesReader
}

func (st *zipEntryState) release() {
	st.sr = io.SectionReader{}
	if st.br != nil {
		st.br.Reset(nil)
	}
	if st.zd != nil {
		_ = st.zd.Reset(nil)
	}
	st.zc.r = nil
	st.aes.release()
}

// zipEntry extracts one ZIP entry and delivers it.
func (ex *extraction) zipEntry(w *worker, ra io.ReaderAt, it *zipItem, depth int) error {
	f := it.f
	comp := int64(f.CompressedSize64)
	e := Entry{
		Name:           it.name,
		Format:         Zip,
		Size:           int64(f.UncompressedSize64),
		CompressedSize: comp,
		Modified:       f.Modified,
		Encrypted:      it.encrypted || it.inEncrypted,
	}
	st := &w.zr
	st.sr = *io.NewSectionReader(ra, it.off, comp)
	var raw io.Reader = &st.sr
	if it.encrypted {
		pw, err := ex.password(it.name)
		if err != nil {
			return ex.errorf(it.name, 0, err)
		}
		if it.aesVersion != 0 {
			err = st.aes.init(&st.sr, pw, it.aesBits, comp)
			raw = &st.aes
		} else {
			err = st.zc.init(&st.sr, pw, f)
			raw = &st.zc
		}
		if err != nil {
			return ex.errorf(it.name, 0, classify(err))
		}
	}
	var src, finish io.Reader
	switch it.method {
	case methodStore:
		src = raw
	case methodDeflate, methodZstd:
		if st.br == nil {
			st.br = bufio.NewReaderSize(raw, zipBufSize)
		} else {
			st.br.Reset(raw)
		}
		finish = st.br
		if it.method == methodDeflate {
			if st.fr == nil {
				st.fr = flate.NewReader(st.br)
			} else {
				_ = st.fr.(flate.Resetter).Reset(st.br, nil)
			}
			src = st.fr
		} else {
			if st.zd == nil {
				zd, err := getZstd()
				if err != nil {
					return ex.errorf(it.name, 0, err)
				}
				st.zd = zd
			}
			if err := st.zd.Reset(st.br); err != nil {
				return ex.errorf(it.name, 0, classify(err))
			}
			src = st.zd
		}
	}
	er := &w.er
	er.reset(ex, it.name, src, nil, 0)
	er.ratio, er.inFixed = true, comp
	er.declared = e.Size
	er.countTotal = true
	er.finish = finish
	er.checkCRC = it.aesVersion != 2 // AE-2 stores no CRC: the MAC covers the data
	er.wantCRC = f.CRC32
	return ex.deliver(w, e, er, depth)
}

// password asks the password hook for an entry's password.
func (ex *extraction) password(entry string) (string, error) {
	if ex.x.Password == nil {
		return "", fmt.Errorf("%w: entry is encrypted and no password is set", ErrPassword)
	}
	pw, err := ex.x.Password(ex.archive, entry)
	if err != nil {
		return "", fmt.Errorf("%w: password hook: %w", ErrPassword, err)
	}
	if pw == "" {
		return "", fmt.Errorf("%w: empty password", ErrPassword)
	}
	return pw, nil
}

// zipParallel extracts items with n goroutines, each with its own worker.
func (ex *extraction) zipParallel(ra io.ReaderAt, items []zipItem, depth, n int) error {
	g, gctx := errgroup.WithContext(ex.ctx)
	pex := *ex
	pex.ctx = gctx
	workers := make(chan *worker, n)
	for range n {
		workers <- ex.newWorker()
	}
	for i := range items {
		var w *worker
		select {
		case w = <-workers:
		case <-gctx.Done():
		}
		if w == nil {
			break
		}
		g.Go(func() error {
			defer func() { workers <- w }()
			return pex.zipEntry(w, ra, &items[i], depth)
		})
	}
	err := g.Wait()
	for range n {
		ex.putWorker(<-workers)
	}
	if err == nil && ex.ctx.Err() != nil {
		err = ex.errorf("", -1, ex.ctx.Err())
	}
	return err
}

// spool reads a ZIP archive that cannot be read in place into memory, or
// into a temporary file when it is larger than Limits.MaxBuffer.
func (ex *extraction) spool(lv level) (ra io.ReaderAt, size int64, cleanup func(), err error) {
	lim := &ex.c.lim
	at := strings.TrimSuffix(lv.prefix, "/")
	in := &ctxReader{ctx: ex.ctx, r: lv.in}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(in, lim.MaxBuffer+1))
	if err != nil {
		return nil, 0, nil, ex.errorf(at, n, classify(err))
	}
	if n <= lim.MaxBuffer {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	if lim.MaxSpool < 0 || lim.MaxSpool <= lim.MaxBuffer {
		return nil, 0, nil, ex.errorf(at, n, fmt.Errorf("%w: ZIP archive over %d bytes that cannot be read in place", ErrLimit, lim.MaxBuffer))
	}
	f, err := os.CreateTemp(ex.x.TempDir, "dumpline-*.zip")
	if err != nil {
		return nil, 0, nil, ex.errorf(at, -1, fmt.Errorf("archive: spooling a ZIP archive: %w", err))
	}
	cleanup = func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		cleanup()
		return nil, 0, nil, ex.errorf(at, -1, fmt.Errorf("archive: spooling a ZIP archive: %w", err))
	}
	buf = bytes.Buffer{}
	m, err := io.Copy(f, io.LimitReader(in, lim.MaxSpool-n+1))
	if err != nil {
		cleanup()
		var se *sourceError
		var ae *Error
		if errors.As(err, &se) || errors.As(err, &ae) {
			err = classify(err)
		} else {
			err = fmt.Errorf("archive: spooling a ZIP archive: %w", err)
		}
		return nil, 0, nil, ex.errorf(at, n+m, err)
	}
	if n+m > lim.MaxSpool {
		cleanup()
		return nil, 0, nil, ex.errorf(at, n+m, fmt.Errorf("%w: ZIP archive over %d bytes", ErrLimit, lim.MaxSpool))
	}
	return &sourceAt{ra: f}, n + m, cleanup, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
