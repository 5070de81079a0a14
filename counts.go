package importer

import (
	"errors"
	"io"
	"sync/atomic"

	"github.com/dumpline/importer/sqlparse"
)

// Counts are the counters of a run, of one file and of an event: one type,
// summed with Add. The parser's own figures are embedded from
// [sqlparse.Stats] (BytesParsed, Statements, Rows, Tables), so that what
// [sqlparse.Parser.Check] counts is added as it is.
type Counts struct {
	// Entries counts the archive entries read (a plain file is one entry).
	Entries int `json:"entries,omitempty"`
	// BytesIn counts bytes read from the source (compressed).
	BytesIn int64 `json:"bytes_in"`
	// Stats counts bytes given to the parser (uncompressed), statements
	// handed to the sink, rows of INSERT and COPY statements delivered, and
	// rows per table, keyed by the table name as the dump writes it (see
	// [sqlparse.Statement.Table]).
	sqlparse.Stats
	// SkippedStatements counts statements that a sink deliberately skipped
	// (see [ErrSkipped]), by reason. Nothing is skipped without being
	// counted.
	SkippedStatements map[string]int64 `json:"skipped_statements,omitempty"`
	// Notes counts what a sink changed or left out of statements it applied
	// (see [Note]), by note: the column options a translation to another
	// dialect dropped, for example.
	Notes map[string]int64 `json:"notes,omitempty"`
}

// Add adds the counts of o to c, table by table and reason by reason.
func (c *Counts) Add(o Counts) {
	c.Entries += o.Entries
	c.BytesIn += o.BytesIn
	c.Stats.Add(o.Stats)
	if len(o.SkippedStatements) > 0 && c.SkippedStatements == nil {
		c.SkippedStatements = make(map[string]int64, len(o.SkippedStatements))
	}
	for k, n := range o.SkippedStatements {
		c.SkippedStatements[k] += n
	}
	if len(o.Notes) > 0 && c.Notes == nil {
		c.Notes = make(map[string]int64, len(o.Notes))
	}
	for k, n := range o.Notes {
		c.Notes[k] += n
	}
}

// liveCounts are the counters of a file in progress: written by the
// goroutines reading its entries, read by the progress ticker.
type liveCounts struct {
	entries, bytesIn, bytesParsed, statements, rows atomic.Int64
}

// load returns the totals so far (without tables or skipped statements).
func (l *liveCounts) load() Counts {
	return Counts{
		Entries: int(l.entries.Load()), BytesIn: l.bytesIn.Load(),
		Stats: sqlparse.Stats{BytesParsed: l.bytesParsed.Load(), Statements: l.statements.Load(), Rows: l.rows.Load()},
	}
}

// store sets the totals to c's.
func (l *liveCounts) store(c Counts) {
	l.entries.Store(int64(c.Entries))
	l.bytesIn.Store(c.BytesIn)
	l.bytesParsed.Store(c.BytesParsed)
	l.statements.Store(c.Statements)
	l.rows.Store(c.Rows)
}

// progress adds the parser's progress figures.
func (l *liveCounts) progress(s sqlparse.Stats) {
	if s.BytesParsed != 0 {
		l.bytesParsed.Add(s.BytesParsed)
	}
	if s.Statements != 0 {
		l.statements.Add(s.Statements)
	}
	if s.Rows != 0 {
		l.rows.Add(s.Rows)
	}
}

// counter counts bytes read; it keeps io.ReaderAt when the reader has it, so
// that the ZIP extractor can still read in place.
type counter struct {
	r   io.Reader
	n   *atomic.Int64
	err error // first non-EOF read error, to tell source failures apart
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

type counterAt struct {
	*counter
	ra io.ReaderAt
}

func (c *counterAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.ra.ReadAt(p, off)
	c.n.Add(int64(n))
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// countReader wraps r so that bytes read through it are added to n.
func countReader(r io.Reader, n *atomic.Int64) (io.Reader, *counter) {
	c := &counter{r: r, n: n}
	if ra, ok := r.(io.ReaderAt); ok {
		return &counterAt{counter: c, ra: ra}, c
	}
	return c, c
}

// countRows counts the rows read through it. It publishes the count to n
// every countBatch rows and on flush, not on every row: an atomic add per
// row cost several percent of a parse of short rows.
type countRows struct {
	r       sqlparse.RowReader
	n       *atomic.Int64
	seen    int64
	pending int64
	done    bool
}

const countBatch = 256

// NextRow implements sqlparse.RowReader.
func (c *countRows) NextRow() ([]sqlparse.Value, error) {
	if c.done {
		return nil, io.EOF
	}
	row, err := c.r.NextRow()
	if err != nil {
		c.done = err == io.EOF
		return nil, err
	}
	c.seen++
	if c.pending++; c.pending == countBatch {
		c.flush()
	}
	return row, nil
}

// flush publishes the rows counted since the last flush.
func (c *countRows) flush() {
	c.n.Add(c.pending)
	c.pending = 0
}

// copyLineReader is [sqlparse.CopyLineReader], the optional interface of a
// RowReader that hands out COPY lines as written.
type copyLineReader interface {
	NextCopyLines() ([]byte, int, error)
}

// NextCopyLines implements sqlparse.CopyLineReader when the reader it counts
// does, counting the lines as rows; otherwise it returns
// errors.ErrUnsupported.
func (c *countRows) NextCopyLines() ([]byte, int, error) {
	if c.done {
		return nil, 0, io.EOF
	}
	cl, ok := c.r.(copyLineReader)
	if !ok {
		return nil, 0, errors.ErrUnsupported
	}
	b, n, err := cl.NextCopyLines()
	if err != nil {
		c.done = err == io.EOF
		return nil, 0, err
	}
	c.seen += int64(n)
	if c.pending += int64(n); c.pending >= countBatch {
		c.flush()
	}
	return b, n, nil
}
