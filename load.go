package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// fileRun is one file's state: live counters, written by the goroutines
// reading its entries and read by the progress ticker, and what each entry
// merges under mu when it ends.
type fileRun struct {
	f        source.File
	entry    atomic.Pointer[string]
	table    atomic.Pointer[string]
	live     liveCounts
	openTime time.Duration

	mu       sync.Mutex
	merged   Counts // Tables and SkippedStatements
	sinkTime time.Duration
	summary  LoadSummary // the load's, once it ended (see SummaryLoad)
}

// entryRun holds what one entry's goroutine accumulates without locks.
type entryRun struct {
	name     string
	counts   Counts // Tables and SkippedStatements
	sinkTime time.Duration
	rows     countRows // reused for every row statement
	table    string    // the last table stored in fileRun.table
}

func newEntryRun(name string) *entryRun {
	return &entryRun{name: name, counts: Counts{
		Stats: sqlparse.Stats{Tables: map[string]int64{}}, SkippedStatements: map[string]int64{}}}
}

func (fr *fileRun) merge(er *entryRun) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.merged.Add(er.counts)
	fr.sinkTime += er.sinkTime
}

// counts returns the file's figures once its load has ended.
func (fr *fileRun) counts() Counts {
	c := fr.live.load()
	fr.mu.Lock()
	defer fr.mu.Unlock()
	c.Tables, c.SkippedStatements, c.Notes = fr.merged.Tables, fr.merged.SkippedStatements, fr.merged.Notes
	return c
}

func (r *run) file(ctx context.Context, f source.File) (err error) {
	fr := &fileRun{f: f}
	empty := ""
	fr.entry.Store(&empty)
	r.mu.Lock()
	r.active = append(r.active, fr)
	r.mu.Unlock()
	start := time.Now()
	r.track(Event{Kind: FileStarted, File: f.Name, Size: f.Size})
	r.log(ctx, slog.LevelInfo, "importing", "file", f.Name, "size", f.Size)

	err = r.load(ctx, fr)

	rep := FileReport{File: f, Counts: fr.counts(), Duration: time.Since(start), Load: fr.summary, Err: err}
	if err == nil && r.p.State != nil {
		if serr := r.p.State.Record(ctx, f); serr != nil {
			err = &Error{Stage: StageState, File: f.Name, Err: serr}
			rep.Err = err
		}
	}
	rep.Status = Imported
	switch {
	case err == nil:
		// Only after the commit: a failed load leaves the file in place.
		if aerr := r.after(ctx, f); aerr != nil {
			rep.Err = aerr
		}
	case ctx.Err() != nil:
		// Stopped by the run's cancellation or another file's failure.
		rep.Status = Cancelled
	default:
		rep.Status = Failed
	}
	r.mu.Lock()
	r.active = slices.DeleteFunc(r.active, func(x *fileRun) bool { return x == fr })
	switch rep.Status {
	case Imported:
		r.report.Imported++
	case Cancelled:
		r.report.Cancelled++
	default:
		r.report.Failed++
	}
	if rep.Status != Cancelled && rep.Err != nil {
		r.failures = append(r.failures, rep.Err)
	}
	r.report.Files = append(r.report.Files, rep)
	r.report.Counts.Add(rep.Counts)
	r.report.Durations.Open += fr.openTime
	r.report.Durations.Sink += fr.sinkTime
	r.mu.Unlock()

	ev := r.fileEvent(fr)
	ev.Tables, ev.SkippedStatements = rep.Tables, rep.SkippedStatements
	if err != nil {
		ev.Kind, ev.Err = FileFailed, err
		r.log(ctx, slog.LevelError, "import failed", "file", f.Name, "err", err)
	} else {
		ev.Kind = FileFinished
		r.log(ctx, slog.LevelInfo, "imported", "file", f.Name, "statements", rep.Statements, "rows", rep.Rows, "duration", rep.Duration.Round(time.Millisecond))
	}
	r.track(ev)
	if r.p.OnFile != nil {
		r.p.OnFile(ctx, rep)
	}
	if rep.Status == Imported && rep.Err != nil {
		r.log(ctx, slog.LevelError, "imported, but the after-import action failed", "file", f.Name, "err", rep.Err)
		return nil // the import itself stands: the next files go on
	}
	return err
}

// load runs one file through the stages: open, begin, extract (each entry
// parsed and its statements executed), then commit, or abort on failure.
func (r *run) load(ctx context.Context, fr *fileRun) (err error) {
	in, err := r.open(ctx, fr)
	if err != nil {
		return err
	}
	defer in.close()
	ld, err := r.begin(ctx, fr)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = r.abort(ctx, fr, ld, err)
		}
		if sl, ok := ld.(SummaryLoad); ok {
			fr.summary = sl.Summary()
		}
	}()
	if err := r.extractFile(ctx, fr, in, ld); err != nil {
		return err
	}
	return r.commit(ctx, fr, ld)
}

// input is an open source file.
type input struct {
	rc    io.ReadCloser
	r     io.Reader // rc, counting the bytes read into fileRun
	count *counter
	stop  func() bool
}

func (in *input) close() {
	in.stop()
	in.rc.Close()
}

func (r *run) open(ctx context.Context, fr *fileRun) (*input, error) {
	t0 := time.Now()
	rc, err := r.p.Source.Open(ctx, fr.f)
	fr.openTime = time.Since(t0)
	if err != nil {
		return nil, &Error{Stage: StageOpen, File: fr.f.Name, Err: err}
	}
	in := &input{rc: rc}
	in.r, in.count = countReader(rc, &fr.live.bytesIn)
	// Cancelling the run closes the file, so that no read stays blocked on
	// a stalled network source.
	in.stop = context.AfterFunc(ctx, func() { rc.Close() })
	return in, nil
}

func (r *run) begin(ctx context.Context, fr *fileRun) (Load, error) {
	t0 := time.Now()
	ld, err := r.sink.Begin(ctx, Target{File: fr.f, Name: r.route(fr.f)})
	fr.sinkTime = time.Since(t0)
	if err != nil {
		return nil, &Error{Stage: StageLoad, File: fr.f.Name, Err: err}
	}
	return ld, nil
}

// abort aborts ld after err, with a context that is not cancelled.
func (r *run) abort(ctx context.Context, fr *fileRun, ld Load, err error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if aerr := ld.Abort(actx); aerr != nil {
		return errors.Join(err, &Error{Stage: StageLoad, File: fr.f.Name, Err: fmt.Errorf("abort: %w", aerr)})
	}
	return err
}

func (r *run) commit(ctx context.Context, fr *fileRun, ld Load) error {
	t0 := time.Now()
	err := ld.Commit(ctx)
	fr.mu.Lock()
	fr.sinkTime += time.Since(t0)
	fr.mu.Unlock()
	if err != nil {
		return locate(err, StageCommit, fr.f.Name, "")
	}
	return nil
}

// extractFile hands each entry of the file to entry; a plain file of a dry
// run goes to check instead, when the stages allow it.
func (r *run) extractFile(ctx context.Context, fr *fileRun, in *input, ld Load) error {
	if done, err := r.check(ctx, fr, in.rc); done {
		return err
	}
	opt := archive.Options{Parallel: 1, ReadAhead: true}
	if pl, ok := ld.(ParallelLoad); ok {
		opt.Parallel = max(1, pl.Parallel())
	}
	el, _ := ld.(EntryLoad)
	// Entries reach the load at most opt.Parallel at a time, whatever the
	// Extractor does.
	gate := make(chan struct{}, opt.Parallel)
	fn := func(e archive.Entry, rd io.Reader) error {
		gate <- struct{}{}
		defer func() { <-gate }()
		return r.entry(ctx, fr, ld, el, e, rd)
	}
	var err error
	if cx, ok := r.extract.(ConcurrentExtractor); ok {
		err = cx.ExtractWith(ctx, fr.f.Name, in.r, fr.f.Size, opt, fn)
	} else {
		err = r.extract.Extract(ctx, fr.f.Name, in.r, fr.f.Size, fn)
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
			// Cancelling the run closed the file (see open): the read
			// error that follows is the cancellation's.
			err = fmt.Errorf("%w: %w", cause, err)
		}
		if in.count.err != nil && errors.Is(err, in.count.err) {
			return locate(err, StageFetch, fr.f.Name, "")
		}
		return locate(err, StageExtract, fr.f.Name, "")
	}
	return nil
}

// startEntry counts an entry and reports it.
func (r *run) startEntry(fr *fileRun, e archive.Entry) {
	fr.live.entries.Add(1)
	name := e.Name
	fr.entry.Store(&name)
	r.track(Event{Kind: EntryStarted, File: fr.f.Name, Entry: e.Name, Size: e.Size})
}

// entry parses one entry and executes its statements.
func (r *run) entry(ctx context.Context, fr *fileRun, ld Load, el EntryLoad, e archive.Entry, rd io.Reader) error {
	r.startEntry(fr, e)
	if el != nil {
		if err := el.Entry(ctx, e); err != nil {
			return &Error{Stage: StageLoad, File: fr.f.Name, Entry: e.Name, Err: err}
		}
	}
	er := newEntryRun(e.Name)
	defer fr.merge(er)
	pr, _ := countReader(rd, &fr.live.bytesParsed)
	err := r.parser.Parse(ctx, pr, r.p.Dialect, func(st *sqlparse.Statement) error {
		return r.exec(ctx, fr, er, ld, st)
	})
	if err != nil {
		return locate(err, StageParse, fr.f.Name, e.Name)
	}
	return nil
}

// check reads a plain file of a dry run in place with the Parser's CheckAt,
// when the source gives random access, the Parser would be faster so and
// the Extractor calls the file plain. It reports false when it does not
// apply, and the file then goes the usual way.
func (r *run) check(ctx context.Context, fr *fileRun, rc io.ReadCloser) (bool, error) {
	_, dry := r.sink.(discard)
	ra, isAt := rc.(io.ReaderAt)
	px, isPlain := r.extract.(PlainExtractor)
	ca, isChecker := r.parser.(CheckerAt)
	if !dry || !isAt || !isPlain || !isChecker || !ca.CheckAtFaster(fr.f.Size) {
		return false, nil
	}
	e, ok := px.PlainEntry(fr.f.Name, ra, fr.f.Size)
	if !ok {
		return false, nil
	}
	r.startEntry(fr, e)
	// The counters move for the progress display while CheckAt runs (a
	// piece read twice counts twice there), then take its exact figures.
	stats, err := ca.CheckAt(ctx, ra, fr.f.Size, r.p.Dialect, fr.live.progress)
	if err != nil {
		return true, locate(err, StageParse, fr.f.Name, e.Name)
	}
	c := Counts{Entries: 1, BytesIn: fr.f.Size, Stats: *stats}
	fr.live.store(c)
	er := newEntryRun(e.Name)
	er.counts.Tables = stats.Tables
	fr.merge(er)
	return true, nil
}

// exec hands one statement to the load, counting its rows.
func (r *run) exec(ctx context.Context, fr *fileRun, er *entryRun, ld Load, st *sqlparse.Statement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fr.live.statements.Add(1)
	var cr *countRows
	if st.Rows != nil {
		if er.table != st.Table {
			// One atomic store per change of table, for the progress ticker.
			er.table = st.Table
			t := st.Table
			fr.table.Store(&t)
		}
		cr = &er.rows
		*cr = countRows{r: st.Rows, n: &fr.live.rows}
		st.Rows = cr
	}
	t0 := time.Now()
	err := ld.Exec(ctx, st)
	if err == nil && cr != nil {
		// Rows the sink left unread are still decoded, checked and counted.
		for _, err = range sqlparse.Rows(cr) {
		}
	}
	er.sinkTime += time.Since(t0)
	if cr != nil {
		cr.flush()
		er.counts.Tables[st.Table] += cr.seen
	}
	if err != nil {
		var skip *SkippedError
		if errors.As(err, &skip) {
			er.counts.SkippedStatements[skip.Reason]++
			return nil
		}
		var note *NotedError
		if errors.As(err, &note) {
			if er.counts.Notes == nil {
				er.counts.Notes = map[string]int64{}
			}
			for _, n := range note.Notes {
				er.counts.Notes[n]++
			}
			return nil
		}
		var perr *sqlparse.Error
		if errors.As(err, &perr) {
			// A syntax error inside the rows: the parser's position is exact.
			return err
		}
		var serr *StatementError
		if errors.As(err, &serr) {
			// An earlier statement's row, batched with this statement's.
			return &Error{Stage: StageLoad, File: fr.f.Name, Entry: er.name, Line: serr.Line, Offset: serr.Offset, Statement: serr.Statement, Table: serr.Table, Err: serr.Err}
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
	var se *StatementError
	switch {
	case errors.As(err, &se):
		e.Line, e.Offset, e.Statement, e.Table, e.Err = se.Line, se.Offset, se.Statement, se.Table, se.Err
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
