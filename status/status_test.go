package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func counts(bytesIn, statements, rows int64) importer.Counts {
	return importer.Counts{BytesIn: bytesIn, Stats: sqlparse.Stats{Statements: statements, Rows: rows}}
}

func TestTrackerRun(t *testing.T) {
	tr := New(3)
	if s := tr.Snapshot(); s.State != Idle || s.Progress != 0 {
		t.Fatalf("before the first run: %+v", s)
	}
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(0)})
	tr.Track(importer.Event{Kind: importer.FileSkipped, Time: at(0), File: "old.sql", Size: 10})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: at(0), File: "a.sql", Size: 100})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: at(0), File: "b.sql.gz", Size: 300})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: at(0), File: "a.sql", Size: 100})
	tr.Track(importer.Event{Kind: importer.EntryStarted, Time: at(0), File: "a.sql", Entry: "a.sql", Size: 100})
	tr.Track(importer.Event{Kind: importer.Progress, Time: at(1), File: "a.sql", Table: "t1", Counts: counts(20, 2, 7)})
	tr.Track(importer.Event{Kind: importer.Progress, Time: at(2), File: "a.sql", Table: "t2", Counts: counts(50, 4, 10)})
	s := tr.Snapshot()
	if s.State != Running || s.Stage != "load" || len(s.Files) != 3 {
		t.Fatalf("snapshot %+v", s)
	}
	a := s.Files[0]
	if a.Name != "a.sql" || a.State != FileRunning || a.Progress != 0.5 || a.BytesIn != 50 || a.Rows != 10 || a.Table != "t2" {
		t.Fatalf("file a %+v", a)
	}
	if len(a.ByTable) != 2 || a.ByTable[0] != (Table{"t1", 7}) || a.ByTable[1] != (Table{"t2", 3}) {
		t.Fatalf("tables %+v", a.ByTable)
	}
	// 20 bytes in the first second, 30 in the next: the moving average is
	// between the two.
	if a.BytesPerSec <= 20 || a.BytesPerSec >= 30 || a.ETASeconds <= 0 {
		t.Fatalf("rate %v ETA %v", a.BytesPerSec, a.ETASeconds)
	}
	if want := 50.0 / 400; s.Progress != want {
		t.Fatalf("progress %v, want %v", s.Progress, want)
	}
	if s.Totals.Files != 3 || s.Totals.FilesSkipped != 1 || s.Totals.FilesQueued != 1 || s.Totals.FilesRunning != 1 || s.Totals.BytesExpected != 400 {
		t.Fatalf("totals %+v", s.Totals)
	}
	if want := (400.0 - 50) / a.BytesPerSec; s.ETASeconds != want {
		t.Fatalf("ETA %v, want %v", s.ETASeconds, want)
	}
	if s2 := tr.Snapshot(); s2 != s {
		t.Fatal("a snapshot without a change in between was built again")
	}
	final := counts(100, 6, 12)
	final.Tables = map[string]int64{"t2": 5, "t1": 7}
	tr.Track(importer.Event{Kind: importer.FileFinished, Time: at(3), File: "a.sql", Counts: final})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: at(3), File: "b.sql.gz", Size: 300})
	tr.Track(importer.Event{Kind: importer.FileFailed, Time: at(4), File: "b.sql.gz", Counts: counts(30, 1, 0), Err: errors.New("boom")})
	tr.Track(importer.Event{Kind: importer.RunFinished, Time: at(4), Err: errors.New("boom")})
	s = tr.Snapshot()
	if s.State != Failed || s.Error != "boom" || s.Files[1].State != FileFailed || s.Files[1].Error != "boom" || s.Totals.FilesFailed != 1 || s.Totals.FilesImported != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	if tb := s.Files[0].ByTable; len(tb) != 2 || tb[0] != (Table{"t1", 7}) || tb[1] != (Table{"t2", 5}) {
		t.Fatalf("final tables %+v", tb)
	}
	if len(s.History) != 1 || s.History[0].State != Failed || s.History[0].DurationSeconds != 4 || s.Cumulative.Runs.Failed != 1 || s.Cumulative.Rows != 12 {
		t.Fatalf("history %+v cumulative %+v", s.History, s.Cumulative)
	}
	if !s.LastSuccess.IsZero() {
		t.Fatalf("last success %v after a failure", s.LastSuccess)
	}
}

func TestTrackerStates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []importer.Event
		want   State
	}{
		{"nothing to do", nil, Skipped},
		{"all unchanged", []importer.Event{{Kind: importer.FileSkipped, File: "a"}}, Skipped},
		{"imported", []importer.Event{{Kind: importer.FileQueued, File: "a"}, {Kind: importer.FileStarted, File: "a"}, {Kind: importer.FileFinished, File: "a"}}, Succeeded},
		{"cancelled", []importer.Event{{Kind: importer.RunFinished, Err: &importer.Error{Stage: importer.StageLoad, Err: context.Canceled}}}, Cancelled},
		{"failed", []importer.Event{{Kind: importer.RunFinished, Err: errors.New("x")}}, Failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(0)
			tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(0)})
			evs := tc.events
			if len(evs) == 0 || evs[len(evs)-1].Kind != importer.RunFinished {
				evs = append(evs, importer.Event{Kind: importer.RunFinished})
			}
			for _, e := range evs {
				e.Time = at(1)
				tr.Track(e)
			}
			s := tr.Snapshot()
			if s.State != tc.want {
				t.Fatalf("state %s, want %s", s.State, tc.want)
			}
			if ok := tc.want == Succeeded || tc.want == Skipped; ok != !s.LastSuccess.IsZero() || ok != (s.Progress == 1) {
				t.Fatalf("last success %v, progress %v", s.LastSuccess, s.Progress)
			}
		})
	}
}

func TestTrackerScheduler(t *testing.T) {
	tr := New(0)
	next := at(3600)
	tr.Scheduled(next)
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(0)})
	tr.Track(importer.Event{Kind: importer.RunFinished, Time: at(1), Err: errors.New("network down")})
	tr.Retrying(1, time.Second, errors.New("network down"))
	s := tr.Snapshot()
	if s.Retries != 1 || s.Stage != "retry" || !s.NextRun.Equal(next) || s.Cumulative.Retries != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(2)})
	tr.Track(importer.Event{Kind: importer.RunFinished, Time: at(3)})
	s = tr.Snapshot()
	if s.State != Skipped || s.Retries != 1 || s.Stage != "" || len(s.History) != 2 || s.History[1].Retries != 1 {
		t.Fatalf("after the retry %+v", s)
	}
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(4)})
	if s := tr.Snapshot(); s.Retries != 0 {
		t.Fatalf("retries of a new run: %d", s.Retries)
	}
}

func TestLogRing(t *testing.T) {
	tr := New(3)
	for i := range 5 {
		tr.Track(importer.Event{Kind: importer.Log, Msg: fmt.Sprint(i)})
	}
	p := tr.Logs(0, 0)
	if len(p.Entries) != 3 || p.Entries[0].Msg != "2" || p.Entries[2].Msg != "4" || p.Missed != 2 || p.Next != 5 {
		t.Fatalf("logs %+v", p)
	}
	p = tr.Logs(3, 1)
	if len(p.Entries) != 1 || p.Entries[0].Seq != 4 || p.Missed != 0 || p.Next != 4 {
		t.Fatalf("after 3: %+v", p)
	}
	if p = tr.Logs(5, 10); len(p.Entries) != 0 || p.Next != 5 {
		t.Fatalf("at the end: %+v", p)
	}
	if p = tr.Logs(99, 10); len(p.Entries) != 0 || p.Next != 5 {
		t.Fatalf("a cursor past the end: %+v", p)
	}
}

func TestLogHandler(t *testing.T) {
	tr := New(0)
	var app strings.Builder
	log := slog.New(tr.LogHandler(slog.NewTextHandler(&app, &slog.HandlerOptions{Level: slog.LevelDebug})))
	err := &importer.Error{Stage: importer.StageParse, File: "d.zip", Entry: "d.sql", Err: errors.New("bad")}
	log.Error("import failed", "file", "d.zip", "err", err, "rows", 3)
	log.Debug("debug lines reach the application only")
	log.With("file", "x.sql").WithGroup("ssh").Info("connected", "password", "hunter2", "port", 22)
	// Log events are ignored once the bridge exists: the pipeline sends
	// its Logger the same lines.
	tr.Track(importer.Event{Kind: importer.Log, Msg: "twice"})

	p := tr.Logs(0, 0)
	if len(p.Entries) != 2 {
		t.Fatalf("entries %+v", p.Entries)
	}
	e := p.Entries[0]
	if e.Level != slog.LevelError || e.Stage != "parse" || e.File != "d.zip" || e.Error != err.Error() || len(e.Attrs) != 1 || e.Attrs[0].Key != "rows" {
		t.Fatalf("entry %+v", e)
	}
	e = p.Entries[1]
	if e.File != "x.sql" || len(e.Attrs) != 2 || e.Attrs[0].String() != "ssh.password=[redacted]" || e.Attrs[1].String() != "ssh.port=22" {
		t.Fatalf("entry %+v", e)
	}
	if !strings.Contains(app.String(), "debug lines") || !strings.Contains(app.String(), "import failed") {
		t.Fatalf("the application's log:\n%s", app.String())
	}
}

// TestConcurrent updates and reads a tracker from many goroutines: run it
// with -race.
func TestConcurrent(t *testing.T) {
	tr := New(64)
	h := &Handler{Tracker: tr}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() {
			name := fmt.Sprintf("f%d.sql", i)
			tr.Track(importer.Event{Kind: importer.FileStarted, Time: at(0), File: name, Size: 1 << 20})
			for j := int64(1); j <= 2000; j++ {
				tr.Track(importer.Event{Kind: importer.Progress, Time: at(float64(j) / 10), File: name, Table: "t", Counts: counts(j*100, j, j*10)})
				if j%100 == 0 {
					tr.Track(importer.Event{Kind: importer.Log, Time: at(float64(j)), Msg: "step", File: name})
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := tr.Snapshot()
				for _, f := range s.Files {
					if f.Progress < 0 || f.Progress > 1 {
						t.Errorf("progress %v", f.Progress)
					}
				}
				_ = h.statusBody()
				last = tr.Logs(last, 10).Next
				select {
				case <-stop:
					return
				case <-tr.Changed():
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	tr.Track(importer.Event{Kind: importer.RunFinished, Time: at(1000)})
	readers.Wait()
	if s := tr.Snapshot(); len(s.Files) != 4 || s.Totals.Rows != 4*20000 {
		t.Fatalf("final %+v", s.Totals)
	}
}
