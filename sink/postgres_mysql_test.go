package sink_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// mysqlCorpus are the MySQL-dialect files of the corpus, as the sets that
// load together, and the database their dump creates on MariaDB ("" for
// none: they load into the database selected).
var mysqlCorpus = []struct {
	name, db string
	files    []string
	// triggered are tables that MariaDB's triggers fill as the rows of
	// others load: their rows are not in the dump.
	triggered []string
}{
	{"sakila", "sakila", []string{"sakila-schema.sql", "sakila-data.sql"}, []string{"film_text"}},
	{"chinook", "Chinook", []string{"chinook.sql"}, nil},
	{"countries", "", []string{"regions.sql", "countries.sql"}, nil},
	{"mywind", "northwind", []string{"mywind-schema.sql", "mywind-data.sql"}, nil},
	{"employees", "employees", []string{"employees-schema.sql", "employees-load_departments.dump"}, nil},
}

var sourceLine = regexp.MustCompile(`(?m)^source .*$`)

// corpusSet writes the files of a set into one file (without the client's
// source commands, which name files the corpus does not hold) and loads it
// into a fresh MariaDB database with the mariadb client. It returns the
// file and the database the client loaded.
func corpusSet(t *testing.T, maria *testdb.Server, name, db string, files ...string) (string, string) {
	t.Helper()
	dir := concat(t, name+".sql", files...)
	path := filepath.Join(dir, name+".sql")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, sourceLine.ReplaceAll(b, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	into := ""
	if db == "" {
		db = maria.CreateDB(t).Name
		into = db
	} else {
		maria.DropDB(t.Context(), db)
		t.Cleanup(func() { maria.DropDB(context.Background(), db) })
	}
	if err := maria.LoadFile(t.Context(), into, path); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// mariaTables returns the base tables of db and their columns, in order.
func mariaTables(t *testing.T, maria *sql.DB, db string) map[string][]string {
	t.Helper()
	rows, err := maria.Query(`SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c
		JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
		WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`, db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			t.Fatal(err)
		}
		out[tb] = append(out[tb], col)
	}
	return out
}

// tableRows reads every row of a query as text lines, sorted, each value
// through norm.
func tableRows(t *testing.T, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, n int, norm func(i int, v *string) string) []string {
	t.Helper()
	var out []string
	vals := make([]sql.NullString, n)
	args := make([]any, n)
	for i := range vals {
		args[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(args...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			var p *string
			if v.Valid {
				p = &v.String
			}
			b.WriteString(norm(i, p))
			b.WriteByte(0x1f)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// numeric reports whether s is a number, and returns it normalised
// (exact: 2.50 and 2.5 are the same number, 2.5000001 is not).
func numeric(s string) (string, bool) {
	if _, err := strconv.ParseFloat(s, 64); err != nil || s == "" {
		return s, false
	}
	if strings.ContainsAny(s, "eE") {
		f, _ := strconv.ParseFloat(s, 64)
		return strconv.FormatFloat(f, 'g', -1, 64), true
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s, true
}

func normValue(v *string) string {
	if v == nil {
		return `\N`
	}
	if n, ok := numeric(*v); ok {
		return n
	}
	return *v
}

// compareTables compares, table by table, the rows of MariaDB's database
// db with those a query function reads from the target: numbers exact,
// strings and binary byte-equal, dates equal (zero dates NULL by the
// policy).
func compareTables(t *testing.T, maria *sql.DB, db string, skip []string, target func(table string, cols []string) []string) {
	t.Helper()
	for table, cols := range mariaTables(t, maria, db) {
		if slices.Contains(skip, table) {
			continue
		}
		sel := make([]string, len(cols))
		for i, c := range cols {
			q := "`" + c + "`"
			// Zero dates are NULL by the default policy.
			sel[i] = "IF(CAST(" + q + " AS CHAR) LIKE '0000-00-00%', NULL, " + q + ")"
		}
		rows, err := maria.Query("SELECT " + strings.Join(sel, ", ") + " FROM `" + db + "`.`" + table + "`")
		if err != nil {
			t.Fatal(err)
		}
		want := tableRows(t, rows, len(cols), func(_ int, v *string) string { return normValue(v) })
		rows.Close()
		got := target(table, cols)
		if len(got) != len(want) {
			t.Errorf("table %s: %d rows, MariaDB %d", table, len(got), len(want))
			continue
		}
		diffs := 0
		for i := range want {
			if got[i] != want[i] && diffs < 1 {
				t.Errorf("table %s: row\n  %q\nMariaDB\n  %q", table, got[i], want[i])
				diffs++
			}
		}
	}
}

// pgRows reads a table of database db on the PostgreSQL server.
func pgRows(t *testing.T, conn *pgx.Conn, table string, cols []string) []string {
	t.Helper()
	ctx := context.Background()
	types := map[string]string{}
	trows, err := conn.Query(ctx, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = 'public'", table)
	if err != nil {
		t.Fatal(err)
	}
	for trows.Next() {
		var c, ty string
		if err := trows.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		types[c] = ty
	}
	trows.Close()
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pgx.Identifier{c}.Sanitize()
		switch types[c] {
		case "bytea":
		case "timestamp with time zone": // read in UTC
			q[i] += "::timestamp::text"
		default:
			q[i] += "::text"
		}
	}
	rows, err := conn.Query(ctx, "SELECT "+strings.Join(q, ", ")+" FROM "+pgx.Identifier{table}.Sanitize(), pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	defer rows.Close()
	oids := make([]uint32, len(cols))
	for i, fd := range rows.FieldDescriptions() {
		oids[i] = fd.DataTypeOID
	}
	return tableRows(t, rows, len(cols), func(i int, v *string) string {
		if v == nil {
			return `\N`
		}
		switch oids[i] {
		case 17: // bytea, decoded by pgx
			return *v
		}
		return normValue(v)
	})
}

// TestPostgresLoadsMySQLDumps loads every MySQL-dialect file of the corpus
// into PostgreSQL and the same file into MariaDB with its client: rows per
// table equal, and for sakila and chinook every value of every table.
func TestPostgresLoadsMySQLDumps(t *testing.T) {
	maria := testdb.MariaDBServer(t)
	admin := maria.Open(t, "")
	pg := pgServer(t)
	for _, c := range mysqlCorpus {
		t.Run(c.name, func(t *testing.T) {
			path, db := corpusSet(t, maria, c.name, c.db, c.files...)
			target := "my_" + c.name
			freshDBs(t, pg, target)
			s := &sink.Postgres{DSN: pg.DSN(target)}
			p := &importer.Pipeline{Source: source.LocalFile(path), Sink: s, Dialect: sqlparse.MySQL,
				Parser: &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true}}}
			rep, err := p.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("notes %v; skipped %v", rep.Notes, rep.SkippedStatements)
			conn := pgConnect(t, pg, target)
			if _, err := conn.Exec(t.Context(), "SET TimeZone = 'UTC'"); err != nil {
				t.Fatal(err)
			}
			tables := mariaTables(t, admin, db)
			for _, tb := range c.triggered {
				delete(tables, tb)
			}
			if len(tables) == 0 {
				t.Fatal("MariaDB holds no table")
			}
			for table := range tables {
				var want, got int64
				if err := admin.QueryRow("SELECT count(*) FROM `" + db + "`.`" + table + "`").Scan(&want); err != nil {
					t.Fatal(err)
				}
				if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&got); err != nil {
					t.Errorf("table %s: %v", table, err)
					continue
				}
				if got != want {
					t.Errorf("table %s: %d rows, MariaDB %d", table, got, want)
				}
			}
			if c.name == "sakila" || c.name == "chinook" {
				compareTables(t, admin, db, c.triggered, func(table string, cols []string) []string { return pgRows(t, conn, table, cols) })
			}
		})
	}
}

// A foreign key that the rows do not satisfy (employees' dept_manager
// without the employees it names) fails the load at the key, after the
// rows, and the target keeps what it held.
func TestPostgresMySQLForeignKeyFails(t *testing.T) {
	pg := pgServer(t)
	ctx := t.Context()
	freshDBs(t, pg, "my_fk")
	conn := pgConnect(t, pg, "my_fk")
	if _, err := conn.Exec(ctx, "CREATE TABLE before (a int); INSERT INTO before VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	dir := concat(t, "e.sql", "employees-schema.sql", "employees-load_departments.dump", "employees-load_dept_manager.dump")
	_, err := runMySQL(ctx, &sink.Postgres{DSN: pg.DSN("my_fk")}, filepath.Join(dir, "e.sql"))
	if err == nil || !strings.Contains(err.Error(), "foreign key") || !strings.Contains(err.Error(), "dept_manager") {
		t.Fatalf("err = %v", err)
	}
	var tables string
	if err := conn.QueryRow(ctx, "SELECT string_agg(nspname || '.' || relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace WHERE relkind = 'r' AND nspname NOT IN ('pg_catalog', 'information_schema')").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != "public.before" {
		t.Errorf("the target holds %s, want public.before only", tables)
	}
}

// Sakila dumped by the real mariadb-dump in several option sets loads into
// PostgreSQL and into SQLite with every value of every table equal to
// MariaDB's.
func TestPostgresMySQLDumpStyles(t *testing.T) {
	maria := testdb.MariaDBServer(t)
	admin := maria.Open(t, "")
	pg := pgServer(t)
	ctx := t.Context()
	c := mysqlCorpus[0]
	_, db := corpusSet(t, maria, c.name, c.db, c.files...)
	for _, style := range [][]string{
		{"--routines", "--triggers", "--events"},
		{"--skip-extended-insert"},
		{"--hex-blob"},
		{"--complete-insert"},
		{"--compact"},
		{"--insert-ignore"},
		{"--databases"},
		{"--skip-opt"},
		{"--skip-tz-utc"},
	} {
		t.Run(strings.Join(style, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.sql")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			cmd := maria.DumpCommand(ctx, append(append([]string{"--skip-dump-date"}, style...), db)...)
			var stderr strings.Builder
			cmd.Stdout, cmd.Stderr = f, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("mariadb-dump: %v %s", err, stderr.String())
			}
			f.Close()
			freshDBs(t, pg, "my_style")
			rep, err := runMySQL(ctx, &sink.Postgres{DSN: pg.DSN("my_style")}, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("notes %v; skipped %v", rep.Notes, rep.SkippedStatements)
			if n := rep.Notes["translated: view actor_info"]; n != 0 {
				t.Errorf("the placeholder of view actor_info is reported as translated")
			}
			conn := pgConnect(t, pg, "my_style")
			if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
				t.Fatal(err)
			}
			// A view not translated leaves no placeholder behind.
			var views string
			if err := conn.QueryRow(ctx, "SELECT coalesce(string_agg(viewname, ',' ORDER BY viewname), '') FROM pg_views WHERE schemaname = 'public'").Scan(&views); err != nil {
				t.Fatal(err)
			}
			if views != "sales_by_film_category" {
				t.Errorf("views %q, want sales_by_film_category only", views)
			}
			// film_text's rows are in this dump: MariaDB's triggers wrote them.
			compareTables(t, admin, db, nil, func(table string, cols []string) []string { return pgRows(t, conn, table, cols) })

			// The same dump into SQLite.
			file := filepath.Join(t.TempDir(), "d.db")
			ss := &sink.SQLite{Path: file}
			_, err = runMySQL(ctx, ss, path)
			ss.Close()
			if err != nil {
				t.Fatalf("sqlite: %v", err)
			}
			lite, err := sql.Open("sqlite", file)
			if err != nil {
				t.Fatal(err)
			}
			defer lite.Close()
			compareTables(t, admin, db, nil, func(table string, cols []string) []string { return sqliteRows(t, lite, table, cols) })
		})
	}
}

// sqliteRows reads a table of a SQLite database.
func sqliteRows(t *testing.T, conn *sql.DB, table string, cols []string) []string {
	t.Helper()
	q := make([]string, len(cols))
	for i, col := range cols {
		q[i] = `"` + strings.ReplaceAll(col, `"`, `""`) + `"`
	}
	rows, err := conn.Query("SELECT " + strings.Join(q, ", ") + ` FROM "` + table + `"`)
	if err != nil {
		t.Fatalf("table %s: %v", table, err)
	}
	defer rows.Close()
	return tableRows(t, rows, len(cols), func(_ int, v *string) string { return normValue(v) })
}

// pgConnect connects to database db of srv until the test ends.
func pgConnect(t *testing.T, srv *testdb.Server, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), srv.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
