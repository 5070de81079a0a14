package testdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SakilaDump describes a large dump written by WriteSakilaDump.
type SakilaDump struct {
	// Path is the dump file.
	Path string
	// Size is its size in bytes.
	Size int64
	// Copies is how many times the rental and payment rows were copied.
	Copies int64
	// Rows is COUNT(*) per table of the dumped database, keyed by table
	// name: what a parse of the dump must find.
	Rows map[string]int64
	// Producer names the program that wrote the dump, with its version
	// and arguments.
	Producer string
}

// WriteSakilaDump writes to out a MySQL dump of at least minBytes bytes, for
// benchmarks: it starts a private MariaDB server, loads the corpus's sakila
// (corpusDir/mysql/sakila-schema.sql and sakila-data.sql), doubles the
// rental and payment rows with INSERT ... SELECT until the dump will be
// large enough, and runs the real mariadb-dump with dumpArgs (e.g.
// "--skip-extended-insert") on the sakila database. The volume is
// synthetic; the producer is real. 200 MB takes a minute or two.
//
// To make room for the copies, payment_id becomes an INT, and the
// rental_date and payment_date triggers are dropped (they would overwrite
// the copied dates). Each copy of rental is shifted by whole years, which
// keeps rental's unique key.
func WriteSakilaDump(ctx context.Context, corpusDir, out string, minBytes int64, dumpArgs ...string) (d *SakilaDump, err error) {
	srv, err := Start(ctx, EngineMariaDB)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()

	fkOff := "--init-command=SET SESSION foreign_key_checks=0"
	for _, f := range []string{"sakila-schema.sql", "sakila-data.sql"} {
		if err := srv.LoadFile(ctx, "", filepath.Join(corpusDir, "mysql", f), fkOff); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(srv.DriverName(), srv.DSN("sakila"))
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session: the SET below must hold for every statement
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	defer conn.Close()
	for _, q := range []string{
		"SET SESSION foreign_key_checks = 0, unique_checks = 0",
		"DROP TRIGGER IF EXISTS rental_date",
		"DROP TRIGGER IF EXISTS payment_date",
		"ALTER TABLE payment MODIFY payment_id INT UNSIGNED NOT NULL AUTO_INCREMENT",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("testdb: %s: %w", q, err)
		}
	}

	// Bytes that one copy of rental and payment adds to the dump.
	perCopy, err := dumpSize(ctx, srv, dumpArgs, "sakila", "rental", "payment")
	if err != nil {
		return nil, err
	}
	base, err := dumpSize(ctx, srv, dumpArgs, "sakila")
	if err != nil {
		return nil, err
	}
	d = &SakilaDump{Path: out, Copies: 1, Rows: map[string]int64{}}
	for base+(d.Copies-1)*perCopy < minBytes {
		// rental's dates span less than a year: shifting each new copy by
		// a whole number of years keeps (rental_date, inventory_id,
		// customer_id) unique.
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, staff_id, last_update)
				SELECT rental_date + INTERVAL %d YEAR, inventory_id, customer_id, return_date + INTERVAL %d YEAR, staff_id, last_update
				FROM rental`, d.Copies, d.Copies),
			`INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date, last_update)
				SELECT customer_id, staff_id, rental_id, amount, payment_date, last_update FROM payment`,
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("testdb: scale sakila to %d copies: %w", 2*d.Copies, err)
			}
		}
		d.Copies *= 2
	}

	f, err := os.Create(out)
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	cmd := srv.DumpCommand(ctx, append(append([]string{"--skip-dump-date"}, dumpArgs...), "sakila")...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = f, &stderr
	runErr := cmd.Run()
	if err := errors.Join(runErr, f.Close()); err != nil {
		return nil, fmt.Errorf("testdb: mariadb-dump: %w\n%s", err, stderr.String())
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	d.Size = st.Size()
	d.Producer = strings.TrimSpace("mariadb-dump (" + srv.Version + ") " + strings.Join(dumpArgs, " "))

	tables, err := Strings(ctx, conn, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = 'sakila' AND TABLE_TYPE = 'BASE TABLE'`)
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	for _, t := range tables {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteMySQL(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("testdb: count %s: %w", t, err)
		}
		d.Rows[t] = n
	}
	return d, nil
}

// dumpSize returns the size of mariadb-dump's output for the arguments.
func dumpSize(ctx context.Context, srv *Server, dumpArgs []string, args ...string) (int64, error) {
	cmd := srv.DumpCommand(ctx, append(append([]string{"--skip-dump-date"}, dumpArgs...), args...)...)
	var n countWriter
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &n, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("testdb: mariadb-dump %v: %w\n%s", args, err, stderr.String())
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// CachedSakilaDump returns a WriteSakilaDump dump of at least minMB MB
// (10^6 bytes) made with dumpArgs, kept in a cache folder
// (os.UserCacheDir()/dumpline-testdb, else the temporary folder) and
// generated there on first use, which takes minutes: call it from
// benchmarks, not from the default tests. The corpus comes from CorpusDir.
// A missing MariaDB or corpus skips (fails with CI=true).
func CachedSakilaDump(tb testing.TB, minMB int64, dumpArgs ...string) *SakilaDump {
	tb.Helper()
	corpus := CorpusDir(tb)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "dumpline-testdb")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("sakila-%dmb", minMB)
	for _, a := range dumpArgs {
		name += strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '_'
		}, a)
	}
	path := filepath.Join(cache, name+".sql")
	meta := path + ".json"
	if b, err := os.ReadFile(meta); err == nil {
		var d SakilaDump
		if json.Unmarshal(b, &d) == nil && d.Path == path {
			if st, err := os.Stat(path); err == nil && st.Size() == d.Size {
				return &d
			}
		}
	}
	// Generate under temporary names and rename, so that a concurrent
	// generator or an interrupted run never leaves a half-written dump.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	d, err := WriteSakilaDump(ctx, corpus, tmp, minMB*1e6, dumpArgs...)
	if err != nil {
		os.Remove(tmp)
		fail(tb, err)
	}
	d.Path = path
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(meta+".tmp", b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(meta+".tmp", meta); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("testdb: generated %s (%d bytes) in %v", path, d.Size, time.Since(start).Round(time.Second))
	return d
}

// CorpusDir returns the folder of sample dumps: $DUMPLINE_CORPUS if set,
// else testdata/corpus in the repository's root (the folder of go.mod,
// found from the working directory up). The corpus is part of the
// repository, so a missing one fails the test.
func CorpusDir(tb testing.TB) string {
	tb.Helper()
	dir, err := corpusDir()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

func corpusDir() (string, error) {
	if d := os.Getenv("DUMPLINE_CORPUS"); d != "" {
		return checkCorpus(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return checkCorpus(filepath.Join(root, "testdata", "corpus"))
}

// RepoRoot returns the repository's root: the nearest folder holding
// go.mod, from the working directory up.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testdb: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("testdb: no go.mod above %s", wd)
		}
	}
}

func checkCorpus(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("testdb: %w", err)
	}
	if _, err := os.Stat(filepath.Join(abs, "mysql")); err != nil {
		return "", fmt.Errorf("testdb: corpus not found at %s (set DUMPLINE_CORPUS): %w", abs, err)
	}
	return abs, nil
}
