package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

// This file loads dumps with the real clients and counts rows in the real
// databases.

// mysqlSession is how every MariaDB load in these tests starts: foreign key
// checks off, as mariadb-dump's own header does. Some corpus files hold one
// table of a database whose other tables' data is not in the corpus (the
// employees load_*.dump files): with checks on, the client would refuse
// rows whose parents are missing. Checks change whether rows load, never how
// many a file holds.
const mysqlSession = "--init-command=SET SESSION foreign_key_checks=0"

// sourceRE finds the mariadb client's `source FILE` (or `\. FILE`) commands.
var sourceRE = regexp.MustCompile(`(?im)^[ \t]*(?:source|\\\.)[ \t]+([^ \t\r\n;]+)[ \t]*;?[ \t]*\r?$`)

// mysqlLoad feeds the file to the real mariadb client, started in database
// db (or none). The client runs in an empty folder in which every file that
// the dump `source`s exists and is empty: rows of sourced files are not rows
// of this file (and the parser does not follow `source`), yet the commands
// themselves must succeed.
func mysqlLoad(ctx context.Context, t testing.TB, srv *testdb.Server, db, path string) error {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dir := t.TempDir()
	for _, m := range sourceRE.FindAllSubmatch(text, -1) {
		name := string(m[1])
		if filepath.IsAbs(name) || strings.Contains(name, "..") {
			return fmt.Errorf("%s sources %q: not handled by the oracle", path, name)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := srv.Command(ctx, db, mysqlSession)
	cmd.Dir, cmd.Stdin = dir, f
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb < %s: %v\n%s", path, err, tailString(out, 3000))
	}
	return nil
}

// mysqlDatabases lists the server's databases.
func mysqlDatabases(ctx context.Context, conn *sql.DB) ([]string, error) {
	return testdb.Strings(ctx, conn, "SHOW DATABASES")
}

// mysqlCounts counts the rows of every base table of the databases dbs,
// keyed "db.table".
func mysqlCounts(ctx context.Context, conn *sql.DB, dbs []string) (counts, error) {
	out := counts{}
	if len(dbs) == 0 {
		return out, nil
	}
	q := "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?" +
		strings.Repeat(",?", len(dbs)-1) + ")"
	pairs, err := queryPairs(ctx, conn, q, anySlice(dbs)...)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteMy(p[0])+"."+quoteMy(p[1])).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s.%s: %w", p[0], p[1], err)
		}
		out[p[0]+"."+p[1]] = n
	}
	return out, nil
}

// trigger is a trigger of a loaded database.
type trigger struct {
	schema, name string
	table        string // the table it fires on, as a counts key
	body         string
}

// mysqlTriggers lists the triggers of databases dbs.
func mysqlTriggers(ctx context.Context, conn *sql.DB, dbs []string) ([]trigger, error) {
	if len(dbs) == 0 {
		return nil, nil
	}
	q := "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, CONCAT(EVENT_OBJECT_SCHEMA, '.', EVENT_OBJECT_TABLE), ACTION_STATEMENT" +
		" FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (?" + strings.Repeat(",?", len(dbs)-1) + ")"
	rows, err := conn.QueryContext(ctx, q, anySlice(dbs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []trigger
	for rows.Next() {
		var r trigger
		if err := rows.Scan(&r.schema, &r.name, &r.table, &r.body); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// writesRowsRE matches a trigger body that writes rows to a table.
var writesRowsRE = regexp.MustCompile(`(?i)\b(insert|replace|update|delete)\b`)

func quoteMy(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
func quotePG(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// pgSession is the environment of every psql load that is measured:
// session_replication_role=replica turns off ordinary triggers (and the
// foreign-key triggers) for every connection psql opens, \connect included.
// Rows that a dump's own triggers would add elsewhere, or divert elsewhere
// (pagila's payment trigger moves rows into partitions), are then not
// counted: the oracle counts the rows the dump's statements write, into the
// table the statements name, which is what the parser reports.
const pgSession = "PGOPTIONS=-c session_replication_role=replica"

// pgLoad feeds the file to psql, connected to database db, stopping at the
// first error.
func pgLoad(ctx context.Context, srv *testdb.Server, db, path string, env ...string) error {
	cmd := srv.Command(ctx, db, "-v", "ON_ERROR_STOP=1", "-q", "-f", path)
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = filepath.Dir(path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql -f %s: %v\n%s", path, err, tailString(out, 3000))
	}
	return nil
}

// pgDatabases lists the server's databases that are not templates.
func pgDatabases(ctx context.Context, conn *sql.DB) ([]string, error) {
	return testdb.Strings(ctx, conn, "SELECT datname FROM pg_database WHERE NOT datistemplate")
}

// pgCounts counts the rows stored in each table of database db, keyed
// "schema.table" in lower case. COUNT(*) FROM ONLY: a parent table of an
// inheritance tree or a partitioned table counts only the rows written into
// the table itself, as the dump's statements name it.
func pgCounts(ctx context.Context, t testing.TB, srv *testdb.Server, db string) (counts, error) {
	conn := srv.Open(t, db)
	defer conn.Close()
	pairs, err := queryPairs(ctx, conn, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		return nil, err
	}
	out := counts{}
	for _, p := range pairs {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM ONLY "+quotePG(p[0])+"."+quotePG(p[1])).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s.%s.%s: %w", db, p[0], p[1], err)
		}
		out[strings.ToLower(p[0]+"."+p[1])] += n
	}
	return out, nil
}

// pgUnfaithful lists what in database db would make rows land elsewhere
// than where the dump's statements put them even with triggers off: rules
// on INSERT and triggers enabled ALWAYS or REPLICA.
func pgUnfaithful(ctx context.Context, t testing.TB, srv *testdb.Server, db string) ([]string, error) {
	conn := srv.Open(t, db)
	defer conn.Close()
	return testdb.Strings(ctx, conn, `
		SELECT 'rule ' || schemaname || '.' || rulename FROM pg_rules WHERE definition ILIKE '%ON INSERT%'
		UNION ALL
		SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled IN ('A', 'R')`)
}

// sqliteCounts counts the rows of every table of the SQLite database with
// the sqlite3 shell, keyed by lower-case table name. SQLite's own tables
// (sqlite_sequence, sqlite_stat1, ...) are left out unless internal is set:
// the engine fills them, though .dump writes their rows.
func sqliteCounts(ctx context.Context, db *testdb.SQLiteDB, internal bool) (counts, error) {
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if internal {
		q = `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`
	}
	out, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	names := lines(out)
	res := counts{}
	if len(names) == 0 {
		return res, nil
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("SELECT %s, COUNT(*) FROM %s", quoteSQLString(n), quotePG(n)))
	}
	out, err = db.Query(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, err
	}
	for _, line := range lines(out) {
		name, num, ok := strings.Cut(line, "\t")
		n, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite3 count output %q", line)
		}
		res[strings.ToLower(name)] += n
	}
	return res, nil
}

// sqliteTriggers lists the triggers of the database.
func sqliteTriggers(ctx context.Context, db *testdb.SQLiteDB) ([]trigger, error) {
	out, err := db.Query(ctx, `SELECT name, lower(tbl_name), replace(replace(sql, char(10), ' '), char(13), ' ') FROM sqlite_schema WHERE type = 'trigger'`)
	if err != nil {
		return nil, err
	}
	var trs []trigger
	for _, line := range lines(out) {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("sqlite3 trigger output %q", line)
		}
		trs = append(trs, trigger{schema: "main", name: f[0], table: f[1], body: f[2]})
	}
	return trs, nil
}

// riskyTriggers returns the triggers whose bodies write rows and that fire
// on a table that got rows: the oracle cannot tell the rows they wrote from
// the dump's.
func riskyTriggers(trs []trigger, added counts) []string {
	var out []string
	for _, tr := range trs {
		if writesRowsRE.MatchString(tr.body) && added[tr.table] != 0 {
			out = append(out, tr.schema+"."+tr.name+" on "+tr.table+": "+tr.body)
		}
	}
	return out
}

// lines splits the shell's output into lines, without empty ones.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func quoteSQLString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func queryPairs(ctx context.Context, conn *sql.DB, q string, args ...any) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// newNames returns the names in after that are not in before.
// dropCreatedOnCleanup drops, when t ends, every database that list shows
// and before did not, except keep (dropped by their own cleanups): the
// databases a dump created for itself (sakila, Chinook, ...).
func dropCreatedOnCleanup(t *testing.T, srv *testdb.Server, list func(context.Context) ([]string, error), before []string, keep ...string) {
	t.Cleanup(func() {
		now, err := list(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		for _, db := range newNames(before, now) {
			if !slices.Contains(keep, db) {
				if err := srv.DropDB(context.Background(), db); err != nil {
					t.Error(err)
				}
			}
		}
	})
}

func newNames(before, after []string) []string {
	var out []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			out = append(out, n)
		}
	}
	return out
}

func tailString(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
