package sink

import (
	"context"
	"fmt"
	"strings"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// execMySQL applies a statement of a MySQL or MariaDB dump to SQLite: DDL
// translated (see mysqlTable), rows bound as for a SQLite dump, and what
// SQLite has no equivalent for skipped or noted by name, never dropped
// silently.
func (l *sqliteLoad) execMySQL(ctx context.Context, st *sqlparse.Statement) error {
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("client command")
	case sqlparse.Insert:
		if len(st.Trailer) > 0 {
			return fmt.Errorf("sink: sqlite: %q after the rows is not translated", st.Trailer)
		}
		head, err := mysqlInsertHead(st.Text)
		if err != nil {
			return err
		}
		conv, err := newRowConv(&l.s.Translation, l.tables[lastPart(st.Table)], st, l.cs, 1<<63-1)
		if err != nil {
			return err
		}
		conv.canonDates = true
		conv.keepWideDecimals()
		cst := *st
		cst.Rows = &convReader{r: st.Rows, c: conv}
		if err := l.insertWith(ctx, &cst, head); err != nil {
			return err
		}
		return conv.note()
	case sqlparse.Copy:
		return fmt.Errorf("sink: sqlite cannot load COPY data")
	}
	if err := l.drain(ctx); err != nil {
		return err
	}
	name := st.Name
	switch {
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Table:
		t, err := mysqlTable(st.Text, &l.s.Translation)
		if err != nil {
			return fmt.Errorf("sink: sqlite: %w", err)
		}
		if _, err := l.conn.ExecContext(ctx, t.create); err != nil {
			return fmt.Errorf("sink: sqlite: %w (translated as %q)", err, t.create)
		}
		for _, ix := range t.indexes {
			if _, err := l.conn.ExecContext(ctx, ix); err != nil {
				return fmt.Errorf("sink: sqlite: %w (translated as %q)", err, ix)
			}
		}
		if l.tables == nil {
			l.tables = map[string]*myTable{}
		}
		l.tables[t.model.Name] = t.model
		lost := make([]string, len(t.lost))
		for i, d := range t.lost {
			lost[i] = "not translated: " + d
		}
		return l.s.Translation.notes("sqlite", lost, t.info)
	case st.Verb == sqlparse.Drop && st.Object == sqlparse.Table, st.Verb == sqlparse.Truncate:
		if st.Verb == sqlparse.Truncate {
			_, err := l.conn.ExecContext(ctx, "DELETE FROM "+quoteIdent(lastPart(name)))
			return err
		}
		names, err := dropTableNames(st.Text)
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, err := l.conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(n)); err != nil {
				return err
			}
		}
		return nil
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Index:
		ix, err := mysqlIndex(st.Text)
		if err != nil {
			return l.s.Translation.skip("sqlite", "not translated to sqlite: index "+name+": "+err.Error())
		}
		if _, err := l.conn.ExecContext(ctx, ix); err != nil {
			return fmt.Errorf("sink: sqlite: %w (translated as %q)", err, ix)
		}
		return nil
	case st.Object == sqlparse.Database:
		return importer.Skip("the dump's databases are mapped onto the target file (USE, CREATE and DROP DATABASE)")
	case st.Verb == sqlparse.Alter && st.Object == sqlparse.Table && isKeysToggle(st.Text):
		return importer.Skip("ALTER TABLE … DISABLE/ENABLE KEYS (the sink builds indexes as it loads)")
	case st.Verb != sqlparse.NoVerb:
		what := st.Object.String()
		if what == "" {
			what = "statement"
		}
		return l.s.Translation.skip("sqlite", fmt.Sprintf("not translated to sqlite: %s %s %s", st.Verb, what, lastPart(name)))
	}
	if set, cs, err := mysqlCharset(st.Text); err != nil {
		return err
	} else if set {
		l.cs = cs
	}
	if err := mysqlClientStatement(st.Text); err != nil {
		return err
	}
	return fmt.Errorf("sink: sqlite: this MySQL statement is not translated: %.80q", st.Text)
}

// firstWord returns the first word of a statement, through conditional
// comment markers, in upper case.
func firstWord(text []byte) string {
	ts := lexMySQL(text[:min(len(text), 200)])
	if len(ts) == 0 || !ts[0].ident {
		return ""
	}
	return strings.ToUpper(ts[0].text)
}

// lastPart returns the last dot-separated part of a name: the sink's
// target is one database, so a MySQL database prefix is dropped.
func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// isKeysToggle reports whether an ALTER TABLE only disables or enables its
// keys.
func isKeysToggle(text []byte) bool {
	ts := lexMySQL(text)
	return len(ts) >= 2 && is(ts[len(ts)-1], "KEYS") && is(ts[len(ts)-2], "DISABLE", "ENABLE")
}

// dropTableNames returns the tables of a DROP TABLE statement.
func dropTableNames(text []byte) ([]string, error) {
	ts := lexMySQL(text)
	var names []string
	for i := 2; i < len(ts); i++ {
		switch t := ts[i]; {
		case is(t, "IF", "EXISTS", "TEMPORARY", "RESTRICT", "CASCADE"):
		case t.text == "," || t.text == ".":
		case t.ident:
			if i+1 < len(ts) && ts[i+1].text == "." {
				continue // a database prefix
			}
			names = append(names, unquoteIdent(t.text))
		default:
			return nil, fmt.Errorf("sink: sqlite: cannot translate %q", text)
		}
	}
	return names, nil
}

// mysqlInsertHead translates the head of an INSERT or REPLACE ("INSERT
// IGNORE INTO `db`.`t` (`a`) VALUES") for SQLite.
func mysqlInsertHead(text []byte) ([]byte, error) {
	ts := lexMySQL(text)
	verb := "INSERT INTO "
	i := 0
	for ; i < len(ts) && ts[i].ident && !(i > 0 && ts[i].text[0] == '`'); i++ {
		switch {
		case is(ts[i], "REPLACE"):
			verb = "REPLACE INTO "
		case is(ts[i], "IGNORE"):
			verb = "INSERT OR IGNORE INTO "
		case is(ts[i], "INSERT", "INTO", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"):
		default:
			goto name
		}
	}
name:
	if i >= len(ts) || !ts[i].ident {
		return nil, fmt.Errorf("sink: sqlite: cannot translate %q", text)
	}
	table := unquoteIdent(ts[i].text)
	i++
	if i+1 < len(ts) && ts[i].text == "." {
		table = unquoteIdent(ts[i+1].text)
		i += 2
	}
	rest := ts[i:]
	if n := len(rest); n == 0 || !is(rest[n-1], "VALUES", "VALUE") {
		return nil, fmt.Errorf("sink: sqlite: cannot translate %q", text)
	}
	cols := join(rest[:len(rest)-1])
	return []byte(verb + quoteIdent(table) + " " + cols + " VALUES"), nil
}

// convReader converts the rows of r as c says.
type convReader struct {
	r sqlparse.RowReader
	c *rowConv
}

// NextRow implements sqlparse.RowReader.
func (r *convReader) NextRow() ([]sqlparse.Value, error) {
	row, err := r.r.NextRow()
	if err != nil {
		return nil, err
	}
	return row, r.c.convert(row)
}
