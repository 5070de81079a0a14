package faults_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// childEnv carries the child's job: "ENGINE\tDSN\tDIR\tOFFSET".
const childEnv = "FAULTS_KILL_CHILD"

// TestImporterKilledChild is the child process of TestImporterKilled: an
// import of the files of DIR that kills itself with SIGKILL before it
// returns byte OFFSET of the dump to the parser.
func TestImporterKilledChild(t *testing.T) {
	job := os.Getenv(childEnv)
	if job == "" {
		t.Skip("the child process of TestImporterKilled")
	}
	f := strings.Split(job, "\t")
	at, _ := strconv.ParseInt(f[3], 10, 64)
	p := &importer.Pipeline{Source: trip(source.Dir(f[2]), at, func() {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	})}
	switch f[0] {
	case "sqlite":
		p.Sink, p.Dialect = &sink.SQLite{Path: f[1]}, sqlparse.SQLite
	case "mariadb":
		p.Sink, p.Dialect = &sink.MySQL{DSN: f[1]}, sqlparse.MySQL
	case "postgres":
		p.Sink, p.Dialect = &sink.Postgres{DSN: f[1]}, sqlparse.Postgres
	}
	_, err := p.Run(context.Background())
	t.Fatalf("the import returned (%v) before byte %d", err, at)
}

// TestImporterKilled kills the importer, a child process, with SIGKILL at
// FAULTS_SEEDS (20) seeded offsets of its dump, in replace mode into
// SQLite, MariaDB and PostgreSQL, with a reader polling the target: the
// target keeps its old tables whole, the rerun succeeds, and no staging
// database, schema or file is left after it.
func TestImporterKilled(t *testing.T) {
	n := seeds(t)
	for _, engine := range []string{"sqlite", "mariadb", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var tg *target
			if engine == "sqlite" {
				tg = sqliteTarget(t)
			} else {
				tg = serverTarget(t, sharedServer(t, testdb.Engine(engine)))
			}
			dir := t.TempDir()
			sets := []dataset{{gen: 1, rows: 300}, {gen: 2, rows: 400}}
			var sizes []int64
			for i, d := range sets {
				sizes = append(sizes, d.write(t, filepath.Join(dir, fmt.Sprint(i)), fmt.Sprintf("v%d.sql", i)))
			}
			tg.mustRun(t, source.Dir(filepath.Join(dir, "0")), sets[0].fingerprint())
			cur := 0
			rd := startReader(t, tg, sets[0].fingerprint())
			left, reruns := 0, 0
			for seed := range n {
				rng := rand.New(rand.NewPCG(uint64(seed), 31))
				next := 1 - cur
				at := 1 + rng.Int64N(sizes[next])
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestImporterKilledChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s\t%s\t%s\t%d", childEnv, tg.engine, tg.dsn, filepath.Join(dir, fmt.Sprint(next)), at))
				out, err := cmd.CombinedOutput()
				cancel()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("seed %d: the child was not killed at byte %d: %v\n%s", seed, at, err, out)
				}
				if got := tg.mustRead(t); got != sets[cur].fingerprint() {
					t.Fatalf("seed %d: killed at byte %d, the target holds %s, want the old %s", seed, at, got, sets[cur].fingerprint())
				}
				if l, err := tg.leftovers(t.Context()); err == nil && len(l) > 0 {
					left++
				}
				// The rerun removes what the killed run left once the
				// server noticed that its session is gone (MariaDB's
				// GET_LOCK, PostgreSQL's advisory lock; a SQLite file's
				// flock goes with the process): rerun until then.
				rd.allow(sets[cur].fingerprint(), sets[next].fingerprint())
				for deadline := time.Now().Add(30 * time.Second); ; {
					tg.mustRun(t, source.Dir(filepath.Join(dir, fmt.Sprint(next))), sets[next].fingerprint())
					reruns++
					l, err := tg.leftovers(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if len(l) == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("seed %d: the reruns left %q", seed, l)
					}
					time.Sleep(50 * time.Millisecond)
				}
				cur = next
				rd.allow(sets[cur].fingerprint())
			}
			t.Logf("faults: importer killed %d times into %s (replace): %d left staging objects, removed by %d reruns, none left after; data lost 0; %s",
				n, engine, left, reruns, rd.finish(t))
		})
	}
}
