package sqlparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

const (
	// defaultBufferSize is the initial size of a Reader's buffer.
	defaultBufferSize = 512 << 10
	// minBufferSize keeps tiny buffers from making the reader crawl.
	minBufferSize = 4 << 10
	// defaultMaxBuffer bounds the memory used for one statement or row.
	defaultMaxBuffer = 1 << 30
	// detectWindow is how much of the input start reads to see the header
	// and to detect the dialect.
	detectWindow = 64 << 10
)

// errNeedMore is returned by the scanning helpers when the buffer ends
// before the item they scan does. It never escapes the package.
var errNeedMore = errors.New("sqlparse: need more input")

// ErrTooLarge is wrapped by the *Error returned when a single statement
// (other than the rows of an INSERT or COPY) or a single row does not fit in
// the reader's maximum buffer size.
var ErrTooLarge = errors.New("sqlparse: statement or row too large")

// ErrUTF16 is wrapped by the *Error returned for a dump encoded in UTF-16
// without a byte order mark, which the reader cannot decode reliably.
var ErrUTF16 = errors.New("sqlparse: UTF-16 input without byte order mark")

// what the reader is in the middle of.
const (
	modeStmt   = iota // between statements
	modeInsert        // reading the rows of an INSERT
	modeCopy          // reading the data lines of a COPY
)

// Reader reads the statements of a dump one at a time (a pull API). Use
// [NewReader], or [Reader.Reset] on a zero Reader, then call [Reader.Next]
// until it returns io.EOF; read the rows of a statement with [Rows]. A
// Reader can be reused for another input with Reset, which keeps its
// buffers: in steady state reading statements and rows does not allocate.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	src     io.Reader
	dialect Dialect
	started bool
	// MaxBuffer bounds the memory held for one statement or row; zero means 1 GiB.
	maxBuffer int
	bufSize   int

	buf  []byte
	end  int   // buf[:end] holds data
	pos  int   // parse position
	mark int   // first byte that must be kept when the buffer is refilled
	base int64 // offset in the input of buf[0]
	eof  bool

	lineAt    int64 // newlines are counted up to this offset
	line      int64 // line number at lineAt
	lineStart int64 // offset of the start of the line holding lineAt

	st   Statement
	num  int64
	err  error
	mode int
	// eofEnd is set when a statement was ended by the end of the input,
	// not by a delimiter (Check needs to know).
	eofEnd bool

	// The checks that tell a whole dump from other input (whole.go).
	allow    Allow
	producer producer
	tail     tail
	// Set by Check for the readers of its pieces: midFile when the input
	// starts inside the dump (no header), pieceEnd when it ends inside it
	// (no unterminated statement there), endByCaller when Check makes the
	// end-of-input checks itself.
	midFile, pieceEnd, endByCaller bool
	// server decides which conditional comments in rows are SQL.
	server Server

	// dialect state
	delim       []byte
	delimBuf    []byte
	noBackslash bool // MySQL NO_BACKSLASH_ESCAPES
	stdStrings  bool // PostgreSQL standard_conforming_strings
	special     [256]bool
	rowSpecial  [256]bool
	// nib classifies blocks for skipRowsFast, which runs when fast is set.
	nib  nibbleTab
	fast bool
	// slowOnly turns the fast paths (skipRowsFast, valuesFast) off, for
	// tests that compare both ways; fastBytes counts the bytes
	// skipRowsFast skipped.
	slowOnly  bool
	fastBytes int64
	// specialWords is special plus the bytes that start words.
	specialWords [256]bool

	// rows state
	rows    rowReader
	first   bool
	cond    int // open MySQL conditional comments in the VALUES list
	hdr     []byte
	trailer []byte
	// copyOpts is where the options of a COPY ... FROM stdin start.
	copyOpts int
	// peekEnd, when not -1, is where the current INSERT ends, found by
	// peekTrailer from peekStart with the buffer at peekBase.
	peekStart, peekEnd int
	peekBase           int64
	vals               []Value
	scratch            []byte
	scr                int
	names              map[string]*header
	ddlNames           map[string]string
	ddlBuf             []byte
	nameBuf            []byte
	cols               [][2]int
}

// header is an interned table name and column list.
type header struct {
	table string
	cols  []string
}

// NewReader returns a Reader of the dump in r written in dialect d (Auto to
// detect it).
func NewReader(r io.Reader, d Dialect) *Reader {
	rd := &Reader{}
	rd.Reset(r, d)
	return rd
}

// Reset makes the Reader read a new dump from r in dialect d (Auto to detect
// it), keeping its buffers.
func (r *Reader) Reset(src io.Reader, d Dialect) {
	r.resetSize(src, d, 0, 0)
}

func (r *Reader) resetSize(src io.Reader, d Dialect, size, maxBuf int) {
	r.src = src
	r.dialect = d
	r.started = false
	r.maxBuffer = maxBuf
	if r.maxBuffer <= 0 {
		r.maxBuffer = defaultMaxBuffer
	}
	r.bufSize = size
	if r.bufSize <= 0 {
		r.bufSize = defaultBufferSize
	}
	r.bufSize = max(r.bufSize, minBufferSize)
	if len(r.buf) != r.bufSize {
		// Drop a grown buffer: a huge row must not pin memory.
		r.buf = nil
	}
	if cap(r.scratch) > r.bufSize {
		r.scratch = nil
	}
	r.end, r.pos, r.mark, r.base, r.eof = 0, 0, 0, 0, false
	r.lineAt, r.line, r.lineStart = 0, 1, 0
	r.st = Statement{}
	r.num = 0
	r.err = nil
	r.mode = modeStmt
	r.eofEnd = false
	r.producer, r.tail = noProducer, tailNone
	r.midFile, r.pieceEnd, r.endByCaller = false, false, false
	r.delim = append(r.delimBuf[:0], ';')
	r.delimBuf = r.delim
	r.noBackslash = false
	r.stdStrings = true
	r.rows.r = r
	r.first = false
	r.cond = 0
	r.peekEnd = -1
	if len(r.names) > 4096 {
		r.names = nil
	}
}

// Dialect returns the dialect of the dump: the one given to NewReader or
// Reset, or the detected one once Next has been called. It returns Auto only
// before the first call to Next on a Reader asked to detect the dialect.
func (r *Reader) Dialect() Dialect { return r.dialect }

// SetServer makes the Reader decode the rows of INSERT statements as the
// server s would read them: a MySQL conditional comment (/*!NNNNN … */,
// /*M!NNNNN … */) among the values holds values only if s runs it (see
// [Server]). It applies to this input and the next ones read after Reset.
func (r *Reader) SetServer(s Server) { r.server = s }

// SetAllow relaxes the checks that tell a whole dump from other input (see
// [Allow]; the zero value makes them all) for this input and the next ones
// read after Reset.
func (r *Reader) SetAllow(a Allow) { r.allow = a }

// Next returns the next statement, or io.EOF after the last one. The
// statement is valid until the next call to Next. Rows of the previous
// statement that were not read are read and checked first, so a syntax error
// in them is returned by Next.
func (r *Reader) Next() (*Statement, error) {
	if r.err != nil {
		return nil, r.err
	}
	st, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return st, nil
}

func (r *Reader) next() (*Statement, error) {
	if r.bufSize == 0 {
		r.Reset(r.src, r.dialect) // a zero Reader
	}
	if !r.started {
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if err := r.drain(); err != nil {
		return nil, err
	}
	r.mode = modeStmt
	r.st = Statement{Dialect: r.dialect}
	for {
		r.mark = r.pos
		ok, err := r.statement()
		if err == errNeedMore {
			if err := r.fill(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			if !r.endByCaller {
				if err := r.checkEnd(); err != nil {
					return nil, err
				}
			}
			return nil, io.EOF
		}
		r.noteStatement(&r.st)
		if r.st.Kind == Other {
			r.ddl(&r.st)
		}
		return &r.st, nil
	}
}

// drain reads the rows of the current statement that were not read.
func (r *Reader) drain() error {
	if r.mode == modeInsert {
		return r.skipRows()
	}
	for r.mode != modeStmt {
		err := r.row(false)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// start reads the first block of input, skips a byte order mark and detects
// the dialect.
func (r *Reader) start() error {
	if r.buf == nil {
		r.buf = make([]byte, r.bufSize)
	}
	if r.dialect == Auto && len(r.buf) < detectWindow && r.maxBuffer > len(r.buf) {
		// Detection sees the same bytes whatever the buffer size.
		r.buf = make([]byte, min(detectWindow, r.maxBuffer))
	}
	r.started = true
	if r.src == nil {
		r.eof = true
		if r.dialect == Auto {
			r.dialect = MySQL
		}
		r.setDialect()
		return nil
	}
	// Read enough to see the header and a little content.
	for r.end < len(r.buf) && !r.eof && r.end < detectWindow {
		if err := r.read(); err != nil {
			return err
		}
	}
	b := r.buf[:r.end]
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		r.pos = 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		if err := r.startUTF16(); err != nil {
			return err
		}
		return r.start()
	case looksUTF16(b):
		return &Error{Line: 1, Column: 1, Msg: "input is UTF-16 without a byte order mark; convert it to UTF-8", Err: ErrUTF16}
	}
	if !r.midFile {
		var hd Dialect
		r.producer, hd = producerOf(b[r.pos:])
		switch {
		case r.dialect == Auto:
			r.dialect = detect(b[r.pos:])
		case hd != Auto && hd != r.dialect && !r.allow.DialectMismatch:
			return &Error{Line: 1, Column: 1, Statement: 1, Err: ErrDialectMismatch,
				Msg: "the dump's header names a " + hd.String() + " dump, not " + r.dialect.String() + " as asked (detect it, or allow the mismatch)"}
		}
	} else if r.dialect == Auto {
		r.dialect = detect(b[r.pos:])
	}
	r.setDialect()
	return nil
}

// setDialect prepares the tables used by the scanners.
func (r *Reader) setDialect() {
	r.special = [256]bool{}
	for _, c := range []byte("'\"-/;") {
		r.special[c] = true
	}
	switch r.dialect {
	case MySQL:
		r.special['`'] = true
		r.special['#'] = true
	case Postgres:
		r.special['$'] = true
		r.special['('] = true
		r.special[')'] = true
	case SQLite:
		r.special['`'] = true
		r.special['['] = true
	}
	r.special[r.delim[0]] = true
	r.specialWords = r.special
	for c := 'a'; c <= 'z'; c++ {
		r.specialWords[c], r.specialWords[c-'a'+'A'] = true, true
	}
	r.specialWords['_'] = true
	r.rowSpecial = [256]bool{'(': true, ')': true, '\'': true, '"': true, '/': true, '-': true, '*': true}
	switch r.dialect {
	case MySQL:
		r.rowSpecial['`'] = true
		r.rowSpecial['#'] = true
	case Postgres:
		r.rowSpecial['$'] = true
	case SQLite:
		r.rowSpecial['`'] = true
		r.rowSpecial['['] = true
	}
	r.rowSpecial[r.delim[0]] = true
	r.fast = false
	if haveClassify && !r.slowOnly && r.dialect != Postgres {
		pickClassifier()
		r.nib, r.fast = buildNibbleTab('\'', &r.rowSpecial)
	}
}

// read reads once into the free end of the buffer.
func (r *Reader) read() error {
	for {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			line, col := r.lineCol(r.base + int64(r.end))
			return &Error{Line: line, Column: col, Offset: r.base + int64(r.end), Statement: r.num, Msg: "read: " + err.Error(), Err: err}
		}
		if n > 0 {
			return nil
		}
	}
}

// fill discards the bytes before r.mark, grows the buffer if it is full and
// reads until it is full or the input ends. Positions into the buffer move
// by r.mark.
func (r *Reader) fill() error {
	if r.eof {
		// A scanner asked for more input at the end: a bug, but never loop.
		return r.errAt(r.end, "internal error: unexpected end of input")
	}
	if r.mark > 0 {
		r.countLines(r.base + int64(r.mark))
		n := copy(r.buf, r.buf[r.mark:r.end])
		r.base += int64(r.mark)
		r.pos -= r.mark
		r.end = n
		r.mark = 0
	}
	if r.end == len(r.buf) {
		size := 2 * len(r.buf)
		if size > r.maxBuffer {
			size = r.maxBuffer
		}
		if size <= len(r.buf) {
			line, col := r.lineCol(r.base)
			return &Error{Line: line, Column: col, Offset: r.base, Statement: r.num + 1,
				Msg: fmt.Sprintf("statement or row larger than %d bytes", r.maxBuffer), Err: ErrTooLarge}
		}
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for r.end < len(r.buf) && !r.eof {
		if err := r.read(); err != nil {
			return err
		}
	}
	return nil
}

// countLines advances the line counter to offset off, which must not be
// before lineAt nor after the buffer's data.
func (r *Reader) countLines(off int64) {
	if off <= r.lineAt {
		return
	}
	b := r.buf[r.lineAt-r.base : off-r.base]
	if n := bytes.Count(b, nl); n > 0 {
		r.line += int64(n)
		r.lineStart = r.lineAt + int64(bytes.LastIndexByte(b, '\n')) + 1
	}
	r.lineAt = off
}

var nl = []byte{'\n'}

// lineCol returns the line and column of offset off without moving the line
// counter.
func (r *Reader) lineCol(off int64) (int64, int64) {
	line, start := r.line, r.lineStart
	lo, hi := r.lineAt-r.base, off-r.base
	if lo >= 0 && hi <= int64(r.end) && lo <= hi {
		b := r.buf[lo:hi]
		if n := bytes.Count(b, nl); n > 0 {
			line += int64(n)
			start = r.lineAt + int64(bytes.LastIndexByte(b, '\n')) + 1
		}
	}
	return line, off - start + 1
}

// errAt returns a syntax error at buffer index i.
func (r *Reader) errAt(i int, msg string) error {
	off := r.base + int64(i)
	line, col := r.lineCol(off)
	num := r.num
	if r.mode == modeStmt {
		num++
	}
	return &Error{Line: line, Column: col, Offset: off, Statement: num, Msg: msg, Err: ErrSyntax}
}
