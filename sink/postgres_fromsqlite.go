package sink

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// The PostgreSQL sink's path for SQLite dumps (the sqlite3 shell's .dump
// and scripts like it). Column types follow SQLite's affinity rules: a
// declared type containing INT is bigint (SQLite's integers are 64-bit),
// CHAR, CLOB or TEXT text, BLOB bytea, REAL, FLOA or DOUB double precision,
// NUMERIC or DECIMAL numeric, BOOL boolean, and anything else (dates, no
// type at all) text, which holds what SQLite printed. An INTEGER PRIMARY
// KEY (the rowid) becomes an identity column whose sequence is moved past
// the highest value at the dump's COMMIT; a NULL inserted into it takes
// the next value, as SQLite's rowid does. Foreign keys are added at the
// dump's COMMIT, after the rows (SQLite's .dump creates tables in any
// order). Views, triggers, CHECK constraints and collations are
// SQLite's SQL and are skipped or noted by name.
//
// With [Translation].Strict, a statement skipped as not translated fails
// the load instead.

// liteKind is how a value bound for a column is converted.
type liteKind uint8

const (
	liteText    liteKind = iota
	liteNumeric          // a REAL stored by NUMERIC affinity: written as its double
	liteRowid            // NULL takes the identity's next value
)

// sqliteToPg is what a PostgreSQL load has read of a SQLite dump.
type sqliteToPg struct {
	tables   map[string][]liteKind // column kinds by table, as the dump names it
	columns  map[string][]string
	deferred []string // foreign keys and sequence moves, for the dump's COMMIT
	rows     liteRows
}

// tableName implements pgNames for SQLite: a schema prefix (main, temp)
// is dropped.
func (*sqliteToPg) tableName(ts []ddlToken, i int) (string, int, error) {
	if i >= len(ts) || !ts[i].ident {
		return "", i, fmt.Errorf("a table name is missing")
	}
	name := unquoteIdent(ts[i].text)
	i++
	for i+1 < len(ts) && ts[i].text == "." && ts[i+1].ident {
		name = unquoteIdent(ts[i+1].text)
		i += 2
	}
	return name, i, nil
}

// execSQLite applies a statement of a SQLite dump to PostgreSQL.
func (l *pgLoad) execSQLite(ctx context.Context, st *sqlparse.Statement) error {
	if l.lite == nil {
		l.lite = &sqliteToPg{tables: map[string][]liteKind{}, columns: map[string][]string{}}
	}
	lt := l.lite
	if st.Kind == sqlparse.Insert {
		switch strings.ToLower(st.Table) {
		case "sqlite_sequence", "sqlite_stat1", "sqlite_stat4":
			return importer.Skip("sqlite internal table " + strings.ToLower(st.Table))
		}
		cp := *st
		lt.rows = liteRows{r: st.Rows, kinds: lt.kindsOf(st)}
		cp.Rows = &lt.rows
		return l.rowsOf(ctx, &cp)
	}
	if st.Kind != sqlparse.Other {
		return importer.Skip("sqlite3 shell command")
	}
	ts := lexDDL(st.Text, true)
	if len(ts) == 0 {
		return fmt.Errorf("sink: postgres: cannot translate %.80q", st.Text)
	}
	w := strings.ToUpper(ts[0].text)
	switch {
	case w == "PRAGMA":
		return importer.Skip("sqlite PRAGMA")
	case w == "BEGIN":
		return importer.Skip("transaction control (the sink owns the transactions)")
	case w == "COMMIT" || w == "END":
		if err := l.finishSQLite(ctx); err != nil {
			return err
		}
		return importer.Skip("transaction control (the sink owns the transactions)")
	case w == "SELECT":
		return importer.Skip("sqlite SELECT (changes no data)")
	case w == "DELETE" && len(ts) > 2 && strings.HasPrefix(strings.ToLower(unquoteIdent(ts[2].text)), "sqlite_"),
		w == "ANALYZE":
		return importer.Skip("sqlite internal table")
	}
	if err := l.finishAll(); err != nil {
		return err
	}
	switch {
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Table:
		q, notes, err := lt.createTable(ts)
		if err != nil {
			return fmt.Errorf("sink: postgres: %w", err)
		}
		if err := l.execSQL(ctx, q); err != nil {
			return err
		}
		if len(notes) > 0 {
			return importer.Note(notes...)
		}
		return nil
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Index:
		q, err := indexOf(ts, lt)
		if err != nil {
			return importer.Skip("not translated to postgres: index " + st.Name + ": " + err.Error())
		}
		return l.execSQL(ctx, q)
	case st.Verb == sqlparse.Drop && st.Object == sqlparse.Table:
		i := pgUntil(ts, "TABLE") + 1
		if e := pgUntil(ts, "EXISTS"); e < len(ts) {
			i = e + 1
		}
		name, _, err := lt.tableName(ts, i)
		if err != nil {
			return fmt.Errorf("sink: postgres: %w in %.80q", err, st.Text)
		}
		return l.execSQL(ctx, "DROP TABLE IF EXISTS "+quoteIdent(name))
	case st.Verb != sqlparse.NoVerb:
		return importer.Skip(fmt.Sprintf("not translated to postgres: %s %s %s", st.Verb, st.Object, st.Name))
	}
	return fmt.Errorf("sink: postgres: this SQLite statement is not translated: %.80q", st.Text)
}

// finishSQLite adds the foreign keys and moves the identity sequences of
// a SQLite dump, after its rows: at the dump's COMMIT, or at the load's
// Commit for a script without one.
func (l *pgLoad) finishSQLite(ctx context.Context) error {
	if l.lite == nil || len(l.lite.deferred) == 0 {
		return nil
	}
	if err := l.finishAll(); err != nil {
		return err
	}
	for _, q := range l.lite.deferred {
		if err := l.execSQL(ctx, q); err != nil {
			return err
		}
	}
	l.lite.deferred = nil
	return nil
}

// kindsOf returns the conversion of each value of st's rows.
func (lt *sqliteToPg) kindsOf(st *sqlparse.Statement) []liteKind {
	kinds := lt.tables[st.Table]
	if st.Columns == nil || kinds == nil {
		return kinds
	}
	out := make([]liteKind, len(st.Columns))
	for i, c := range st.Columns {
		for j, tc := range lt.columns[st.Table] {
			if strings.EqualFold(c, tc) {
				out[i] = kinds[j]
			}
		}
	}
	return out
}

// liteType returns the PostgreSQL type of a SQLite declared type, by
// SQLite's affinity rules.
func liteType(decl string) (string, liteKind) {
	u := strings.ToUpper(decl)
	switch {
	case strings.Contains(u, "INT"):
		return "bigint", liteText
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return "text", liteText
	case strings.Contains(u, "BLOB"):
		return "bytea", liteText
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return "double precision", liteText
	case strings.Contains(u, "BOOL"):
		return "boolean", liteText
	case strings.Contains(u, "NUMERIC"), strings.Contains(u, "DECIMAL"):
		return "numeric", liteNumeric
	}
	return "text", liteText
}

// createTable translates a SQLite CREATE TABLE into PostgreSQL's, and
// defers its foreign keys and the move of its identity's sequence.
func (lt *sqliteToPg) createTable(ts []ddlToken) (string, []string, error) {
	i := pgUntil(ts, "TABLE") + 1
	head := "CREATE TABLE "
	if i+2 < len(ts) && is(ts[i], "IF") {
		head += "IF NOT EXISTS "
		i += 3
	}
	name, i, err := lt.tableName(ts, i)
	if err != nil {
		return "", nil, err
	}
	if i >= len(ts) || ts[i].text != "(" {
		return "", nil, fmt.Errorf("table %s: CREATE TABLE … AS is not translated", name)
	}
	end := skipParens(ts, i)
	var defs, notes []string
	var kinds []liteKind
	var cols []string
	tq := quoteIdent(name)
	rowid, pk := "", ""
	integer := map[string]int{} // the columns declared INTEGER, by their key list

	for _, it := range splitItems(ts[i+1 : end-1]) {
		k := 0
		cname := ""
		if is(it[0], "CONSTRAINT") && len(it) > 2 {
			cname, k = unquoteIdent(it[1].text), 2
		}
		switch head := it[k]; {
		case is(head, "PRIMARY", "UNIQUE"):
			c, err := pgKeyColumns(it, k+1)
			if err != nil {
				return "", nil, fmt.Errorf("table %s: %w", name, err)
			}
			if is(head, "PRIMARY") {
				pk = c
			}
			d := "UNIQUE " + c
			if is(head, "PRIMARY") {
				d = "PRIMARY KEY " + c
			}
			if cname != "" {
				d = "CONSTRAINT " + quoteIdent(cname) + " " + d
			}
			defs = append(defs, d)
		case is(head, "FOREIGN"):
			fk, err := pgForeignKey(it[k:], lt)
			if err != nil {
				return "", nil, fmt.Errorf("table %s: %w", name, err)
			}
			if cname != "" {
				fk = "CONSTRAINT " + quoteIdent(cname) + " " + fk
			}
			lt.deferred = append(lt.deferred, "ALTER TABLE "+tq+" ADD "+fk)
		case is(head, "CHECK"):
			notes = append(notes, "not translated: CHECK of "+name)
		case k > 0:
			return "", nil, fmt.Errorf("table %s: cannot translate %q", name, join(it))
		default:
			d, kind, isRowid, fk, n, err := liteColumn(name, it)
			if err != nil {
				return "", nil, err
			}
			if liteInteger(it) {
				integer["("+quoteIdent(unquoteIdent(it[0].text))+")"] = len(defs)
			}
			defs = append(defs, d)
			kinds, cols, notes = append(kinds, kind), append(cols, unquoteIdent(it[0].text)), append(notes, n...)
			if isRowid {
				rowid = unquoteIdent(it[0].text)
			}
			if fk != "" {
				lt.deferred = append(lt.deferred, "ALTER TABLE "+tq+" ADD FOREIGN KEY ("+quoteIdent(unquoteIdent(it[0].text))+") "+fk)
			}
		}
	}
	if j, ok := integer[pk]; ok && rowid == "" {
		// PRIMARY KEY (c) of an INTEGER column: the rowid too.
		rowid = cols[j]
		defs[j] += " GENERATED BY DEFAULT AS IDENTITY"
		kinds[j] = liteRowid
	}
	if rowid != "" {
		rq := quoteIdent(rowid)
		lt.deferred = append(lt.deferred, "SELECT setval(pg_get_serial_sequence("+sqlString(tq)+", "+sqlString(rowid)+"), max("+rq+")) FROM "+tq)
	}
	for _, t := range ts[end:] {
		if !is(t, "WITHOUT", "ROWID", "STRICT") && t.text != "," {
			return "", nil, fmt.Errorf("table %s: %q after the columns is not translated", name, join(ts[end:]))
		}
	}
	lt.tables[name], lt.columns[name] = kinds, cols
	return head + tq + " (\n  " + strings.Join(defs, ",\n  ") + "\n)", notes, nil
}

// liteColumn translates one SQLite column definition; fk is its REFERENCES
// clause, translated, for later.
func liteColumn(table string, it []ddlToken) (def string, kind liteKind, rowid bool, fk string, notes []string, err error) {
	if !it[0].ident {
		return "", 0, false, "", nil, fmt.Errorf("table %s: cannot translate %q", table, join(it))
	}
	col := unquoteIdent(it[0].text)
	k := 1
	var decl []string
	for k < len(it) && it[k].ident && !is(it[k], "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS") {
		decl = append(decl, it[k].text)
		k = skipParens(it, k+1)
	}
	typ, kind := liteType(strings.Join(decl, " "))
	var b strings.Builder
	b.WriteString(quoteIdent(col) + " " + typ)
	for k < len(it) {
		t := it[k]
		switch {
		case is(t, "CONSTRAINT"):
			k += 2
		case is(t, "PRIMARY") && k+1 < len(it) && is(it[k+1], "KEY"):
			k += 2
			for k < len(it) && is(it[k], "ASC", "DESC", "AUTOINCREMENT") {
				k++
			}
			if liteInteger(it) {
				// The rowid: numbered by SQLite when NULL or left out.
				b.WriteString(" GENERATED BY DEFAULT AS IDENTITY")
				rowid, kind = true, liteRowid
			}
			b.WriteString(" PRIMARY KEY")
		case is(t, "NOT") && k+1 < len(it) && is(it[k+1], "NULL"):
			b.WriteString(" NOT NULL")
			k += 2
		case is(t, "NULL"):
			k++
		case is(t, "UNIQUE"):
			b.WriteString(" UNIQUE")
			k++
		case is(t, "ON") && k+2 < len(it) && is(it[k+1], "CONFLICT"):
			k += 3
		case is(t, "DEFAULT") && k+1 < len(it):
			v := it[k+1]
			e := k + 2
			switch {
			case v.text == "(":
				e = skipParens(it, k+1)
				notes = append(notes, "not translated: DEFAULT "+join(it[k+1:e])+" of "+table+"."+col)
			case v.text == "-" && k+2 < len(it):
				b.WriteString(" DEFAULT -" + it[k+2].text)
				e = k + 3
			case is(v, "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "NULL", "TRUE", "FALSE") || !v.ident:
				b.WriteString(" DEFAULT " + v.text)
			default:
				notes = append(notes, "not translated: DEFAULT "+v.text+" of "+table+"."+col)
			}
			k = e
		case is(t, "CHECK"):
			notes = append(notes, "not translated: CHECK of "+table+"."+col)
			k = skipParens(it, k+1)
		case is(t, "COLLATE") && k+1 < len(it):
			notes = append(notes, "not translated: COLLATE "+it[k+1].text+" of "+table+"."+col)
			k += 2
		case is(t, "REFERENCES"):
			ref, err := pgReferences(it[k:], &sqliteToPg{})
			if err != nil {
				return "", 0, false, "", nil, fmt.Errorf("table %s, column %s: %w", table, col, err)
			}
			fk = ref
			k = len(it)
		default:
			return "", 0, false, "", nil, fmt.Errorf("table %s, column %s: cannot translate %q", table, col, join(it[k:]))
		}
	}
	return b.String(), kind, rowid, fk, notes, nil
}

// liteInteger reports whether a column definition declares the type
// INTEGER, which makes a one-column primary key the rowid.
func liteInteger(it []ddlToken) bool {
	return len(it) > 1 && is(it[1], "INTEGER") && (len(it) == 2 || !it[2].ident || !is(it[2], "UNSIGNED", "VARYING")) && (len(it) < 3 || it[2].text != "(")
}

// liteRows converts the values of a SQLite dump's rows for PostgreSQL: a
// REAL of a NUMERIC column written as its double (the .dump prints 0.99
// as 0.98999999999999999111), NULL in a rowid column as DEFAULT, and the
// .dump's replace('…','\n',char(10)) folded into its string.
type liteRows struct {
	r     sqlparse.RowReader
	kinds []liteKind
	row   []sqlparse.Value
	buf   []byte
}

// NextRow implements sqlparse.RowReader.
func (lr *liteRows) NextRow() ([]sqlparse.Value, error) {
	row, err := lr.r.NextRow()
	if err != nil {
		return row, err
	}
	lr.row = append(lr.row[:0], row...)
	lr.buf = lr.buf[:0]
	for i, v := range lr.row {
		k := liteText
		if i < len(lr.kinds) {
			k = lr.kinds[i]
		}
		switch {
		case v.Kind == sqlparse.Null && k == liteRowid:
			lr.row[i] = sqlparse.Value{Kind: sqlparse.Default}
		case v.Kind == sqlparse.Number && k == liteNumeric:
			if f, err := strconv.ParseFloat(string(v.Raw), 64); err == nil {
				n := len(lr.buf)
				lr.buf = strconv.AppendFloat(lr.buf, f, 'g', -1, 64)
				lr.row[i].Raw = lr.buf[n:len(lr.buf):len(lr.buf)]
			}
		case v.Kind == sqlparse.Expr:
			if s, ok := foldReplace(lexDDL(v.Raw, true)); ok {
				n := len(lr.buf)
				lr.buf = append(lr.buf, s...)
				lr.row[i] = sqlparse.Value{Kind: sqlparse.String, Raw: lr.buf[n:len(lr.buf):len(lr.buf)]}
			}
		}
	}
	return lr.row, nil
}

// foldReplace evaluates the expressions of the sqlite3 shell's .dump for
// strings with line ends: a string, char(N, …), and replace(E, S, E)
// nested.
func foldReplace(ts []ddlToken) (string, bool) {
	s, n, ok := foldExpr(ts)
	return s, ok && n == len(ts)
}

func foldExpr(ts []ddlToken) (string, int, bool) {
	if len(ts) == 0 {
		return "", 0, false
	}
	if s, ok := pgString(ts[0]); ok && ts[0].text[0] == '\'' {
		return s, 1, true
	}
	if len(ts) < 3 || ts[1].text != "(" {
		return "", 0, false
	}
	end := skipParens(ts, 1)
	args := splitItems(ts[2 : end-1])
	switch {
	case is(ts[0], "char"):
		var b strings.Builder
		for _, a := range args {
			n, err := strconv.Atoi(join(a))
			if err != nil || len(a) != 1 {
				return "", 0, false
			}
			b.WriteRune(rune(n))
		}
		return b.String(), end, true
	case is(ts[0], "replace") && len(args) == 3:
		var v [3]string
		for i, a := range args {
			s, n, ok := foldExpr(a)
			if !ok || n != len(a) {
				return "", 0, false
			}
			v[i] = s
		}
		if v[1] == "" {
			return v[0], end, true
		}
		return strings.ReplaceAll(v[0], v[1], v[2]), end, true
	}
	return "", 0, false
}
