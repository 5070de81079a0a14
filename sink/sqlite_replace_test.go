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

// leftovers lists the files of dir other than the target itself.
func leftovers(t *testing.T, dir, target string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != target {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestSQLiteReplace(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if _, err := loadMode(t, db, "CREATE TABLE old(a);\nINSERT INTO old VALUES(1),(2);\n", sink.Replace); err != nil {
		t.Fatal(err)
	}
	// A reader that has the old file open keeps reading it, whole, while a
	// replacement is built and after it is switched in.
	reader, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	conn, err := reader.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM old").Scan(&n); err != nil || n != 2 {
		t.Fatalf("old rows %d, %v", n, err)
	}
	rep, err := loadMode(t, db, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE new(a);\nINSERT INTO new VALUES(1);\nINSERT INTO new VALUES(2);\nINSERT INTO new VALUES(3);\nCOMMIT;\n", sink.Replace)
	if err != nil || rep.Rows != 3 {
		t.Fatalf("replace: %v, %d rows", err, rep.Rows)
	}
	if err := tx.QueryRow("SELECT count(*) FROM old").Scan(&n); err != nil || n != 2 {
		t.Errorf("the open reader lost the old file: %d rows, %v", n, err)
	}
	// A new reader sees exactly the dump's tables.
	if got := query(t, db, `SELECT name, '' FROM sqlite_master ORDER BY name`); strings.Join(got, ",") != "new|" {
		t.Errorf("tables after replace: %v", got)
	}
	if got := query(t, db, `SELECT count(*), '' FROM new`); got[0] != "3|" {
		t.Errorf("rows after replace: %v", got)
	}
	if l := leftovers(t, dir, "x.db"); len(l) != 0 {
		t.Errorf("files left beside the target: %v", l)
	}
	var mode string
	if err := sqlDB(t, db).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal_mode of the new file: %q, %v", mode, err)
	}
}

func sqlDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteReplaceFailureLeavesTheTarget(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if _, err := loadMode(t, db, "CREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n", sink.Replace); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(db)
	// Rows batched across statements: the failing one is named by its own
	// statement and line, not by the statement that inserted the batch.
	dump := "CREATE TABLE t(a PRIMARY KEY);\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES(2);\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES(3);\nCREATE TABLE u(b);\n"
	_, err := loadMode(t, db, dump, sink.Replace)
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.Statement != 4 || ie.Line != 4 || ie.Table != "t" || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(db)
	if string(before) != string(after) {
		t.Error("a failed replace changed the target")
	}
	if l := leftovers(t, dir, "x.db"); len(l) != 0 {
		t.Errorf("files left beside the target: %v", l)
	}
	// A failure found at Commit (the last batch) is named the same way.
	_, err = loadMode(t, db, "CREATE TABLE t(a PRIMARY KEY);\nINSERT INTO t VALUES(1);\nINSERT INTO t VALUES(1);\n", sink.Replace)
	if !errors.As(err, &ie) || ie.Statement != 3 || ie.Line != 3 {
		t.Fatalf("err = %v", err)
	}
}

func TestSQLiteReplaceRemovesCrashedRunsFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	// A crashed run's file (nobody holds its lock) and a file of another
	// target are there.
	crashed := filepath.Join(dir, ".x.db.dumpline-0123456789ab.tmp")
	other := filepath.Join(dir, ".y.db.dumpline-0123456789ab.tmp")
	for _, f := range []string{crashed, other} {
		if err := os.WriteFile(f, []byte("half a database"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := loadMode(t, db, "CREATE TABLE t(a);\n", sink.Replace); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(crashed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the crashed run's file is still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another target's file was removed: %v", err)
	}
}

func TestSQLiteReplaceRefusesALiveWAL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	w := sqlDB(t, db)
	for _, q := range []string{"PRAGMA journal_mode=WAL", "CREATE TABLE t(a)", "INSERT INTO t VALUES(1)"} {
		if _, err := w.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := loadMode(t, db, "CREATE TABLE t(a);\n", sink.Replace)
	if err == nil || !strings.Contains(err.Error(), "-wal") {
		t.Fatalf("err = %v", err)
	}
	if got := query(t, db, `SELECT count(*), '' FROM t`); got[0] != "1|" {
		t.Errorf("rows after the refusal: %v", got)
	}
}

func TestSQLiteRecreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	if _, err := loadMode(t, db, "CREATE TABLE old(a);\n", sink.Append); err != nil {
		t.Fatal(err)
	}
	if _, err := loadMode(t, db, "CREATE TABLE new(a);\nINSERT INTO new VALUES(1);\n", sink.Recreate); err != nil {
		t.Fatal(err)
	}
	if got := query(t, db, `SELECT name, '' FROM sqlite_master ORDER BY name`); strings.Join(got, ",") != "new|" {
		t.Errorf("tables after recreate: %v", got)
	}
}

func TestSQLiteTargetNames(t *testing.T) {
	dir := t.TempDir()
	s := sink.NewSQLite(filepath.Join(dir, "default.db"))
	defer s.Close()
	src := &source.FS{FS: fstest.MapFS{
		"a.sql": {Data: []byte("CREATE TABLE a(x);\n")},
		"b.sql": {Data: []byte("CREATE TABLE b(x);\n")},
	}}
	p := &importer.Pipeline{Source: src, Sink: s, Dialect: sqlparse.SQLite,
		Route: func(f source.File) string { return strings.TrimSuffix(f.Name, ".sql") + ".db" }}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if got := query(t, filepath.Join(dir, n+".db"), `SELECT name, '' FROM sqlite_master`); len(got) != 1 || got[0] != n+"|" {
			t.Errorf("%s.db holds %v", n, got)
		}
	}
	p.Route = func(source.File) string { return "../escape.db" }
	if _, err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "plain file name") {
		t.Errorf("a target with a path: %v", err)
	}
	if _, err := (&importer.Pipeline{Source: src, Sink: sink.NewSQLite(filepath.Join(dir, "no", "such", "x.db")), Dialect: sqlparse.SQLite}).Run(context.Background()); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "no", "such")) {
		t.Errorf("a missing folder: %v", err)
	}
}
