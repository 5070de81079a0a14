// Command gendump writes a large MySQL dump for benchmarks: the corpus's
// sakila database, with its rental and payment tables multiplied by
// INSERT ... SELECT in a real MariaDB server (started in a temporary folder
// by internal/testdb), dumped by the real mariadb-dump. The volume is
// synthetic; the producer is real.
//
//	go run ./internal/testdb/cmd/gendump -o /tmp/sakila-big.sql [-size 200] [-corpus DIR] [-- mariadb-dump flags]
//
// -size is the smallest dump size wanted, in MB (10^6 bytes): the rental and
// payment rows are doubled until the dump is at least that large. Flags
// after -- go to mariadb-dump (for example --skip-extended-insert or
// --hex-blob). It prints the dump's size and the rows per table, which a
// benchmark can check its parse against. Do not commit the output.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/dumpline/importer/internal/testdb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendump:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("gendump", flag.ContinueOnError)
	out := fs.String("o", "", "output file (required)")
	sizeMB := fs.Int64("size", 200, "smallest dump size wanted, in MB")
	corpus := fs.String("corpus", filepath.Join("..", "shared", "corpus"), "the shared corpus folder (run from the repository's root)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-o FILE is required")
	}
	dumpArgs := fs.Args()

	srv, err := testdb.Start(ctx, testdb.EngineMariaDB)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()

	fkOff := "--init-command=SET SESSION foreign_key_checks=0"
	for _, f := range []string{"sakila-schema.sql", "sakila-data.sql"} {
		if err := srv.LoadFile(ctx, "", filepath.Join(*corpus, "mysql", f), fkOff); err != nil {
			return err
		}
	}
	db, err := sql.Open(srv.DriverName(), srv.DSN("sakila"))
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session: the SET below must hold for every statement
	if err != nil {
		return err
	}
	defer conn.Close()

	// The triggers would overwrite the copied dates with NOW() (and so
	// break rental's unique key); payment_id is a SMALLINT in sakila.
	for _, q := range []string{
		"SET SESSION foreign_key_checks = 0, unique_checks = 0",
		"DROP TRIGGER IF EXISTS rental_date",
		"DROP TRIGGER IF EXISTS payment_date",
		"ALTER TABLE payment MODIFY payment_id INT UNSIGNED NOT NULL AUTO_INCREMENT",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}

	// Bytes one copy of rental and payment adds to the dump.
	perCopy, err := dumpSize(ctx, srv, "sakila", "rental", "payment")
	if err != nil {
		return err
	}
	base, err := dumpSize(ctx, srv, "sakila")
	if err != nil {
		return err
	}
	target := *sizeMB * 1e6
	copies := int64(1)
	for base+(copies-1)*perCopy < target {
		// rental's dates span less than a year: shifting each new copy by
		// a whole number of years keeps (rental_date, inventory_id,
		// customer_id) unique.
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO rental (rental_date, inventory_id, customer_id, return_date, staff_id, last_update)
				SELECT rental_date + INTERVAL %d YEAR, inventory_id, customer_id, return_date + INTERVAL %d YEAR, staff_id, last_update
				FROM rental`, copies, copies),
			`INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date, last_update)
				SELECT customer_id, staff_id, rental_id, amount, payment_date, last_update FROM payment`,
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("scale to %d copies: %w", 2*copies, err)
			}
		}
		copies *= 2
		fmt.Fprintf(os.Stderr, "gendump: %d copies of rental and payment\n", copies)
	}

	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	cmd := srv.DumpCommand(ctx, append(append([]string{"--skip-dump-date"}, dumpArgs...), "sakila")...)
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	runErr := cmd.Run()
	if err := errors.Join(runErr, f.Close()); err != nil {
		return fmt.Errorf("mariadb-dump: %w", err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d bytes, written by mariadb-dump (%s) %s from sakila with rental and payment x%d\n",
		*out, st.Size(), srv.Version, strings.Join(dumpArgs, " "), copies)
	rows, err := conn.QueryContext(ctx, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = 'sakila' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM `"+t+"`").Scan(&n); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%d\n", t, n)
	}
	return nil
}

// dumpSize returns the size of mariadb-dump's output for the arguments.
func dumpSize(ctx context.Context, srv *testdb.Server, args ...string) (int64, error) {
	cmd := srv.DumpCommand(ctx, append([]string{"--skip-dump-date"}, args...)...)
	var n countWriter
	cmd.Stdout, cmd.Stderr = &n, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("mariadb-dump %v: %w", args, err)
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
