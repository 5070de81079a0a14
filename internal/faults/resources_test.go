package faults_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zip"
	"go.uber.org/goleak"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
	"github.com/dumpline/importer/sqlparse"
)

// cancelSource cancels the run once its files have delivered at bytes in
// all: a moment chosen by the amount of work done, not by a clock.
type cancelSource struct {
	importer.Source
	at     int64
	n      atomic.Int64
	cancel context.CancelFunc
}

func (s *cancelSource) Open(ctx context.Context, f source.File) (io.ReadCloser, error) {
	rc, err := s.Source.Open(ctx, f)
	if err != nil {
		return nil, err
	}
	return &cancelReader{ReadCloser: rc, s: s}, nil
}

type cancelReader struct {
	io.ReadCloser
	s *cancelSource
}

func (r *cancelReader) Read(b []byte) (int, error) {
	n, err := r.ReadCloser.Read(b)
	if r.s.n.Add(int64(n)) >= r.s.at {
		r.s.cancel()
	}
	return n, err
}

// openFDs returns the process's open file descriptors.
func openFDs(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var out []string
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil {
			out = append(out, e.Name()+" "+l)
		}
	}
	return out
}

// TestCancelLeavesNothing cancels imports at 20 seeded moments, from SFTP
// (the in-process server) through a ZIP (a gzip inside) and the parser into
// SQLite: every run ends with context.Canceled, no goroutine outlives it
// (goleak), no file descriptor stays open, the old target is whole and no
// build file is left beside it. "two files" imports a plain dump beside
// the ZIP, two at once: a file whose load ended before the cancel may be
// committed, whole.
func TestCancelLeavesNothing(t *testing.T) {
	dump, _ := whole(sqlparse.SQLite, faultDump(20000))
	other := strings.NewReplacer("TABLE t (", "TABLE u (", "INTO t ", "INTO u ").Replace(string(dump))
	z := zipOf(t, zip.Deflate, "a.sql", string(dump), "b.sql.gz", string(gzipped([]byte(other))))
	for _, two := range []bool{false, true} {
		name := map[bool]string{false: "zip", true: "two files"}[two]
		t.Run(name, func(t *testing.T) {
			drop := t.TempDir()
			files := map[string][]byte{"drop.zip": z}
			if two {
				files["plain.sql"] = dump
			}
			var total int64
			for n, b := range files {
				if err := os.WriteFile(filepath.Join(drop, n), b, 0o644); err != nil {
					t.Fatal(err)
				}
				total += int64(len(b))
			}
			srv := sftptest.NewServer(t, drop)
			dir := t.TempDir()
			tg := sqliteFaultTarget(t, dir)
			// What a whole file's commit leaves (Replace mode: that
			// file's tables only).
			wholeStates := map[string]bool{tg.state(t): true}
			for n, b := range files {
				one := sqliteFaultTarget(t, t.TempDir())
				if _, err := one.run(t.Context(), n, b, nil); err != nil {
					t.Fatal(err)
				}
				wholeStates[one.state(t)] = true
			}
			rng := rand.New(rand.NewPCG(17, 17))
			for i := range 20 {
				ignore := goleak.IgnoreCurrent()
				fds := openFDs(t)
				ctx, cancel := context.WithCancel(t.Context())
				src := &remote.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, HostKeyCallback: srv.HostKeyCallback()}
				at := 1 + rng.Int64N(total*9/10) // before the last reads, so that no run ends before it
				p := &importer.Pipeline{
					Source:    &cancelSource{Source: src, at: at, cancel: cancel},
					Sink:      tg.sink,
					Dialect:   sqlparse.SQLite,
					Extractor: &archive.Extractor{Parallel: 2},
				}
				_, err := p.Run(ctx)
				cancel()
				src.Close()
				if !errors.Is(err, context.Canceled) {
					// (Before the read-ahead's Close waited for its Read,
					// a cancel here could show another file's bytes.)
					t.Errorf("run %d (cancelled after %d of %d bytes): %v, want context.Canceled", i, at, total, err)
				}
				if err := goleak.Find(ignore); err != nil {
					t.Errorf("run %d (cancelled after %d bytes): %v", i, at, err)
				}
				// The server's end of the connection closes on its own
				// goroutine: wait for it, not for a time.
				var now []string
				for range 100 {
					if now = openFDs(t); len(now) <= len(fds) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if len(now) > len(fds) {
					t.Errorf("run %d (cancelled after %d bytes): %d descriptors open, %d before: %q", i, at, len(now), len(fds), extra(now, fds))
				}
				if st := tg.state(t); !wholeStates[st] {
					t.Errorf("run %d: target half-loaded: %s", i, st)
				}
				if left := leftovers(t, dir); len(left) > 0 {
					t.Errorf("run %d: left beside the target: %q", i, left)
				}
			}
		})
	}
}

func extra(now, before []string) []string {
	var out []string
	for _, s := range now {
		if !slices.Contains(before, s) {
			out = append(out, s)
		}
	}
	return out
}

// leftovers lists the files in dir other than the target and its journal.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if n := e.Name(); n != "target.db" {
			out = append(out, n)
		}
	}
	return out
}

// sqliteFaultTarget returns a SQLite target at dir/target.db holding keep.
func sqliteFaultTarget(t *testing.T, dir string) *faultTarget {
	t.Helper()
	path := filepath.Join(dir, "target.db")
	s := sink.NewSQLite(path)
	t.Cleanup(func() { s.Close() })
	tg := &faultTarget{name: "sqlite", dialect: sqlparse.SQLite, sink: s,
		tables: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
		reopen: func() (*sql.DB, error) { return sql.Open("sqlite", "file:"+path+"?mode=ro") }}
	tg.seed(t)
	return tg
}

// smallDisk mounts a tmpfs of size bytes and returns its folder, or skips
// the test saying why it cannot (not root, mounting not allowed).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a size-limited folder needs root (mount -t tmpfs): not root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs (%v: %s): the full-disk test needs it", size, err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// diskFull reports whether err says the disk is full, as a person reading
// it would understand.
func diskFull(err error) bool {
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "no space left") || strings.Contains(s, "disk is full") || strings.Contains(s, "database or disk is full")
}

// TestDiskFullBuildingSQLite fills a 2 MiB folder while the SQLite sink
// builds the new file beside the target: a clear error, the old target
// whole, no build file left, the space given back.
func TestDiskFullBuildingSQLite(t *testing.T) {
	dir := smallDisk(t, "2m")
	tg := sqliteFaultTarget(t, dir)
	before := tg.state(t)
	dump, _ := whole(sqlparse.SQLite, faultDump(60000)) // about 3 MB of rows
	_, err := tg.run(t.Context(), "big.sql", dump, nil)
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.File != "big.sql" || !diskFull(err) {
		t.Fatalf("full disk: %v, want an *importer.Error naming big.sql saying the disk is full", err)
	}
	t.Logf("full disk while building: %v", err)
	if after := tg.state(t); after != before {
		t.Errorf("target changed:\n before %s\n after  %s", before, after)
	}
	if left := leftovers(t, dir); len(left) > 0 {
		t.Errorf("left beside the target: %q", left)
	}
	// And the next, smaller load succeeds in the same folder.
	small, _ := whole(sqlparse.SQLite, faultDump(100))
	if _, err := tg.run(t.Context(), "small.sql", small, nil); err != nil {
		t.Fatalf("load after the full disk: %v", err)
	}
	if got := tg.state(t); !strings.Contains(got, "t=100") {
		t.Errorf("after the small load: %s", got)
	}
}

// TestDiskFullSpooling fills a 2 MiB spool folder with a nested ZIP that
// must be spooled (it does not fit in MaxBuffer): a clear error, the target
// (elsewhere) whole, the spool file removed.
func TestDiskFullSpooling(t *testing.T) {
	spool := smallDisk(t, "2m")
	tg := sqliteFaultTarget(t, t.TempDir())
	before := tg.state(t)
	dump, _ := whole(sqlparse.SQLite, faultDump(60000))
	inner := zipOf(t, zip.Store, "d.sql", string(dump))
	outer := zipOf(t, zip.Store, "inner.zip", string(inner))
	_, err := tg.run(t.Context(), "outer.zip", outer, func(p *importer.Pipeline) {
		p.Extractor = &archive.Extractor{TempDir: spool, Limits: archive.Limits{MaxBuffer: 256 << 10}}
	})
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.File != "outer.zip" || !diskFull(err) {
		t.Fatalf("full spool folder: %v, want an *importer.Error naming outer.zip saying the disk is full", err)
	}
	t.Logf("full disk while spooling: %v", err)
	if after := tg.state(t); after != before {
		t.Errorf("target changed:\n before %s\n after  %s", before, after)
	}
	if ents, _ := os.ReadDir(spool); len(ents) > 0 {
		t.Errorf("spool files left: %v", ents)
	}
}
