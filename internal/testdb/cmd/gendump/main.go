// Command gendump writes a large MySQL dump for benchmarks: the corpus's
// sakila database, with its rental and payment tables multiplied by
// INSERT ... SELECT in a real MariaDB server (started in a temporary folder
// by internal/testdb), dumped by the real mariadb-dump. The volume is
// synthetic; the producer is real. See testdb.WriteSakilaDump.
//
//	go run ./internal/testdb/cmd/gendump -o /tmp/sakila-big.sql [-size 200] [-corpus DIR] [-- mariadb-dump flags]
//
// -size is the smallest dump size wanted, in MB (10^6 bytes): the rental and
// payment rows are doubled until the dump is at least that large. Flags
// after -- go to mariadb-dump (for example --skip-extended-insert or
// --hex-blob). It prints the dump's size and producer, then COUNT(*) per
// table of the dumped database, which a parse of the dump must find. Do not
// commit the output.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
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

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gendump", flag.ContinueOnError)
	out := fs.String("o", "", "output file (required)")
	sizeMB := fs.Int64("size", 200, "smallest dump size wanted, in MB")
	corpus := fs.String("corpus", "", "the corpus `folder` (default: testdata/corpus of the repository around the working directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		root, err := testdb.RepoRoot()
		if err != nil {
			return err
		}
		*corpus = filepath.Join(root, "testdata", "corpus")
	}
	if *out == "" {
		return errors.New("-o FILE is required")
	}
	d, err := testdb.WriteSakilaDump(ctx, *corpus, *out, *sizeMB*1e6, fs.Args()...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d bytes, written by %s from sakila with rental and payment x%d\n", d.Path, d.Size, d.Producer, d.Copies)
	for _, t := range slices.Sorted(maps.Keys(d.Rows)) {
		fmt.Fprintf(stdout, "%s\t%d\n", t, d.Rows[t])
	}
	return nil
}
