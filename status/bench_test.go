package status_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
	"github.com/dumpline/importer/status"
)

// BenchmarkTrackerUpdate measures Track with the pipeline's most frequent
// event, a Progress event of a file in progress, on one goroutine.
// updates/s is the figure of the issue (at least 20 M/s, no allocation).
func BenchmarkTrackerUpdate(b *testing.B) {
	tr := status.New(0)
	t0 := time.Now()
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: t0})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: t0, File: "other.sql", Size: 1 << 30})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: t0, File: "dump.sql.gz", Size: 1 << 30})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: t0, File: "dump.sql.gz", Size: 1 << 30})
	tr.Track(importer.Event{Kind: importer.EntryStarted, Time: t0, File: "dump.sql.gz", Entry: "dump.sql", Size: 4 << 30})
	e := importer.Event{Kind: importer.Progress, File: "dump.sql.gz", Entry: "dump.sql", Table: "orders", Size: 1 << 30}
	b.ReportAllocs()
	var i int64
	for b.Loop() {
		i++
		e.Time = t0.Add(time.Duration(i) * 10 * time.Millisecond)
		e.BytesIn, e.BytesParsed, e.Statements, e.Rows = i*1000, i*4000, i, i*50
		tr.Track(e)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	if s := tr.Snapshot(); s.Files[0].Rows != i*50 {
		b.Fatalf("rows %d", s.Files[0].Rows)
	}
}

// BenchmarkSnapshot measures Snapshot after each change (a rebuild) and
// without one (the shared snapshot).
func BenchmarkSnapshot(b *testing.B) {
	tr := status.New(0)
	t0 := time.Now()
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: t0})
	for i := range 10 {
		tr.Track(importer.Event{Kind: importer.FileQueued, Time: t0, File: fmt.Sprintf("f%d.sql", i), Size: 1 << 30})
	}
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: t0, File: "f0.sql", Size: 1 << 30})
	e := importer.Event{Kind: importer.Progress, File: "f0.sql", Table: "orders"}
	b.Run("changed", func(b *testing.B) {
		b.ReportAllocs()
		var i int64
		for b.Loop() {
			i++
			e.Time, e.BytesIn = t0.Add(time.Duration(i)*time.Millisecond), i
			tr.Track(e)
			tr.Snapshot()
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.Snapshot()
		}
	})
}

// BenchmarkPollDuringImport imports 4 SQLite dumps (24 MB) into SQLite,
// alone and then with 200 clients polling /status, each waiting a poll
// interval between its requests (1s: a status page left open by 200
// people, 200 requests a second; 100ms: 2,000 a second). One iteration is
// one pair of imports. Metrics: the latency of the polls (p50-ms, p99-ms,
// max-ms), the requests served (polls/s), failed polls (errors) and how
// much longer the import took under the load (slowdown-%).
func BenchmarkPollDuringImport(b *testing.B) {
	for _, every := range []time.Duration{time.Second, 100 * time.Millisecond} {
		b.Run("poll="+every.String(), func(b *testing.B) { benchPoll(b, every) })
	}
}

func benchPoll(b *testing.B, every time.Duration) {
	dir := b.TempDir()
	drop := filepath.Join(dir, "drop")
	os.Mkdir(drop, 0o755)
	writeDumps(b, drop, 4, 6<<20)
	var size int64
	ents, _ := os.ReadDir(drop)
	for _, e := range ents {
		fi, _ := e.Info()
		size += fi.Size()
	}

	importOnce := func(tr *status.Tracker, n int) time.Duration {
		db := sink.NewSQLite(filepath.Join(dir, fmt.Sprintf("t%d.db", n)))
		defer db.Close()
		p := &importer.Pipeline{Source: source.Dir(drop), Sink: db, Status: tr, Dialect: sqlparse.SQLite}
		t0 := time.Now()
		if _, err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		os.Remove(filepath.Join(dir, fmt.Sprintf("t%d.db", n)))
		return d
	}

	const clients = 200
	var lat, served []time.Duration
	var smu sync.Mutex
	var alone, loaded time.Duration
	var errs, polls atomic.Int64
	var pollTime time.Duration
	b.SetBytes(size)
	n := 0
	for b.Loop() {
		n++
		alone += importOnce(status.New(0), n)

		tr := status.New(0)
		h := &status.Handler{Tracker: tr}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := time.Now()
			h.ServeHTTP(w, r)
			d := time.Since(t)
			smu.Lock()
			served = append(served, d)
			smu.Unlock()
		}))
		tp := &http.Transport{MaxIdleConnsPerHost: clients}
		client := &http.Client{Transport: tp, Timeout: 10 * time.Second}
		stop := make(chan struct{})
		var wg, warm sync.WaitGroup
		var mu sync.Mutex
		poll := func() error {
			res, err := client.Get(srv.URL + "/status")
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				err = fmt.Errorf("%s", res.Status)
			}
			return err
		}
		// The clients connect and poll once before the import starts, as
		// pages left open would; then they poll during the import.
		warm.Add(clients)
		for i := range clients {
			wg.Go(func() {
				var mine []time.Duration
				if err := poll(); err != nil {
					errs.Add(1)
				}
				warm.Done()
				warm.Wait()
				time.Sleep(every * time.Duration(i) / clients) // staggered
				for {
					select {
					case <-stop:
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
						return
					default:
					}
					t := time.Now()
					err := poll()
					mine = append(mine, time.Since(t))
					polls.Add(1)
					if err != nil {
						errs.Add(1)
					}
					time.Sleep(every)
				}
			})
		}
		warm.Wait()
		smu.Lock()
		served = served[:0] // the warm-up requests
		smu.Unlock()
		t0 := time.Now()
		loaded += importOnce(tr, n)
		close(stop)
		wg.Wait()
		pollTime += time.Since(t0)
		tp.CloseIdleConnections()
		srv.Close()
	}
	slices.Sort(lat)
	slices.Sort(served)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	// The time inside the handler, without the waits for a CPU.
	b.ReportMetric(float64(served[int(0.99*float64(len(served)-1))])/1e3, "handler-p99-µs")
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
	b.ReportMetric(float64(polls.Load())/pollTime.Seconds(), "polls/s")
	b.ReportMetric(float64(errs.Load()), "errors")
	b.ReportMetric((loaded.Seconds()/alone.Seconds()-1)*100, "slowdown-%")
}
