// Package status keeps the live status of import runs: a Tracker receives
// the pipeline's events and serves cheap snapshots of the run state, the
// files in progress with their counters, and a ring of recent log entries.
package status

import (
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/dumpline/importer"
)

// State is the state of the tracked pipeline.
type State string

// The states.
const (
	Idle     State = "idle"
	Running  State = "running"
	Finished State = "finished"
	Failed   State = "failed"
)

// DefaultLogSize is the number of log entries a Tracker keeps when
// Tracker.LogSize is zero.
const DefaultLogSize = 256

// Tracker implements [importer.StatusTracker]. The zero value is ready to use
// and safe for concurrent use. Set LogSize before the first event.
type Tracker struct {
	// LogSize is how many log entries to keep; zero means DefaultLogSize.
	LogSize int

	mu       sync.Mutex
	state    State
	started  time.Time
	finished time.Time
	lastErr  string
	files    map[string]*File
	done     Totals
	log      []LogEntry // ring
	logNext  int
	logFull  bool
}

var _ importer.StatusTracker = (*Tracker)(nil)

// New returns a Tracker keeping the last logSize log entries (zero means
// DefaultLogSize).
func New(logSize int) *Tracker { return &Tracker{LogSize: logSize} }

// Totals are the counters of a run.
type Totals struct {
	// Files, FilesSkipped and FilesFailed count the files imported,
	// skipped as unchanged and failed.
	Files        int `json:"files"`
	FilesSkipped int `json:"files_skipped"`
	FilesFailed  int `json:"files_failed"`
	// Counts sums the counters of the files.
	importer.Counts
}

// File is the status of one file of the current run.
type File struct {
	Name  string `json:"name"`
	Entry string `json:"entry,omitempty"`
	// Table is the table being loaded.
	Table string `json:"table,omitempty"`
	// Stage is "started", "importing", "imported", "skipped" or "failed".
	Stage string `json:"stage"`
	Size  int64  `json:"size"`
	// Counts are the file's counters (Tables and SkippedStatements nil).
	importer.Counts
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	Error   string    `json:"error,omitempty"`
}

// LogEntry is one line of the log ring.
type LogEntry struct {
	Time  time.Time  `json:"time"`
	Level slog.Level `json:"level"`
	Msg   string     `json:"msg"`
	File  string     `json:"file,omitempty"`
	Attrs []any      `json:"-"`
}

// Snapshot is a consistent copy of a Tracker's status.
type Snapshot struct {
	State    State     `json:"state"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Error    string    `json:"error,omitempty"`
	// Totals covers the files of the current or last run, finished or not.
	Totals Totals `json:"totals"`
	// Files lists the files of the current or last run, by name.
	Files []File `json:"files"`
}

// Track implements [importer.StatusTracker].
func (t *Tracker) Track(e importer.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Kind {
	case importer.RunStarted:
		t.state, t.started, t.finished, t.lastErr = Running, e.Time, time.Time{}, ""
		t.files = map[string]*File{}
		t.done = Totals{}
	case importer.RunFinished:
		t.finished = e.Time
		t.state = Finished
		if e.Err != nil {
			t.state, t.lastErr = Failed, e.Err.Error()
		}
	case importer.FileStarted, importer.FileSkipped, importer.FileFinished, importer.FileFailed,
		importer.EntryStarted, importer.Progress:
		t.file(e)
	case importer.Log:
		t.addLog(LogEntry{Time: e.Time, Level: e.Level, Msg: e.Msg, File: e.File, Attrs: e.Attrs})
	}
}

func (t *Tracker) file(e importer.Event) {
	if t.files == nil {
		t.files = map[string]*File{}
	}
	f := t.files[e.File]
	if f == nil {
		f = &File{Name: e.File, Started: e.Time, Size: e.Size}
		t.files[e.File] = f
	}
	f.Updated = e.Time
	switch e.Kind {
	case importer.FileStarted:
		f.Stage = "started"
	case importer.FileSkipped:
		f.Stage = "skipped"
		t.done.FilesSkipped++
		return
	case importer.EntryStarted:
		f.Entry = e.Entry
		f.Stage = "importing"
		return
	case importer.Progress:
		f.Stage = "importing"
	case importer.FileFinished:
		f.Stage = "imported"
		t.done.Files++
	case importer.FileFailed:
		f.Stage = "failed"
		t.done.FilesFailed++
		if e.Err != nil {
			f.Error = e.Err.Error()
		}
	}
	if e.Entry != "" {
		f.Entry = e.Entry
	}
	if e.Table != "" {
		f.Table = e.Table
	}
	f.Counts = e.Counts
}

func (t *Tracker) addLog(l LogEntry) {
	size := t.LogSize
	if size <= 0 {
		size = DefaultLogSize
	}
	if len(t.log) < size {
		t.log = append(t.log, l)
		return
	}
	t.log[t.logNext] = l
	t.logNext = (t.logNext + 1) % size
	t.logFull = true
}

// Snapshot returns the current status.
func (t *Tracker) Snapshot() Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Snapshot{State: t.state, Started: t.started, Finished: t.finished, Error: t.lastErr, Totals: t.done}
	if s.State == "" {
		s.State = Idle
	}
	s.Totals.Counts = importer.Counts{}
	for _, name := range slices.Sorted(maps.Keys(t.files)) {
		f := *t.files[name]
		s.Files = append(s.Files, f)
		s.Totals.Add(f.Counts)
	}
	return s
}

// Logs returns the kept log entries, oldest first.
func (t *Tracker) Logs() []LogEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.logFull {
		return slices.Clone(t.log)
	}
	return append(slices.Clone(t.log[t.logNext:]), t.log[:t.logNext]...)
}
