package sink

import (
	"bytes"
	"fmt"
	"strings"
)

// Translation of MySQL and MariaDB DDL into SQLite's, for the SQLite sink.
//
// mysqlTable translates a CREATE TABLE statement: column types by family
// (integers to INTEGER, so that an AUTO_INCREMENT primary key becomes the
// rowid and numbers itself; DECIMAL and NUMERIC to NUMERIC; FLOAT, DOUBLE
// and REAL to REAL; the string, ENUM, SET, JSON and temporal types to TEXT;
// the binary, BLOB, BIT and spatial types to BLOB), NOT NULL, NULL,
// DEFAULT, PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY as written; plain
// KEY/INDEX definitions become CREATE INDEX statements run after the
// table. Engine, character set, collation, comment and row format options
// are dropped; ON UPDATE CURRENT_TIMESTAMP, FULLTEXT and SPATIAL indexes
// and generated columns are not translated and are reported by name.
// Conditional comments (/*!NNNNN …*/) are read as SQL, as the sink's
// parser reads the rows (every conditional comment runs).

// mysqlTableDDL is a CREATE TABLE translated for SQLite.
type mysqlTableDDL struct {
	create  string
	indexes []string
	// dropped lists what was not translated, each once, for the report:
	// "ON UPDATE CURRENT_TIMESTAMP of actor.last_update".
	dropped []string
}

// ddlToken is a token of MySQL DDL: a word, a quoted identifier (with its
// quotes), a string, a number or a punctuation byte.
type ddlToken struct {
	text  string
	ident bool // a word or a quoted identifier
}

// lexMySQL splits MySQL DDL into tokens. Conditional comment markers are
// dropped (their content stays), plain comments too.
func lexMySQL(b []byte) []ddlToken {
	var out []ddlToken
	cond := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			if i+2 < len(b) && (b[i+2] == '!' || b[i+2] == 'M') {
				j := i + 3
				if b[i+2] == 'M' && j < len(b) && b[j] == '!' {
					j++
				}
				for j < len(b) && b[j] >= '0' && b[j] <= '9' {
					j++
				}
				i, cond = j, cond+1
				continue
			}
			k := bytes.Index(b[i+2:], []byte("*/"))
			if k < 0 {
				return out
			}
			i += k + 4
		case c == '*' && cond > 0 && i+1 < len(b) && b[i+1] == '/':
			i, cond = i+2, cond-1
		case c == '#' || c == '-' && i+2 < len(b) && b[i+1] == '-' && (b[i+2] == ' ' || b[i+2] == '\t'):
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				return out
			}
			i += k + 1
		case c == '`' || c == '"' || c == '\'':
			j := i + 1
			for j < len(b) {
				if b[j] == '\\' && c == '\'' {
					j += 2
					continue
				}
				if b[j] == c {
					if j+1 < len(b) && b[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			j = min(j+1, len(b))
			out = append(out, ddlToken{text: string(b[i:j]), ident: c != '\''})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9':
			j := i
			for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' ||
				(b[j] == '+' || b[j] == '-') && (b[j-1] == 'e' || b[j-1] == 'E')) {
				j++
			}
			if j < len(b) && isWordByte(b[j]) { // an identifier that starts with digits
				for j < len(b) && isWordByte(b[j]) {
					j++
				}
				out = append(out, ddlToken{text: string(b[i:j]), ident: true})
			} else {
				out = append(out, ddlToken{text: string(b[i:j])})
			}
			i = j
		case isWordByte(c):
			j := i
			for j < len(b) && isWordByte(b[j]) {
				j++
			}
			out = append(out, ddlToken{text: string(b[i:j]), ident: true})
			i = j
		default:
			out = append(out, ddlToken{text: string(c)})
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// unquoteIdent returns an identifier token's name.
func unquoteIdent(t string) string {
	if len(t) >= 2 && (t[0] == '`' || t[0] == '"') {
		q := t[:1]
		return strings.ReplaceAll(t[1:len(t)-1], q+q, q)
	}
	return t
}

// join writes tokens back as SQL, one space between them except around
// punctuation; identifiers in backquotes become double-quoted.
func join(ts []ddlToken) string {
	var b strings.Builder
	for i, t := range ts {
		s := t.text
		if strings.HasPrefix(s, "`") {
			s = quoteIdent(unquoteIdent(s))
		}
		if i > 0 && !(s == "," || s == ")" || s == "." || ts[i-1].text == "(" || ts[i-1].text == ".") {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// splitItems splits the tokens between a table's parentheses at the commas
// outside nested parentheses, dropping empty items.
func splitItems(ts []ddlToken) [][]ddlToken {
	var items [][]ddlToken
	depth, start := 0, 0
	for i, t := range ts {
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				if i > start {
					items = append(items, ts[start:i])
				}
				start = i + 1
			}
		}
	}
	if start < len(ts) {
		items = append(items, ts[start:])
	}
	return items
}

func is(t ddlToken, words ...string) bool {
	for _, w := range words {
		if t.ident && strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

// sqliteType returns the SQLite type of a MySQL type name.
func sqliteType(name string) string {
	switch strings.ToUpper(name) {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "SERIAL", "BOOL", "BOOLEAN", "INT1", "INT2", "INT3", "INT4", "INT8":
		return "INTEGER"
	case "DECIMAL", "DEC", "NUMERIC", "FIXED":
		return "NUMERIC"
	case "FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8":
		return "REAL"
	case "BINARY", "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB", "BIT",
		"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		return "BLOB"
	case "CHAR", "VARCHAR", "NCHAR", "NVARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "JSON",
		"DATE", "DATETIME", "TIMESTAMP", "TIME", "YEAR", "UUID", "INET4", "INET6", "CHARACTER", "LONG":
		return "TEXT"
	}
	return ""
}

// skipParens returns the index after the parenthesised group at ts[i], or
// i if ts[i] is not "(".
func skipParens(ts []ddlToken, i int) int {
	if i >= len(ts) || ts[i].text != "(" {
		return i
	}
	depth := 0
	for j := i; j < len(ts); j++ {
		switch ts[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(ts)
}

// keyColumns returns the column list at ts[i] ("(a(10), b DESC)") without
// MySQL's prefix lengths, and the index after it.
func keyColumns(ts []ddlToken, i int) (string, int) {
	end := skipParens(ts, i)
	if end == i {
		return "", i
	}
	var cols []ddlToken
	for j := i; j < end; j++ {
		if ts[j].text == "(" && j > i && j+2 < end && ts[j+2].text == ")" {
			j += 2 // a prefix length
			continue
		}
		cols = append(cols, ts[j])
	}
	return join(cols), end
}

// keyColumnsAfter returns the column list of the first parenthesised group
// at or after ts[i] (a key definition's, after its name and type), as
// keyColumns does.
func keyColumnsAfter(ts []ddlToken, i int) string {
	for i < len(ts) && ts[i].text != "(" {
		i++
	}
	cols, _ := keyColumns(ts, i)
	return cols
}

// mysqlTable translates the CREATE TABLE statement text.
func mysqlTable(text []byte) (*mysqlTableDDL, error) {
	ts := lexMySQL(text)
	i := 0
	for i < len(ts) && ts[i].text != "(" {
		i++
	}
	head := ts[:i]
	if len(head) < 3 || !is(head[0], "CREATE") {
		return nil, fmt.Errorf("not a CREATE TABLE: %.60q", text)
	}
	create := "CREATE TABLE "
	for _, t := range head[1:] {
		switch {
		case is(t, "TEMPORARY"):
			create = "CREATE TEMPORARY TABLE "
		case is(t, "OR"), is(t, "REPLACE"):
			// CREATE OR REPLACE TABLE (MariaDB): the sink's target is new or
			// replaced anyway; the DROP TABLE before it is in the dump.
		case is(t, "EXISTS"):
			create += "IF NOT EXISTS "
		}
	}
	table := unquoteIdent(head[len(head)-1].text) // the database prefix is dropped
	if i >= len(ts) {
		return nil, fmt.Errorf("CREATE TABLE %s without columns (CREATE TABLE … LIKE or AS SELECT are not translated)", table)
	}
	end := skipParens(ts, i)
	if end < i+2 || ts[end-1].text != ")" {
		return nil, fmt.Errorf("CREATE TABLE %s: unbalanced parentheses", table)
	}
	out := &mysqlTableDDL{}
	var defs []string
	for _, it := range splitItems(ts[i+1 : end-1]) {
		switch {
		case is(it[0], "PRIMARY"):
			defs = append(defs, "PRIMARY KEY "+keyColumnsAfter(it, 1))
		case is(it[0], "UNIQUE"):
			defs = append(defs, "UNIQUE "+keyColumnsAfter(it, 1))
		case is(it[0], "KEY", "INDEX"):
			name := ""
			k := 1
			if k < len(it) && it[k].ident && !is(it[k], "USING") {
				name = unquoteIdent(it[k].text)
				k++
			}
			cols := keyColumnsAfter(it, k)
			if name == "" {
				name = fmt.Sprintf("idx%d", len(out.indexes)+1)
			}
			// SQLite's index names share one namespace with tables: MySQL's
			// are per table.
			out.indexes = append(out.indexes, "CREATE INDEX "+quoteIdent("ix_"+table+"_"+name)+" ON "+quoteIdent(table)+" "+cols)
		case is(it[0], "FULLTEXT", "SPATIAL"):
			out.dropped = append(out.dropped, strings.ToUpper(it[0].text)+" index of "+table)
		case is(it[0], "CONSTRAINT", "FOREIGN", "CHECK"):
			defs = append(defs, join(unqualify(it)))
		default:
			d, dropped, err := mysqlColumn(table, it)
			if err != nil {
				return nil, err
			}
			defs = append(defs, d)
			out.dropped = append(out.dropped, dropped...)
		}
	}
	out.create = create + quoteIdent(table) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
	return out, nil
}

// mysqlColumn translates one column definition.
func mysqlColumn(table string, it []ddlToken) (string, []string, error) {
	if len(it) < 2 || !it[0].ident {
		return "", nil, fmt.Errorf("table %s: cannot translate %q", table, join(it))
	}
	col := unquoteIdent(it[0].text)
	typ := sqliteType(it[1].text)
	if typ == "" {
		return "", nil, fmt.Errorf("table %s, column %s: type %s is not translated", table, col, it[1].text)
	}
	var b strings.Builder
	b.WriteString(quoteIdent(col) + " " + typ)
	var dropped []string
	for k := skipParens(it, 2); k < len(it); {
		t := it[k]
		switch {
		case is(t, "UNSIGNED", "SIGNED", "ZEROFILL", "AUTO_INCREMENT", "BINARY", "ASCII", "UNICODE", "INVISIBLE", "VISIBLE"):
			k++
		case is(t, "NOT") && k+1 < len(it) && is(it[k+1], "NULL"):
			b.WriteString(" NOT NULL")
			k += 2
		case is(t, "NULL"):
			b.WriteString(" NULL")
			k++
		case is(t, "PRIMARY") || is(t, "UNIQUE"):
			b.WriteString(" " + strings.ToUpper(t.text))
			k++
			if k < len(it) && is(it[k], "KEY") {
				if is(t, "PRIMARY") {
					b.WriteString(" KEY")
				}
				k++
			}
		case is(t, "KEY"):
			b.WriteString(" PRIMARY KEY")
			k++
		case is(t, "DEFAULT"):
			k++
			if k >= len(it) {
				break
			}
			switch v := it[k]; {
			case is(v, "CURRENT_TIMESTAMP", "NOW", "LOCALTIME", "LOCALTIMESTAMP"):
				b.WriteString(" DEFAULT CURRENT_TIMESTAMP")
				k = skipParens(it, k+1)
			case v.text == "(":
				e := skipParens(it, k)
				b.WriteString(" DEFAULT " + join(it[k:e]))
				k = e
			case v.text == "-" && k+1 < len(it):
				b.WriteString(" DEFAULT -" + it[k+1].text)
				k += 2
			case is(v, "b") && k+1 < len(it) && strings.HasPrefix(it[k+1].text, "'"):
				b.WriteString(" DEFAULT " + bitDefault(it[k+1].text))
				k += 2
			default:
				b.WriteString(" DEFAULT " + v.text)
				k++
			}
		case is(t, "ON") && k+1 < len(it) && is(it[k+1], "UPDATE"):
			dropped = append(dropped, "ON UPDATE CURRENT_TIMESTAMP of "+table+"."+col)
			k = skipParens(it, k+3)
		case is(t, "CHARACTER") && k+1 < len(it) && is(it[k+1], "SET"):
			k += 3
		case is(t, "CHARSET", "COLLATE", "COMMENT", "SRID", "COLUMN_FORMAT", "STORAGE"):
			k += 2
		case is(t, "CHECK"):
			e := skipParens(it, k+1)
			b.WriteString(" " + join(it[k:e]))
			k = e
		case is(t, "GENERATED", "AS"):
			return "", nil, fmt.Errorf("table %s, column %s: generated columns are not translated", table, col)
		case is(t, "REFERENCES"):
			b.WriteString(" " + join(unqualify(it[k:])))
			k = len(it)
		default:
			return "", nil, fmt.Errorf("table %s, column %s: cannot translate %q", table, col, join(it[k:]))
		}
	}
	return b.String(), dropped, nil
}

// unqualify drops the database prefix of qualified names ("db"."t"): the
// sink's target is one database.
func unqualify(ts []ddlToken) []ddlToken {
	var out []ddlToken
	for i := 0; i < len(ts); i++ {
		if ts[i].ident && i+2 < len(ts) && ts[i+1].text == "." && ts[i+2].ident {
			continue // the prefix; the "." is dropped next
		}
		if ts[i].text == "." && i > 0 && ts[i-1].ident && i+1 < len(ts) && ts[i+1].ident {
			continue
		}
		out = append(out, ts[i])
	}
	return out
}

// mysqlIndex translates CREATE [UNIQUE] INDEX name [USING …] ON t (cols).
func mysqlIndex(text []byte) (string, error) {
	ts := lexMySQL(text)
	create := "CREATE INDEX "
	i := 1
	for ; i < len(ts) && !is(ts[i], "INDEX"); i++ {
		switch {
		case is(ts[i], "UNIQUE"):
			create = "CREATE UNIQUE INDEX "
		case is(ts[i], "FULLTEXT", "SPATIAL"):
			return "", fmt.Errorf("%s indexes are not translated", strings.ToUpper(ts[i].text))
		}
	}
	i++
	if i >= len(ts) || !ts[i].ident {
		return "", fmt.Errorf("cannot translate %.80q", text)
	}
	name := unquoteIdent(ts[i].text)
	for i < len(ts) && !is(ts[i], "ON") {
		i++
	}
	i++
	if i >= len(ts) {
		return "", fmt.Errorf("cannot translate %.80q", text)
	}
	table := unquoteIdent(ts[i].text)
	i++
	if i+1 < len(ts) && ts[i].text == "." {
		table = unquoteIdent(ts[i+1].text)
		i += 2
	}
	cols, _ := keyColumns(ts, i)
	if cols == "" {
		return "", fmt.Errorf("cannot translate %.80q", text)
	}
	return create + quoteIdent(name) + " ON " + quoteIdent(table) + " " + cols, nil
}

// bitDefault turns a b'0101' literal into its integer.
func bitDefault(s string) string {
	n := 0
	for _, c := range strings.Trim(s, "'") {
		n = n<<1 | int(c-'0')
	}
	return fmt.Sprint(n)
}
