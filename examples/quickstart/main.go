// Command quickstart imports a bundled sample dump with nothing to install:
// the Chinook sample database, as written by the sqlite3 shell's .dump and
// zipped, goes through the whole pipeline (source, ZIP extractor, SQL
// parser) into a SQLite file in a temporary folder, with live progress; then
// it prints the rows per table, counted in the new database.
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
	"text/tabwriter"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/status"
)

//go:embed testdata/chinook.zip
var sample embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "quickstart-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	_, err = run(ctx, filepath.Join(dir, "chinook.db"), os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run imports the sample into the SQLite file dbPath and returns the rows
// per table counted in the database.
func run(ctx context.Context, dbPath string, out io.Writer) (map[string]int64, error) {
	tracker := status.New(0)
	target := sink.NewSQLite(dbPath)
	defer target.Close()
	p := &importer.Pipeline{
		Source:   &source.FS{FS: sample, Root: "testdata"},
		Patterns: []string{"*.zip"},
		Sink:     target,
		Status:   tracker,
		Logger:   slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	fmt.Fprintf(out, "importing the bundled Chinook sample into %s\n", dbPath)

	done := make(chan struct{})
	watched := make(chan struct{})
	go func() { // live progress from the tracker's snapshots
		defer close(watched)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s := tracker.Snapshot()
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
