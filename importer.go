// Package importer imports database dumps: it lists files on a Source, picks
// them by pattern, skips those that did not change, unpacks them with an
// Extractor, parses the SQL with a Parser and loads the statements and rows
// into a Sink, reporting progress to a StatusTracker all along.
//
// The stages are small interfaces; the default implementations live in the
// sub-packages source, archive, sqlparse and sink. A Pipeline is configured
// by filling its fields, like http.Server, and does its work in Run:
//
//	p := &importer.Pipeline{
//		Source:   source.Dir("/var/drop"),
//		Patterns: []string{"*.sql.gz", "mvdsb_*.zip"},
//		Sink:     sqliteSink,
//	}
//	report, err := p.Run(ctx)
//
// Run streams every file from the source to the sink: a dump is never held
// whole in memory nor spooled to disk by the pipeline itself.
package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// Source lists and opens dump files.
//
// The reader that Open returns may also implement io.ReaderAt (as *os.File
// does); the ZIP extractor then reads the archive in place instead of
// streaming it.
type Source interface {
	// List returns the files of the source, in any order.
	List(ctx context.Context) ([]source.File, error)
	// Open opens one listed file for reading.
	Open(ctx context.Context, f source.File) (io.ReadCloser, error)
}

// Extractor unpacks a file into entries.
type Extractor interface {
	// Extract reads the file called name (size bytes, or -1 when unknown)
	// from r and calls fn once for each entry with a reader of its
	// uncompressed content, valid until fn returns. A file that is not an
	// archive is one entry. r may implement io.ReaderAt. Extract returns an
	// error that fn returned unchanged.
	Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(archive.Entry, io.Reader) error) error
}

// Parser splits a dump into statements.
type Parser interface {
	// Parse reads statements in dialect d (sqlparse.Auto to detect it) from r
	// and calls fn for each one, in order. A statement is valid until fn
	// returns; rows of Insert and Copy statements that fn did not read are
	// read (and checked) by Parse before the next statement. Parse returns
	// an error that fn returned unchanged; syntax errors are *sqlparse.Error.
	Parse(ctx context.Context, r io.Reader, d sqlparse.Dialect, fn func(*sqlparse.Statement) error) error
}

// Sink loads statements into a target. Begin may be called concurrently for
// different files when Pipeline.Concurrency is above one.
type Sink interface {
	// Begin starts loading one file into the target t. Nothing the load
	// does needs to be visible to readers of the target before Commit.
	Begin(ctx context.Context, t Target) (Load, error)
}

// Load is one file's load into a Sink: every statement of the file, then
// exactly one of Commit or Abort.
type Load interface {
	// Exec handles one statement. For Insert and Copy statements it reads
	// the rows from st.Rows (rows it does not read are still counted as
	// delivered). st is only valid until Exec returns. An error wrapping
	// ErrSkipped counts the statement as deliberately skipped; any other
	// error fails the file.
	Exec(ctx context.Context, st *sqlparse.Statement) error
	// Commit makes the whole load visible at once.
	Commit(ctx context.Context) error
	// Abort discards the load and leaves the target as it was before Begin.
	// It is called with a context that is not cancelled, even when the run's
	// context is.
	Abort(ctx context.Context) error
}

// EntryLoad is implemented by a Load that wants to know when a new archive
// entry starts: the pipeline calls Entry before the entry's first statement.
type EntryLoad interface {
	Entry(ctx context.Context, e archive.Entry) error
}

// ParallelLoad is implemented by a Load that can take several archive
// entries at once: its Exec (and Entry, if it has it) may then be called
// concurrently from up to Parallel() goroutines, each reading a different
// entry. With the default Extractor the pipeline then extracts that many
// entries of a ZIP in parallel; a Load without it gets one entry at a time.
type ParallelLoad interface {
	Load
	Parallel() int
}

// Target says what a Load writes to.
type Target struct {
	// File is the source file being imported.
	File source.File
	// Name is the target chosen by Pipeline.Route (for example a database
	// name); "" means the sink's own default.
	Name string
}

// State remembers what was imported, so that unchanged files are skipped.
type State interface {
	// Unchanged reports whether f was imported before and has not changed.
	Unchanged(ctx context.Context, f source.File) (bool, error)
	// Record notes that f was imported successfully.
	Record(ctx context.Context, f source.File) error
}

// StatusTracker receives the pipeline's events. Track is called from several
// goroutines and must be cheap and safe for concurrent use; the pipeline
// calls it at most a few times a second per file, never per row.
type StatusTracker interface {
	Track(e Event)
}

// Pipeline imports the files of a Source into a Sink. Fill the fields and
// call Run; the zero value of every optional field is a documented default.
// A Pipeline must not be modified while Run is running; Run may be called
// again after it returns.
type Pipeline struct {
	// Source lists and opens the files. Required.
	Source Source
	// Patterns select files by base name with shell globs (see
	// source.NewMatcher). Empty selects every file.
	Patterns []string
	// State skips files imported before and unchanged since. Nil imports
	// every selected file.
	State State
	// Extractor unpacks files. Nil uses &archive.Extractor{}: ZIP (stored,
	// deflate, zstd), gzip, zstd, tar, .tar.gz, .tar.zst and plain files,
	// archives nested up to three levels, the default safety limits
	// (archive.Limits) and no password, so encrypted ZIP entries fail with
	// archive.ErrPassword; set an Extractor with a Password hook to read
	// them. With a nil Extractor and a Load that implements ParallelLoad,
	// the entries of a ZIP are extracted in parallel.
	Extractor Extractor
	// Parser splits dumps into statements. Nil uses &sqlparse.Parser{}.
	Parser Parser
	// Dialect is the SQL dialect of the dumps; sqlparse.Auto (the zero
	// value) detects it per entry.
	Dialect sqlparse.Dialect
	// Sink loads the statements. Nil parses and decodes every row and
	// discards it (a dry run).
	Sink Sink
	// Route picks the Target.Name for a file. Nil leaves it "".
	Route func(source.File) string
	// Status receives progress events. Nil discards them.
	Status StatusTracker
	// Logger receives one line per file and per failure. Nil discards them.
	Logger *slog.Logger
	// Concurrency is how many files are imported at once, so that one file
	// downloads while another is loaded. Zero means 2.
	Concurrency int
	// ProgressInterval is how often progress events are sent while files
	// are imported. Zero means 250ms.
	ProgressInterval time.Duration
}

// Run imports every selected file and returns a report of what it did. It
// stops at the first failure: the failing file's load is aborted, files
// already committed stay committed, and the error (an *Error) is returned
// along with the report. Run returns only after every goroutine it started
// has exited.
func (p *Pipeline) Run(ctx context.Context) (*Report, error) {
	r := &run{p: p, report: &Report{Started: time.Now(), Tables: map[string]TableStats{}}}
	err := r.run(ctx)
	slices.SortFunc(r.report.Files, func(a, b FileReport) int { return cmp.Compare(a.File.Name, b.File.Name) })
	r.report.Finished = time.Now()
	r.report.Durations.Total = r.report.Finished.Sub(r.report.Started)
	if err != nil {
		r.report.Errors = append(r.report.Errors, err)
	}
	r.track(Event{Kind: RunFinished, Err: err})
	return r.report, err
}

type run struct {
	p      *Pipeline
	report *Report

	mu       sync.Mutex // guards report and active
	active   []*fileRun
	matcher  *source.Matcher
	extract  Extractor
	parser   Parser
	sink     Sink
	interval time.Duration
}

func (r *run) run(ctx context.Context) error {
	p := r.p
	if p.Source == nil {
		return errors.New("importer: Pipeline.Source is nil")
	}
	var err error
	if r.matcher, err = source.NewMatcher(p.Patterns...); err != nil {
		return err
	}
	r.extract = cmp.Or[Extractor](p.Extractor, &archive.Extractor{})
	r.parser = cmp.Or[Parser](p.Parser, &sqlparse.Parser{})
	r.sink = cmp.Or[Sink](p.Sink, discard{})
	r.interval = cmp.Or(p.ProgressInterval, 250*time.Millisecond)
	workers := cmp.Or(p.Concurrency, 2)

	r.track(Event{Kind: RunStarted})
	t0 := time.Now()
	files, err := p.Source.List(ctx)
	r.report.Durations.List = time.Since(t0)
	if err != nil {
		return &Error{Stage: StageList, Err: err}
	}
	files = slices.DeleteFunc(files, func(f source.File) bool { return !r.matcher.Match(f.Name) })
	slices.SortFunc(files, func(a, b source.File) int { return cmp.Compare(a.Name, b.Name) })

	var todo []source.File
	for _, f := range files {
		if p.State != nil {
			same, err := p.State.Unchanged(ctx, f)
			if err != nil {
				return &Error{Stage: StageState, File: f.Name, Err: err}
			}
			if same {
				r.report.Files = append(r.report.Files, FileReport{File: f, Status: Skipped})
				r.report.Skipped++
				r.track(Event{Kind: FileSkipped, File: f.Name, Size: f.Size})
				r.log(ctx, slog.LevelInfo, "unchanged, skipped", "file", f.Name)
				continue
			}
		}
		todo = append(todo, f)
	}
	if len(todo) == 0 {
		return nil
	}

	g, gctx := errgroup.WithContext(ctx)
	ch := make(chan source.File)
	g.Go(func() error {
		defer close(ch)
		for _, f := range todo {
			select {
			case ch <- f:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var workersLeft atomic.Int32
	workersLeft.Store(int32(min(workers, len(todo))))
	done := make(chan struct{})
	for range min(workers, len(todo)) {
		g.Go(func() error {
			defer func() {
				if workersLeft.Add(-1) == 0 {
					close(done)
				}
			}()
			for f := range ch {
				if err := r.file(gctx, f); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		t := time.NewTicker(r.interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return nil
			case <-t.C:
				r.progress()
			}
		}
	})
	err = g.Wait()
	if err != nil && ctx.Err() != nil && !errors.As(err, new(*Error)) {
		err = &Error{Stage: StageLoad, Err: context.Cause(ctx)}
	}
	return err
}

// fileRun holds one file's counters. The atomics are written by the
// goroutines reading the file's entries and read by the progress ticker;
// the maps and durations are merged from each entry under mu.
type fileRun struct {
	f                    source.File
	entry                atomic.Pointer[string]
	table                atomic.Pointer[string]
	bytesIn, bytesParsed atomic.Int64
	statements, rows     atomic.Int64
	entries              atomic.Int64
	openTime             time.Duration

	mu       sync.Mutex
	tables   map[string]TableStats
	skipped  map[string]int64
	sinkTime time.Duration
}

// entryRun holds what one entry's goroutine accumulates without locks.
type entryRun struct {
	name     string
	tables   map[string]TableStats
	skipped  map[string]int64
	sinkTime time.Duration
	rows     countRows // reused for every row statement
	table    string    // the last table stored in fileRun.table
}

func (fr *fileRun) merge(er *entryRun) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	for t, s := range er.tables {
		old := fr.tables[t]
		old.Rows += s.Rows
		fr.tables[t] = old
	}
	for k, n := range er.skipped {
		fr.skipped[k] += n
	}
	fr.sinkTime += er.sinkTime
}

func (r *run) file(ctx context.Context, f source.File) (err error) {
	fr := &fileRun{f: f, tables: map[string]TableStats{}, skipped: map[string]int64{}}
	empty := ""
	fr.entry.Store(&empty)
	r.mu.Lock()
	r.active = append(r.active, fr)
	r.mu.Unlock()
	start := time.Now()
	r.track(Event{Kind: FileStarted, File: f.Name, Size: f.Size})
	r.log(ctx, slog.LevelInfo, "importing", "file", f.Name, "size", f.Size)

	err = r.load(ctx, fr)

	rep := FileReport{
		File: f, Entries: int(fr.entries.Load()), Statements: fr.statements.Load(), Rows: fr.rows.Load(),
		BytesIn: fr.bytesIn.Load(), BytesParsed: fr.bytesParsed.Load(), Tables: fr.tables,
		SkippedStatements: fr.skipped, Duration: time.Since(start), Err: err,
	}
	if err == nil && r.p.State != nil {
		if serr := r.p.State.Record(ctx, f); serr != nil {
			err = &Error{Stage: StageState, File: f.Name, Err: serr}
			rep.Err = err
		}
	}
	r.mu.Lock()
	r.active = slices.DeleteFunc(r.active, func(x *fileRun) bool { return x == fr })
	rep.Status = Imported
	if err != nil {
		rep.Status = Failed
		r.report.Failed++
	} else {
		r.report.Imported++
	}
	r.report.Files = append(r.report.Files, rep)
	r.report.Entries += rep.Entries
	r.report.Statements += rep.Statements
	r.report.Rows += rep.Rows
	r.report.BytesIn += rep.BytesIn
	r.report.BytesParsed += rep.BytesParsed
	r.report.Durations.Open += fr.openTime
	r.report.Durations.Sink += fr.sinkTime
	for t, s := range fr.tables {
		old := r.report.Tables[t]
		old.Rows += s.Rows
		r.report.Tables[t] = old
	}
	for k, n := range fr.skipped {
		if r.report.SkippedStatements == nil {
			r.report.SkippedStatements = map[string]int64{}
		}
		r.report.SkippedStatements[k] += n
	}
	r.mu.Unlock()

	ev := r.fileEvent(fr)
	if err != nil {
		ev.Kind, ev.Err = FileFailed, err
		r.log(ctx, slog.LevelError, "import failed", "file", f.Name, "err", err)
	} else {
		ev.Kind = FileFinished
		r.log(ctx, slog.LevelInfo, "imported", "file", f.Name, "statements", rep.Statements, "rows", rep.Rows, "duration", rep.Duration.Round(time.Millisecond))
	}
	r.track(ev)
	return err
}

// load runs one file through the extractor, parser and sink.
func (r *run) load(ctx context.Context, fr *fileRun) (err error) {
	f := fr.f
	t0 := time.Now()
	rc, err := r.p.Source.Open(ctx, f)
	fr.openTime = time.Since(t0)
	if err != nil {
		return &Error{Stage: StageOpen, File: f.Name, Err: err}
	}
	defer rc.Close()
	// Cancelling the run closes the file, so that no read stays blocked on
	// a stalled network source.
	defer context.AfterFunc(ctx, func() { rc.Close() })()
	in, inCount := countReader(rc, &fr.bytesIn)

	t0 = time.Now()
	ld, err := r.sink.Begin(ctx, Target{File: f, Name: r.route(f)})
	fr.sinkTime = time.Since(t0)
	if err != nil {
		return &Error{Stage: StageLoad, File: f.Name, Err: err}
	}
	defer func() {
		if err != nil {
			// Abort must run even when ctx is cancelled.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if aerr := ld.Abort(actx); aerr != nil {
				err = errors.Join(err, &Error{Stage: StageLoad, File: f.Name, Err: fmt.Errorf("abort: %w", aerr)})
			}
		}
	}()

	if ok, err := r.checkPlain(ctx, fr, rc); ok {
		return err
	}
	ex := r.extract
	pl, parallel := ld.(ParallelLoad)
	if parallel && r.p.Extractor == nil {
		if n := pl.Parallel(); n > 1 {
			ex = &archive.Extractor{Parallel: n}
		}
	}
	// Unless the load says it can take several entries at once, entries
	// reach it one at a time even if the Extractor delivers them in parallel.
	var serial sync.Mutex
	el, _ := ld.(EntryLoad)
	err = ex.Extract(ctx, f.Name, in, f.Size, func(e archive.Entry, rd io.Reader) error {
		if !parallel {
			serial.Lock()
			defer serial.Unlock()
		}
		fr.entries.Add(1)
		name := e.Name
		fr.entry.Store(&name)
		r.track(Event{Kind: EntryStarted, File: f.Name, Entry: e.Name, Size: e.Size})
		if el != nil {
			if err := el.Entry(ctx, e); err != nil {
				return &Error{Stage: StageLoad, File: f.Name, Entry: e.Name, Err: err}
			}
		}
		er := &entryRun{name: e.Name, tables: map[string]TableStats{}, skipped: map[string]int64{}}
		defer fr.merge(er)
		if e.Format == archive.Zip || e.Format == archive.Gzip {
			// Inflate on another core while this one parses (1.4x faster on
			// a 268 MB dump zipped at level 6). zstd decodes so fast that
			// the hand-off costs more than it saves; for plain files it
			// made no difference.
			ra := newReadAhead(rd)
			defer ra.Close()
			rd = ra
		}
		pr, _ := countReader(rd, &fr.bytesParsed)
		err := r.parser.Parse(ctx, pr, r.p.Dialect, func(st *sqlparse.Statement) error {
			return r.exec(ctx, fr, er, ld, st)
		})
		if err != nil {
			return locate(err, StageParse, f.Name, e.Name)
		}
		return nil
	})
	if err != nil {
		if inCount.err != nil && errors.Is(err, inCount.err) {
			return locate(err, StageFetch, f.Name, "")
		}
		return locate(err, StageExtract, f.Name, "")
	}
	t0 = time.Now()
	err = ld.Commit(ctx)
	fr.mu.Lock()
	fr.sinkTime += time.Since(t0)
	fr.mu.Unlock()
	if err != nil {
		return &Error{Stage: StageCommit, File: f.Name, Err: err}
	}
	return nil
}

// checkMinSize is the smallest plain file that a dry run reads on several
// cores: below it, starting the workers costs more than it saves.
const checkMinSize = 32 << 20

// checkPlain reads a plain SQL file of a dry run (no Sink) on every core
// with sqlparse.Parser.Check, when the source gives random access and the
// extractor and parser are the default ones. It reports false when it does not apply,
// and the file then goes the usual way.
func (r *run) checkPlain(ctx context.Context, fr *fileRun, rc io.ReadCloser) (bool, error) {
	f := fr.f
	ra, ok := rc.(io.ReaderAt)
	ax, isDefault := r.extract.(*archive.Extractor)
	sp, isDefaultParser := r.parser.(*sqlparse.Parser)
	if r.p.Sink != nil || !ok || !isDefault || !isDefaultParser || f.Size < checkMinSize || runtime.GOMAXPROCS(0) < 2 {
		return false, nil
	}
	// Leave files the extractor would refuse to its errors.
	if f.Size > cmp.Or(ax.Limits.MaxTotalSize, archive.DefaultMaxTotalSize) ||
		f.Size > cmp.Or(ax.Limits.MaxEntrySize, archive.DefaultMaxEntrySize) {
		return false, nil
	}
	head := make([]byte, 512)
	if n, err := ra.ReadAt(head, 0); archive.Detect(head[:n]) != archive.Plain || err != nil && err != io.EOF {
		return false, nil
	}
	fr.entries.Add(1)
	name := f.Name
	fr.entry.Store(&name)
	r.track(Event{Kind: EntryStarted, File: f.Name, Entry: name, Size: f.Size})
	// The counters move for the progress display while Check runs (a piece
	// read twice counts twice there), then take Check's exact figures.
	stats, err := sp.Check(ctx, ra, f.Size, r.p.Dialect, sqlparse.CheckOptions{
		Bytes: &fr.bytesParsed, Statements: &fr.statements, Rows: &fr.rows,
	})
	if err != nil {
		return true, locate(err, StageParse, f.Name, name)
	}
	fr.bytesIn.Store(f.Size)
	fr.bytesParsed.Store(f.Size)
	fr.statements.Store(stats.Statements)
	fr.rows.Store(stats.Rows)
	er := &entryRun{name: name, tables: make(map[string]TableStats, len(stats.Tables))}
	for t, n := range stats.Tables {
		er.tables[t] = TableStats{Rows: n}
	}
	fr.merge(er)
	return true, nil
}

// exec hands one statement to the load, counting its rows.
func (r *run) exec(ctx context.Context, fr *fileRun, er *entryRun, ld Load, st *sqlparse.Statement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fr.statements.Add(1)
	var cr *countRows
	if st.Rows != nil {
		if er.table != st.Table {
			// One atomic store per change of table, for the progress ticker.
			er.table = st.Table
			t := st.Table
			fr.table.Store(&t)
		}
		cr = &er.rows
		*cr = countRows{r: st.Rows, n: &fr.rows}
		st.Rows = cr
	}
	t0 := time.Now()
	err := ld.Exec(ctx, st)
	if err == nil && cr != nil {
		// Rows the sink left unread are still decoded, checked and counted.
		for {
			if _, err = cr.NextRow(); err != nil {
				if err == io.EOF {
					err = nil
				}
				break
			}
		}
	}
	er.sinkTime += time.Since(t0)
	if cr != nil {
		cr.flush()
		s := er.tables[st.Table]
		s.Rows += cr.seen
		er.tables[st.Table] = s
	}
	if err != nil {
		var skip *SkippedError
		if errors.As(err, &skip) {
			er.skipped[skip.Reason]++
			return nil
		}
		var perr *sqlparse.Error
		if errors.As(err, &perr) {
			// A syntax error inside the rows: the parser's position is exact.
			return err
		}
		return &Error{Stage: StageLoad, File: fr.f.Name, Entry: er.name, Line: st.Line, Offset: st.Offset, Statement: st.Num, Table: st.Table, Err: err}
	}
	return nil
}

func (r *run) route(f source.File) string {
	if r.p.Route == nil {
		return ""
	}
	return r.p.Route(f)
}

// locate turns err into an *Error that names the stage, file and entry,
// keeping positions that an inner error already knows.
func locate(err error, stage Stage, file, entry string) error {
	var ie *Error
	if errors.As(err, &ie) {
		if ie.File == "" {
			ie.File = file
		}
		if ie.Entry == "" {
			ie.Entry = entry
		}
		return err
	}
	e := &Error{Stage: stage, File: file, Entry: entry, Err: err}
	var pe *sqlparse.Error
	var ae *archive.Error
	switch {
	case errors.As(err, &ae):
		e.Stage = StageExtract
		if e.Entry == "" {
			e.Entry = ae.Entry
		}
		if ae.Offset >= 0 {
			e.Offset = ae.Offset
		}
	case errors.As(err, &pe):
		e.Stage = StageParse
		e.Line, e.Column, e.Offset, e.Statement = pe.Line, pe.Column, pe.Offset, pe.Statement
	}
	return e
}

func (r *run) fileEvent(fr *fileRun) Event {
	table := ""
	if t := fr.table.Load(); t != nil {
		table = *t
	}
	return Event{
		File: fr.f.Name, Entry: *fr.entry.Load(), Table: table, Size: fr.f.Size,
		BytesIn: fr.bytesIn.Load(), BytesParsed: fr.bytesParsed.Load(),
		Statements: fr.statements.Load(), Rows: fr.rows.Load(),
	}
}

func (r *run) progress() {
	if r.p.Status == nil {
		return
	}
	r.mu.Lock()
	evs := make([]Event, 0, len(r.active))
	for _, fr := range r.active {
		ev := r.fileEvent(fr)
		ev.Kind = Progress
		evs = append(evs, ev)
	}
	r.mu.Unlock()
	for _, ev := range evs {
		r.track(ev)
	}
}

func (r *run) track(e Event) {
	if r.p.Status == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	r.p.Status.Track(e)
}

func (r *run) log(ctx context.Context, level slog.Level, msg string, args ...any) {
	if r.p.Logger != nil {
		r.p.Logger.Log(ctx, level, msg, args...)
	}
	if r.p.Status != nil && level >= slog.LevelInfo {
		r.track(Event{Kind: Log, Level: level, Msg: msg, Attrs: args})
	}
}

// discard is the Sink used when Pipeline.Sink is nil.
type discard struct{}

func (discard) Begin(context.Context, Target) (Load, error)     { return discard{}, nil }
func (discard) Exec(context.Context, *sqlparse.Statement) error { return nil }
func (discard) Commit(context.Context) error                    { return nil }
func (discard) Abort(context.Context) error                     { return nil }

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
