package sqlparse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"sync"
)

// CheckOptions tunes Check. The zero value uses every core.
type CheckOptions struct {
	// Workers is the number of pieces read at once; zero means
	// runtime.GOMAXPROCS(0). With one worker Check reads in order, like
	// Parse.
	Workers int
	// Progress, when not nil, is called while [Parser.Check] runs with what was
	// read since the last call (bytes, or one statement and its rows; Tables
	// is nil), for progress displays. It is called from several goroutines
	// at once, so it must be safe for concurrent use, and cheap. A piece
	// that has to be read again is counted again there; the Stats that
	// Check returns are exact.
	Progress func(Stats)

	// pieceSize overrides the size of the pieces (tests).
	pieceSize int64
}

// checkPieceSize is the size of the pieces Check cuts a dump into. Each
// worker holds at most one piece's worth of buffer.
const checkPieceSize = 8 << 20

// testHook, if set, sees every checker when Check returns.
var testHook func(*checker)

// Check reads every statement of the dump held in r (size bytes, in dialect
// d, Auto to detect it) and decodes every row, as a consumer of Parse that
// reads all rows would, and returns the counts. It writes nothing and calls
// no callback: it is the fast way to validate a dump, and what a dry run of
// the importer uses for a plain local file.
//
// Check spreads the work over several cores. It cuts the dump into pieces at
// lines that look like the start of a statement (a line that follows one
// ending in the delimiter) and reads the pieces at once, each with its own
// Reader. A cut is only a guess: it may fall inside a multi-line string, a
// comment, a COPY block or a DELIMITER block, or a statement before it may
// change how the rest is read (DELIMITER, sql_mode, standard_conforming_strings).
// So each piece is then checked in order against the reading of the piece
// before it, which must end exactly at the cut, after a complete
// statement, in the state the next piece assumed. A piece that fails this
// check is read again in order from the last good cut. The counts, and the
// error with its line, column, offset and statement number, are therefore
// those of a reading in order.
func (p *Parser) Check(ctx context.Context, r io.ReaderAt, size int64, d Dialect, opt CheckOptions) (*Stats, error) {
	c := &checker{p: p, ctx: ctx, src: r, size: size, dialect: d, opt: opt}
	s, err := c.run()
	if testHook != nil {
		testHook(c)
	}
	return s, err
}

// checkMinSize is the smallest dump that CheckAtFaster accepts:
// below it, starting the workers costs more than it saves.
const checkMinSize = 32 << 20

// CheckAtFaster reports whether [Parser.CheckAt] reads a dump of size bytes
// faster than Parse: from 32 MiB, on two cores or more.
func (p *Parser) CheckAtFaster(size int64) bool {
	return size >= checkMinSize && runtime.GOMAXPROCS(0) >= 2
}

// CheckAt is [Parser.Check] on every core, calling progress as
// [CheckOptions.Progress] says: the importer's dry run of a plain file
// reads it so when [Parser.CheckAtFaster] says it pays.
func (p *Parser) CheckAt(ctx context.Context, r io.ReaderAt, size int64, d Dialect, progress func(Stats)) (*Stats, error) {
	return p.Check(ctx, r, size, d, CheckOptions{Progress: progress})
}

type checker struct {
	p       *Parser
	ctx     context.Context
	src     io.ReaderAt
	size    int64
	dialect Dialect // as given to Check
	// pieceDialect is the dialect the pieces are read in: detected from the
	// head when Check was given Auto.
	pieceDialect Dialect
	opt          CheckOptions
	cuts         []int64 // cuts[k] is where piece k starts; cuts[n] == size
	// taken and reread count the pieces taken as read on their own and
	// the readings in order (tests).
	taken, reread int
}

// readerState is what changes how a Reader reads the statements that
// follow: it must be equal at both sides of a cut.
type readerState struct {
	dialect     Dialect
	delim       string
	noBackslash bool
	stdStrings  bool
}

func (r *Reader) state() readerState {
	return readerState{dialect: r.dialect, delim: string(r.delim), noBackslash: r.noBackslash, stdStrings: r.stdStrings}
}

// piece is the result of reading one piece on its own.
type piece struct {
	done  chan struct{}
	stats Stats
	start readerState // the state the piece was read in
	end   readerState // the state after its last statement
	lines int64       // newlines in the piece
	// clean is set when the piece was read to its end without error and
	// its last statement ended with a delimiter, not with the piece.
	clean bool
}

func (c *checker) run() (*Stats, error) {
	workers := c.opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	pieceSize := cmpOr(c.opt.pieceSize, checkPieceSize)
	head := make([]byte, min(c.size, 64<<10))
	if _, err := c.src.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, &Error{Line: 1, Column: 1, Msg: "read: " + err.Error(), Err: err}
	}
	total := &Stats{Tables: map[string]int64{}}
	utf16 := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || looksUTF16(head)
	if workers < 2 || c.size < 2*pieceSize || utf16 {
		// One reading in order (UTF-16 is decoded, so its offsets are not
		// the file's).
		c.cuts = []int64{0, c.size}
		_, _, _, _, err := c.resync(0, readerState{}, 0, 0, nil, total)
		total.BytesParsed = c.size
		return total, err
	}
	c.pieceDialect = c.dialect
	if c.pieceDialect == Auto {
		c.pieceDialect = detect(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}))
	}
	if err := c.cut(pieceSize); err != nil {
		return nil, err
	}
	n := len(c.cuts) - 1
	pieces := make([]*piece, n)
	for k := range pieces {
		pieces[k] = &piece{done: make(chan struct{})}
	}

	ctx, cancel := context.WithCancel(c.ctx)
	c.ctx = ctx
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	next := make(chan int, n)
	for k := 1; k < n; k++ {
		next <- k
	}
	close(next)
	for range min(workers, n-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd := new(Reader)
			for k := range next {
				if ctx.Err() == nil {
					c.readPiece(rd, k, pieces[k])
				}
				close(pieces[k].done)
			}
		}()
	}

	// Piece 0 starts where the dump starts: read it in order on this
	// goroutine, on until a cut checks out; then take each piece whose
	// start checks out, and read in order again where one does not.
	var (
		k            int
		st           readerState
		lines, stmts int64 // before cuts[k]
		err          error
	)
	for k < n {
		if k > 0 {
			pc := pieces[k]
			select {
			case <-pc.done:
			case <-ctx.Done():
				return nil, c.ctx.Err()
			}
			if pc.start == st && pc.clean {
				// Read in the right state from a true statement start, and
				// ended after a complete statement: the next cut is a true
				// statement start too.
				total.Add(pc.stats)
				c.taken++
				lines += pc.lines
				stmts += pc.stats.Statements
				st = pc.end
				k++
				continue
			}
		}
		c.reread++
		if k, st, lines, stmts, err = c.resync(k, st, lines, stmts, pieces, total); err != nil {
			return nil, err
		}
	}
	total.BytesParsed = c.size
	return total, nil
}

func cmpOr(a, b int64) int64 {
	if a > 0 {
		return a
	}
	return b
}

// cut sets c.cuts: about every pieceSize bytes, the start of the first line
// that follows a line ending in ';' (or a COPY block's "\.") and starts
// with an upper-case letter or "/*!".
func (c *checker) cut(pieceSize int64) error {
	c.cuts = append(c.cuts[:0], 0)
	buf := make([]byte, 64<<10)
	for t := pieceSize; t < c.size-pieceSize/2; {
		at, err := c.findCut(buf, t)
		if err != nil {
			return err
		}
		if at < 0 {
			// No likely start near t (a huge statement): try further on.
			t += pieceSize
			continue
		}
		if at >= c.size-pieceSize/4 {
			break
		}
		c.cuts = append(c.cuts, at)
		t = at + pieceSize
	}
	c.cuts = append(c.cuts, c.size)
	return nil
}

// findCut returns the first likely statement start at or after off, looking
// at most 1 MiB ahead, or -1.
func (c *checker) findCut(buf []byte, off int64) (int64, error) {
	for scanned := int64(0); scanned < 1<<20 && off < c.size; {
		n, err := c.src.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return 0, &Error{Offset: off, Msg: "read: " + err.Error(), Err: err}
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.IndexByte(b[i:], '\n')
			if j < 0 || i+j+4 > len(b) {
				break
			}
			i += j + 1
			if likelyStart(b, i) {
				return off + int64(i), nil
			}
		}
		if n < len(buf) {
			break // the end of the dump
		}
		// Step back a little so that a start across the read is found.
		off += int64(n) - 8
		scanned += int64(n) - 8
	}
	return -1, nil
}

// likelyStart reports whether b[i], the first byte of a line, looks like the
// start of a statement that follows one ended by ';' on the line before.
func likelyStart(b []byte, i int) bool {
	if i < 2 {
		return false
	}
	e := i - 1 // the '\n'
	if e > 0 && b[e-1] == '\r' {
		e--
	}
	prevEnds := e > 0 && b[e-1] == ';' || e >= 2 && b[e-1] == '.' && b[e-2] == '\\'
	if !prevEnds {
		return false
	}
	ch := b[i]
	return 'A' <= ch && ch <= 'Z' || ch == '/' && i+2 < len(b) && b[i+1] == '*' && b[i+2] == '!'
}

// readPiece reads piece k on its own, in the default state of the dialect.
func (c *checker) readPiece(rd *Reader, k int, pc *piece) {
	off, end := c.cuts[k], c.cuts[k+1]
	src := &countingReader{r: io.NewSectionReader(c.src, off, end-off), progress: c.opt.Progress}
	// A piece that starts in the middle of something may take anything up
	// to its end for one statement: bound that by the piece.
	maxBuf := int(min(end-off, cmpOr(int64(c.p.MaxBuffer), defaultMaxBuffer)))
	rd.resetSize(src, c.pieceDialect, c.p.BufferSize, maxBuf)
	defer rd.resetSize(nil, Auto, c.p.BufferSize, c.p.MaxBuffer)
	pc.stats.Tables = map[string]int64{}
	if err := rd.start(); err != nil {
		return
	}
	pc.start = rd.state()
	err := c.readAll(rd, &pc.stats, nil)
	pc.end = rd.state()
	pc.lines = src.lines
	pc.clean = err == nil && !rd.eofEnd
}

// readAll reads the statements of rd to the end, counting them into s. With
// stop, it calls stop before each statement and ends, without counting it,
// when stop returns true.
func (c *checker) readAll(rd *Reader, s *Stats, stop func(*Statement) bool) error {
	for {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		st, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if stop != nil && stop(st) {
			return nil
		}
		s.Statements++
		var n int64
		if st.Rows != nil {
			for _, err := range Rows(st.Rows) {
				if err != nil {
					return err
				}
				n++
			}
			s.Rows += n
			s.Tables[st.Table] += n
		}
		if c.opt.Progress != nil {
			c.opt.Progress(Stats{Statements: 1, Rows: n})
		}
	}
}

// resync reads in order from cuts[k], in state st, with lines newlines and
// stmts statements before it, until a statement starts exactly at a later
// cut m whose piece was read in the state reached there; it returns m and
// that state. Without pieces (the sequential case) it reads to the end.
func (c *checker) resync(k int, st readerState, lines, stmts int64, pieces []*piece, total *Stats) (int, readerState, int64, int64, error) {
	off := c.cuts[k]
	src := &countingReader{r: io.NewSectionReader(c.src, off, c.size-off), progress: c.opt.Progress}
	rd, _ := readers.Get().(*Reader)
	if rd == nil {
		rd = new(Reader)
	}
	defer func() {
		rd.resetSize(nil, Auto, c.p.BufferSize, c.p.MaxBuffer)
		readers.Put(rd)
	}()
	d := c.dialect // piece 0: as given, detected by the Reader
	if k > 0 {
		d = st.dialect
	}
	rd.resetSize(src, d, c.p.BufferSize, c.p.MaxBuffer)
	if k > 0 {
		if err := rd.start(); err != nil {
			return 0, st, 0, 0, c.place(err, off, lines, stmts)
		}
		rd.delim = append(rd.delimBuf[:0], st.delim...)
		rd.delimBuf = rd.delim
		rd.noBackslash, rd.stdStrings = st.noBackslash, st.stdStrings
		rd.setDialect()
	}
	m := k + 1
	var (
		found               bool
		foundLine, foundNum int64
		prev                = rd.state()
	)
	// stop is called once Next has returned s, and so has applied the
	// settings s changes (DELIMITER, sql_mode): prev holds the state before
	// s, noted at the previous call.
	stop := func(s *Statement) bool {
		if pieces == nil {
			return false
		}
		at := off + s.Offset
		for m < len(c.cuts)-1 && c.cuts[m] < at {
			m++
		}
		if m < len(c.cuts)-1 && c.cuts[m] == at {
			pc := pieces[m]
			select {
			case <-pc.done:
			case <-c.ctx.Done():
				return false
			}
			if pc.start == prev {
				found, foundLine, foundNum = true, s.Line, s.Num
				return true
			}
		}
		prev = rd.state()
		return false
	}
	var s Stats
	s.Tables = map[string]int64{}
	err := c.readAll(rd, &s, stop)
	if err != nil {
		return 0, st, 0, 0, c.place(err, off, lines, stmts)
	}
	total.Add(s)
	if !found {
		return len(c.cuts) - 1, rd.state(), 0, 0, nil
	}
	return m, pieces[m].start, lines + foundLine - 1, stmts + foundNum - 1, nil
}

// place moves an error of a reading that started at off, after lines
// newlines and stmts statements, to its place in the whole dump.
func (c *checker) place(err error, off, lines, stmts int64) error {
	var e *Error
	if errors.As(err, &e) {
		e2 := *e
		e2.Line += lines
		e2.Offset += off
		e2.Statement += stmts
		return &e2
	}
	return err
}

// countingReader counts the newlines and bytes read through it.
type countingReader struct {
	r        io.Reader
	lines    int64
	progress func(Stats)
}

func (cr *countingReader) Read(p []byte) (int, error) {
	n, err := cr.r.Read(p)
	cr.lines += int64(bytes.Count(p[:n], nl))
	if cr.progress != nil {
		cr.progress(Stats{BytesParsed: int64(n)})
	}
	return n, err
}
