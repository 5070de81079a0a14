package main

import (
	"strings"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// Off a terminal, progress prints a plain line every few seconds with the
// bytes read, the ETA and each file in progress (its share, table and rows
// per second), and a line per finished file.
func TestProgressPlainLines(t *testing.T) {
	var out strings.Builder
	p := newProgress(&out, false, false)
	clock := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	p.Track(importer.Event{Kind: importer.FileStarted, File: "a.zip", Size: 100e6})
	p.Track(importer.Event{Kind: importer.FileStarted, File: "b.sql", Size: 100e6})
	step := func(d time.Duration, e importer.Event) {
		clock = clock.Add(d)
		p.Track(e)
	}
	counts := func(read, rows int64) importer.Counts {
		return importer.Counts{BytesIn: read, Stats: sqlparse.Stats{Rows: rows}}
	}
	step(time.Second, importer.Event{Kind: importer.Progress, File: "a.zip", Table: "Track", Counts: counts(10e6, 1000)})
	step(5*time.Second, importer.Event{Kind: importer.Progress, File: "a.zip", Table: "Track", Counts: counts(50e6, 6000)})
	step(time.Second, importer.Event{Kind: importer.Progress, File: "b.sql", Counts: counts(10e6, 60)})
	step(time.Second, importer.Event{Kind: importer.FileFinished, File: "a.zip", Counts: counts(100e6, 8000)})
	step(5*time.Second, importer.Event{Kind: importer.Progress, File: "b.sql", Counts: counts(50e6, 300)})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"progress: 10.0 MB read of 200.0 MB (5%), ETA 19s; a.zip 10% Track, 1000 rows/s; b.sql 0%, 0 rows/s",
		"progress: 50.0 MB read of 200.0 MB (25%), ETA 18s; a.zip 50% Track, 1000 rows/s; b.sql 0%, 0 rows/s",
		"imported a.zip: 0 statements, 8000 rows",
		"progress: 150.0 MB read of 200.0 MB (75%), ETA 4s; b.sql 50%, 23 rows/s",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
