package faults_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/source"
)

// serverEngines are the servers the database faults are injected into.
var serverEngines = []testdb.Engine{testdb.EngineMariaDB, testdb.EnginePostgres}

// sharedServer returns the test binary's server of engine e.
func sharedServer(t testing.TB, e testdb.Engine) *testdb.Server {
	if e == testdb.EngineMariaDB {
		return testdb.MariaDBServer(t)
	}
	return testdb.PostgresServer(t)
}

// checkFailure fails the test unless err is the failure of the import of
// file into the server at addr: an *importer.Error for the file whose
// message names the server. It reports whether the error is the run's,
// from before any file started (the pipeline asks a ServerSink for the
// server's version first), which has no file to name.
func checkFailure(t testing.TB, err error, file, addr string) (beforeFiles bool) {
	t.Helper()
	var ie *importer.Error
	switch {
	case err == nil:
		t.Fatal("the import succeeded")
	case !errors.As(err, &ie) || ie.File != file && (ie.File != "" || ie.Stage != importer.StageLoad):
		t.Errorf("error %v: want an *importer.Error for %s", err, file)
	case !strings.Contains(err.Error(), addr):
		t.Errorf("error %q does not name the server %s", err, addr)
	}
	return ie != nil && ie.File == ""
}

// TestServerKilled kills the MariaDB and PostgreSQL servers with SIGKILL in
// the middle of a replace (at seeded offsets of the dump) and restarts them:
// the import fails naming the server and the file, the target keeps its
// old tables whole, the next run succeeds and leaves no staging object, and
// a crash right after that commit keeps it.
func TestServerKilled(t *testing.T) {
	kills := envInt(t, "FAULTS_KILLS", 3)
	for _, e := range serverEngines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			srv := testdb.PrivateServer(t, e)
			tg := serverTarget(t, srv)
			dir := t.TempDir()
			v1, v2 := dataset{gen: 1, rows: 1500}, dataset{gen: 2, rows: 2000}
			v1.write(t, filepath.Join(dir, "v1"), "v1.sql")
			size := v2.write(t, filepath.Join(dir, "v2"), "v2.sql")
			tg.mustRun(t, source.Dir(filepath.Join(dir, "v1")), v1.fingerprint())
			rd := startReader(t, tg, v1.fingerprint())
			rng := rand.New(rand.NewPCG(uint64(len(e)), 17))
			for i := range kills {
				at := size/10 + rng.Int64N(size*8/10)
				src := trip(source.Dir(filepath.Join(dir, "v2")), at, func() {
					if err := srv.Kill(); err != nil {
						t.Error(err)
					}
				})
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // a watchdog: nothing may hang
				_, err := tg.run(ctx, src, "")
				hung := ctx.Err() != nil
				cancel()
				if !src.tripped() {
					t.Fatalf("kill %d: the load ended before byte %d of %d", i, at, size)
				}
				if checkFailure(t, err, "v2.sql", tg.server) {
					t.Errorf("kill %d: the error names no file: %v", i, err)
				}
				if hung {
					t.Fatalf("kill %d: the import hung until the watchdog: %v", i, err)
				}
				if i == 0 {
					t.Logf("the error: %v", err)
				}
				if err := srv.Restart(t.Context()); err != nil {
					t.Fatal(err)
				}
				if got := tg.mustRead(t); got != v1.fingerprint() {
					t.Fatalf("kill %d at byte %d: after the restart the target holds %s, want %s", i, at, got, v1.fingerprint())
				}
			}
			rd.allow(v1.fingerprint(), v2.fingerprint())
			tg.mustRun(t, source.Dir(filepath.Join(dir, "v2")), v2.fingerprint())
			rd.allow(v2.fingerprint())
			if left, err := tg.leftovers(t.Context()); err != nil || len(left) > 0 {
				t.Errorf("after the next run: leftovers %q, %v", left, err)
			}
			// A crash right after the commit keeps it.
			if err := srv.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := srv.Restart(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := tg.mustRead(t); got != v2.fingerprint() {
				t.Errorf("a crash right after the commit: the target holds %s, want %s", got, v2.fingerprint())
			}
			t.Logf("faults: %s killed %d times mid-load: %d failed imports named server and file, data lost 0; %s",
				e, kills, kills, rd.finish(t))
		})
	}
}

// TestServerConnectionCut cuts one connection of each of FAULTS_CUTS (10)
// replaces into MariaDB and PostgreSQL (seeded: which one, after how many
// bytes of the client) with the proxy: each import either fails, naming the server and the file,
// with the target as it was, or succeeds with the new tables; a reader sees
// only whole states; a run without cuts then succeeds and no staging object
// is left.
func TestServerConnectionCut(t *testing.T) {
	n := envInt(t, "FAULTS_CUTS", 10)
	for _, e := range serverEngines {
		t.Run(string(e), func(t *testing.T) {
			tg := serverTarget(t, sharedServer(t, e))
			dir := t.TempDir()
			sets := []dataset{{gen: 1, rows: 600}, {gen: 2, rows: 900}}
			var size int64
			for i, d := range sets {
				size = max(size, d.write(t, filepath.Join(dir, fmt.Sprint(i)), fmt.Sprintf("v%d.sql", i)))
			}
			tg.mustRun(t, source.Dir(filepath.Join(dir, "0")), sets[0].fingerprint())
			cur := 0
			rd := startReader(t, tg, sets[0].fingerprint())
			failed, early, swapped := 0, 0, 0
			var cuts int64
			for seed := range n {
				rng := rand.New(rand.NewPCG(uint64(seed), 23))
				// Some connections send a few statements, others a table's
				// rows: the offset is log-uniform, from 64 bytes to a
				// quarter of the dump.
				victim := 1 + rng.IntN(4)
				at := int64(64 * math.Pow(float64(size/4)/64, rng.Float64()))
				proxy := sshd.NewProxy(t, tg.server, func(n int) int64 {
					if n == victim {
						return at
					}
					return 0
				})
				proxy.Upstream.Store(true)
				next := 1 - cur
				rd.allow(sets[cur].fingerprint(), sets[next].fingerprint())
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
				_, err := tg.run(ctx, source.Dir(filepath.Join(dir, fmt.Sprint(next))), proxy.Addr)
				hung := ctx.Err() != nil
				cancel()
				proxy.Close()
				cuts += proxy.Cuts.Load()
				if hung {
					t.Fatalf("seed %d: the import hung until the watchdog: %v", seed, err)
				}
				got := tg.mustRead(t)
				switch {
				case err != nil:
					failed++
					if checkFailure(t, err, fmt.Sprintf("v%d.sql", next), proxy.Addr) {
						early++
					}
					if got == sets[next].fingerprint() && strings.Contains(err.Error(), "the tables were swapped in") {
						// The cut came after the swap: the error says so.
						swapped++
						cur = next
						break
					}
					if got != sets[cur].fingerprint() {
						t.Fatalf("seed %d: failed import (%v), the target holds %s, want the old %s", seed, err, got, sets[cur].fingerprint())
					}
				case got != sets[next].fingerprint():
					t.Fatalf("seed %d: imported, the target holds %s, want %s", seed, got, sets[next].fingerprint())
				default:
					cur = next
				}
				rd.allow(sets[cur].fingerprint())
			}
			if failed == 0 {
				t.Errorf("no import failed in %d seeds (%d cuts): the cuts missed the loads", n, cuts)
			}
			next := 1 - cur
			rd.allow(sets[cur].fingerprint(), sets[next].fingerprint())
			tg.mustRun(t, source.Dir(filepath.Join(dir, fmt.Sprint(next))), sets[next].fingerprint())
			rd.allow(sets[next].fingerprint())
			if left, err := tg.leftovers(t.Context()); err != nil || len(left) > 0 {
				t.Errorf("after the run without cuts: leftovers %q, %v", left, err)
			}
			t.Logf("faults: %s connection cut in %d runs (%d cuts): %d failed (%d before any file, at the version query; %d after the swap, saying so), %d imported whole, data lost 0; %s",
				e, n, cuts, failed, early, swapped, n-failed, rd.finish(t))
		})
	}
}

// TestServerStall black-holes one connection of a replace into MariaDB and
// PostgreSQL (the proxy stops forwarding what the client sends and keeps
// the connection open): the import ends soon after its context's deadline,
// the only timeout a database connection has, and the target keeps its
// tables. The first of the connections 1 to 4 that sends 20,000 bytes is
// the one stalled.
func TestServerStall(t *testing.T) {
	for _, e := range serverEngines {
		t.Run(string(e), func(t *testing.T) {
			tg := serverTarget(t, sharedServer(t, e))
			dir := t.TempDir()
			old, d := dataset{gen: 1, rows: 200}, dataset{gen: 2, rows: 2000}
			old.write(t, filepath.Join(dir, "old"), "old.sql")
			d.write(t, filepath.Join(dir, "new"), "new.sql")
			tg.mustRun(t, source.Dir(filepath.Join(dir, "old")), old.fingerprint())
			for victim := 1; victim <= 4; victim++ {
				proxy := sshd.NewProxy(t, tg.server, func(n int) int64 {
					if n == victim {
						return 20000
					}
					return 0
				})
				proxy.Upstream.Store(true)
				proxy.Stall.Store(true)
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				watchdog := time.AfterFunc(2*time.Minute, func() { proxy.Close() })
				_, err := tg.run(ctx, source.Dir(filepath.Join(dir, "new")), proxy.Addr)
				hung := !watchdog.Stop()
				cancel()
				proxy.Close()
				if hung {
					t.Fatalf("connection %d stalled: the import hung until the watchdog closed the proxy: %v", victim, err)
				}
				if proxy.Cuts.Load() == 0 {
					// That connection sent less; the import ran to its end.
					if err != nil {
						t.Fatalf("connection %d not stalled: %v", victim, err)
					}
					tg.mustRun(t, source.Dir(filepath.Join(dir, "old")), old.fingerprint())
					continue
				}
				if err == nil {
					t.Fatalf("connection %d stalled: the import succeeded", victim)
				}
				if got := tg.mustRead(t); got != old.fingerprint() {
					t.Fatalf("connection %d stalled: the target holds %s, want %s", victim, got, old.fingerprint())
				}
				t.Logf("faults: %s connection %d black-holed: the import failed (%v), target whole", e, victim, err)
				return
			}
			t.Fatal("no connection sent 20,000 bytes")
		})
	}
}
