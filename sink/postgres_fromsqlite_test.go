package sink_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// The SQLite dumps of the corpus load into PostgreSQL with the rows and
// values that the sqlite3 shell loads from the same file, table by table
// and value by value; the identity of a rowid column numbers new rows
// after the highest.
func TestPostgresLoadsSQLiteDumps(t *testing.T) {
	srv := testdb.PostgresServer(t)
	ctx := context.Background()
	corpus := filepath.Join(testdb.CorpusDir(t), "sqlite")
	for _, c := range []struct{ file, table, id string }{
		{"chinook-dot-dump.sql", "Genre", "GenreId"},
		{"chinook.sql", "Genre", "GenreId"},
		{"northwind.sql", "Categories", "CategoryID"},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(corpus, c.file)
			ref := testdb.SQLite(t)
			if err := ref.LoadFile(ctx, path); err != nil {
				t.Fatal(err)
			}
			db := srv.CreateDB(t)
			s := &sink.Postgres{DSN: srv.DSN("postgres")}
			var rep *importer.Report
			for i := range 2 { // the second replaces the first
				p := &importer.Pipeline{Source: source.LocalFile(path), Sink: s, Dialect: sqlparse.SQLite,
					Route: func(source.File) string { return db.Name }}
				var err error
				if rep, err = p.Run(ctx); err != nil {
					t.Fatalf("load %d: %v", i+1, err)
				}
			}
			pg := db.Open(t)
			compareWithPostgres(t, pg, ref.Path, true)
			var id, max int64
			q := `"` + c.table + `"`
			if err := pg.QueryRow(`INSERT INTO ` + q + ` DEFAULT VALUES RETURNING "` + c.id + `"`).Scan(&id); err != nil {
				// Tables with NOT NULL columns take a name.
				if err := pg.QueryRow(`INSERT INTO ` + q + ` ("Name") VALUES ('new') RETURNING "` + c.id + `"`).Scan(&id); err != nil {
					t.Fatal(err)
				}
			}
			if err := pg.QueryRow(`SELECT max("`+c.id+`") FROM `+q+` WHERE "`+c.id+`" < $1`, id).Scan(&max); err != nil || id != max+1 {
				t.Errorf("new %s id %d, highest before %d (%v)", c.table, id, max, err)
			}
			t.Logf("notes %v; skipped %v", rep.Notes, rep.SkippedStatements)
		})
	}
}
