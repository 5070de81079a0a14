// Package importertest checks that an importer.Sink keeps the contract that
// users of the importer rely on, as gocloud's blob/drivertest does for
// storage drivers: a downstream team runs [RunSinkTests] from a test of its
// own sink, with a [Harness] that makes the sink and reads back what its
// target holds.
//
//	func TestConformance(t *testing.T) {
//		importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
//			return &myHarness{dir: t.TempDir()}
//		})
//	}
//
// The checks, each a subtest:
//
//   - Commit: a committed load is visible whole, and replaces what the
//     previous load of the same file left; while a load runs, a reader sees
//     the previous data, whole.
//   - Abort: a load that fails (a syntax error near the end of the dump)
//     leaves the target as it was, and the error names the file.
//   - Cancel: a run whose context is cancelled in the middle of a file
//     leaves the target as it was and returns the context's error.
//   - Values: NULL, big integers, exact decimals, binary, UTF-8 and empty
//     strings read back as they were written.
//   - Concurrent: several files, each into a table of its own, loaded at
//     once.
//
// Every load routes its file to the target named after it
// ([importer.Pipeline].Route: the file name without ".sql", so
// "conformance" for all the checks but Concurrent, "conf1" to "conf4" there):
// a sink that keeps a target per name (a database, a schema, a file) loads
// Concurrent's files side by side, one that ignores [importer.Target].Name
// into one target. Rows is asked with the same Target.
//   - Goroutines: no goroutine started by a load outlives it (goleak).
//
// A sink that keeps nothing a reader can see (a dry run, a sink that only
// forwards statements) says so from [Harness.Rows]; the checks then test
// only what the pipeline reports.
package importertest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// Harness is what the test of a sink gives [RunSinkTests]: the sink under
// test and a way to read back what a reader of its target sees.
type Harness interface {
	// Sink returns the sink under test. It is called once per Harness;
	// every load of one check goes through it.
	Sink() importer.Sink
	// Dialect is the dialect of the dumps the sink loads.
	Dialect() sqlparse.Dialect
	// Rows returns the rows a reader of target sees now in table, in any
	// order, with a value per column in the order of the table's CREATE
	// TABLE: nil for NULL, else the value as text (the bytes themselves
	// for binary and string values; digits for numbers, in any notation
	// that reads back as the same number). A table that does not exist has
	// no rows (nil and no error). A sink whose target cannot be read back
	// returns an error wrapping errors.ErrUnsupported.
	Rows(ctx context.Context, target importer.Target, table string) ([]Row, error)
}

// Row is one row read back by [Harness.Rows].
type Row []*string

// RunSinkTests runs the conformance checks on the sink that newHarness
// makes. newHarness is called once per check, and must give a sink whose
// target holds none of the tables the checks load (conf, conf1 to conf4,
// vals). Clean up with t.Cleanup.
func RunSinkTests(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("Commit", func(t *testing.T) { testCommit(t, newHarness(t)) })
	t.Run("Abort", func(t *testing.T) { testAbort(t, newHarness(t)) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, newHarness(t)) })
	t.Run("Values", func(t *testing.T) { testValues(t, newHarness(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newHarness(t)) })
	t.Run("Goroutines", func(t *testing.T) { testGoroutines(t, newHarness(t)) })
}

// fileName is the name of the file every load of a check but Concurrent
// reads, so that the loads go to one target.
const fileName = "conformance.sql"

// route names the target of a file: its name without ".sql".
func route(f source.File) string { return strings.TrimSuffix(f.Name, ".sql") }

// target is the Target a load of file goes to.
func target(file string) importer.Target {
	f := source.File{Name: file}
	return importer.Target{File: f, Name: route(f)}
}

// check runs the loads of one check.
type check struct {
	t    *testing.T
	h    Harness
	sink importer.Sink
	d    sqlparse.Dialect
}

func newCheck(t *testing.T, h Harness) *check {
	return &check{t: t, h: h, sink: h.Sink(), d: h.Dialect()}
}

// run loads files through s, all at once.
func (c *check) run(ctx context.Context, s importer.Sink, src *memSource) (*importer.Report, error) {
	p := &importer.Pipeline{Source: src, Sink: s, Dialect: c.d, Concurrency: len(src.files), Route: route}
	return p.Run(ctx)
}

// mustRun loads files through the sink and fails the check on an error.
func (c *check) mustRun(src *memSource) *importer.Report {
	c.t.Helper()
	rep, err := c.run(context.Background(), c.sink, src)
	if err != nil {
		c.t.Fatalf("load: %v", err)
	}
	return rep
}

// differs compares what table holds with want (by kinds, one per column)
// and says how they differ, "" when they do not; ok is false when the sink
// cannot be read back.
func (c *check) differs(file, table string, kinds []kind, want []Row) (diff string, ok bool) {
	got, err := c.h.Rows(context.Background(), target(file), table)
	if errors.Is(err, errors.ErrUnsupported) {
		return "", false
	}
	if err != nil {
		return fmt.Sprintf("read back %s: %v", table, err), true
	}
	slices.SortFunc(got, func(a, b Row) int {
		if len(a) == 0 || len(b) == 0 || a[0] == nil || b[0] == nil {
			return len(a) - len(b)
		}
		x, okx := new(big.Rat).SetString(*a[0])
		y, oky := new(big.Rat).SetString(*b[0])
		if !okx || !oky {
			return strings.Compare(*a[0], *b[0])
		}
		return x.Cmp(y)
	})
	if len(got) != len(want) {
		return fmt.Sprintf("%s holds %d rows, want %d", table, len(got), len(want)), true
	}
	for i := range want {
		if err := sameRow(kinds, want[i], got[i]); err != nil {
			return fmt.Sprintf("%s row %d: %v", table, i+1, err), true
		}
	}
	return "", true
}

// expect fails the check unless table holds want; it logs when the sink
// cannot be read back.
func (c *check) expect(file, table string, kinds []kind, want []Row, when string) {
	c.t.Helper()
	diff, ok := c.differs(file, table, kinds, want)
	if !ok {
		c.t.Logf("%s: the sink cannot be read back; not checked", when)
		return
	}
	if diff != "" {
		c.t.Fatalf("%s: %s", when, diff)
	}
}

// kind says how a column's values are compared.
type kind uint8

const (
	number kind = iota // as exact rationals
	text               // byte for byte
)

func sameRow(kinds []kind, want, got Row) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d columns, want %d", len(got), len(want))
	}
	for j, w := range want {
		g := got[j]
		switch {
		case w == nil && g == nil:
			continue
		case w == nil:
			return fmt.Errorf("column %d: %q, want NULL", j+1, *g)
		case g == nil:
			return fmt.Errorf("column %d: NULL, want %q", j+1, *w)
		}
		if kinds[j] == number {
			x, okx := new(big.Rat).SetString(*w)
			y, oky := new(big.Rat).SetString(*g)
			if !okx || !oky || x.Cmp(y) != 0 {
				return fmt.Errorf("column %d: %s, want %s", j+1, *g, *w)
			}
			continue
		}
		if *g != *w {
			return fmt.Errorf("column %d: %q, want %q", j+1, *g, *w)
		}
	}
	return nil
}

func testCommit(t *testing.T, h Harness) {
	c := newCheck(t, h)
	v1, v2 := confRows("v1", 100), confRows("v2", 150)
	c.mustRun(memFiles(fileName, confDump(c.d, "conf", v1)))
	c.expect(fileName, "conf", confKinds, v1, "after the first load")

	// In the middle of the second load, after it dropped and created the
	// table and inserted rows, a reader sees the first load's rows.
	dump, middle := confDumpMiddle(c.d, "conf", v2)
	paused, during := false, ""
	p := &pausing{Sink: c.sink, n: middle, pause: func(context.Context) {
		paused = true
		during, _ = c.differs(fileName, "conf", confKinds, v1)
	}}
	rep, err := c.run(context.Background(), p, memFiles(fileName, dump))
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if !paused {
		t.Fatalf("the second load did not reach statement %d", middle)
	}
	if during != "" {
		t.Errorf("during the second load, before its commit: %s", during)
	}
	if rep.Rows != int64(len(v2)) {
		t.Errorf("second load: %d rows reported, want %d", rep.Rows, len(v2))
	}
	c.expect(fileName, "conf", confKinds, v2, "after the second load")
}

func testAbort(t *testing.T, h Harness) {
	c := newCheck(t, h)
	v1 := confRows("v1", 100)
	c.mustRun(memFiles(fileName, confDump(c.d, "conf", v1)))
	_, err := c.run(context.Background(), c.sink, memFiles(fileName, badDump(c.d)))
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.File != fileName || !errors.Is(err, sqlparse.ErrSyntax) {
		t.Fatalf("failed load: error %v, want an *importer.Error naming %s and wrapping sqlparse.ErrSyntax", err, fileName)
	}
	c.expect(fileName, "conf", confKinds, v1, "after a failed load")
}

// badDump is a dump that replaces the conf table and then fails with a
// syntax error.
func badDump(d sqlparse.Dialect) string {
	return confDump(d, "conf", confRows("bad", 150)) + "INSERT INTO conf (id, v) VALUES (999, 'unterminated);\n"
}

// cancelled runs a load of the conf table whose context is cancelled in
// the middle, after statements were executed.
func (c *check) cancelled() error {
	dump, middle := confDumpMiddle(c.d, "conf", confRows("cancelled", 150))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &pausing{Sink: c.sink, n: middle, pause: func(context.Context) { cancel() }}
	_, err := c.run(ctx, p, memFiles(fileName, dump))
	return err
}

func testCancel(t *testing.T, h Harness) {
	c := newCheck(t, h)
	v1 := confRows("v1", 100)
	c.mustRun(memFiles(fileName, confDump(c.d, "conf", v1)))
	if err := c.cancelled(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled load: error %v, want one wrapping context.Canceled", err)
	}
	c.expect(fileName, "conf", confKinds, v1, "after a cancelled load")
}

func testValues(t *testing.T, h Harness) {
	c := newCheck(t, h)
	dump, want := valuesDump(c.d)
	rep := c.mustRun(memFiles(fileName, dump))
	if rep.Rows != int64(len(want)) {
		t.Errorf("%d rows reported, want %d", rep.Rows, len(want))
	}
	c.expect(fileName, "vals", valKinds, want, "values")
}

func testConcurrent(t *testing.T, h Harness) {
	c := newCheck(t, h)
	src := &memSource{}
	want := map[string][]Row{}
	for i := 1; i <= 4; i++ {
		table := fmt.Sprintf("conf%d", i)
		rows := confRows(table, 50*i)
		want[table] = rows
		src.files = append(src.files, memFile{name: table + ".sql", data: confDump(c.d, table, rows)})
	}
	rep := c.mustRun(src)
	if rep.Imported != 4 || rep.Rows != 500 {
		t.Errorf("%d files imported, %d rows; want 4 and 500", rep.Imported, rep.Rows)
	}
	for table, rows := range want {
		c.expect(table+".sql", table, confKinds, rows, "concurrent loads")
	}
}

func testGoroutines(t *testing.T, h Harness) {
	c := newCheck(t, h)
	// A first load lets the sink start what it keeps for its lifetime (a
	// database handle's goroutines); the loads after it, committed, failed
	// and cancelled, must leave none.
	c.mustRun(memFiles(fileName, confDump(c.d, "conf", confRows("v1", 100))))
	ignore := goleak.IgnoreCurrent()
	c.mustRun(memFiles(fileName, confDump(c.d, "conf", confRows("v2", 120))))
	c.run(context.Background(), c.sink, memFiles(fileName, badDump(c.d)))
	c.cancelled()
	if err := goleak.Find(ignore); err != nil { // Find waits a while for goroutines on their way out
		t.Errorf("goroutines left after the loads: %v", err)
	}
}
