package status_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/status"
)

// TestCancelledRun cancels a real import once it is under way: the
// tracker says cancelled, with the files not imported as failed, and its
// log has the failure.
func TestCancelledRun(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.Mkdir(drop, 0o755)
	writeDumps(t, drop, 3, 200<<10)
	tr := status.New(0)
	db := sink.NewSQLite(filepath.Join(dir, "target.db"))
	defer db.Close()
	p := &importer.Pipeline{
		Source: slowSource{FS: source.Dir(drop), bytesPerSec: 200 << 10}, Sink: db, Status: tr,
		Logger: slog.New(tr.LogHandler(nil)), ProgressInterval: 20 * time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := p.Run(ctx); done <- err }()
	for tr.Snapshot().Totals.BytesIn == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	s := tr.Snapshot()
	if s.State != status.Cancelled || s.Progress >= 1 || s.Totals.FilesImported != 0 || s.Totals.FilesFailed != 3 || s.Error == "" {
		t.Fatalf("snapshot: state %s, progress %v, totals %+v, error %q", s.State, s.Progress, s.Totals, s.Error)
	}
	for _, f := range s.Files {
		if f.State != status.FileFailed || f.Error == "" {
			t.Errorf("file %s: %s %q", f.Name, f.State, f.Error)
		}
	}
	if len(s.History) != 1 || s.History[0].State != status.Cancelled || s.Cumulative.Runs.Cancelled != 1 {
		t.Fatalf("history %+v", s.History)
	}
	var failed bool
	for _, l := range tr.Logs(0, 0).Entries {
		failed = failed || (l.Level == slog.LevelError && l.Error != "" && l.File != "")
	}
	if !failed {
		t.Fatalf("no failure in the log: %+v", tr.Logs(0, 0).Entries)
	}
}
