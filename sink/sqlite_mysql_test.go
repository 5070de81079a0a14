package sink_test

import (
	"context"
	"database/sql"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// The MySQL dumps of the corpus load into SQLite: every table holds the
// rows the parser decoded for it, and what was not translated is skipped or
// noted by name.
func TestSQLiteLoadsMySQLDumps(t *testing.T) {
	corpus := filepath.Join("..", "testdata", "corpus", "mysql")
	for _, c := range []struct {
		name  string
		files []string // loaded in order into one file
		// a query and what it returns, to check values
		query, want string
	}{
		{"sakila", []string{"sakila-schema.sql", "sakila-data.sql"},
			`SELECT first_name || ' ' || last_name, typeof(actor_id) || ' ' || last_update FROM actor WHERE actor_id = 1`, "PENELOPE GUINESS|integer 2006-02-15 04:34:33"},
		{"chinook", []string{"chinook.sql"},
			`SELECT Name, typeof(UnitPrice) || ' ' || UnitPrice FROM Track WHERE TrackId = 1`, "For Those About To Rock (We Salute You)|real 0.99"},
		{"countries", []string{"countries.sql"},
			`SELECT native, emoji FROM countries WHERE iso2 = 'AF'`, "افغانستان|🇦🇫"},
		{"regions", []string{"regions.sql"}, `SELECT count(*), '' FROM regions`, "6|"},
		{"mywind", []string{"mywind-schema.sql", "mywind-data.sql"}, `SELECT count(*), '' FROM customers`, "29|"},
		{"employees", []string{"employees-schema.sql", "employees-load_departments.dump", "employees-load_dept_manager.dump"},
			`SELECT dept_name, '' FROM departments WHERE dept_no = 'd009'`, "Customer Service|"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), c.name+".db")
			tables := map[string]int64{}
			notes := map[string]int64{}
			skipped := map[string]int64{}
			for i, f := range c.files {
				mode := sink.Append
				if i == 0 {
					mode = sink.Replace
				}
				s := &sink.SQLite{Path: db, Mode: mode}
				p := &importer.Pipeline{Source: source.LocalFile(filepath.Join(corpus, f)), Sink: s, Dialect: sqlparse.MySQL,
					Parser: &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true}}}
				rep, err := p.Run(context.Background())
				s.Close()
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				for k, n := range rep.Tables {
					tables[k[strings.LastIndexByte(k, '.')+1:]] += n
				}
				maps.Copy(notes, rep.Notes)
				maps.Copy(skipped, rep.SkippedStatements)
			}
			for _, table := range slices.Sorted(maps.Keys(tables)) {
				got := query(t, db, `SELECT count(*), '' FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
				if len(got) != 1 || got[0] != strconv.FormatInt(tables[table], 10)+"|" {
					t.Errorf("table %s holds %v rows, the dump %d", table, got, tables[table])
				}
			}
			if got := query(t, db, c.query); len(got) != 1 || got[0] != c.want {
				t.Errorf("%s = %q, want %q", c.query, got, c.want)
			}
			if c.name == "sakila" && (notes["not translated: ON UPDATE CURRENT_TIMESTAMP of actor.last_update"] != 1 ||
				skipped["not translated to sqlite: create trigger customer_create_date"] != 1) {
				t.Errorf("what was not translated is not reported by name: notes %v, skipped %v", notes, skipped)
			}
			t.Logf("%d tables; notes %v; skipped %v", len(tables), notes, skipped)
		})
	}
}

// The values of every table of sakila and chinook loaded into SQLite equal
// those of the same file loaded into MariaDB by its client.
func TestSQLiteMySQLValues(t *testing.T) {
	maria := testdb.MariaDBServer(t)
	admin := maria.Open(t, "")
	for _, c := range mysqlCorpus[:2] {
		t.Run(c.name, func(t *testing.T) {
			path, db := corpusSet(t, maria, c.name, c.db, c.files...)
			file := filepath.Join(t.TempDir(), c.name+".db")
			s := &sink.SQLite{Path: file}
			defer s.Close()
			p := &importer.Pipeline{Source: source.LocalFile(path), Sink: s, Dialect: sqlparse.MySQL,
				Parser: &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true}}}
			if _, err := p.Run(t.Context()); err != nil {
				t.Fatal(err)
			}
			conn, err := sql.Open("sqlite", file)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			compareTables(t, admin, db, c.triggered, func(table string, cols []string) []string { return sqliteRows(t, conn, table, cols) })
		})
	}
}
