package status

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

func TestTracker(t *testing.T) {
	tr := New(3)
	now := time.Now()
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: now})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: now, File: "a.sql", Size: 100})
	tr.Track(importer.Event{Kind: importer.Progress, Time: now, File: "a.sql", Counts: counts(50, 2, 7)})
	tr.Track(importer.Event{Kind: importer.FileSkipped, Time: now, File: "b.sql"})
	s := tr.Snapshot()
	if s.State != Running || len(s.Files) != 2 || s.Totals.Rows != 7 || s.Totals.BytesIn != 50 || s.Totals.FilesSkipped != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	tr.Track(importer.Event{Kind: importer.FileFailed, Time: now, File: "a.sql", Counts: counts(100, 0, 9), Err: errors.New("boom")})
	tr.Track(importer.Event{Kind: importer.RunFinished, Time: now, Err: errors.New("boom")})
	s = tr.Snapshot()
	if s.State != Failed || s.Error != "boom" || s.Files[0].Stage != "failed" || s.Files[0].Error != "boom" || s.Totals.FilesFailed != 1 {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestLogRing(t *testing.T) {
	tr := New(3)
	for i := range 5 {
		tr.Track(importer.Event{Kind: importer.Log, Msg: fmt.Sprint(i)})
	}
	logs := tr.Logs()
	if len(logs) != 3 || logs[0].Msg != "2" || logs[2].Msg != "4" {
		t.Fatalf("logs %+v", logs)
	}
}

func counts(bytesIn, statements, rows int64) importer.Counts {
	return importer.Counts{BytesIn: bytesIn, Stats: sqlparse.Stats{Statements: statements, Rows: rows}}
}
