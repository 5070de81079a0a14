package importer

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// Report says what a Run did.
type Report struct {
	// Started and Finished bound the run.
	Started, Finished time.Time
	// Files has one entry per selected file, sorted by name, whatever
	// became of it (see [FileStatus]): every file the patterns selected is
	// there, except those [Settle] ignores by name and the marker files it
	// reads.
	Files []FileReport
	// Imported, Skipped, Failed, Cancelled, NotStarted and Unsettled count
	// Files by status.
	Imported, Skipped, Failed, Cancelled, NotStarted, Unsettled int
	// Ignored counts the files that the patterns selected and that
	// [Settle].Ignore left out by name (partial uploads, hidden files).
	Ignored int
	// Counts are the sums of the files' counts.
	Counts
	// Durations splits the run's time.
	Durations Durations
	// Errors lists the failures, in the order they happened: each an
	// [*Error], or an error joining one with the failure of the load's
	// Abort (errors.As finds the *Error). A run stopped by its context has
	// the cancellation here too.
	Errors []error
}

// Durations splits a run's time by stage. Extraction, parsing and loading
// overlap on a stream, so Sink is the time spent inside the sink's methods
// (which includes decoding the rows it reads) and the rest of a file's time
// is reading, unpacking and splitting.
type Durations struct {
	Total time.Duration
	List  time.Duration // listing the source
	Open  time.Duration // opening files (for remote sources: until the transfer starts)
	Sink  time.Duration // inside Sink.Begin, Load.Exec and Load.Commit
}

// FileStatus is the outcome for one file.
type FileStatus uint8

// The file outcomes.
const (
	// Imported: the file's load was committed. Its Err is set only when
	// the [AfterImport] action failed afterwards.
	Imported FileStatus = iota + 1
	// Skipped: [State] says the file was imported before and is unchanged.
	Skipped
	// Failed: the file's load failed and was aborted; Err says why.
	Failed
	// Cancelled: the file was being imported when the run stopped (its
	// context was cancelled, or another file failed without
	// [Pipeline].KeepGoing); its load was aborted.
	Cancelled
	// NotStarted: the run stopped before the file's turn.
	NotStarted
	// Unsettled: the file may still be written to ([Settle]): its size or
	// modification time changed between two looks, or it has no marker
	// file. A later run takes it.
	Unsettled
)

var statusNames = [...]string{Imported: "imported", Skipped: "skipped", Failed: "failed",
	Cancelled: "cancelled", NotStarted: "not-started", Unsettled: "unsettled"}

// String returns "imported", "skipped", "failed", "cancelled",
// "not-started" or "unsettled".
func (s FileStatus) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return fmt.Sprintf("FileStatus(%d)", s)
}

// FileReport says what happened to one file.
type FileReport struct {
	File   source.File
	Status FileStatus
	// Counts are the file's figures; for a failed file, what was read
	// before the failure.
	Counts
	Duration time.Duration
	// Load is what the sink's load said of itself (see [SummaryLoad]);
	// zero for a sink that does not say.
	Load LoadSummary
	Err  error
}

// Stage names a step of the pipeline in errors and events.
type Stage string

// The stages.
const (
	StageList    Stage = "list"
	StageState   Stage = "state"
	StageOpen    Stage = "open"
	StageFetch   Stage = "fetch"
	StageExtract Stage = "extract"
	StageParse   Stage = "parse"
	StageLoad    Stage = "load"
	StageCommit  Stage = "commit"
	StageSettle  Stage = "settle" // the second look of [Settle]
	StageAfter   Stage = "after-import"
)

// Error says where an import failed. Positions that do not apply are zero.
// Its message never includes a password or other secret.
type Error struct {
	Stage Stage
	// File is the source file's name; Entry the archive entry's.
	File, Entry string
	// Line and Column (1-based) and Offset (bytes) locate the failure in the
	// entry's uncompressed content; for archive format errors Offset is in
	// the file.
	Line, Column, Offset int64
	// Statement is the 1-based statement number within the entry.
	Statement int64
	// Table is the statement's table, when it has one.
	Table string
	// Err is the cause.
	Err error
}

// Error implements error: "load dump.zip!data.sql:120 (byte 5531, statement 17, table t): cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("importer: ")
	b.WriteString(string(e.Stage))
	if e.File != "" {
		b.WriteString(" ")
		b.WriteString(e.File)
	}
	if e.Entry != "" {
		b.WriteString("!")
		b.WriteString(e.Entry)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	var pos []string
	if e.Offset > 0 {
		pos = append(pos, fmt.Sprintf("byte %d", e.Offset))
	}
	if e.Statement > 0 {
		pos = append(pos, fmt.Sprintf("statement %d", e.Statement))
	}
	if e.Table != "" {
		pos = append(pos, "table "+e.Table)
	}
	if len(pos) > 0 {
		b.WriteString(" (" + strings.Join(pos, ", ") + ")")
	}
	b.WriteString(": ")
	var pe *sqlparse.Error
	if errors.As(e.Err, &pe) && pe.Line == e.Line && pe.Offset == e.Offset {
		// The position is printed above already.
		b.WriteString(pe.Msg)
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrSkipped is wrapped by the errors that [Skip] returns.
var ErrSkipped = errors.New("importer: statement skipped")

// SkippedError is returned by a [Load]'s Exec to say that it deliberately did
// not apply a statement. The pipeline counts it in
// [Report].SkippedStatements under Reason and goes on.
type SkippedError struct {
	Reason string
}

// Skip returns a [*SkippedError] for reason, for example
// Skip("mysql LOCK TABLES has no meaning in sqlite").
func Skip(reason string) error { return &SkippedError{Reason: reason} }

// NotedError is returned by a [Load]'s Exec to say that it applied a
// statement with changes worth reporting: a sink that translates a dump of
// another dialect names the parts it dropped or changed. The pipeline
// counts each note in [Counts].Notes and goes on.
type NotedError struct {
	Notes []string
}

// Note returns a [*NotedError] for notes, for example
// Note("not translated: ON UPDATE CURRENT_TIMESTAMP of actor.last_update").
func Note(notes ...string) error { return &NotedError{Notes: notes} }

// Error implements error.
func (e *NotedError) Error() string {
	return "importer: statement applied with notes: " + strings.Join(e.Notes, "; ")
}

// Error implements error.
func (e *SkippedError) Error() string { return "importer: statement skipped: " + e.Reason }

// Unwrap returns [ErrSkipped].
func (e *SkippedError) Unwrap() error { return ErrSkipped }

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds.
const (
	RunStarted EventKind = iota + 1
	RunFinished
	FileStarted
	FileSkipped
	FileFinished
	FileFailed
	EntryStarted
	Progress
	Log
	// FileQueued is sent for each selected file that will be imported, in
	// order, once the source is listed and before the first FileStarted, so
	// that a tracker knows the whole run's work (Size) from the start.
	FileQueued
)

var eventNames = [...]string{RunStarted: "run-started", RunFinished: "run-finished", FileStarted: "file-started",
	FileSkipped: "file-skipped", FileFinished: "file-finished", FileFailed: "file-failed",
	EntryStarted: "entry-started", Progress: "progress", Log: "log", FileQueued: "file-queued"}

// String returns the kind's name, such as "file-started".
func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// Event is one report from the pipeline to its [StatusTracker]. Counters are
// cumulative for the file, so a tracker only keeps the latest.
type Event struct {
	Kind EventKind
	Time time.Time
	// File and Entry name what the event is about ("" for run events).
	File, Entry string
	// Table is, in Progress events, the table whose rows were being read
	// last ("" before the first row statement).
	Table string
	// Size is the expected total: of the file (compressed) for file events,
	// of the entry (uncompressed) for EntryStarted; -1 or 0 when unknown.
	Size int64
	// Counts are the file's counters so far: Entries, BytesIn, BytesParsed,
	// Statements and Rows. Tables and SkippedStatements are nil, except in
	// FileFinished and FileFailed, which carry the file's final counts.
	Counts
	// Level, Msg and Attrs are set for Log events (Attrs as slog key-value pairs).
	Level slog.Level
	Msg   string
	Attrs []any
	// Err is set for FileFailed and for a failed RunFinished.
	Err error
}
