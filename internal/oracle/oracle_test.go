package oracle

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer/internal/testdb"
)

// corpusCase says how the real client loads one corpus file. The zero value
// loads the file alone into a fresh database of the engine its folder names.
type corpusCase struct {
	// prereqs are corpus files loaded first (the schema of a data-only
	// dump); their rows are not counted.
	prereqs []string
	// database is the MariaDB database the client starts in, for files
	// that name none themselves; empty means the fresh database.
	database string
	// deriveCopySchema creates text tables from the dump's COPY headers
	// first (PostgreSQL data-only dumps whose schema is not in the corpus).
	deriveCopySchema bool
}

// corpusCases lists the corpus files that need more than the zero
// corpusCase. Every other file in the corpus is tested with the zero value.
var corpusCases = map[string]corpusCase{
	"mysql/sakila-data.sql": {prereqs: []string{"mysql/sakila-schema.sql"}},
	// employees-schema.sql creates the tables and `source`s the load_*.dump
	// files, which mysqlLoad replaces by empty files.
	"mysql/employees-load_departments.dump":  {prereqs: []string{"mysql/employees-schema.sql"}, database: "employees"},
	"mysql/employees-load_dept_manager.dump": {prereqs: []string{"mysql/employees-schema.sql"}, database: "employees"},
	"mysql/employees-objects.sql":            {prereqs: []string{"mysql/employees-schema.sql"}},
	"mysql/mywind-data.sql":                  {prereqs: []string{"mysql/mywind-schema.sql"}},
	// pagila-data.sql is pg_dump 15's data of a newer pagila than
	// pagila-insert-data.sql (other partitions, other columns): its schema
	// is derived from its own COPY headers.
	"postgres/pagila-data.sql": {deriveCopySchema: true},
}

// engines maps a corpus folder to the engine whose real client loads it.
var engines = []string{"mysql", "postgres", "sqlite"}

// corpusFiles returns the corpus's dump files, slash-separated and relative
// to dir, grouped by folder.
func corpusFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !strings.Contains(rel, "/") { // README.md and other top-level notes
			return nil
		}
		folder, _, _ := strings.Cut(rel, "/")
		if !slices.Contains(engines, folder) {
			t.Errorf("corpus file %s: no engine for folder %q", rel, folder)
			return nil
		}
		out[folder] = append(out[folder], rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range corpusCases {
		if _, err := os.Stat(filepath.Join(dir, k)); err != nil {
			t.Errorf("corpusCases names %s, which is not in the corpus: %v", k, err)
		}
	}
	return out
}

// TestOracle checks, for every corpus file, that `dumpimport parse -json`
// reports per table the number of rows that the real client loads from the
// file. Each engine's files are loaded one after another (they create
// databases with fixed names such as sakila or chinook); the three engines
// run in parallel.
func TestOracle(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			for _, rel := range files[engine] {
				t.Run(filepath.Base(rel), func(t *testing.T) {
					checkFile(t, dir, engine, rel)
				})
			}
		})
	}
}

// checkFile compares the real client's rows per table with the tool's.
func checkFile(t *testing.T, dir, engine, rel string) {
	ctx := t.Context()
	c := corpusCases[rel]
	path := filepath.Join(dir, rel)
	var want counts
	var defaultDB string
	switch engine {
	case "mysql":
		want, defaultDB = mysqlOracle(ctx, t, dir, path, c)
	case "postgres":
		want = pgOracle(ctx, t, dir, path, c)
	case "sqlite":
		want = sqliteOracle(ctx, t, dir, path, c)
	}
	want = want.nonZero()
	t.Logf("%s: the real client loads %d rows into %d tables: %v", rel, want.total(), len(want), want)

	rep, err := runTool(ctx, t, "parse", path)
	if err != nil {
		t.Fatalf("%s: real client loaded %d rows into %d tables; dumpimport failed: %v", rel, want.total(), len(want), err)
	}
	got := canonical(engine, rep.Tables, defaultDB).nonZero()
	var sum int64
	for _, v := range rep.Tables {
		sum += v.Rows
	}
	if sum != rep.Rows {
		t.Errorf("%s: dumpimport reports rows=%d but its tables sum to %d", rel, rep.Rows, sum)
	}
	diff := cmp.Diff(want, got)
	if diff == "" {
		t.Logf("%s: OK, %d rows in %d tables", rel, want.total(), len(want))
		return
	}
	t.Errorf("%s: rows per table differ, real client (-) vs dumpimport parse -json (+):\n%s", rel, diff)
	// Say whether the dialect detection is to blame.
	if rep2, err := runTool(ctx, t, "parse", "-dialect", engine, path); err == nil {
		if cmp.Equal(want, canonical(engine, rep2.Tables, defaultDB).nonZero()) {
			t.Errorf("%s: with -dialect %s the counts match: the dialect detection is wrong", rel, engine)
		}
	}
}

// mysqlOracle loads the file with the real mariadb client and returns the
// rows it added per "db.table", and the database that holds them (where a
// table name without database prefix lands).
//
// Triggers: rows that triggers insert are not in the dump. MariaDB cannot
// turn triggers off for a session, so the triggers that the prerequisites
// created (sakila-schema.sql's ins_film fills film_text from film) are
// dropped before the file is loaded, and a trigger that the file itself
// creates, whose body writes rows and whose table the file fills, makes the
// test fail: the oracle could not tell its rows from the dump's.
// (sakila-data.sql's own triggers only set columns of the new row.)
func mysqlOracle(ctx context.Context, t *testing.T, dir, path string, c corpusCase) (counts, string) {
	srv := testdb.MariaDBServer(t)
	admin := srv.Open(t, "")
	before, err := mysqlDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	fresh := srv.CreateDB(t)
	dropCreatedOnCleanup(t, srv, func(ctx context.Context) ([]string, error) { return mysqlDatabases(ctx, admin) }, before, fresh.Name)
	for _, p := range c.prereqs {
		if err := mysqlLoad(ctx, t, srv, fresh.Name, filepath.Join(dir, p)); err != nil {
			t.Fatalf("prerequisite: %v", err)
		}
	}
	now, err := mysqlDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	dbs := newNames(before, now)
	trigs, err := mysqlTriggers(ctx, admin, dbs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trigs {
		if _, err := admin.ExecContext(ctx, "DROP TRIGGER "+quoteMy(tr.schema)+"."+quoteMy(tr.name)); err != nil {
			t.Fatal(err)
		}
	}
	pre, err := mysqlCounts(ctx, admin, dbs)
	if err != nil {
		t.Fatal(err)
	}

	db := c.database
	if db == "" {
		db = fresh.Name
	}
	if err := mysqlLoad(ctx, t, srv, db, path); err != nil {
		t.Fatal(err)
	}

	now, err = mysqlDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	dbs = newNames(before, now)
	trigs, err = mysqlTriggers(ctx, admin, dbs)
	if err != nil {
		t.Fatal(err)
	}
	post, err := mysqlCounts(ctx, admin, dbs)
	if err != nil {
		t.Fatal(err)
	}
	added := delta(t, pre, post)
	if bad := riskyTriggers(trigs, added); len(bad) > 0 {
		t.Fatalf("the dump creates triggers that write rows and fire on tables it fills: the oracle cannot tell their rows from the dump's: %q", bad)
	}
	holders := map[string]bool{}
	for k, v := range added {
		if v != 0 {
			d, _, _ := strings.Cut(k, ".")
			holders[d] = true
		}
	}
	defaultDB := db
	if len(holders) == 1 {
		for d := range holders {
			defaultDB = d
		}
	}
	return added, defaultDB
}

// delta returns post - pre per table; a table that lost rows fails the test
// (the file deleted what a prerequisite loaded: the oracle cannot count).
func delta(t *testing.T, pre, post counts) counts {
	t.Helper()
	out := counts{}
	for k, v := range post {
		out[k] = v - pre[k]
		if out[k] < 0 {
			t.Fatalf("table %s lost %d rows while loading the file", k, -out[k])
		}
	}
	return out
}

// pgOracle loads the file with psql and returns the rows it added per
// "schema.table", over every database the file wrote into (chinook.sql
// creates and \connects to its own). Triggers are off (see pgSession).
func pgOracle(ctx context.Context, t *testing.T, dir, path string, c corpusCase) counts {
	srv := testdb.PostgresServer(t)
	admin := srv.Open(t, "postgres")
	before, err := pgDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	fresh := srv.CreateDB(t)
	dropCreatedOnCleanup(t, srv, func(ctx context.Context) ([]string, error) { return pgDatabases(ctx, admin) }, before, fresh.Name)
	if c.deriveCopySchema {
		ddl, err := testdb.DerivedCopySchema(path)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "schema.sql")
		if err := os.WriteFile(p, []byte(ddl), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := pgLoad(ctx, srv, fresh.Name, p); err != nil {
			t.Fatalf("derived schema: %v", err)
		}
	}
	for _, p := range c.prereqs {
		if err := pgLoad(ctx, srv, fresh.Name, filepath.Join(dir, p)); err != nil {
			t.Fatalf("prerequisite: %v", err)
		}
	}
	countAll := func() map[string]counts {
		now, err := pgDatabases(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]counts{}
		for _, db := range newNames(before, now) {
			if out[db], err = pgCounts(ctx, t, srv, db); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	pre := countAll()

	if err := pgLoad(ctx, srv, fresh.Name, path, pgSession); err != nil {
		t.Fatal(err)
	}

	post := countAll()
	want := counts{}
	where := map[string]string{}
	for db, pc := range post {
		bad, err := pgUnfaithful(ctx, t, srv, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Fatalf("database %s has %q: rows could land elsewhere than the dump's statements say", db, bad)
		}
		for k, v := range delta(t, pre[db], pc) {
			if v == 0 {
				continue
			}
			if other, dup := where[k]; dup {
				t.Fatalf("table %s got rows in databases %s and %s: the tool's names cannot tell them apart", k, other, db)
			}
			where[k] = db
			want[k] = v
		}
	}
	return want
}

// sqliteOracle loads the file into a new database file with the sqlite3
// shell and returns the rows it added per table. SQLite cannot turn
// triggers off: a trigger that writes rows and fires on a table the dump
// fills fails the test.
func sqliteOracle(ctx context.Context, t *testing.T, dir, path string, c corpusCase) counts {
	db := testdb.SQLite(t)
	for _, p := range c.prereqs {
		if err := db.LoadFile(ctx, filepath.Join(dir, p)); err != nil {
			t.Fatalf("prerequisite: %v", err)
		}
	}
	pre, err := sqliteCounts(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	trigs, err := sqliteTriggers(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	post, err := sqliteCounts(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	added := delta(t, pre, post)
	if bad := riskyTriggers(trigs, added); len(bad) > 0 {
		t.Fatalf("the database has triggers that write rows and fire on tables the dump fills: the oracle cannot tell their rows from the dump's: %q", bad)
	}
	return added
}

// TestLoadSQLite loads chinook's sqlite3 .dump with `dumpimport load` into
// an SQLite file and checks that every table has the rows that the sqlite3
// shell loads from the same dump, counted by the shell in both files.
func TestLoadSQLite(t *testing.T) {
	const rel = "sqlite/chinook-dot-dump.sql"
	path := filepath.Join(corpusDir(t), filepath.FromSlash(rel))
	ctx := t.Context()

	oracleDB := testdb.SQLite(t)
	if err := oracleDB.LoadFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	want, err := sqliteCounts(ctx, oracleDB, false)
	if err != nil {
		t.Fatal(err)
	}

	target := testdb.SQLite(t)
	rep, err := runTool(ctx, t, "load", path, "sqlite:"+target.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sqliteCounts(ctx, target, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: COUNT(*) per table, sqlite3 shell (-) vs dumpimport load (+):\n%s", rel, diff)
	}
	if diff := cmp.Diff(want.nonZero(), canonical("sqlite", rep.Tables, "").nonZero()); diff != "" {
		t.Errorf("%s: rows per table, sqlite3 shell (-) vs dumpimport load's report (+):\n%s", rel, diff)
	}
	t.Logf("%s: dumpimport load wrote %d rows into %d tables, as the sqlite3 shell does", rel, got.total(), len(got))
}
