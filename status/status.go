// Package status keeps the live status of import runs and serves it.
//
// A [Tracker] receives the pipeline's events (it is an
// [importer.StatusTracker]) and keeps the run's state, every file with its
// counters, rates and ETA, the tables loaded, a history of finished runs and
// a ring of structured log entries. [Tracker.Snapshot] is cheap: a snapshot
// is built only when something changed since the last one, and shared by
// every reader until the next change. [Tracker.LogHandler] bridges
// log/slog, so that the library's logs and the application's reach the ring
// and the application's own handler.
//
// [Handler] serves a Tracker over HTTP: the status as JSON, the log with a
// cursor, Server-Sent Events of both, a self-contained status page, and a
// POST that starts a run. Package status/metrics exports a Tracker to
// Prometheus; package schedule runs imports on a schedule and tells a
// Tracker (its Observer) the next run, the waits and the retries.
package status

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dumpline/importer"
)

// State is the state of a run, or of the tracker (the current or last run).
type State string

// The states. Idle is the state before the first run.
const (
	Idle      State = "idle"
	Running   State = "running"
	Succeeded State = "succeeded" // every selected file imported (or skipped as unchanged, with one at least imported)
	Failed    State = "failed"
	Skipped   State = "skipped"   // nothing to import: every selected file unchanged, or none selected
	Cancelled State = "cancelled" // the run's context was cancelled
)

// FileState is the state of one file of a run.
type FileState string

// The file states.
const (
	FileQueued   FileState = "queued"
	FileRunning  FileState = "running"
	FileImported FileState = "imported"
	FileSkipped  FileState = "skipped"
	FileFailed   FileState = "failed"
)

// DefaultLogSize is the number of log entries a Tracker keeps when
// Tracker.LogSize is zero.
const DefaultLogSize = 512

// HistorySize is the number of finished runs a Tracker keeps (see
// [Snapshot.History]).
const HistorySize = 32

// rateTau is the time constant of the rates' moving average.
const rateTau = 5 * time.Second

// Tracker implements [importer.StatusTracker]. The zero value is ready to
// use and safe for concurrent use. Set LogSize before the first event.
//
// Track costs a lock, a few comparisons and the arithmetic of the rates; it
// never allocates for a Progress event of a known file. Snapshot builds a new
// [Snapshot] only when an event arrived since the last one.
type Tracker struct {
	// LogSize is how many log entries to keep; zero means DefaultLogSize.
	LogSize int

	mu      sync.Mutex
	version uint64        // bumped on every change of the status
	cache   *Snapshot     // the snapshot of version, once built
	notify  chan struct{} // closed on the next change; nil when nobody waits
	run     runState
	files   []*fileState
	byName  map[string]*fileState
	last    *fileState // the file of the last event, to skip the map lookup
	total   Cumulative // finished runs, plus the retries
	history []RunSummary
	runSeq  uint64

	lastSuccess  time.Time
	nextRun      time.Time
	retries      int  // retries of the current or last run
	retryPending bool // Retrying was called: the next run is a retry
	waiting      bool // the scheduler waits (busy check or backoff)
	stageNote    string

	log     logRing
	bridged atomic.Bool // a Handler bridge feeds the ring: Log events are ignored
}

var _ importer.StatusTracker = (*Tracker)(nil)

// New returns a Tracker keeping the last logSize log entries (zero means
// DefaultLogSize).
func New(logSize int) *Tracker { return &Tracker{LogSize: logSize} }

// runState is the current or last run.
type runState struct {
	state          State
	stage          string
	started, ended time.Time
	updated        time.Time // the time of the last event
	err            string
}

// fileState is a file of the current run: what a snapshot shows, plus the
// last sample of the rates and the tables.
type fileState struct {
	File
	sampleT      time.Time
	sampleBytes  int64
	sampleRows   int64
	tableRows    int64 // File.Rows when the current table was last credited
	cur          int   // index in File.ByTable of the current table, or -1
	entrySizeSum int64 // the sizes of the entries started, -1 once one is unknown
}

// Track implements [importer.StatusTracker].
func (t *Tracker) Track(e importer.Event) {
	if e.Kind == importer.Log && t.bridged.Load() {
		return // the same lines arrive through the slog bridge
	}
	t.mu.Lock()
	switch e.Kind {
	case importer.RunStarted:
		t.startRun(&e)
	case importer.RunFinished:
		t.finishRun(&e)
	case importer.FileQueued, importer.FileStarted, importer.FileSkipped, importer.FileFinished,
		importer.FileFailed, importer.EntryStarted, importer.Progress:
		t.fileEvent(&e)
	case importer.Log:
		t.log.add(t.LogSize, logFromEvent(&e))
	default:
		t.mu.Unlock()
		return
	}
	if !e.Time.IsZero() {
		t.run.updated = e.Time
	}
	t.changed()
	t.mu.Unlock()
}

// changed marks a change; t.mu is held.
func (t *Tracker) changed() {
	t.version++
	if t.notify != nil {
		close(t.notify)
		t.notify = nil
	}
}

// Changed returns a channel that is closed at the next change of the
// tracker's status or log.
func (t *Tracker) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.notify == nil {
		t.notify = make(chan struct{})
	}
	return t.notify
}

// Version counts the changes of the tracker: it differs between two calls
// when something changed in between. [Snapshot.Version] is its value when
// the snapshot was built.
func (t *Tracker) Version() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.version
}

func (t *Tracker) startRun(e *importer.Event) {
	t.run = runState{state: Running, stage: string(importer.StageList), started: e.Time}
	t.files, t.byName, t.last = nil, map[string]*fileState{}, nil
	t.waiting, t.stageNote = false, ""
	if !t.retryPending { // a new run, not a retry of the last one
		t.retries = 0
	}
	t.retryPending = false
}

func (t *Tracker) finishRun(e *importer.Event) {
	r := &t.run
	r.ended, r.stage = e.Time, ""
	tot := t.totals()
	switch {
	case e.Err != nil && (errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded)):
		r.state = Cancelled
	case e.Err != nil:
		r.state = Failed
	case tot.FilesImported == 0:
		r.state = Skipped
	default:
		r.state = Succeeded
	}
	if e.Err != nil {
		r.err = e.Err.Error()
	}
	if r.state == Succeeded || r.state == Skipped {
		t.lastSuccess = e.Time
	}
	// Files still queued or running when the run ended did not import.
	for _, f := range t.files {
		if f.State == FileQueued || f.State == FileRunning {
			f.State, f.Stage = FileFailed, ""
			if f.Error == "" && e.Err != nil {
				f.Error = "not imported: " + string(r.state)
			}
		}
		f.BytesPerSec, f.RowsPerSec, f.ETASeconds = 0, 0, 0
	}
	t.runSeq++
	sum := RunSummary{Seq: t.runSeq, State: r.state, Started: r.started, Finished: r.ended,
		DurationSeconds: r.ended.Sub(r.started).Seconds(), Totals: tot, Retries: t.retries, Error: r.err}
	t.total.addRun(sum)
	if len(t.history) == HistorySize {
		t.history = slices.Delete(t.history, 0, 1)
	}
	t.history = append(t.history, sum)
}

func (t *Tracker) file(name string, at time.Time) *fileState {
	if f := t.last; f != nil && f.Name == name {
		return f
	}
	if t.byName == nil {
		t.byName = map[string]*fileState{}
	}
	f := t.byName[name]
	if f == nil {
		f = &fileState{File: File{Name: name, State: FileQueued, Size: -1, Started: at}, cur: -1}
		t.byName[name] = f
		t.files = append(t.files, f)
	}
	t.last = f
	return f
}

func (t *Tracker) fileEvent(e *importer.Event) {
	f := t.file(e.File, e.Time)
	f.Updated = e.Time
	if e.Size > 0 && e.Kind != importer.EntryStarted {
		f.Size = e.Size
	}
	switch e.Kind {
	case importer.FileQueued:
		return
	case importer.FileStarted:
		f.State, f.Stage, f.Started = FileRunning, string(importer.StageOpen), e.Time
		f.sampleT = e.Time
		t.run.stage = string(importer.StageLoad)
		return
	case importer.FileSkipped:
		f.State, f.Stage = FileSkipped, ""
		return
	case importer.EntryStarted:
		f.Entry, f.EntrySize, f.Stage = e.Entry, e.Size, string(importer.StageLoad)
		if e.Size > 0 && f.entrySizeSum >= 0 {
			f.entrySizeSum += e.Size
		} else {
			f.entrySizeSum = -1
		}
		f.BytesParsedExpected = max(f.entrySizeSum, 0)
		return
	case importer.Progress:
		f.State = FileRunning
		if e.Entry != "" || e.BytesIn > 0 {
			f.Stage = string(importer.StageLoad)
		}
	case importer.FileFinished:
		f.State, f.Stage, f.Finished = FileImported, "", e.Time
	case importer.FileFailed:
		f.State, f.Stage, f.Finished = FileFailed, "", e.Time
		if e.Err != nil {
			f.Error = e.Err.Error()
		}
	}
	if e.Entry != "" {
		f.Entry = e.Entry
	}
	t.creditTable(f, e.Table, e.Rows)
	if e.Tables != nil { // exact figures at the end of the file
		f.setTables(e.Tables)
	}
	t.sample(f, e)
	f.Counts.Entries, f.Counts.BytesIn, f.Counts.BytesParsed = e.Entries, e.BytesIn, e.BytesParsed
	f.Counts.Statements, f.Counts.Rows = e.Statements, e.Rows
	if e.SkippedStatements != nil {
		f.Counts.SkippedStatements = e.SkippedStatements
	}
	f.Table = e.Table
}

// creditTable credits the rows read since the last event to table (the
// table being read last: an approximation when entries load in parallel,
// corrected by the exact figures at the end of the file).
func (t *Tracker) creditTable(f *fileState, table string, rows int64) {
	if table == "" {
		return
	}
	if f.cur < 0 || f.ByTable[f.cur].Name != table {
		f.cur = slices.IndexFunc(f.ByTable, func(tp Table) bool { return tp.Name == table })
		if f.cur < 0 {
			f.ByTable = append(f.ByTable, Table{Name: table})
			f.cur = len(f.ByTable) - 1
		}
	}
	if d := rows - f.tableRows; d > 0 {
		f.ByTable[f.cur].Rows += d
	}
	f.tableRows = rows
}

func (f *fileState) setTables(m map[string]int64) {
	f.ByTable = f.ByTable[:0]
	for name, n := range m {
		f.ByTable = append(f.ByTable, Table{Name: name, Rows: n})
	}
	slices.SortFunc(f.ByTable, func(a, b Table) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	f.cur = -1
}

// sample updates the moving averages of the rates: an exponential average
// with a time constant of rateTau, over samples at least 100ms apart.
func (t *Tracker) sample(f *fileState, e *importer.Event) {
	dt := e.Time.Sub(f.sampleT)
	if f.sampleT.IsZero() || dt <= 0 {
		f.sampleT, f.sampleBytes, f.sampleRows = e.Time, e.BytesIn, e.Rows
		return
	}
	if dt < 100*time.Millisecond {
		return
	}
	sec := dt.Seconds()
	bps := float64(e.BytesIn-f.sampleBytes) / sec
	rps := float64(e.Rows-f.sampleRows) / sec
	if f.BytesPerSec == 0 && f.RowsPerSec == 0 {
		f.BytesPerSec, f.RowsPerSec = bps, rps
	} else {
		a := sec / (rateTau.Seconds() + sec)
		f.BytesPerSec += a * (bps - f.BytesPerSec)
		f.RowsPerSec += a * (rps - f.RowsPerSec)
	}
	f.sampleT, f.sampleBytes, f.sampleRows = e.Time, e.BytesIn, e.Rows
}

// progress sets the file's fraction done and ETA (when a snapshot is
// built, not on every event).
func (f *fileState) progress() {
	switch {
	case f.State == FileImported:
		f.Progress, f.ETASeconds = 1, 0
	case f.Size > 0:
		f.Progress = min(float64(f.BytesIn)/float64(f.Size), 1)
		if f.BytesPerSec > 0 && f.State == FileRunning {
			f.ETASeconds = max(float64(f.Size-f.BytesIn), 0) / f.BytesPerSec
		}
	case f.BytesParsedExpected > 0:
		f.Progress = min(float64(f.BytesParsed)/float64(f.BytesParsedExpected), 1)
	}
}

// Scheduled records the time of the next scheduled run (zero: none). It is
// called by a scheduler, such as the one of package schedule.
func (t *Tracker) Scheduled(next time.Time) {
	t.mu.Lock()
	t.nextRun = next
	t.changed()
	t.mu.Unlock()
}

// Retrying records that the run that just failed with err will be tried
// again after delay, as the attempt-th retry.
func (t *Tracker) Retrying(attempt int, delay time.Duration, err error) {
	t.mu.Lock()
	t.retries, t.retryPending = attempt, true
	t.total.Retries++
	t.waiting, t.stageNote = true, "retry"
	t.changed()
	t.mu.Unlock()
}

// Waiting records that a scheduled run waits (because the application is
// busy) or no longer waits.
func (t *Tracker) Waiting(busy bool) {
	t.mu.Lock()
	t.waiting = busy
	t.stageNote = ""
	if busy {
		t.stageNote = "waiting"
	}
	t.changed()
	t.mu.Unlock()
}
