package sink_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

func load(t *testing.T, db string, dump string) (*importer.Report, error) {
	t.Helper()
	return loadMode(t, db, dump, sink.Append)
}

func loadMode(t *testing.T, db string, dump string, mode sink.Mode) (*importer.Report, error) {
	t.Helper()
	s := &sink.SQLite{Path: db, Mode: mode}
	defer s.Close()
	p := &importer.Pipeline{Source: &source.FS{FS: fstest.MapFS{"d.sql": {Data: []byte(dump)}}}, Sink: s, Dialect: sqlparse.SQLite}
	return p.Run(context.Background())
}

func query(t *testing.T, db, q string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b sql.NullString
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, a.String+"|"+b.String)
	}
	return out
}

func TestSQLiteTypesAndTransactionControl(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	dump := `PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE t(k TEXT, v);
INSERT INTO t VALUES('int',42);
INSERT INTO t VALUES('big',123456789012345678901234567890);
INSERT INTO t VALUES('real',1.5);
INSERT INTO t VALUES('text','it''s');
INSERT INTO t VALUES('blob',X'00FF');
INSERT INTO t VALUES('null',NULL);
INSERT INTO t VALUES('expr',replace('a\nb','\n',char(10)));
CREATE UNIQUE INDEX tk ON t(k);
INSERT INTO t VALUES('int',43) ON CONFLICT DO NOTHING;
INSERT INTO t VALUES('int',44) ON CONFLICT(k) DO UPDATE SET v = v + 100;
COMMIT;
`
	rep, err := load(t, db, dump)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SkippedStatements["transaction control (the sink loads each file in one transaction)"] != 2 {
		t.Errorf("skipped: %v", rep.SkippedStatements)
	}
	got := strings.Join(query(t, db, `SELECT k, typeof(v) || ':' || quote(v) FROM t ORDER BY rowid`), "\n")
	want := strings.Join([]string{
		"int|integer:142", "big|real:1.2345678901234568e+29", "real|real:1.5", "text|text:'it''s'",
		"blob|blob:X'00FF'", "null|null:NULL", "expr|text:'a\nb'",
	}, "\n")
	if got != want {
		t.Errorf("stored:\n%s\nwant:\n%s", got, want)
	}
}

func TestSQLiteFailureLeavesTheDatabaseAsItWas(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	if _, err := load(t, db, "CREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n"); err != nil {
		t.Fatal(err)
	}
	// The second dump adds rows, then fails on a constraint: none of it stays.
	_, err := load(t, db, "INSERT INTO t VALUES(2);\nCREATE TABLE u(a);\nINSERT INTO nosuch VALUES(3);\n")
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.Statement != 3 || ie.Line != 3 {
		t.Fatalf("err = %v", err)
	}
	if got := query(t, db, `SELECT a, '' FROM t`); len(got) != 1 || got[0] != "1|" {
		t.Errorf("rows after a failed load: %v", got)
	}
	if got := query(t, db, `SELECT name, '' FROM sqlite_master WHERE name = 'u'`); len(got) != 0 {
		t.Errorf("table u survived a failed load")
	}
}

func TestSQLiteLoadsAreSerialised(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "b.sql", "c.sql", "d.sql"} {
		dump := "CREATE TABLE " + strings.TrimSuffix(n, ".sql") + "(x);\nINSERT INTO " + strings.TrimSuffix(n, ".sql") + " VALUES(1),(2);\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(dump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "x.db")
	s := sink.NewSQLite(db)
	defer s.Close()
	rep, err := (&importer.Pipeline{Source: source.Dir(dir), Sink: s, Concurrency: 4, Dialect: sqlparse.SQLite}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 8 || rep.Imported != 4 {
		t.Errorf("rows %d imported %d", rep.Rows, rep.Imported)
	}
}

// BenchmarkSQLiteLoad loads the bundled Chinook .dump (15,607 single-row
// INSERTs, zipped) into a fresh SQLite file per iteration, in each mode, and
// the dump named by $SINK_BENCH_FILE (for example the 1.25 M-row .dump that
// testdata/gen/sqlite-big.sh writes) in Replace mode.
func BenchmarkSQLiteLoad(b *testing.B) {
	dir := b.TempDir()
	zipped, err := os.ReadFile("../examples/quickstart/testdata/chinook.zip")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chinook.zip"), zipped, 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, src importer.Source, size int64, mode sink.Mode) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			s := &sink.SQLite{Path: filepath.Join(b.TempDir(), "c.db"), Mode: mode}
			if _, err := (&importer.Pipeline{Source: src, Sink: s}).Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	}
	for _, mode := range []sink.Mode{sink.Replace, sink.Append, sink.Recreate} {
		b.Run("chinook/"+mode.String(), func(b *testing.B) { run(b, source.Dir(dir), 1047026, mode) })
	}
	if f := os.Getenv("SINK_BENCH_FILE"); f != "" {
		fi, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("file", func(b *testing.B) { run(b, source.LocalFile(f), fi.Size(), sink.Replace) })
	}
}

func TestSQLiteRefusesATrailerSeenOnlyAfterTheRows(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	var b strings.Builder
	b.WriteString("CREATE TABLE t(a);\nINSERT INTO t VALUES ")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("(1)")
	}
	b.WriteString(" ON CONFLICT DO NOTHING;\n")
	_, err := load(t, db, b.String())
	if err == nil || !strings.Contains(err.Error(), "ON CONFLICT DO NOTHING") {
		t.Fatalf("err = %v", err)
	}
	if got := query(t, db, `SELECT name, '' FROM sqlite_master`); len(got) != 0 {
		t.Errorf("a failed load left %v", got)
	}
}
