package status

import (
	"cmp"
	"slices"
	"time"

	"github.com/dumpline/importer"
)

// Snapshot is a consistent view of a Tracker's status. A snapshot is shared
// by every caller until the next change: treat it as read-only. Its JSON
// form (snake_case keys, times in RFC 3339, durations in seconds, zero
// times left out) is what [Handler] serves at /status.
type Snapshot struct {
	// Version is [Tracker.Version] when the snapshot was built.
	Version uint64 `json:"version"`
	// State is the current run's, or the last run's once it ended.
	State State `json:"state"`
	// Stage is what the current run does: "list", "load", "waiting" (for
	// the application to be less busy) or "retry" (waiting to try again);
	// "" when no run is under way.
	Stage string `json:"stage,omitempty"`
	// Progress is the fraction of the run done, in [0,1]: by bytes read
	// from the source when every file's size is known, else the mean of the
	// files' fractions. A finished run that did not fail is at 1.
	Progress float64 `json:"progress"`
	// Started, Finished and Updated are the times of the run's first, last
	// and latest events.
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	Updated  time.Time `json:"updated,omitzero"`
	// ElapsedSeconds runs from Started to Finished, or to Updated while the
	// run is under way.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// BytesPerSec and RowsPerSec are the moving averages (over about five
	// seconds) of the files in progress, summed: bytes read from the source
	// and rows loaded.
	BytesPerSec float64 `json:"bytes_per_sec"`
	RowsPerSec  float64 `json:"rows_per_sec"`
	// ETASeconds is the time left at the current rate, when the sizes of
	// the files left are known; 0 otherwise.
	ETASeconds float64 `json:"eta_seconds"`
	// Error is the run's error, if it failed or was cancelled.
	Error string `json:"error,omitempty"`
	// Retries counts the retries of the current run, by a scheduler.
	Retries int `json:"retries"`
	// LastSuccess is when a run last ended without error.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// NextRun is when a scheduler will start the next run (zero: none).
	NextRun time.Time `json:"next_run,omitzero"`
	// Totals covers the files of the current or last run.
	Totals Totals `json:"totals"`
	// Files lists the files of the current or last run, by name.
	Files []File `json:"files"`
	// History lists the last finished runs (up to HistorySize), oldest
	// first.
	History []RunSummary `json:"history"`
	// Cumulative sums every run since the tracker was made, the current
	// one included: its counters only grow.
	Cumulative Cumulative `json:"cumulative"`
}

// Totals are the counters of a run.
type Totals struct {
	// Files counts the files of the run; FilesImported, FilesSkipped (as
	// unchanged), FilesFailed, FilesRunning and FilesQueued split them.
	Files         int `json:"files"`
	FilesImported int `json:"files_imported"`
	FilesSkipped  int `json:"files_skipped"`
	FilesFailed   int `json:"files_failed"`
	FilesRunning  int `json:"files_running"`
	FilesQueued   int `json:"files_queued"`
	// BytesExpected sums the sizes of the files to import (skipped files
	// left out); -1 when a size is unknown.
	BytesExpected int64 `json:"bytes_expected"`
	// Counts sums the counters of the files.
	importer.Counts
}

// File is the status of one file of the current or last run.
type File struct {
	Name  string    `json:"name"`
	State FileState `json:"state"`
	// Stage is "open" until the first entry starts, then "load"; "" when
	// the file is not in progress.
	Stage string `json:"stage,omitempty"`
	// Entry is the archive entry being read; EntrySize its uncompressed
	// size when the archive says it (-1 or 0 otherwise).
	Entry     string `json:"entry,omitempty"`
	EntrySize int64  `json:"entry_size,omitempty"`
	// Table is the table being loaded.
	Table string `json:"table,omitempty"`
	// Size is the file's size at the source, the bytes expected in
	// BytesIn; -1 when unknown.
	Size int64 `json:"size"`
	// BytesParsedExpected sums the uncompressed sizes of the entries
	// started, when the archive says them all (0 otherwise).
	BytesParsedExpected int64 `json:"bytes_parsed_expected,omitempty"`
	// Progress is the fraction done, in [0,1]: BytesIn/Size when the size
	// is known.
	Progress float64 `json:"progress"`
	// Counts are the file's counters (Tables nil: see ByTable).
	importer.Counts
	// ByTable lists the rows loaded per table, in the order the tables
	// came (by name once the file ended, with the exact figures). While
	// entries load in parallel the split is approximate.
	ByTable []Table `json:"tables,omitempty"`
	// BytesPerSec and RowsPerSec are moving averages; ETASeconds the time
	// left at that rate (0 when unknown).
	BytesPerSec float64 `json:"bytes_per_sec"`
	RowsPerSec  float64 `json:"rows_per_sec"`
	ETASeconds  float64 `json:"eta_seconds"`
	// Started, Updated and Finished are the times of the file's events.
	Started  time.Time `json:"started,omitzero"`
	Updated  time.Time `json:"updated,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// Error is the failure, for a failed file.
	Error string `json:"error,omitempty"`
}

// Table is the progress of one table of a file.
type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// RunSummary is one finished run.
type RunSummary struct {
	// Seq numbers the runs of the tracker from 1.
	Seq             uint64    `json:"seq"`
	State           State     `json:"state"`
	Started         time.Time `json:"started,omitzero"`
	Finished        time.Time `json:"finished,omitzero"`
	DurationSeconds float64   `json:"duration_seconds"`
	Totals          Totals    `json:"totals"`
	Retries         int       `json:"retries"`
	Error           string    `json:"error,omitempty"`
}

// Cumulative sums the runs of a tracker.
type Cumulative struct {
	// Runs counts the finished runs by result.
	Runs RunCounts `json:"runs"`
	// The sums of the runs' Totals.
	FilesImported int64 `json:"files_imported"`
	FilesSkipped  int64 `json:"files_skipped"`
	FilesFailed   int64 `json:"files_failed"`
	BytesIn       int64 `json:"bytes_in"`
	BytesParsed   int64 `json:"bytes_parsed"`
	Statements    int64 `json:"statements"`
	Rows          int64 `json:"rows"`
	// Retries counts the retries of failed runs by a scheduler.
	Retries int64 `json:"retries"`
}

// RunCounts counts runs by result.
type RunCounts struct {
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
	Cancelled int64 `json:"cancelled"`
}

func (c *Cumulative) addTotals(t Totals) {
	c.FilesImported += int64(t.FilesImported)
	c.FilesSkipped += int64(t.FilesSkipped)
	c.FilesFailed += int64(t.FilesFailed)
	c.BytesIn += t.BytesIn
	c.BytesParsed += t.BytesParsed
	c.Statements += t.Statements
	c.Rows += t.Rows
}

func (c *Cumulative) addRun(r RunSummary) {
	switch r.State {
	case Succeeded:
		c.Runs.Succeeded++
	case Failed:
		c.Runs.Failed++
	case Skipped:
		c.Runs.Skipped++
	case Cancelled:
		c.Runs.Cancelled++
	}
	c.addTotals(r.Totals)
}

// totals sums the files of the current run; t.mu is held.
func (t *Tracker) totals() Totals {
	var tot Totals
	for _, f := range t.files {
		tot.Files++
		switch f.State {
		case FileImported:
			tot.FilesImported++
		case FileSkipped:
			tot.FilesSkipped++
			continue
		case FileFailed:
			tot.FilesFailed++
		case FileRunning:
			tot.FilesRunning++
		case FileQueued:
			tot.FilesQueued++
		}
		if f.Size > 0 && tot.BytesExpected >= 0 {
			tot.BytesExpected += f.Size
		} else {
			tot.BytesExpected = -1
		}
		tot.Counts.Add(importer.Counts{Entries: f.Entries, BytesIn: f.BytesIn, Stats: f.Stats, SkippedStatements: f.SkippedStatements})
	}
	return tot
}

// Snapshot returns the current status. It builds a new Snapshot only when
// something changed since the last call; until then every caller shares
// the same one.
func (t *Tracker) Snapshot() *Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cache == nil || t.cache.Version != t.version {
		t.cache = t.build(t.version)
	}
	return t.cache
}

// build makes a snapshot; t.mu is held.
func (t *Tracker) build(v uint64) *Snapshot {
	r := &t.run
	s := &Snapshot{
		Version: v, State: cmp.Or(r.state, Idle), Stage: r.stage,
		Started: r.started, Finished: r.ended, Updated: r.updated, Error: r.err,
		Retries: t.retries, LastSuccess: t.lastSuccess, NextRun: t.nextRun,
		Totals: t.totals(), History: slices.Clone(t.history), Cumulative: t.total,
		Files: make([]File, 0, len(t.files)),
	}
	if t.waiting { // a scheduler waits: busy, or before a retry
		s.Stage = t.stageNote
	}
	if s.State == Running {
		s.Cumulative.addTotals(s.Totals)
	}
	end := cmp.Or(r.ended, r.updated)
	if !r.started.IsZero() && end.After(r.started) {
		s.ElapsedSeconds = end.Sub(r.started).Seconds()
	}

	var done, expected, fracs float64
	var n int
	var left int64
	leftKnown := true
	for _, fs := range t.files {
		fs.progress()
		f := fs.File
		f.ByTable = slices.Clone(f.ByTable)
		s.Files = append(s.Files, f)
		if f.State == FileSkipped {
			continue
		}
		n++
		fracs += f.Progress
		if f.Size > 0 {
			expected += float64(f.Size)
			done += f.Progress * float64(f.Size)
		}
		if f.State == FileRunning {
			s.BytesPerSec += f.BytesPerSec
			s.RowsPerSec += f.RowsPerSec
		}
		if f.State == FileRunning || f.State == FileQueued {
			if f.Size > 0 {
				left += max(f.Size-f.BytesIn, 0)
			} else {
				leftKnown = false
			}
		}
	}
	slices.SortFunc(s.Files, func(a, b File) int { return cmp.Compare(a.Name, b.Name) })
	switch {
	case s.State == Succeeded || s.State == Skipped:
		s.Progress = 1
	case s.Totals.BytesExpected > 0:
		s.Progress = done / expected
	case n > 0:
		s.Progress = fracs / float64(n)
	}
	s.Progress = min(max(s.Progress, 0), 1)
	if s.State == Running && leftKnown && s.BytesPerSec > 0 {
		s.ETASeconds = float64(left) / s.BytesPerSec
	}
	return s
}

// History returns the last finished runs (up to HistorySize), oldest first.
func (t *Tracker) History() []RunSummary {
	return t.Snapshot().History
}
