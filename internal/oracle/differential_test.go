package oracle

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer/internal/testdb"
)

// TestDifferential dumps real databases (the corpus loaded into the test
// servers) with the real dump programs, in many of their output styles, and
// checks that `dumpimport parse -json` counts, table by table, the rows that
// COUNT(*) finds in the source database.
func TestDifferential(t *testing.T) {
	dir := corpusDir(t)
	t.Run("mariadb-dump", func(t *testing.T) {
		t.Parallel()
		differentialMariaDB(t, dir)
	})
	t.Run("pg_dump", func(t *testing.T) {
		t.Parallel()
		differentialPostgres(t, dir)
	})
	t.Run("sqlite3-dump", func(t *testing.T) {
		t.Parallel()
		differentialSQLite(t, dir)
	})
}

// dumpStyle is one way of calling a dump program.
type dumpStyle struct {
	name string
	args []string
	// ignore names "db.table"s that the dump program itself cannot dump in
	// this style: they are left out of the dump (--ignore-table) and of the
	// expected counts.
	ignore []string
}

// mariadbDumpStyles are the mariadb-dump options under test.
var mariadbDumpStyles = []dumpStyle{
	{"extended-insert", nil, nil}, // the default: multi-row INSERTs
	{"skip-extended-insert", []string{"--skip-extended-insert"}, nil},
	{"net-buffer-length-4k", []string{"--net-buffer-length=4096"}, nil}, // many short multi-row INSERTs
	{"hex-blob", []string{"--hex-blob"}, nil},
	{"complete-insert", []string{"--complete-insert"}, nil},
	{"compact", []string{"--compact"}, nil},
	// mariadb-dump 10.11 fails on northwind.sales_reports with
	// --skip-quote-names: its own SELECT names the column `default` unquoted.
	{"skip-quote-names", []string{"--skip-quote-names"}, []string{"northwind.sales_reports"}},
	{"insert-ignore", []string{"--insert-ignore"}, nil},
	{"replace", []string{"--replace"}, nil},
	{"routines-triggers-events", []string{"--routines", "--triggers", "--events"}, nil},
	{"databases", []string{"--databases"}, nil}, // CREATE DATABASE and USE
	{"no-create-info", []string{"--no-create-info", "--skip-triggers", "--skip-comments"}, nil},
}

// pgDumpStyles are the pg_dump options under test (plain format).
var pgDumpStyles = []dumpStyle{
	{"copy", nil, nil},
	{"inserts", []string{"--inserts"}, nil},
	{"column-inserts", []string{"--column-inserts"}, nil},
	{"rows-per-insert-100", []string{"--rows-per-insert=100"}, nil},
	{"quote-all-identifiers", []string{"--quote-all-identifiers"}, nil},
	{"quote-all-identifiers-column-inserts", []string{"--quote-all-identifiers", "--column-inserts"}, nil},
	{"data-only-disable-triggers", []string{"--data-only", "--disable-triggers"}, nil},
}

// sqliteDumpStyles are the sqlite3 shell's .dump options under test.
var sqliteDumpStyles = []dumpStyle{
	{"dump", nil, nil},
	{"preserve-rowids", []string{"--preserve-rowids"}, nil},
	{"newlines", []string{"--newlines"}, nil},
	{"data-only", []string{"--data-only"}, nil},
	{"nosys", []string{"--nosys"}, nil}, // without sqlite_sequence
}

// compareDump parses the dump at path with the tool and compares its rows
// per table with the source's counts.
func compareDump(ctx context.Context, t *testing.T, engine, path string, source counts, defaultDB string) {
	t.Helper()
	rep, err := runTool(ctx, t, "parse", path)
	if err != nil {
		t.Fatalf("source holds %d rows in %d tables; %v", source.total(), len(source.nonZero()), err)
	}
	got := canonical(engine, rep.Tables, defaultDB).nonZero()
	if diff := cmp.Diff(source.nonZero(), got); diff != "" {
		t.Errorf("rows per table, COUNT(*) in the source (-) vs dumpimport parse -json of its dump (+):\n%s", diff)
	}
}

// dumpTo runs the dump command of srv with args and writes its output to a
// new file in the test's temporary folder.
func dumpTo(ctx context.Context, t *testing.T, srv *testdb.Server, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := srv.DumpCommand(ctx, args...)
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(cmd.Path), args, err, tailString(stderr.Bytes(), 3000))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// differentialMariaDB loads sakila, Chinook, northwind (mywind) and the
// countries and regions tables, and dumps each database in every style.
func differentialMariaDB(t *testing.T, dir string) {
	ctx := t.Context()
	srv := testdb.MariaDBServer(t)
	admin := srv.Open(t, "")
	before, err := mysqlDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	fresh := srv.CreateDB(t)
	dropCreatedOnCleanup(t, srv, func(ctx context.Context) ([]string, error) { return mysqlDatabases(ctx, admin) }, before, fresh.Name)
	for _, f := range []string{
		"mysql/sakila-schema.sql", "mysql/sakila-data.sql", // sakila
		"mysql/chinook.sql",                                // Chinook
		"mysql/mywind-schema.sql", "mysql/mywind-data.sql", // northwind
		"mysql/regions.sql", "mysql/countries.sql", // the fresh database
	} {
		if err := mysqlLoad(ctx, t, srv, fresh.Name, filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Fatal(err)
		}
	}
	now, err := mysqlDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	dbs := newNames(before, now)
	source := map[string]counts{}
	for _, db := range dbs {
		c, err := mysqlCounts(ctx, admin, []string{db})
		if err != nil {
			t.Fatal(err)
		}
		source[db] = c
		t.Logf("source %s: %d rows in %d tables", db, c.total(), len(c))
	}
	for _, style := range mariadbDumpStyles {
		t.Run(style.name, func(t *testing.T) {
			for _, db := range dbs {
				t.Run(db, func(t *testing.T) {
					args := append([]string{"--skip-dump-date"}, style.args...)
					want := maps.Clone(source[db])
					for _, it := range style.ignore {
						if strings.HasPrefix(it, db+".") {
							args = append(args, "--ignore-table="+it)
							delete(want, it)
						}
					}
					path := dumpTo(ctx, t, srv, db+".sql", append(args, db)...)
					compareDump(ctx, t, "mysql", path, want, db)
				})
			}
		})
	}
}

// differentialPostgres loads pagila (pagila-insert-data.sql), pagila's
// newer data (pagila-data.sql into its derived schema) and chinook, and dumps
// each database in every style.
func differentialPostgres(t *testing.T, dir string) {
	ctx := t.Context()
	srv := testdb.PostgresServer(t)
	admin := srv.Open(t, "postgres")
	before, err := pgDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	pagila := srv.CreateDB(t)
	pagila2 := srv.CreateDB(t)
	other := srv.CreateDB(t) // chinook.sql creates and fills its own database
	dropCreatedOnCleanup(t, srv, func(ctx context.Context) ([]string, error) { return pgDatabases(ctx, admin) }, before, pagila.Name, pagila2.Name, other.Name)
	if err := pgLoad(ctx, srv, pagila.Name, filepath.Join(dir, "postgres", "pagila-insert-data.sql")); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "postgres", "pagila-data.sql")
	ddl, err := testdb.DerivedCopySchema(data)
	if err != nil {
		t.Fatal(err)
	}
	ddlPath := filepath.Join(t.TempDir(), "schema.sql")
	if err := os.WriteFile(ddlPath, []byte(ddl), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{ddlPath, data} {
		if err := pgLoad(ctx, srv, pagila2.Name, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := pgLoad(ctx, srv, other.Name, filepath.Join(dir, "postgres", "chinook.sql")); err != nil {
		t.Fatal(err)
	}
	now, err := pgDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	source := map[string]counts{}
	var dbs []string
	for _, db := range newNames(before, now) {
		c, err := pgCounts(ctx, t, srv, db)
		if err != nil {
			t.Fatal(err)
		}
		if c.total() == 0 {
			continue
		}
		dbs = append(dbs, db)
		source[db] = c
		t.Logf("source %s: %d rows in %d tables", db, c.total(), len(c))
	}
	for _, style := range pgDumpStyles {
		t.Run(style.name, func(t *testing.T) {
			for _, db := range dbs {
				t.Run(db, func(t *testing.T) {
					args := append(append([]string{}, style.args...), "-d", db)
					path := dumpTo(ctx, t, srv, db+".sql", args...)
					compareDump(ctx, t, "postgres", path, source[db], "")
				})
			}
		})
	}
}

// differentialSQLite loads the corpus's SQLite dumps with the sqlite3 shell
// and dumps them again with its .dump command. The source's counts include
// sqlite_sequence, whose rows .dump writes (except with --nosys).
func differentialSQLite(t *testing.T, dir string) {
	ctx := t.Context()
	for _, f := range []string{"chinook.sql", "northwind.sql"} {
		t.Run(f, func(t *testing.T) {
			db := testdb.SQLite(t)
			if err := db.LoadFile(ctx, filepath.Join(dir, "sqlite", f)); err != nil {
				t.Fatal(err)
			}
			for _, style := range sqliteDumpStyles {
				t.Run(style.name, func(t *testing.T) {
					source, err := sqliteCounts(ctx, db, !slices.Contains(style.args, "--nosys"))
					if err != nil {
						t.Fatal(err)
					}
					dump, err := db.Dump(ctx, style.args...)
					if err != nil {
						t.Fatal(err)
					}
					path := filepath.Join(t.TempDir(), "dump.sql")
					if err := os.WriteFile(path, dump, 0o644); err != nil {
						t.Fatal(err)
					}
					compareDump(ctx, t, "sqlite", path, source, "")
				})
			}
		})
	}
}
