// Package importer imports database dumps: it lists files on a Source, picks
// them by pattern, skips those that did not change, unpacks them with an
// Extractor, parses the SQL with a Parser and loads the statements and rows
// into a [Sink], reporting progress to a [StatusTracker] all along.
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
	"io"
	"log/slog"
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
	// from r and calls fn once for each entry, one entry at a time, with a
	// reader of its uncompressed content, valid until fn returns. A file
	// that is not an archive is one entry. r may implement io.ReaderAt.
	// Extract returns an error that fn returned unchanged.
	Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(archive.Entry, io.Reader) error) error
}

// ConcurrentExtractor is implemented by an Extractor that can use goroutines
// of its own when told what its consumer can take. The pipeline then calls
// ExtractWith instead of Extract, with [archive.Options.Parallel] set to
// what the file's Load can take at once ([ParallelLoad], else one) and
// [archive.Options.ReadAhead] set, since the pipeline parses each entry as
// it is delivered. The Extractor decides the rest: [archive.Extractor]
// inflates ZIP and gzip entries ahead of the parser and extracts the
// entries of a ZIP in parallel. fn may be called concurrently only up to
// opt.Parallel.
type ConcurrentExtractor interface {
	ExtractWith(ctx context.Context, name string, r io.Reader, size int64, opt archive.Options, fn func(archive.Entry, io.Reader) error) error
}

// PlainExtractor is implemented by an Extractor that can say, given random
// access to a file, that it would deliver the file as it is, as the one
// entry it returns. A dry run hands such a file to a [CheckerAt] Parser.
type PlainExtractor interface {
	PlainEntry(name string, r io.ReaderAt, size int64) (archive.Entry, bool)
}

// Parser splits a dump into statements.
type Parser interface {
	// Parse reads statements in dialect d ([sqlparse.Auto] to detect it) from r
	// and calls fn for each one, in order. A statement is valid until fn
	// returns; rows of Insert and Copy statements that fn did not read are
	// read (and checked) by Parse before the next statement. Parse returns
	// an error that fn returned unchanged; syntax errors are [*sqlparse.Error].
	Parse(ctx context.Context, r io.Reader, d sqlparse.Dialect, fn func(*sqlparse.Statement) error) error
}

// CheckerAt is implemented by a Parser that can read a whole dump in place,
// on several cores, and count what Parse would deliver (every row decoded)
// without delivering it. In a dry run ([Discard]), a file whose reader is an
// io.ReaderAt, whose size CheckAtFaster accepts and that a [PlainExtractor]
// calls plain is read with CheckAt: its Stats and errors must be those of
// Parse. CheckAt calls progress, from any goroutine, with what it read since
// the last call.
type CheckerAt interface {
	// CheckAtFaster reports whether CheckAt reads a dump of size bytes
	// faster than Parse does.
	CheckAtFaster(size int64) bool
	CheckAt(ctx context.Context, r io.ReaderAt, size int64, d sqlparse.Dialect, progress func(sqlparse.Stats)) (*sqlparse.Stats, error)
}

// Sink loads statements into a target. Begin may be called concurrently for
// different files when [Pipeline].Concurrency is above one.
type Sink interface {
	// Begin starts loading one file into the target t. Nothing the load
	// does needs to be visible to readers of the target before Commit.
	Begin(ctx context.Context, t Target) (Load, error)
}

// Load is one file's load into a [Sink]: every statement of the file, then
// exactly one of Commit or Abort.
type Load interface {
	// Exec handles one statement. For Insert and Copy statements it reads
	// the rows from st.Rows (rows it does not read are still counted as
	// delivered). st is only valid until Exec returns. An error wrapping
	// [ErrSkipped] counts the statement as deliberately skipped; any other
	// error fails the file.
	Exec(ctx context.Context, st *sqlparse.Statement) error
	// Commit makes the whole load visible at once.
	Commit(ctx context.Context) error
	// Abort discards the load and leaves the target as it was before Begin.
	// It is called with a context that is not cancelled, even when the run's
	// context is.
	Abort(ctx context.Context) error
}

// EntryLoad is implemented by a [Load] that wants to know when a new archive
// entry starts: the pipeline calls Entry before the entry's first statement.
type EntryLoad interface {
	Entry(ctx context.Context, e archive.Entry) error
}

// ParallelLoad is implemented by a [Load] that can take several archive
// entries at once: its Exec (and Entry, if it has it) may then be called
// concurrently from up to Parallel() goroutines, each reading a different
// entry. The pipeline tells a [ConcurrentExtractor] so, which may then
// extract that many entries at once; a Load without it gets one entry at a
// time.
type ParallelLoad interface {
	Load
	Parallel() int
}

// SummaryLoad is implemented by a [Load] that can say how it loaded: the
// pipeline calls Summary once, after Commit or Abort returned, and puts the
// result in [FileReport].Load (and so in the JSON of a report).
type SummaryLoad interface {
	Load
	Summary() LoadSummary
}

// LoadSummary says how a [Load] wrote its target: which mode, which bulk
// path and what it swapped in. Every field is optional; a sink fills those
// that mean something for it.
type LoadSummary struct {
	// Sink names the sink: "mysql", "postgres", "sqlite" or a custom name.
	Sink string `json:"sink,omitempty"`
	// Target is the database, schema or file written, without credentials.
	Target string `json:"target,omitempty"`
	// Mode is the load's mode: "replace", "append" or "recreate".
	Mode string `json:"mode,omitempty"`
	// BulkPath names how rows travelled, for example "LOAD DATA LOCAL
	// INFILE", "INSERT" (a fallback) or "COPY".
	BulkPath string `json:"bulk_path,omitempty"`
	// Swapped lists the tables (or schemas) that an atomic swap put in
	// place, in the order of the swap.
	Swapped []string `json:"swapped,omitempty"`
	// Deferred lists the secondary indexes and constraints built after the
	// rows rather than before them.
	Deferred []string `json:"deferred,omitempty"`
	// Jobs is the number of connections that loaded rows at once.
	Jobs int `json:"jobs,omitempty"`
}

// ServerSink is implemented by a [Sink] that knows the server it loads
// into, whose flavour and version decide how some dumps read: MySQL
// conditional comments among the values of an INSERT hold values for one
// server and are comments for another (see [sqlparse.Server]). When
// [Pipeline].Parser is nil, Run asks the sink once, before the first file,
// and parses with &sqlparse.Parser{Server: …}; a Pipeline with a Parser of
// its own is left as it is.
type ServerSink interface {
	Sink
	ParserServer(ctx context.Context) (sqlparse.Server, error)
}

// Target says what a Load writes to.
type Target struct {
	// File is the source file being imported.
	File source.File
	// Name is the target chosen by [Pipeline].Route (for example a database
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
	// [source.NewMatcher]). Empty selects every file.
	Patterns []string
	// State skips files imported before and unchanged since. Nil imports
	// every selected file.
	State State
	// Extractor unpacks files. Nil uses &[archive.Extractor]{}: ZIP (stored,
	// deflate, zstd), gzip, zstd, tar, .tar.gz, .tar.zst and plain files,
	// archives nested up to three levels, the default safety limits
	// ([archive.Limits]) and no password, so encrypted ZIP entries fail with
	// [archive.ErrPassword]; set an Extractor with a Password hook to read
	// them. An Extractor that implements [ConcurrentExtractor] or
	// [PlainExtractor] (as archive.Extractor does) is used through them.
	Extractor Extractor
	// Parser splits dumps into statements. Nil uses &[sqlparse.Parser]{},
	// with the Server a [ServerSink] names. A
	// Parser that implements [CheckerAt] (as sqlparse.Parser does) reads
	// the plain files of a dry run through it.
	Parser Parser
	// Dialect is the SQL dialect of the dumps; [sqlparse.Auto] (the zero
	// value) detects it per entry.
	Dialect sqlparse.Dialect
	// Sink loads the statements. Nil means [Discard], a dry run.
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
	// KeepGoing goes on with the other files when one fails: the files of
	// a drop are independent, each its own load, so one bad file need not
	// cost the night's others. Without it Run stops at the first failure.
	KeepGoing bool
	// Settle decides when a listed file is whole, so that an upload still
	// being written is left for a later run. Nil is the zero [Settle]:
	// the names of [DefaultIgnore] are ignored and every other file is
	// taken at once.
	Settle *Settle
	// AfterImport moves, renames or deletes each file once its load was
	// committed. Nil leaves the files in place. Run fails at its start
	// when the Source cannot do the action (see [Renamer], [Remover]).
	AfterImport *AfterImport
	// OnFile, when set, is called once for each file whose load started,
	// when it has ended: imported (committed, recorded in State, moved by
	// AfterImport), failed or cancelled, as rep's Status and Err say. It
	// runs on the file's worker goroutine, before the next file there; the
	// original system flushed its application's Redis cache after each
	// import:
	//
	//	OnFile: func(ctx context.Context, rep importer.FileReport) {
	//		if rep.Status == importer.Imported {
	//			rdb.FlushDB(ctx)
	//		}
	//	},
	//
	// ctx is the run's context (it may be cancelled when the file was).
	OnFile func(ctx context.Context, rep FileReport)
	// OnRun, when set, is called once when Run ends, with the report and
	// the error that Run returns: the place to alert on a failed night.
	OnRun func(ctx context.Context, rep *Report, err error)
}

// Run imports every selected file and returns a report of what it did,
// which lists every selected file with its [FileStatus]. A failing file's
// load is aborted; files already committed stay committed. Without
// [Pipeline].KeepGoing, Run stops at the first failure: the loads of the
// files in progress are aborted ([Cancelled]) and the others are not
// started ([NotStarted]). With it, every file is tried. The error is
// returned along with the report: an [*Error] or, when the load's Abort
// failed as well, the two joined (errors.As finds the failure's *Error
// first); when several files failed, their errors joined, in the order
// they failed ([Report].Errors lists them one by one). Run returns only
// after every goroutine it started has exited.
func (p *Pipeline) Run(ctx context.Context) (*Report, error) {
	r := &run{p: p, report: &Report{Started: time.Now(), Counts: Counts{Stats: sqlparse.Stats{Tables: map[string]int64{}}}}}
	err := r.run(ctx)
	slices.SortFunc(r.report.Files, func(a, b FileReport) int { return cmp.Compare(a.File.Name, b.File.Name) })
	r.report.Finished = time.Now()
	r.report.Durations.Total = r.report.Finished.Sub(r.report.Started)
	if err != nil {
		r.failures = append(r.failures, err)
	}
	r.report.Errors = r.failures
	err = errors.Join(r.failures...)
	if len(r.failures) == 1 {
		err = r.failures[0]
	}
	r.track(Event{Kind: RunFinished, Err: err})
	if p.OnRun != nil {
		p.OnRun(ctx, r.report, err)
	}
	return r.report, err
}

type run struct {
	p      *Pipeline
	report *Report

	mu       sync.Mutex // guards report, active and failures
	active   []*fileRun
	failures []error
	matcher  *source.Matcher
	markers  map[string]string // file -> its marker file
	extract  Extractor
	parser   Parser
	sink     Sink
	interval time.Duration
}

// run does the work of Run; the failures of files are in r.failures, and
// the error it returns is that of the run itself (listing, state,
// cancellation).
func (r *run) run(ctx context.Context) error {
	p := r.p
	if p.Source == nil {
		return errors.New("importer: Pipeline.Source is nil")
	}
	var err error
	if r.matcher, err = source.NewMatcher(p.Patterns...); err != nil {
		return err
	}
	if err := p.AfterImport.check(p.Source); err != nil {
		return err
	}
	r.extract = cmp.Or[Extractor](p.Extractor, &archive.Extractor{})
	r.parser = cmp.Or[Parser](p.Parser, &sqlparse.Parser{})
	r.sink = cmp.Or[Sink](p.Sink, Discard)
	r.interval = cmp.Or(p.ProgressInterval, 250*time.Millisecond)
	workers := cmp.Or(p.Concurrency, 2)

	r.track(Event{Kind: RunStarted})
	st := cmp.Or(p.Settle, &Settle{})
	files, names, err := r.list(ctx, st)
	if err != nil {
		return err
	}

	var fresh []source.File
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
		fresh = append(fresh, f)
	}
	todo, err := r.settle(ctx, st, fresh, names)
	if err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	for _, f := range todo {
		r.track(Event{Kind: FileQueued, File: f.Name, Size: f.Size})
	}
	if ss, ok := r.sink.(ServerSink); ok && p.Parser == nil {
		srv, err := ss.ParserServer(ctx)
		if err != nil {
			return &Error{Stage: StageLoad, Err: err}
		}
		r.parser = &sqlparse.Parser{Server: srv}
	}

	// Files go to the workers in order; started records which ones a
	// worker took, so that the others are reported as not started.
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var g errgroup.Group
	ch := make(chan int)
	started := make([]bool, len(todo))
	g.Go(func() error {
		defer close(ch)
		for i := range todo {
			select {
			case ch <- i:
			case <-wctx.Done():
				return nil
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
			for i := range ch {
				if wctx.Err() != nil {
					continue // drained: the file is not started
				}
				started[i] = true
				if err := r.file(wctx, todo[i]); err != nil && !p.KeepGoing {
					stop(err)
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
	g.Wait()
	for i, f := range todo {
		if !started[i] {
			r.report.Files = append(r.report.Files, FileReport{File: f, Status: NotStarted})
			r.report.NotStarted++
		}
	}
	if ctx.Err() != nil {
		return &Error{Stage: StageLoad, Err: context.Cause(ctx)}
	}
	return nil
}

// list lists the source and returns the files the patterns select, but
// not those an earlier AfterImport made nor those st ignores or reads as
// markers, in name order, and the names of every listed file.
func (r *run) list(ctx context.Context, st *Settle) ([]source.File, map[string]bool, error) {
	p := r.p
	t0 := time.Now()
	all, err := p.Source.List(ctx)
	r.report.Durations.List += time.Since(t0)
	if err != nil {
		return nil, nil, &Error{Stage: StageList, Err: err}
	}
	names := make(map[string]bool, len(all))
	var sel []source.File
	for _, f := range all {
		names[f.Name] = true
		if r.matcher.Match(f.Name) && !p.AfterImport.done(f.Name) {
			sel = append(sel, f)
		}
	}
	slices.SortFunc(sel, func(a, b source.File) int { return cmp.Compare(a.Name, b.Name) })
	sel, r.report.Ignored, err = st.filter(sel, names)
	if err != nil {
		return nil, nil, &Error{Stage: StageSettle, Err: err}
	}
	return sel, names, nil
}

// settle returns the files that st takes, in name order; those it leaves
// are reported as Unsettled.
func (r *run) settle(ctx context.Context, st *Settle, files []source.File, names map[string]bool) ([]source.File, error) {
	relist := func(ctx context.Context) ([]source.File, error) {
		t0 := time.Now()
		again, err := r.p.Source.List(ctx)
		r.report.Durations.List += time.Since(t0)
		return again, err
	}
	take, wait, markers, err := st.settled(ctx, files, names, relist)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Stage: StageLoad, Err: context.Cause(ctx)}
		}
		return nil, &Error{Stage: StageSettle, Err: err}
	}
	r.markers = markers
	for _, f := range wait {
		r.report.Files = append(r.report.Files, FileReport{File: f, Status: Unsettled})
		r.report.Unsettled++
		r.log(ctx, slog.LevelInfo, "still being written, left for a later run", "file", f.Name)
	}
	slices.SortFunc(take, func(a, b source.File) int { return cmp.Compare(a.Name, b.Name) })
	return take, nil
}

func (r *run) fileEvent(fr *fileRun) Event {
	table := ""
	if t := fr.table.Load(); t != nil {
		table = *t
	}
	return Event{File: fr.f.Name, Entry: *fr.entry.Load(), Table: table, Size: fr.f.Size, Counts: fr.live.load()}
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

// Discard is the dry-run sink, used when [Pipeline].Sink is nil: it keeps
// nothing, and the pipeline still decodes, checks and counts every row. A
// dry run reads a large plain file on several cores (see [CheckerAt]).
var Discard Sink = discard{}

type discard struct{}

func (discard) Begin(context.Context, Target) (Load, error)     { return discard{}, nil }
func (discard) Exec(context.Context, *sqlparse.Statement) error { return nil }
func (discard) Commit(context.Context) error                    { return nil }
func (discard) Abort(context.Context) error                     { return nil }
