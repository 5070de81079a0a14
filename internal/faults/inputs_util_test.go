package faults_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/zip"
	_ "modernc.org/sqlite"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// faultTarget is one sink under test with what it held before the faults: the
// table keep, three rows.
type faultTarget struct {
	name    string
	dialect sqlparse.Dialect
	sink    importer.Sink
	db      *sql.DB
	tables  string // the query listing the target's tables
	// reopen, when set, opens the target anew for each look: a SQLite
	// load in Replace mode renames a new file over the old one, which an
	// open handle would go on reading.
	reopen func() (*sql.DB, error)
}

// goodDump creates keep, the data every failed load must leave whole.
const goodDump = "CREATE TABLE keep (a INT, b VARCHAR(20));\nINSERT INTO keep VALUES (1,'x'),(2,'y'),(3,'z');\n"

// faultDump is a small dump in every dialect's common SQL.
func faultDump(rows int) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE t (a INT, b VARCHAR(40));\n")
	for i := 0; i < rows; i += 50 {
		b.WriteString("INSERT INTO t VALUES ")
		for j := i; j < min(i+50, rows); j++ {
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,'row %d of the fault dump')", j, j)
		}
		b.WriteString(";\n")
	}
	return b.String()
}

// eachSink runs fn in a subtest per sink: SQLite always, MariaDB and
// PostgreSQL when testdb can start them (else the subtest skips, or fails
// with CI=true). Each target holds keep (see goodDump) before fn runs.
func eachSink(t *testing.T, fn func(t *testing.T, tg *faultTarget)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, sqliteFaultTarget(t, t.TempDir()))
	})
	t.Run("mariadb", func(t *testing.T) {
		d := testdb.MariaDB(t)
		tg := &faultTarget{name: "mariadb", dialect: sqlparse.MySQL, sink: sink.NewMySQL(d.DSN()), db: d.Open(t),
			tables: "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"}
		tg.seed(t)
		fn(t, tg)
	})
	t.Run("postgres", func(t *testing.T) {
		d := testdb.Postgres(t)
		tg := &faultTarget{name: "postgres", dialect: sqlparse.Postgres, sink: &sink.Postgres{DSN: d.DSN()}, db: d.Open(t),
			tables: "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"}
		tg.seed(t)
		fn(t, tg)
	})
}

func (tg *faultTarget) seed(t *testing.T) {
	t.Helper()
	if _, err := tg.run(t.Context(), "seed.sql", []byte(goodDump), nil); err != nil {
		t.Fatalf("seeding %s: %v", tg.name, err)
	}
	if got := tg.state(t); !strings.Contains(got, "keep=3") {
		t.Fatalf("seeded %s holds %s", tg.name, got)
	}
}

// state lists the target's tables with their row counts and a checksum of
// keep's rows.
func (tg *faultTarget) state(t *testing.T) string {
	t.Helper()
	if tg.reopen != nil {
		db, err := tg.reopen()
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tg.db = db
	}
	names, err := testdb.Strings(t.Context(), tg.db, tg.tables)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		var c int
		if err := tg.db.QueryRow("SELECT count(*) FROM " + n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		base := n[strings.LastIndexByte(n, '.')+1:]
		out = append(out, fmt.Sprintf("%s=%d", base, c))
	}
	var sum sql.NullInt64
	if slices.ContainsFunc(out, func(s string) bool { return strings.HasPrefix(s, "keep=") }) {
		if err := tg.db.QueryRow("SELECT sum(a * length(b)) FROM keep").Scan(&sum); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%v sum=%d", out, sum.Int64)
}

// run imports one file holding data with the target's sink.
func (tg *faultTarget) run(ctx context.Context, name string, data []byte, edit func(*importer.Pipeline)) (*importer.Report, error) {
	p := &importer.Pipeline{
		Source:  memSource(name, data),
		Sink:    tg.sink,
		Dialect: tg.dialect,
	}
	if edit != nil {
		edit(p)
	}
	return p.Run(ctx)
}

// inputFault is one bad input and what its error must say.
type inputFault struct {
	name string // the file's name
	data []byte
	// is, when not nil, must be wrapped by the error.
	is error
	// edit adjusts the pipeline (an extractor with a password, limits).
	edit func(*importer.Pipeline)
}

// wantFailed runs f into tg and checks the promise: a typed error naming
// the file and a place, no panic, and the target exactly as before.
func wantFailed(t *testing.T, tg *faultTarget, f inputFault) {
	t.Helper()
	before := tg.state(t)
	rep, err := tg.run(t.Context(), f.name, f.data, f.edit)
	var ie *importer.Error
	switch {
	case err == nil:
		t.Errorf("%s: imported without error: %+v", f.name, rep)
	case !errors.As(err, &ie):
		t.Errorf("%s: %v (%T) is not an *importer.Error", f.name, err, err)
	case ie.File != f.name:
		t.Errorf("%s: error names file %q: %v", f.name, ie.File, err)
	case ie.Stage == "":
		t.Errorf("%s: error names no stage: %v", f.name, err)
	case ie.Entry == "" && ie.Offset == 0 && ie.Line == 0 && ie.Statement == 0 &&
		!(ie.Stage == importer.StageExtract && errors.Is(err, archive.ErrFormat)):
		// (An archive that cannot be opened at all, such as a ZIP cut
		// before its central directory, is placed by the file alone.)
		t.Errorf("%s: error names no place (entry, offset, line or statement): %v", f.name, err)
	case f.is != nil && !errors.Is(err, f.is):
		t.Errorf("%s: %v does not wrap %v", f.name, err, f.is)
	}
	if rep != nil && len(rep.Files) == 1 && rep.Files[0].Status == importer.Imported {
		t.Errorf("%s: reported as imported", f.name)
	}
	if after := tg.state(t); after != before {
		t.Errorf("%s: target changed by a failed load:\n before %s\n after  %s", f.name, before, after)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// zipOf writes a ZIP of name/content pairs with method (klauspost's writer
// checks no names, so it writes hostile ones too).
func zipOf(t testing.TB, method uint16, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// centralRecords returns the offsets of a ZIP's central directory records.
func centralRecords(b []byte) []int {
	var out []int
	for i := 0; i+46 <= len(b); i++ {
		if binary.LittleEndian.Uint32(b[i:]) == 0x02014b50 {
			out = append(out, i)
		}
	}
	return out
}

// spread returns n offsets spread over [1, size).
func spread(size, n int) []int {
	var out []int
	for i := 1; i <= n; i++ {
		if o := size * i / (n + 1); o > 0 && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// memSource is a source of one file in memory.
func memSource(name string, data []byte) *source.FS {
	return &source.FS{FS: fstest.MapFS{name: {Data: data}}}
}

// tgDialect is the dialect of the dumps the tests give the named sink.
func tgDialect(name string) sqlparse.Dialect {
	switch name {
	case "mariadb":
		return sqlparse.MySQL
	case "postgres":
		return sqlparse.Postgres
	}
	return sqlparse.SQLite
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
