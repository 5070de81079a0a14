// Package metrics exports a [status.Tracker] to Prometheus: a
// prometheus.Collector of metrics named importer_…, read from the tracker's
// snapshot at each scrape.
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(metrics.NewCollector(tracker))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The metrics:
//
//	importer_runs_total{result}                 counter: finished runs by result (succeeded, failed, skipped, cancelled)
//	importer_run_duration_seconds               histogram: durations of the finished runs
//	importer_last_success_timestamp_seconds     gauge: end of the last run without error (0: none yet)
//	importer_next_run_timestamp_seconds         gauge: the next scheduled run (0: none)
//	importer_in_progress                        gauge: 1 while a run is under way
//	importer_progress_ratio                     gauge: the current or last run's fraction done, 0 to 1
//	importer_files_total{result}                counter: files by result (imported, skipped, failed)
//	importer_bytes_read_total                   counter: bytes read from the source (compressed)
//	importer_bytes_parsed_total                 counter: bytes parsed (uncompressed)
//	importer_statements_total                   counter: statements handed to the sink
//	importer_rows_total                         counter: rows loaded
//	importer_read_bytes_per_second              gauge: the current read rate (moving average)
//	importer_rows_per_second                    gauge: the current row rate (moving average)
//	importer_retries_total                      counter: retries of failed runs by a scheduler
//
// The counters include the run under way, so they move during a long import.
package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dumpline/importer/status"
)

// DurationBuckets are the buckets of importer_run_duration_seconds, from
// one second to four hours.
var DurationBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400}

// Collector is a prometheus.Collector of a Tracker's metrics.
type Collector struct {
	t *status.Tracker

	mu   sync.Mutex
	seen uint64 // the Seq of the last run observed in hist
	hist prometheus.Histogram

	runs, files               *prometheus.Desc
	lastSuccess, nextRun      *prometheus.Desc
	inProgress, progress      *prometheus.Desc
	bytesRead, bytesParsed    *prometheus.Desc
	statements, rows, retries *prometheus.Desc
	readRate, rowRate         *prometheus.Desc
}

// NewCollector returns a Collector of t's metrics. The durations histogram
// is fed from the tracker's history at each scrape: a scrape interval in
// which more than [status.HistorySize] runs finish misses some.
func NewCollector(t *status.Tracker) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("importer_"+name, help, labels, nil)
	}
	return &Collector{
		t: t,
		hist: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "importer_run_duration_seconds", Help: "Durations of the finished import runs.", Buckets: DurationBuckets,
		}),
		runs:        d("runs_total", "Finished import runs, by result.", "result"),
		files:       d("files_total", "Files of import runs, by result.", "result"),
		lastSuccess: d("last_success_timestamp_seconds", "End of the last import run without error, in Unix seconds (0: none yet)."),
		nextRun:     d("next_run_timestamp_seconds", "Start of the next scheduled import run, in Unix seconds (0: none)."),
		inProgress:  d("in_progress", "1 while an import run is under way."),
		progress:    d("progress_ratio", "Fraction done of the current or last import run."),
		bytesRead:   d("bytes_read_total", "Bytes read from the source (compressed)."),
		bytesParsed: d("bytes_parsed_total", "Bytes of SQL parsed (uncompressed)."),
		statements:  d("statements_total", "Statements handed to the sink."),
		rows:        d("rows_total", "Rows loaded."),
		readRate:    d("read_bytes_per_second", "Current read rate from the source (moving average)."),
		rowRate:     d("rows_per_second", "Current row rate (moving average)."),
		retries:     d("retries_total", "Retries of failed import runs by a scheduler."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.runs, c.files, c.lastSuccess, c.nextRun, c.inProgress, c.progress,
		c.bytesRead, c.bytesParsed, c.statements, c.rows, c.readRate, c.rowRate, c.retries} {
		ch <- d
	}
	c.hist.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.t.Snapshot()
	cu := s.Cumulative
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(c.runs, float64(cu.Runs.Succeeded), string(status.Succeeded))
	counter(c.runs, float64(cu.Runs.Failed), string(status.Failed))
	counter(c.runs, float64(cu.Runs.Skipped), string(status.Skipped))
	counter(c.runs, float64(cu.Runs.Cancelled), string(status.Cancelled))
	counter(c.files, float64(cu.FilesImported), "imported")
	counter(c.files, float64(cu.FilesSkipped), "skipped")
	counter(c.files, float64(cu.FilesFailed), "failed")
	counter(c.bytesRead, float64(cu.BytesIn))
	counter(c.bytesParsed, float64(cu.BytesParsed))
	counter(c.statements, float64(cu.Statements))
	counter(c.rows, float64(cu.Rows))
	counter(c.retries, float64(cu.Retries))
	var last, next float64
	if !s.LastSuccess.IsZero() {
		last = float64(s.LastSuccess.UnixNano()) / 1e9
	}
	if !s.NextRun.IsZero() {
		next = float64(s.NextRun.UnixNano()) / 1e9
	}
	gauge(c.lastSuccess, last)
	gauge(c.nextRun, next)
	running := 0.0
	if s.State == status.Running {
		running = 1
	}
	gauge(c.inProgress, running)
	gauge(c.progress, s.Progress)
	gauge(c.readRate, s.BytesPerSec)
	gauge(c.rowRate, s.RowsPerSec)

	c.mu.Lock()
	for _, r := range s.History {
		if r.Seq > c.seen {
			c.hist.Observe(r.DurationSeconds)
			c.seen = r.Seq
		}
	}
	c.mu.Unlock()
	c.hist.Collect(ch)
}
