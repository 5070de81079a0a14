// Command quickstart imports a bundled sample dump with nothing to install:
// the MySQL Sakila sample database (its schema and data files), in a ZIP
// encrypted with WinZip AES-256, is served by an in-process SSH server on
// loopback and goes through the whole pipeline: the SFTP source with the
// host key checked against a known_hosts file, the ZIP extractor decrypting
// with the password, the SQL parser, and the SQLite sink, which translates
// the MySQL tables for SQLite and loads them into a new file in a
// temporary folder, with live progress. Then it prints the rows per table,
// counted in the new database, and what SQLite could not take.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
	"github.com/dumpline/importer/status"
)

//go:embed testdata/sakila.zip
var sample embed.FS

// samplePassword is the bundled sample's ZIP password (a demonstration, not
// a secret: real ones come from the environment or a secret store).
const samplePassword = "quickstart-sample"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "quickstart-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	_, err = run(ctx, dir, os.Stdout)
	os.RemoveAll(filepath.Join(dir, "drop"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run serves the sample from an SSH server on loopback, imports it into the
// SQLite file dir/sakila.db and returns the rows per table counted in the
// database.
func run(ctx context.Context, dir string, w io.Writer) (map[string]int64, error) {
	// The log and the progress lines are written from several goroutines.
	out := &syncWriter{w: w}
	// The drop: the bundled zip in a folder, served over SFTP on 127.0.0.1.
	drop := filepath.Join(dir, "drop")
	zipped, err := sample.ReadFile("testdata/sakila.zip")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(drop, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(drop, "sakila.zip"), zipped, 0o644); err != nil {
		return nil, err
	}
	srv, err := sftptest.New(drop)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	// Host keys are always verified: record the server's key in a
	// known_hosts file, as an operator would.
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(srv.KnownHostsLine()+"\n"), 0o600); err != nil {
		return nil, err
	}
	src := &remote.SFTP{Addr: srv.Addr, User: srv.User, Password: srv.Password, Path: "/", KnownHosts: []string{knownHosts}}
	defer src.Close()

	dbPath := filepath.Join(dir, "sakila.db")
	tracker := status.New(0)
	target := sink.NewSQLite(dbPath)
	defer target.Close()
	p := &importer.Pipeline{
		Source:    src,
		Patterns:  []string{"*.zip"},
		Extractor: &archive.Extractor{Password: archive.StaticPassword(samplePassword)},
		Sink:      target,
		Status:    tracker,
		// Progress events every 100ms (the default is 250ms).
		ProgressInterval: 100 * time.Millisecond,
		Logger:           slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	fmt.Fprintf(out, "importing the bundled Sakila sample (MySQL, in an AES-encrypted zip) from sftp://%s@%s/ into %s\n", srv.User, srv.Addr, dbPath)

	done := make(chan struct{})
	watched := make(chan struct{})
	go func() { // live progress from the tracker's snapshots
		defer close(watched)
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		var last int64 = -1
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s := tracker.Snapshot()
				if s.Totals.BytesParsed == last {
					continue
				}
				last = s.Totals.BytesParsed
				fmt.Fprintf(out, "  %s: %d statements, %d rows, %d bytes parsed\n", s.State, s.Totals.Statements, s.Totals.Rows, s.Totals.BytesParsed)
			}
		}
	}()
	rep, err := p.Run(ctx)
	close(done)
	<-watched
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "imported %d file(s): %d statements, %d rows in %v\n", rep.Imported, rep.Statements, rep.Rows, rep.Durations.Total.Round(time.Millisecond))

	counts, err := countRows(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows in the database\t")
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(tw, "%s\t%d\t\n", t, counts[t])
	}
	tw.Flush()
	if len(rep.Notes)+len(rep.SkippedStatements) > 0 {
		fmt.Fprintln(out, "what SQLite could not take, by name:")
	}
	for _, n := range slices.Sorted(maps.Keys(rep.Notes)) {
		fmt.Fprintf(out, "  %s\n", n)
	}
	for _, n := range slices.Sorted(maps.Keys(rep.SkippedStatements)) {
		fmt.Fprintf(out, "  skipped %d statement(s): %s\n", rep.SkippedStatements[n], n)
	}
	return counts, nil
}

// countRows counts the rows of every table of the SQLite database at path.
func countRows(ctx context.Context, path string) (map[string]int64, error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM "%s"`, t)).Scan(&n); err != nil {
			return nil, err
		}
		counts[t] = n
	}
	return counts, nil
}

// syncWriter serialises the writes of several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
