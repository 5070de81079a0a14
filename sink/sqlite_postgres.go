package sink

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// The SQLite sink's path for PostgreSQL dumps (pg_dump's plain format, with
// COPY blocks or --inserts, and hand-written scripts): DDL translated by
// postgres_sqlite.go, rows converted by their column's type and batched
// into the same prepared INSERTs as a SQLite dump's, and what SQLite has no
// equivalent for skipped or noted by name, never dropped silently.
//
// Tables of schema public (and unqualified names, with the search_path
// pg_dump sets) keep their names; a table of another schema s is named
// "s_table", and two tables that would get one name fail the load.
//
// With [Translation].Strict, a statement skipped as not translated fails
// the load instead.

// pgState is what the load has read of a PostgreSQL dump's schema.
type pgState struct {
	tables map[string]*pgTableDDL // by SQLite name in lower case (SQLite ignores case)
	from   map[string]string      // SQLite table name in lower case → PostgreSQL name
	types  pgTypes
	schema string // the first schema of search_path, for unqualified names
	conv   []byte // converted values of the current row
	row    []sqlparse.Value
	kinds  []pgKind // of the columns of the current statement
	keep   []bool   // false for a generated column's values
	head   []byte
}

func newPgState() *pgState {
	return &pgState{tables: map[string]*pgTableDDL{}, from: map[string]string{}, types: pgTypes{}, schema: "public"}
}

// sqliteName maps a PostgreSQL table of schema (empty: the search_path's)
// to its SQLite name.
func (p *pgState) sqliteName(schema, table string) string {
	if schema == "" {
		schema = p.schema
	}
	if schema == "" || schema == "public" || schema == "pg_catalog" {
		return table
	}
	return schema + "_" + table
}

// tableName implements pgNames: it reads a [schema.]name at ts[i].
func (p *pgState) tableName(ts []ddlToken, i int) (string, int, error) {
	if i >= len(ts) || !ts[i].ident {
		return "", i, fmt.Errorf("a table name is missing")
	}
	parts := []string{unquoteIdent(ts[i].text)}
	i++
	for i+1 < len(ts) && ts[i].text == "." && ts[i+1].ident {
		parts = append(parts, unquoteIdent(ts[i+1].text))
		i += 2
	}
	switch len(parts) {
	case 1:
		return p.sqliteName("", parts[0]), i, nil
	case 2:
		return p.sqliteName(parts[0], parts[1]), i, nil
	}
	return p.sqliteName(parts[len(parts)-2], parts[len(parts)-1]), i, nil // database.schema.table
}

// statementTable maps a Statement's Table ("public.actor") to SQLite's.
func (p *pgState) statementTable(name string) string {
	if k := strings.IndexByte(name, '.'); k >= 0 {
		return p.sqliteName(name[:k], name[k+1:])
	}
	return p.sqliteName("", name)
}

// isPublic reports whether the tables of schema keep their names.
func (p *pgState) isPublic(schema string) bool {
	return schema == "public" || schema == "pg_catalog"
}

// execPostgres applies a statement of a PostgreSQL dump to SQLite.
func (l *sqliteLoad) execPostgres(ctx context.Context, st *sqlparse.Statement) error {
	if l.pg == nil {
		l.pg = newPgState()
	}
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("psql meta-command (\\connect, \\restrict)")
	case sqlparse.Insert, sqlparse.Copy:
		return l.pgRows(ctx, st)
	}
	if err := l.drain(ctx); err != nil {
		return err
	}
	p := l.pg
	what := fmt.Sprintf("%s %s", st.Object, st.Name)
	if st.Verb != sqlparse.NoVerb && st.Object == sqlparse.NoObject { // an aggregate, an operator, a rule, …
		ts := lexPostgres(st.Text[:min(len(st.Text), 200)])
		what = strings.ToLower(join(ts[1:max(1, min(len(ts), pgUntil(ts, "(", "AS", "ON", "OWNER", "RENAME", "SET", "TO", "FOR", "FROM")))]))
	}
	switch st.Verb {
	case sqlparse.Create:
		switch st.Object {
		case sqlparse.Table:
			return l.pgCreateTable(ctx, st)
		case sqlparse.Index:
			ix, err := pgIndex(st.Text, p)
			if err != nil {
				return importer.Skip("not translated to sqlite: index " + st.Name + ": " + err.Error())
			}
			return l.sqliteExec(ctx, ix)
		case sqlparse.View:
			return l.pgCreateView(ctx, st)
		case sqlparse.Type:
			return p.createType(st)
		case sqlparse.Schema:
			if p.isPublic(st.Name) {
				return importer.Skip("schema public (its tables keep their names)")
			}
			return importer.Skip("schema " + st.Name + ": its tables are named " + st.Name + "_TABLE")
		case sqlparse.Sequence:
			return importer.Skip("not translated to sqlite: sequence " + st.Name + " (a column it numbers is the table's rowid when it can be)")
		case sqlparse.Database:
			return importer.Skip("the dump's databases are mapped onto the target file (CREATE and DROP DATABASE)")
		}
		return importer.Skip("not translated to sqlite: " + what)
	case sqlparse.Alter:
		if st.Object == sqlparse.Table {
			return l.pgAlterTable(ctx, st)
		}
		return importer.Skip("not translated to sqlite: alter " + what)
	case sqlparse.Drop:
		switch st.Object {
		case sqlparse.Table:
			ts := lexPostgres(st.Text)
			for i := 2; i < len(ts); i++ {
				if is(ts[i], "IF", "EXISTS", "CASCADE", "RESTRICT") || ts[i].text == "," {
					continue
				}
				name, next, err := p.tableName(ts, i)
				if err != nil {
					return fmt.Errorf("sink: sqlite: %w in %.80q", err, st.Text)
				}
				if err := l.sqliteExec(ctx, "DROP TABLE IF EXISTS "+quoteIdent(name)); err != nil {
					return err
				}
				delete(p.tables, strings.ToLower(name))
				delete(p.from, strings.ToLower(name))
				i = next - 1
			}
			return nil
		case sqlparse.Database:
			return importer.Skip("the dump's databases are mapped onto the target file (CREATE and DROP DATABASE)")
		}
		return importer.Skip("not translated to sqlite: drop " + what)
	case sqlparse.Truncate:
		ts := lexPostgres(st.Text)
		i := 1
		for i < len(ts) && is(ts[i], "TABLE", "ONLY") {
			i++
		}
		name, _, err := p.tableName(ts, i)
		if err != nil {
			return fmt.Errorf("sink: sqlite: %w in %.80q", err, st.Text)
		}
		return l.sqliteExec(ctx, "DELETE FROM "+quoteIdent(name))
	}
	ts := lexPostgres(st.Text[:min(len(st.Text), 400)])
	if len(ts) == 0 || !ts[0].ident {
		return fmt.Errorf("sink: sqlite: this PostgreSQL statement is not translated: %.80q", st.Text)
	}
	switch w := strings.ToUpper(ts[0].text); w {
	case "SET", "RESET":
		p.setSearchPath(ts)
		return importer.Skip("postgres session setting")
	case "SELECT":
		switch fn := pgCalled(ts); fn {
		case "set_config":
			p.setSearchPath(ts)
			return importer.Skip("postgres session setting")
		case "setval":
			seq := ""
			if len(ts) > 5 {
				seq, _ = pgString(ts[5])
			}
			return importer.Skip("not translated to sqlite: setval of sequence " + seq + " (a rowid column numbers new rows after its highest)")
		default:
			return importer.Skip("not translated to sqlite: SELECT " + fn)
		}
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK":
		return importer.Skip("transaction control (the sink loads each file in one transaction)")
	case "COMMENT":
		return importer.Skip("not translated to sqlite: " + strings.ToLower(join(ts[:min(len(ts), pgUntil(ts, "IS"))])))
	case "GRANT", "REVOKE":
		return importer.Skip("not translated to sqlite: privileges " + strings.ToLower(w) + " " + join(ts[1:min(len(ts), pgUntil(ts, "TO", "FROM"))]))
	case "DO":
		return importer.Skip("not translated to sqlite: DO block (PostgreSQL code)")
	case "SECURITY":
		return importer.Skip("not translated to sqlite: security label")
	case "REFRESH", "ANALYZE", "VACUUM", "CLUSTER", "REINDEX", "CHECKPOINT", "LOCK", "DISCARD":
		return importer.Skip("postgres " + w + " (changes no data)")
	}
	return fmt.Errorf("sink: sqlite: this PostgreSQL statement is not translated: %.80q", st.Text)
}

// pgUntil returns the index of the first token that is one of words (or
// punctuation).
func pgUntil(ts []ddlToken, words ...string) int {
	for i, t := range ts {
		if is(t, words...) || !t.ident && slices.Contains(words, t.text) {
			return i
		}
	}
	return len(ts)
}

// pgCalled returns the function a SELECT calls: "setval" for SELECT
// pg_catalog.setval(…).
func pgCalled(ts []ddlToken) string {
	i := 1
	if i+2 < len(ts) && ts[i+1].text == "." {
		i += 2
	}
	if i < len(ts) && ts[i].ident {
		return strings.ToLower(unquoteIdent(ts[i].text))
	}
	return ""
}

// setSearchPath follows SET search_path = a, b and set_config('search_path', 'a, b', …).
func (p *pgState) setSearchPath(ts []ddlToken) {
	for i, t := range ts {
		if !is(t, "search_path") && !(i > 0 && ts[i-1].text == "(" && strings.EqualFold(t.text, "'search_path'")) {
			continue
		}
		for _, v := range ts[i+1:] {
			if v.text == "=" || is(v, "TO") || v.text == "," {
				continue
			}
			s := unquoteIdent(v.text)
			if str, ok := pgString(v); ok {
				s = strings.TrimSpace(strings.Split(str, ",")[0])
			}
			p.schema = strings.Trim(s, `"`)
			if p.schema == "" {
				p.schema = "public" // pg_dump's empty search_path: every name is qualified
			}
			return
		}
	}
}

// sqliteExec runs one translated statement, naming it in an error.
func (l *sqliteLoad) sqliteExec(ctx context.Context, q string) error {
	if _, err := l.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("sink: sqlite: %w (translated as %.200q)", err, q)
	}
	return nil
}

// pgCreateTable creates a translated table.
func (l *sqliteLoad) pgCreateTable(ctx context.Context, st *sqlparse.Statement) error {
	p := l.pg
	t, err := pgTable(st.Text, p, p.types, func(name string) *pgTableDDL { return p.tables[strings.ToLower(name)] })
	if err != nil {
		return fmt.Errorf("sink: sqlite: %w", err)
	}
	if prev, ok := p.from[strings.ToLower(t.name)]; ok && prev != st.Name {
		return fmt.Errorf("sink: sqlite: tables %s and %s would both be named %s", prev, st.Name, t.name)
	}
	if err := l.sqliteExec(ctx, t.create()); err != nil {
		return err
	}
	p.tables[strings.ToLower(t.name)], p.from[strings.ToLower(t.name)] = t, st.Name
	if len(t.dropped) > 0 {
		return importer.Note(t.dropped...)
	}
	return nil
}

// pgCreateView creates a view whose query SQLite reads with PostgreSQL's
// meaning, and checks that SQLite can run it; other views are skipped by
// name with the reason.
func (l *sqliteLoad) pgCreateView(ctx context.Context, st *sqlparse.Statement) error {
	name, q, err := pgView(st.Text, l.pg, l.pg.isPublic)
	if err == nil {
		if err = l.sqliteExec(ctx, q); err == nil {
			var rows interface{ Close() error }
			if rows, err = l.conn.QueryContext(ctx, "SELECT * FROM "+quoteIdent(name)+" LIMIT 0"); err == nil {
				rows.Close()
				return importer.Note("translated: view " + st.Name)
			}
			l.conn.ExecContext(ctx, "DROP VIEW "+quoteIdent(name))
		}
	}
	return importer.Skip("not translated to sqlite: view " + st.Name + ": " + err.Error())
}

// createType records an enum, composite, range or base type, or a domain,
// whose columns are then translated by its base type (enums and the others
// as TEXT).
func (p *pgState) createType(st *sqlparse.Statement) error {
	ts := lexPostgres(st.Text)
	i := 1
	for i < len(ts) && !is(ts[i], "TYPE", "DOMAIN") {
		i++
	}
	domain := i < len(ts) && is(ts[i], "DOMAIN")
	i++
	if i >= len(ts) {
		return fmt.Errorf("sink: sqlite: cannot translate %.80q", st.Text)
	}
	name := strings.ToLower(unquoteIdent(ts[i].text))
	i++
	for i+1 < len(ts) && ts[i].text == "." {
		name = strings.ToLower(unquoteIdent(ts[i+1].text))
		i += 2
	}
	if !domain {
		p.types[name] = pgTypeInfo{decl: "TEXT", kind: pgText}
		return importer.Skip("type " + st.Name + ": its columns are TEXT")
	}
	if i < len(ts) && is(ts[i], "AS") {
		i++
	}
	tn, mods, array, next := pgTypeName(ts, i)
	ti := p.types.translate(tn, mods, array)
	ti.note = ""
	p.types[name] = ti
	reason := "domain " + st.Name + ": its columns are " + ti.decl
	if pgUntil(ts[next:], "CHECK") < len(ts[next:]) {
		reason += " (its CHECK is not kept)"
	}
	return importer.Skip(reason)
}

// pgAlterTable applies what SQLite can of ALTER TABLE: primary and unique
// keys become unique indexes, a sequence default on a still empty table
// makes its column the rowid; the rest is skipped by name.
func (l *sqliteLoad) pgAlterTable(ctx context.Context, st *sqlparse.Statement) error {
	p := l.pg
	ts := lexPostgres(st.Text)
	i := 2
	for i < len(ts) && is(ts[i], "IF", "EXISTS", "ONLY") {
		i++
	}
	name, i, err := p.tableName(ts, i)
	if err != nil {
		return fmt.Errorf("sink: sqlite: %w in %.80q", err, st.Text)
	}
	if i < len(ts) && ts[i].text == "*" {
		i++
	}
	act := ts[i:]
	t := p.tables[strings.ToLower(name)]
	switch {
	case len(act) >= 2 && is(act[0], "OWNER"):
		return importer.Skip("not translated to sqlite: owner of " + st.Name)
	case len(act) >= 4 && is(act[0], "ADD") && is(act[1], "CONSTRAINT"):
		cname := unquoteIdent(act[2].text)
		switch {
		case is(act[3], "PRIMARY", "UNIQUE"):
			cols, err := pgKeyColumns(act, 4)
			if err != nil {
				return importer.Skip("not translated to sqlite: constraint " + cname + " of " + st.Name + ": " + err.Error())
			}
			if t != nil && is(act[3], "PRIMARY") && t.rowid != "" && cols == "("+quoteIdent(t.rowid)+")" {
				return nil // the rowid already
			}
			def := "CONSTRAINT " + quoteIdent(cname) + " UNIQUE " + cols
			if is(act[3], "PRIMARY") {
				def = "CONSTRAINT " + quoteIdent(cname) + " PRIMARY KEY " + cols
			}
			if ok, err := l.pgRebuildEmpty(ctx, t, func() {
				t.extra = append(t.extra, def)
				if is(act[3], "PRIMARY") {
					t.hasKey = true
					t.chooseRowid()
				}
			}); ok || err != nil {
				return err // a schema-only dump: the key is the table's own
			}
			if err := l.sqliteExec(ctx, "CREATE UNIQUE INDEX "+quoteIdent(cname)+" ON "+quoteIdent(name)+" "+cols); err != nil {
				return err
			}
			if is(act[3], "PRIMARY") {
				return importer.Note("primary key " + cname + " of " + st.Name + ": a unique index (SQLite sets a table's primary key only in CREATE TABLE)")
			}
			return nil
		case is(act[3], "FOREIGN"):
			if fk, err := pgForeignKey(act[3:], p); err == nil {
				if ok, err := l.pgRebuildEmpty(ctx, t, func() { t.extra = append(t.extra, "CONSTRAINT "+quoteIdent(cname)+" "+fk) }); ok || err != nil {
					return err
				}
			}
			return importer.Skip("not translated to sqlite: foreign key " + cname + " of " + st.Name + " (SQLite adds foreign keys only in CREATE TABLE)")
		}
		return importer.Skip("not translated to sqlite: " + strings.ToUpper(act[3].text) + " " + cname + " of " + st.Name)
	case len(act) >= 5 && is(act[0], "ALTER") && is(act[1], "COLUMN") &&
		(is(act[3], "SET") && is(act[4], "DEFAULT") && is(act[min(5, len(act)-1)], "nextval") ||
			is(act[3], "ADD") && is(act[4], "GENERATED")):
		col := unquoteIdent(act[2].text)
		if t != nil && t.rowid == col {
			return nil
		}
		if t != nil && t.rowid == "" && !t.hasKey && t.column(col) != nil && t.column(col).kind == pgInt {
			if ok, err := l.pgRebuildEmpty(ctx, t, func() {
				t.column(col).seq = true
				t.chooseRowid()
			}); ok || err != nil {
				return err
			}
		}
		return importer.Skip("not translated to sqlite: the sequence default of " + st.Name + "." + col)
	}
	return importer.Skip("not translated to sqlite: alter table " + st.Name + " " + strings.ToLower(join(act[:min(len(act), 2)])))
}

// pgRebuildEmpty applies change to t and creates the table again, with
// its indexes, when it holds no rows (a schema-only dump, or a statement
// before the rows): what SQLite sets only in CREATE TABLE (a primary key,
// a foreign key, the rowid) becomes the table's own. It reports whether
// it did; a table whose new definition SQLite refuses stays as it was.
func (l *sqliteLoad) pgRebuildEmpty(ctx context.Context, t *pgTableDDL, change func()) (bool, error) {
	if t == nil || len(t.cols) == 0 || t.cols[0].def == "" { // unknown, or read from the file
		return false, nil
	}
	var n int
	if err := l.conn.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+quoteIdent(t.name)+" LIMIT 1)").Scan(&n); err != nil {
		return false, fmt.Errorf("sink: sqlite: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	// Its indexes go with the table and are created again after it.
	var indexes []string
	rows, err := l.conn.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?", t.name)
	if err != nil {
		return false, fmt.Errorf("sink: sqlite: %w", err)
	}
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return false, fmt.Errorf("sink: sqlite: %w", err)
		}
		indexes = append(indexes, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("sink: sqlite: %w", err)
	}
	old := *t
	old.cols = append([]pgColumn(nil), t.cols...)
	old.extra = append([]string(nil), t.extra...)
	change()
	if _, err := l.conn.ExecContext(ctx, "SAVEPOINT dumpline_rebuild"); err != nil {
		return false, fmt.Errorf("sink: sqlite: %w", err)
	}
	_, err = l.conn.ExecContext(ctx, "DROP TABLE "+quoteIdent(t.name))
	if err == nil {
		_, err = l.conn.ExecContext(ctx, t.create())
	}
	for _, q := range indexes {
		if err == nil {
			_, err = l.conn.ExecContext(ctx, q)
		}
	}
	if err != nil {
		*t = old
		if _, rerr := l.conn.ExecContext(ctx, "ROLLBACK TO dumpline_rebuild"); rerr != nil {
			return false, fmt.Errorf("sink: sqlite: %w", rerr)
		}
	}
	if _, rerr := l.conn.ExecContext(ctx, "RELEASE dumpline_rebuild"); rerr != nil {
		return false, fmt.Errorf("sink: sqlite: %w", rerr)
	}
	return err == nil, nil
}

// pgTarget returns the table rows of st go to: one the dump created, or
// one of the SQLite file (a data-only dump appended), typed by its
// declared types.
func (l *sqliteLoad) pgTarget(ctx context.Context, name string) (*pgTableDDL, error) {
	if t := l.pg.tables[strings.ToLower(name)]; t != nil {
		return t, nil
	}
	rows, err := l.conn.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?)", name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &pgTableDDL{name: name}
	for rows.Next() {
		var c pgColumn
		var decl string
		if err := rows.Scan(&c.name, &decl); err != nil {
			return nil, err
		}
		decl = strings.ToUpper(decl)
		switch {
		case strings.Contains(decl, "INT"):
			c.kind = pgInt
		case strings.Contains(decl, "BOOL"):
			c.kind = pgBool
		case strings.Contains(decl, "REAL"), strings.Contains(decl, "FLOA"), strings.Contains(decl, "DOUB"):
			c.kind = pgReal
		case strings.Contains(decl, "BLOB"), strings.Contains(decl, "BYTEA"):
			c.kind = pgBytea
		case strings.Contains(decl, "NUMERIC"), strings.Contains(decl, "DECIMAL"):
			c.kind = pgNumeric
		}
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(t.cols) == 0 {
		return nil, fmt.Errorf("sink: sqlite: table %s: neither the dump nor the database file creates it", name)
	}
	l.pg.tables[strings.ToLower(name)] = t
	return t, nil
}

// pgRows inserts the rows of a COPY or INSERT, each value converted by its
// column's type.
func (l *sqliteLoad) pgRows(ctx context.Context, st *sqlparse.Statement) error {
	p := l.pg
	name := p.statementTable(st.Table)
	t, err := l.pgTarget(ctx, name)
	if err != nil {
		return err
	}
	trailer := ""
	if st.Kind == sqlparse.Insert && len(st.Trailer) > 0 {
		if !strings.EqualFold(strings.Join(strings.Fields(string(st.Trailer)), " "), "ON CONFLICT DO NOTHING") {
			return fmt.Errorf("sink: sqlite: %q after the rows is not translated", st.Trailer)
		}
		trailer = "ON CONFLICT DO NOTHING"
	}
	cols := st.Columns
	if cols == nil {
		cols = make([]string, len(t.cols))
		for i, c := range t.cols {
			cols[i] = c.name
		}
	}
	// The values of generated columns (DEFAULT in pg_dump --inserts) are
	// dropped with the columns.
	p.kinds, p.keep = p.kinds[:0], p.keep[:0]
	p.head = append(p.head[:0], "INSERT INTO "+quoteIdent(name)+" ("...)
	for _, c := range cols {
		var k pgKind
		tc := t.column(c)
		if tc != nil {
			k = tc.kind
		}
		p.kinds = append(p.kinds, k)
		p.keep = append(p.keep, tc == nil || !tc.generated)
		if tc != nil && tc.generated {
			continue
		}
		if p.head[len(p.head)-1] != '(' {
			p.head = append(p.head, ',')
		}
		p.head = append(p.head, quoteIdent(c)...)
	}
	p.head = append(p.head, ") VALUES"...)
	if l.exec == nil {
		l.exec = context.WithoutCancel(ctx)
	}
	pos := rowPos{st.Line, st.Offset, st.Num, st.Table}
	var n int64
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		n++
		if len(row) != len(p.kinds) {
			return &importer.StatementError{Line: st.Line, Offset: st.Offset, Statement: st.Num, Table: st.Table,
				Err: fmt.Errorf("row %d has %d values for %d columns", n, len(row), len(p.kinds))}
		}
		p.conv = p.conv[:0]
		p.row = p.row[:0]
		for i, v := range row {
			if !p.keep[i] {
				continue
			}
			cv, err := p.convert(v, p.kinds[i])
			if err != nil {
				return &importer.StatementError{Line: st.Line, Offset: st.Offset, Statement: st.Num, Table: st.Table,
					Err: fmt.Errorf("row %d, column %s: %w", n, cols[i], err)}
			}
			p.row = append(p.row, cv)
		}
		if err := l.addRow(ctx, p.head, p.row, trailer, pos); err != nil {
			return err
		}
	}
	return nil
}

// convert returns v as the value SQLite stores in a column of kind k.
func (p *pgState) convert(v sqlparse.Value, k pgKind) (sqlparse.Value, error) {
	switch v.Kind {
	case sqlparse.Null, sqlparse.Binary:
		return v, nil
	case sqlparse.Bool:
		if k == pgText {
			if v.Raw[0] == '1' {
				return sqlparse.Value{Kind: sqlparse.String, Raw: []byte("true")}, nil
			}
			return sqlparse.Value{Kind: sqlparse.String, Raw: []byte("false")}, nil
		}
		return v, nil
	case sqlparse.Int, sqlparse.Number:
		switch k {
		case pgInt, pgReal, pgBool:
			return v, nil
		}
		// Kept as text: SQLite's affinity keeps what it can exactly.
		return sqlparse.Value{Kind: sqlparse.String, Raw: v.Raw}, nil
	case sqlparse.String:
	case sqlparse.Expr:
		// N'…', a national character string, is a plain string.
		if r := v.Raw; len(r) >= 3 && (r[0] == 'N' || r[0] == 'n') && r[1] == '\'' && r[len(r)-1] == '\'' {
			// Its type is character: assigned to another type, it loses
			// its trailing spaces.
			s, _ := pgString(ddlToken{text: string(r[1:])})
			start := len(p.conv)
			p.conv = append(p.conv, strings.TrimRight(s, " ")...)
			v = sqlparse.Value{Kind: sqlparse.String, Raw: p.conv[start:len(p.conv):len(p.conv)]}
			break
		}
		return v, fmt.Errorf("the expression %.40q is not translated", v.Raw)
	default:
		return v, fmt.Errorf("the %s value %.40q is not translated", v.Kind, v.Raw)
	}
	s := v.Raw
	switch k {
	case pgInt:
		if _, err := strconv.ParseInt(unsafeString(s), 10, 64); err == nil {
			return sqlparse.Value{Kind: sqlparse.Int, Raw: s}, nil
		}
	case pgReal:
		if f, err := strconv.ParseFloat(unsafeString(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return sqlparse.Value{Kind: sqlparse.Number, Raw: s}, nil
		}
	case pgBool:
		switch strings.ToLower(unsafeString(s)) {
		case "t", "true", "y", "yes", "on", "1":
			return sqlparse.Value{Kind: sqlparse.Bool, Raw: []byte{'1'}}, nil
		case "f", "false", "n", "no", "off", "0":
			return sqlparse.Value{Kind: sqlparse.Bool, Raw: []byte{'0'}}, nil
		}
		return v, fmt.Errorf("%.40q is not a boolean", s)
	case pgBytea:
		start := len(p.conv)
		var err error
		if p.conv, err = decodeBytea(p.conv, s); err != nil {
			return v, err
		}
		return sqlparse.Value{Kind: sqlparse.Binary, Raw: p.conv[start:len(p.conv):len(p.conv)]}, nil
	case pgTimeTZ, pgDate, pgTimestamp:
		if isoTime(s, k) {
			return v, nil
		}
		start := len(p.conv)
		if n := len(s); k == pgTimeTZ && n > 19 && (s[n-3] == '+' || s[n-3] == '-') && isDigit(s[n-2]) && isDigit(s[n-1]) && isoTime(s[:n-3], pgTimestamp) {
			p.conv = append(append(p.conv, s...), ":00"...) // pg_dump's +00
			return sqlparse.Value{Kind: sqlparse.String, Raw: p.conv[start:len(p.conv):len(p.conv)]}, nil
		}
		if out, ok := appendISOTime(p.conv, s, k); ok {
			p.conv = out
			return sqlparse.Value{Kind: sqlparse.String, Raw: p.conv[start:len(p.conv):len(p.conv)]}, nil
		}
		// Kept as written: another of PostgreSQL's input forms ('epoch',
		// 'Jan 1 2021') or a value its output writes so ('infinity', BC).
	}
	return v, nil
}

// isoTime reports whether s is already in PostgreSQL's ISO output form for
// k (pg_dump's), with a zone of the form ±HH:MM.
func isoTime(s []byte, k pgKind) bool {
	n := len(s)
	if n < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	switch k {
	case pgDate:
		return n == 10
	case pgTimestamp:
		// A fraction without trailing zeros, as PostgreSQL prints it.
		return n >= 19 && s[10] == ' ' && s[13] == ':' && s[16] == ':' && (n == 19 || n > 20 && s[19] == '.' && s[n-1] != '0')
	}
	return n >= 25 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' && isoTime(s[:n-6], pgTimestamp)
}

// appendISOTime appends a date or timestamp written Y-M-D or Y/M/D, with
// an optional time after a space or T and an optional zone, in
// PostgreSQL's ISO output form: the date of a timestamp gets 00:00:00, a
// fraction loses its trailing zeros, a zone is written ±HH:MM.
func appendISOTime(dst, s []byte, k pgKind) ([]byte, bool) {
	num := func(i, min, max int) (int, int, bool) {
		j := i
		for j < len(s) && j-i < max && isDigit(s[j]) {
			j++
		}
		if j-i < min {
			return 0, i, false
		}
		n, _ := strconv.Atoi(string(s[i:j]))
		return n, j, true
	}
	y, i, ok := num(0, 4, 4)
	if !ok || i >= len(s) || s[i] != '-' && s[i] != '/' {
		return dst, false
	}
	sep := s[i]
	mo, i, ok := num(i+1, 1, 2)
	if !ok || i >= len(s) || s[i] != sep || mo < 1 || mo > 12 {
		return dst, false
	}
	d, i, ok := num(i+1, 1, 2)
	if !ok || d < 1 || d > 31 {
		return dst, false
	}
	dst = appendDigits(appendDigits(appendDigits(dst, y, 4, 0), mo, 2, '-'), d, 2, '-')
	if k == pgDate {
		return dst, i == len(s)
	}
	h, mi, sec := 0, 0, 0
	var frac []byte
	if i < len(s) && (s[i] == ' ' || s[i] == 'T') {
		if h, i, ok = num(i+1, 1, 2); !ok || i >= len(s) || s[i] != ':' {
			return dst, false
		}
		if mi, i, ok = num(i+1, 2, 2); !ok {
			return dst, false
		}
		if i < len(s) && s[i] == ':' {
			if sec, i, ok = num(i+1, 2, 2); !ok {
				return dst, false
			}
			if i < len(s) && s[i] == '.' {
				j := i + 1
				for j < len(s) && isDigit(s[j]) {
					j++
				}
				frac = bytes.TrimRight(s[i+1:j], "0")
				i = j
			}
		}
	}
	dst = appendDigits(appendDigits(appendDigits(dst, h, 2, ' '), mi, 2, ':'), sec, 2, ':')
	if len(frac) > 0 {
		dst = append(append(dst, '.'), frac...)
	}
	if i == len(s) {
		return dst, true
	}
	if k != pgTimeTZ || s[i] != '+' && s[i] != '-' {
		return dst, false
	}
	zh, j, ok := num(i+1, 2, 2)
	if !ok {
		return dst, false
	}
	zm := 0
	if j < len(s) && s[j] == ':' {
		if zm, j, ok = num(j+1, 2, 2); !ok {
			return dst, false
		}
	}
	dst = appendDigits(appendDigits(dst, zh, 2, s[i]), zm, 2, ':')
	return dst, j == len(s)
}

// appendDigits appends sep (unless 0) and n in width digits, zero-padded.
func appendDigits(dst []byte, n, width int, sep byte) []byte {
	if sep != 0 {
		dst = append(dst, sep)
	}
	var b [8]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, b[:width]...)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// decodeBytea appends the bytes of a bytea's text, in the hex format
// (\x0102…) or the escape format (\\ and \NNN octal), to dst.
func decodeBytea(dst, s []byte) ([]byte, error) {
	if len(s) >= 2 && s[0] == '\\' && s[1] == 'x' {
		h := s[2:]
		if len(h)%2 != 0 {
			return dst, fmt.Errorf("bytea: odd number of hex digits")
		}
		n := len(dst)
		dst = append(dst, make([]byte, len(h)/2)...)
		if _, err := hex.Decode(dst[n:], h); err != nil {
			return dst, fmt.Errorf("bytea: %w", err)
		}
		return dst, nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			dst = append(dst, '\\')
			i++
		case i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7':
			dst = append(dst, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return dst, fmt.Errorf("bytea: bad escape at byte %d", i)
		}
	}
	return dst, nil
}
