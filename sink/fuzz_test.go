package sink_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// FuzzMySQLToSQLite feeds the MySQL-to-SQLite DDL translator arbitrary
// statements through its stable entry, the SQLite sink loading a MySQL
// dump (in Append mode, into an in-memory database): nothing may panic, a
// failure must be an *importer.Error naming the file, and a failed load must
// leave the database as it was (no table). The seeds are the CREATE TABLE
// statements of the MySQL dumps in testdata/corpus.
//
//	go test -run '^$' -fuzz '^FuzzMySQLToSQLite$' -fuzztime 100000x ./sink
func FuzzMySQLToSQLite(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "corpus", "mysql", "*schema*.sql"))
	seeds = append(seeds, filepath.Join("..", "testdata", "corpus", "mysql", "chinook.sql"))
	addStatementSeeds(f, &sqlparse.Parser{}, sqlparse.MySQL, seeds, 0, func(st *sqlparse.Statement) bool {
		return st.Verb == sqlparse.Create && st.Object == sqlparse.Table
	})
	for _, s := range []string{
		"CREATE TABLE `t` (`a` int NOT NULL AUTO_INCREMENT, `b` enum('x','y') DEFAULT 'x', PRIMARY KEY (`a`), KEY `k` (`b`)) ENGINE=InnoDB;\n",
		"CREATE TABLE t (a bit(3) DEFAULT b'101', b timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, FULLTEXT KEY f (b));\n",
		"/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `a``b` (`c\"d` varchar(10) CHARACTER SET latin1 COLLATE latin1_bin);\n",
		"CREATE TABLE t (a int) PARTITION BY HASH(a) PARTITIONS 4;\n",
		"CREATE TABLE t LIKE u;\n",
		"CREATE TABLE t (;\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, dump []byte) { loadFuzzedIntoSQLite(t, dump, sqlparse.MySQL) })
}

// addStatementSeeds adds to f, as a statement of its own ending in ";\n",
// each statement of the files (dumps of dialect d) that keep selects, at
// most most of a file (0: all).
func addStatementSeeds(f *testing.F, p *sqlparse.Parser, d sqlparse.Dialect, files []string, most int, keep func(*sqlparse.Statement) bool) {
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		n := 0
		err = p.Parse(context.Background(), bytes.NewReader(b), d, func(st *sqlparse.Statement) error {
			if (most == 0 || n < most) && keep(st) {
				n++
				f.Add(append(bytes.Clone(st.Text), ";\n"...))
			}
			return nil
		})
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
	}
}

// loadFuzzedIntoSQLite loads dump, a dump of dialect d, into an in-memory
// SQLite database in Append mode: nothing may panic, a failure must be an
// *importer.Error naming the file, and a failed load must leave no schema
// object behind.
func loadFuzzedIntoSQLite(t *testing.T, dump []byte, d sqlparse.Dialect) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	s := &sink.SQLite{DB: db, Mode: sink.Append}
	defer s.Close()
	pl := &importer.Pipeline{
		Source:  &source.FS{FS: fstest.MapFS{"d.sql": {Data: dump}}},
		Sink:    s,
		Dialect: d,
		Parser:  &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true, AnyStatement: true}},
	}
	_, err = pl.Run(context.Background())
	if err == nil {
		return
	}
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.File != "d.sql" {
		t.Fatalf("error %v (%T) is not an *importer.Error naming d.sql", err, err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("failed load (%v) left %d schema objects", err, n)
	}
}

// FuzzPostgresToSQLite feeds the PostgreSQL-to-SQLite translator arbitrary
// schema statements through the SQLite sink, as FuzzMySQLToSQLite does for
// MySQL; the seeds are the first 40 statements other than rows of each
// PostgreSQL dump in testdata/corpus, a table with a COPY of one row, and
// statements cut short.
//
//	go test -run '^$' -fuzz '^FuzzPostgresToSQLite$' -fuzztime 100000x ./sink
func FuzzPostgresToSQLite(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "corpus", "postgres", "*.sql"))
	p := &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true, AnyStatement: true}}
	addStatementSeeds(f, p, sqlparse.Postgres, seeds, 40, func(st *sqlparse.Statement) bool {
		return st.Kind != sqlparse.Insert && st.Kind != sqlparse.Copy
	})
	for _, s := range []string{
		"CREATE TABLE public.t (id integer NOT NULL, b bytea, n numeric(30,2));\nCOPY public.t (id, b, n) FROM stdin;\n1\t\\\\x00ff\t1.50\n\\.\nALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
		"CREATE TABLE t (;\n",
		"ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN KEY (;\n",
		"CREATE INDEX i ON t USING btree (;\n",
		"CREATE VIEW v AS SELECT (;\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, dump []byte) { loadFuzzedIntoSQLite(t, dump, sqlparse.Postgres) })
}
