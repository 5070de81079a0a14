package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
	"github.com/dumpline/importer/status"
)

func TestCollector(t *testing.T) {
	tr := status.New(0)
	c := NewCollector(tr)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}

	t0 := time.Unix(1_800_000_000, 0)
	run := func(start time.Time, d time.Duration, rows int64, err error) {
		tr.Track(importer.Event{Kind: importer.RunStarted, Time: start})
		tr.Track(importer.Event{Kind: importer.FileQueued, Time: start, File: "a.sql", Size: 1000})
		tr.Track(importer.Event{Kind: importer.FileStarted, Time: start, File: "a.sql", Size: 1000})
		kind := importer.FileFinished
		if err != nil {
			kind = importer.FileFailed
		}
		tr.Track(importer.Event{Kind: kind, Time: start.Add(d), File: "a.sql", Err: err,
			Counts: importer.Counts{BytesIn: 1000, Stats: sqlparse.Stats{BytesParsed: 4000, Statements: 3, Rows: rows}}})
		tr.Track(importer.Event{Kind: importer.RunFinished, Time: start.Add(d), Err: err})
	}
	run(t0, 10*time.Second, 100, nil)
	tr.Retrying(1, time.Second, errors.New("reset"))
	run(t0.Add(time.Hour), 100*time.Second, 5, errors.New("reset"))
	tr.Scheduled(t0.Add(24 * time.Hour))

	want := `
# HELP importer_files_total Files of import runs, by result.
# TYPE importer_files_total counter
importer_files_total{result="failed"} 1
importer_files_total{result="imported"} 1
importer_files_total{result="skipped"} 0
# HELP importer_last_success_timestamp_seconds End of the last import run without error, in Unix seconds (0: none yet).
# TYPE importer_last_success_timestamp_seconds gauge
importer_last_success_timestamp_seconds 1.80000001e+09
# HELP importer_next_run_timestamp_seconds Start of the next scheduled import run, in Unix seconds (0: none).
# TYPE importer_next_run_timestamp_seconds gauge
importer_next_run_timestamp_seconds 1.8000864e+09
# HELP importer_retries_total Retries of failed import runs by a scheduler.
# TYPE importer_retries_total counter
importer_retries_total 1
# HELP importer_rows_total Rows loaded.
# TYPE importer_rows_total counter
importer_rows_total 105
# HELP importer_runs_total Finished import runs, by result.
# TYPE importer_runs_total counter
importer_runs_total{result="cancelled"} 0
importer_runs_total{result="failed"} 1
importer_runs_total{result="skipped"} 0
importer_runs_total{result="succeeded"} 1
# HELP importer_run_duration_seconds Durations of the finished import runs.
# TYPE importer_run_duration_seconds histogram
importer_run_duration_seconds_bucket{le="1"} 0
importer_run_duration_seconds_bucket{le="5"} 0
importer_run_duration_seconds_bucket{le="15"} 1
importer_run_duration_seconds_bucket{le="30"} 1
importer_run_duration_seconds_bucket{le="60"} 1
importer_run_duration_seconds_bucket{le="120"} 2
importer_run_duration_seconds_bucket{le="300"} 2
importer_run_duration_seconds_bucket{le="600"} 2
importer_run_duration_seconds_bucket{le="1200"} 2
importer_run_duration_seconds_bucket{le="1800"} 2
importer_run_duration_seconds_bucket{le="3600"} 2
importer_run_duration_seconds_bucket{le="7200"} 2
importer_run_duration_seconds_bucket{le="14400"} 2
importer_run_duration_seconds_bucket{le="+Inf"} 2
importer_run_duration_seconds_sum 110
importer_run_duration_seconds_count 2
`
	names := []string{"importer_files_total", "importer_last_success_timestamp_seconds", "importer_next_run_timestamp_seconds",
		"importer_retries_total", "importer_rows_total", "importer_runs_total", "importer_run_duration_seconds"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	// A second scrape does not observe the same runs again.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(c); n != 4+3+11+1 { // runs, files, the 11 others, the histogram
		t.Fatalf("%d metrics", n)
	}

	// During a run, the counters include it and in_progress is 1.
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: t0.Add(2 * time.Hour)})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: t0.Add(2 * time.Hour), File: "b.sql", Size: 10})
	tr.Track(importer.Event{Kind: importer.Progress, Time: t0.Add(2*time.Hour + time.Second), File: "b.sql",
		Counts: importer.Counts{BytesIn: 5, Stats: sqlparse.Stats{Rows: 7}}})
	want = `
# HELP importer_in_progress 1 while an import run is under way.
# TYPE importer_in_progress gauge
importer_in_progress 1
# HELP importer_progress_ratio Fraction done of the current or last import run.
# TYPE importer_progress_ratio gauge
importer_progress_ratio 0.5
# HELP importer_rows_total Rows loaded.
# TYPE importer_rows_total counter
importer_rows_total 112
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "importer_in_progress", "importer_progress_ratio", "importer_rows_total"); err != nil {
		t.Fatal(err)
	}
}
