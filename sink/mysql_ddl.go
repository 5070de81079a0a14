package sink

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A dialect-neutral model of MySQL and MariaDB DDL, parsed once from a
// CREATE TABLE statement and rendered for SQLite (mysql_sqlite.go) and for
// PostgreSQL (mysql_postgres.go). Names are kept exactly as the dump spells
// them; the database prefix of qualified names is dropped, since a sink
// loads into one database. Conditional comments (/*!NNNNN …*/) are read as
// SQL, as the sinks' parser reads the rows (every conditional comment runs).

// myTable is a CREATE TABLE statement.
type myTable struct {
	Name        string
	Temporary   bool
	IfNotExists bool
	Columns     []*myColumn
	Keys        []myKey     // PRIMARY KEY, UNIQUE, KEY/INDEX, FULLTEXT, SPATIAL
	Foreign     []myForeign // FOREIGN KEY constraints
	Checks      []myCheck
	// Options are the table options after the parenthesis (ENGINE=InnoDB,
	// AUTO_INCREMENT=17, DEFAULT CHARSET=utf8mb4), by upper-cased name
	// (CHARSET for DEFAULT CHARSET and CHARACTER SET).
	Options []myOption
}

// myOption is a table option.
type myOption struct{ Name, Value string }

// myColumn is a column definition.
type myColumn struct {
	Name     string
	Type     string   // upper case: INT, VARCHAR, ENUM, …
	Args     []string // the type's arguments as written: "10", "2", "'a'"
	Unsigned bool
	Zerofill bool
	NotNull  bool
	// Default is the DEFAULT clause's expression, nil when there is none:
	// one literal token, a signed number, NULL, CURRENT_TIMESTAMP with its
	// parentheses, b'…'/x'…', or a parenthesised expression.
	Default       []ddlToken
	AutoIncrement bool
	OnUpdate      string     // ON UPDATE's expression ("current_timestamp()"), if any
	Generated     []ddlToken // GENERATED ALWAYS AS (…) / AS (…): the expression with its parentheses
	Stored        bool       // a STORED or PERSISTENT generated column
	Charset       string
	Collation     string
	Comment       string // the literal as written, quotes included
	PrimaryKey    bool   // an inline PRIMARY KEY (or KEY)
	Unique        bool   // an inline UNIQUE [KEY]
	Check         []ddlToken
	References    *myForeign // an inline REFERENCES
	Table         string     // the table's name
	// Target is the column's type in the target, when it was read from
	// the target rather than from the dump.
	Target string
}

// myKey is an index or key definition.
type myKey struct {
	Kind  string // PRIMARY, UNIQUE, INDEX, FULLTEXT or SPATIAL
	Name  string // empty when the dump names none; a PRIMARY key's CONSTRAINT name
	Parts []myKeyPart
}

// myKeyPart is a column of a key, with its prefix length (0 for none).
type myKeyPart struct {
	Column string
	Prefix int
	Desc   bool
	Expr   []ddlToken // a functional key part ((expr)), instead of Column
}

// myForeign is a FOREIGN KEY constraint.
type myForeign struct {
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	// Actions holds ON DELETE/ON UPDATE/MATCH clauses, upper-cased words
	// ("ON DELETE CASCADE").
	Actions []string
}

// myCheck is a CHECK constraint.
type myCheck struct {
	Name string
	Expr []ddlToken // with its parentheses
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
			j := numberEnd(b, i)
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

// numberEnd returns the end of the number that starts at b[i]: digits,
// a point and an exponent with its sign.
func numberEnd(b []byte, i int) int {
	j := i
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' ||
		(b[j] == '+' || b[j] == '-') && (b[j-1] == 'e' || b[j-1] == 'E')) {
		j++
	}
	return j
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

// unquoteString decodes a MySQL string literal: quotes removed, doubled
// quotes and backslash escapes decoded.
func unquoteString(t string) string {
	if len(t) < 2 || t[0] != '\'' {
		return t
	}
	body := t[1 : len(t)-1]
	if !strings.ContainsAny(body, `\'`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\'' && i+1 < len(body) && body[i+1] == '\'':
			i++
		case c == '\\' && i+1 < len(body):
			i++
			switch body[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '0':
				c = 0
			case 'Z':
				c = 26
			case 'b':
				c = 8
			default:
				c = body[i]
			}
		}
		b.WriteByte(c)
	}
	return b.String()
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

// skipParens returns the index after the parenthesised group at ts[i], or
// i if ts[i] is not "(" (len(ts) for a group that is not closed).
func skipParens(ts []ddlToken, i int) int {
	end, _ := closeParens(ts, i)
	return end
}

// closeParens returns the index after the parenthesised group at ts[i] and
// whether its closing parenthesis is there: i and false if ts[i] is not
// "(", len(ts) and false for a group that is not closed.
func closeParens(ts []ddlToken, i int) (int, bool) {
	if i >= len(ts) || ts[i].text != "(" {
		return i, false
	}
	depth := 0
	for j := i; j < len(ts); j++ {
		switch ts[j].text {
		case "(":
			depth++
		case ")":
			if depth--; depth == 0 {
				return j + 1, true
			}
		}
	}
	return len(ts), false
}

// parseKeyParts reads the key part list at ts[i] ("(a(10), b DESC)").
func parseKeyParts(ts []ddlToken, i int) ([]myKeyPart, int) {
	for i < len(ts) && ts[i].text != "(" {
		i++
	}
	end, ok := closeParens(ts, i)
	if !ok {
		return nil, i
	}
	var parts []myKeyPart
	for _, it := range splitItems(ts[i+1 : end-1]) {
		var p myKeyPart
		if it[0].text == "(" {
			e := skipParens(it, 0)
			p.Expr = it[:e]
			it = it[e:]
		} else {
			p.Column = unquoteIdent(it[0].text)
			it = it[1:]
		}
		if len(it) >= 3 && it[0].text == "(" {
			p.Prefix, _ = strconv.Atoi(it[1].text)
			it = it[3:]
		}
		if len(it) > 0 && is(it[0], "DESC") {
			p.Desc = true
		}
		parts = append(parts, p)
	}
	return parts, end
}

// identList reads a parenthesised list of names at or after ts[i].
func identList(ts []ddlToken, i int) ([]string, int) {
	parts, end := parseKeyParts(ts, i)
	names := make([]string, len(parts))
	for k, p := range parts {
		names[k] = p.Column
	}
	return names, end
}

// parseMySQLTable parses a CREATE TABLE statement.
func parseMySQLTable(text []byte) (*myTable, error) {
	ts := lexMySQL(text)
	i := 0
	for i < len(ts) && ts[i].text != "(" && !is(ts[i], "LIKE", "AS", "SELECT") {
		i++
	}
	head := ts[:i]
	if len(head) < 3 || !is(head[0], "CREATE") {
		return nil, fmt.Errorf("not a CREATE TABLE: %.60q", text)
	}
	t := &myTable{Name: unquoteIdent(head[len(head)-1].text)}
	for _, w := range head[1:] {
		switch {
		case is(w, "TEMPORARY"):
			t.Temporary = true
		case is(w, "EXISTS"):
			t.IfNotExists = true
		}
	}
	if i >= len(ts) || ts[i].text != "(" {
		return nil, fmt.Errorf("CREATE TABLE %s without columns (CREATE TABLE … LIKE or AS SELECT are not translated)", t.Name)
	}
	end, ok := closeParens(ts, i)
	if !ok {
		return nil, fmt.Errorf("CREATE TABLE %s: unbalanced parentheses", t.Name)
	}
	for _, it := range splitItems(ts[i+1 : end-1]) {
		if err := t.item(it); err != nil {
			return nil, err
		}
	}
	t.options(ts[end:])
	return t, nil
}

// item parses one definition between the table's parentheses.
func (t *myTable) item(it []ddlToken) error {
	name := ""
	if is(it[0], "CONSTRAINT") {
		k := 1
		if k < len(it) && it[k].ident && !is(it[k], "PRIMARY", "UNIQUE", "FOREIGN", "CHECK") {
			name = unquoteIdent(it[k].text)
			k++
		}
		it = it[k:]
		if len(it) == 0 {
			return fmt.Errorf("table %s: CONSTRAINT %s without a definition", t.Name, name)
		}
	}
	switch {
	case is(it[0], "PRIMARY"):
		parts, _ := parseKeyParts(it, 1)
		t.Keys = append(t.Keys, myKey{Kind: "PRIMARY", Name: name, Parts: parts})
	case is(it[0], "UNIQUE", "KEY", "INDEX", "FULLTEXT", "SPATIAL"):
		kind := strings.ToUpper(it[0].text)
		if kind == "KEY" {
			kind = "INDEX"
		}
		k := 1
		if k < len(it) && is(it[k], "KEY", "INDEX") {
			k++
		}
		if k < len(it) && it[k].ident && !is(it[k], "USING") {
			name = unquoteIdent(it[k].text)
			k++
		}
		parts, _ := parseKeyParts(it, k)
		t.Keys = append(t.Keys, myKey{Kind: kind, Name: name, Parts: parts})
	case is(it[0], "FOREIGN"):
		f, err := parseForeign(it, 1)
		if err != nil {
			return fmt.Errorf("table %s: %w", t.Name, err)
		}
		f.Name = name
		t.Foreign = append(t.Foreign, *f)
	case is(it[0], "CHECK"):
		t.Checks = append(t.Checks, myCheck{Name: name, Expr: it[1:skipParens(it, 1)]})
	default:
		c, err := t.column(it)
		if err != nil {
			return err
		}
		t.Columns = append(t.Columns, c)
	}
	return nil
}

// parseForeign reads "[name] (cols) REFERENCES t (cols) actions" at ts[i].
func parseForeign(ts []ddlToken, i int) (*myForeign, error) {
	f := &myForeign{}
	if i < len(ts) && is(ts[i], "KEY") {
		i++
	}
	if i < len(ts) && ts[i].ident {
		i++ // an index name, which PostgreSQL and SQLite have no use for
	}
	if i < len(ts) && ts[i].text == "(" {
		f.Columns, i = identList(ts, i)
	}
	if i >= len(ts) || !is(ts[i], "REFERENCES") {
		return nil, fmt.Errorf("cannot translate foreign key %q", join(ts))
	}
	i++
	return f, f.references(ts, i)
}

// references reads "t (cols) actions" at ts[i].
func (f *myForeign) references(ts []ddlToken, i int) error {
	if i >= len(ts) || !ts[i].ident {
		return fmt.Errorf("cannot translate REFERENCES %q", join(ts[i:]))
	}
	f.RefTable = unquoteIdent(ts[i].text)
	i++
	if i+1 < len(ts) && ts[i].text == "." {
		f.RefTable = unquoteIdent(ts[i+1].text)
		i += 2
	}
	f.RefColumns, i = identList(ts, i)
	var words []string
	for ; i < len(ts); i++ {
		if is(ts[i], "ON", "MATCH") && len(words) > 0 {
			f.Actions = append(f.Actions, strings.Join(words, " "))
			words = nil
		}
		words = append(words, strings.ToUpper(ts[i].text))
	}
	if len(words) > 0 {
		f.Actions = append(f.Actions, strings.Join(words, " "))
	}
	return nil
}

// column parses a column definition.
func (t *myTable) column(it []ddlToken) (*myColumn, error) {
	if len(it) < 2 || !it[0].ident {
		return nil, fmt.Errorf("table %s: cannot translate %q", t.Name, join(it))
	}
	c := &myColumn{Name: unquoteIdent(it[0].text), Type: strings.ToUpper(it[1].text), Table: t.Name}
	k := 2
	if k < len(it) && it[k].text == "(" {
		e := skipParens(it, k)
		for _, a := range splitItems(it[k+1 : e-1]) {
			c.Args = append(c.Args, a[0].text)
		}
		k = e
	}
	// Type words of two tokens: DOUBLE PRECISION, CHARACTER VARYING,
	// NATIONAL CHAR, LONG VARCHAR.
	for k < len(it) && is(it[k], "PRECISION", "VARYING", "VARCHAR", "VARBINARY") && len(c.Args) == 0 {
		c.Type += " " + strings.ToUpper(it[k].text)
		k++
		if k < len(it) && it[k].text == "(" {
			e := skipParens(it, k)
			for _, a := range splitItems(it[k+1 : e-1]) {
				c.Args = append(c.Args, a[0].text)
			}
			k = e
		}
	}
	for k < len(it) {
		w := it[k]
		switch {
		case is(w, "UNSIGNED"):
			c.Unsigned = true
			k++
		case is(w, "ZEROFILL"):
			c.Zerofill, c.Unsigned = true, true
			k++
		case is(w, "SIGNED", "BINARY", "ASCII", "UNICODE", "INVISIBLE", "VISIBLE", "BYTE"):
			k++
		case is(w, "AUTO_INCREMENT"):
			c.AutoIncrement = true
			k++
		case is(w, "NOT") && k+1 < len(it) && is(it[k+1], "NULL"):
			c.NotNull = true
			k += 2
		case is(w, "NULL"):
			k++
		case is(w, "PRIMARY", "KEY"):
			c.PrimaryKey = true
			k++
			if k < len(it) && is(it[k], "KEY") {
				k++
			}
		case is(w, "UNIQUE"):
			c.Unique = true
			k++
			if k < len(it) && is(it[k], "KEY") {
				k++
			}
		case is(w, "DEFAULT"):
			k++
			if k >= len(it) {
				return nil, fmt.Errorf("table %s, column %s: DEFAULT without a value", t.Name, c.Name)
			}
			e := k + 1
			switch v := it[k]; {
			case v.text == "(":
				e = skipParens(it, k)
			case v.text == "-" || v.text == "+":
				e = k + 2
			case (is(v, "b", "x", "_binary") || strings.HasPrefix(v.text, "_")) && k+1 < len(it) && strings.HasPrefix(it[k+1].text, "'"):
				e = k + 2
			case v.ident:
				e = skipParens(it, k+1) // CURRENT_TIMESTAMP(6), current_timestamp()
			}
			c.Default = it[k:min(e, len(it))]
			k = e
		case is(w, "ON") && k+1 < len(it) && is(it[k+1], "UPDATE"):
			e := skipParens(it, k+3)
			c.OnUpdate = join(it[k+2 : min(e, len(it))])
			k = e
		case is(w, "CHARACTER") && k+1 < len(it) && is(it[k+1], "SET") && k+2 < len(it):
			c.Charset = strings.Trim(it[k+2].text, "'\"`")
			k += 3
		case is(w, "CHARSET") && k+1 < len(it):
			c.Charset = strings.Trim(it[k+1].text, "'\"`")
			k += 2
		case is(w, "COLLATE") && k+1 < len(it):
			c.Collation = strings.Trim(it[k+1].text, "'\"`")
			k += 2
		case is(w, "COMMENT") && k+1 < len(it):
			c.Comment = it[k+1].text
			k += 2
		case is(w, "SRID", "COLUMN_FORMAT", "STORAGE", "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE") && k+1 < len(it):
			k += 2
		case is(w, "CHECK"):
			e := skipParens(it, k+1)
			c.Check = it[k+1 : e]
			k = e
		case is(w, "CONSTRAINT") && k+1 < len(it):
			k += 2 // the name of an inline CHECK
		case is(w, "GENERATED") && k+2 < len(it) && is(it[k+1], "ALWAYS") && is(it[k+2], "AS"):
			k += 2
		case is(w, "AS") && k+1 < len(it) && it[k+1].text == "(":
			e := skipParens(it, k+1)
			c.Generated = it[k+1 : e]
			k = e
		case is(w, "VIRTUAL"):
			k++
		case is(w, "STORED", "PERSISTENT"):
			c.Stored = true
			k++
		case is(w, "REFERENCES"):
			f := &myForeign{Columns: []string{c.Name}}
			if err := f.references(it, k+1); err != nil {
				return nil, fmt.Errorf("table %s, column %s: %w", t.Name, c.Name, err)
			}
			c.References = f
			k = len(it)
		default:
			return nil, fmt.Errorf("table %s, column %s: cannot translate %q", t.Name, c.Name, join(it[k:]))
		}
	}
	return c, nil
}

// options reads the table options after the closing parenthesis.
func (t *myTable) options(ts []ddlToken) {
	for i := 0; i < len(ts); i++ {
		w := ts[i]
		if !w.ident || is(w, "DEFAULT") {
			continue
		}
		name := strings.ToUpper(w.text)
		if name == "CHARACTER" && i+1 < len(ts) && is(ts[i+1], "SET") {
			name = "CHARSET"
			i++
		}
		if i+1 < len(ts) && ts[i+1].text == "=" {
			i++
		}
		if i+1 < len(ts) {
			i++
			t.Options = append(t.Options, myOption{Name: name, Value: strings.Trim(ts[i].text, "'\"`")})
		}
		if name == "PARTITION" {
			return // PARTITION BY …: reported by name, not read further
		}
	}
}

// option returns the value of the table option name.
func (t *myTable) option(name string) string {
	for _, o := range t.Options {
		if o.Name == name {
			return o.Value
		}
	}
	return ""
}

// column returns the column named name.
func (t *myTable) col(name string) *myColumn {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// family classifies a column's type.
type family uint8

const (
	famUnknown family = iota
	famInt
	famDecimal
	famFloat
	famString
	famBinary
	famDate
	famDateTime
	famTime
	famYear
	famBit
	famJSON
	famEnum
	famSet
	famSpatial
	famUUID
	famInet
)

// family returns the column's type family.
func (c *myColumn) family() family {
	switch c.Type {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "SERIAL", "BOOL", "BOOLEAN", "INT1", "INT2", "INT3", "INT4", "INT8", "MIDDLEINT":
		return famInt
	case "DECIMAL", "DEC", "NUMERIC", "FIXED":
		return famDecimal
	case "FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION":
		return famFloat
	case "BINARY", "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB", "LONG VARBINARY":
		return famBinary
	case "CHAR", "VARCHAR", "NCHAR", "NVARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "CHARACTER", "LONG", "LONG VARCHAR",
		"CHARACTER VARYING", "CHAR VARYING", "NATIONAL", "VARCHAR2", "CLOB":
		return famString
	case "DATE":
		return famDate
	case "DATETIME", "TIMESTAMP":
		return famDateTime
	case "TIME":
		return famTime
	case "YEAR":
		return famYear
	case "BIT":
		return famBit
	case "JSON":
		return famJSON
	case "ENUM":
		return famEnum
	case "SET":
		return famSet
	case "GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		return famSpatial
	case "UUID":
		return famUUID
	case "INET4", "INET6":
		return famInet
	}
	return famUnknown
}

// isBinary reports whether the column holds bytes rather than text: the
// binary types, and strings of the binary character set.
func (c *myColumn) isBinary() bool {
	f := c.family()
	return f == famBinary || f == famSpatial || f == famString && strings.EqualFold(c.Charset, "binary")
}

// boolLike reports whether the column is tinyint(1), BOOL or BOOLEAN,
// which MySQL uses for booleans.
func (c *myColumn) boolLike() bool {
	return c.Type == "BOOL" || c.Type == "BOOLEAN" || (c.Type == "TINYINT" || c.Type == "INT1") && len(c.Args) == 1 && c.Args[0] == "1" && !c.Unsigned
}

// intRange returns the range of an integer column as MySQL has it.
func (c *myColumn) intRange() (lo int64, hi uint64) {
	bits := 32
	switch c.Type {
	case "TINYINT", "INT1", "BOOL", "BOOLEAN":
		bits = 8
	case "SMALLINT", "INT2":
		bits = 16
	case "MEDIUMINT", "INT3", "MIDDLEINT":
		bits = 24
	case "BIGINT", "INT8", "SERIAL":
		bits = 64
	}
	if c.Unsigned || c.Type == "SERIAL" {
		if bits == 64 {
			return 0, ^uint64(0)
		}
		return 0, 1<<bits - 1
	}
	return -1 << (bits - 1), 1<<(bits-1) - 1
}

// parseMySQLIndex parses CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX name ON t (cols).
func parseMySQLIndex(text []byte) (table string, k myKey, err error) {
	ts := lexMySQL(text)
	k.Kind = "INDEX"
	i := 1
	for ; i < len(ts) && !is(ts[i], "INDEX"); i++ {
		if is(ts[i], "UNIQUE", "FULLTEXT", "SPATIAL") {
			k.Kind = strings.ToUpper(ts[i].text)
		}
	}
	i++
	if i >= len(ts) || !ts[i].ident {
		return "", k, fmt.Errorf("cannot translate %.80q", text)
	}
	k.Name = unquoteIdent(ts[i].text)
	for i < len(ts) && !is(ts[i], "ON") {
		i++
	}
	i++
	if i >= len(ts) {
		return "", k, fmt.Errorf("cannot translate %.80q", text)
	}
	table = unquoteIdent(ts[i].text)
	i++
	if i+1 < len(ts) && ts[i].text == "." {
		table = unquoteIdent(ts[i+1].text)
		i += 2
	}
	if k.Parts, _ = parseKeyParts(ts, i); len(k.Parts) == 0 {
		return "", k, fmt.Errorf("cannot translate %.80q", text)
	}
	return table, k, nil
}

// mysqlView is a CREATE VIEW statement: its name and its SELECT, with the
// ALGORITHM, DEFINER and SQL SECURITY clauses dropped.
type mysqlView struct {
	Name   string
	Select []ddlToken
	Check  bool // WITH CHECK OPTION
}

// parseMySQLView parses a CREATE [OR REPLACE] [ALGORITHM=…] [DEFINER=…]
// [SQL SECURITY …] VIEW name [(cols)] AS SELECT … statement.
func parseMySQLView(text []byte) (*mysqlView, []string, error) {
	ts := lexMySQL(text)
	i := 0
	for i < len(ts) && !is(ts[i], "VIEW") {
		i++
	}
	i++
	if i >= len(ts) {
		return nil, nil, fmt.Errorf("cannot translate %.80q", text)
	}
	v := &mysqlView{Name: unquoteIdent(ts[i].text)}
	i++
	if i+1 < len(ts) && ts[i].text == "." {
		v.Name = unquoteIdent(ts[i+1].text)
		i += 2
	}
	var cols []string
	if i < len(ts) && ts[i].text == "(" {
		cols, i = identList(ts, i)
	}
	if i >= len(ts) || !is(ts[i], "AS") {
		return nil, nil, fmt.Errorf("view %s: cannot translate %.80q", v.Name, text)
	}
	sel := ts[i+1:]
	if n := len(sel); n >= 3 && is(sel[n-1], "OPTION") && is(sel[n-2], "CHECK") {
		v.Check = true
		sel = sel[:n-3]
		if n := len(sel); n > 0 && is(sel[n-1], "CASCADED", "LOCAL") {
			sel = sel[:n-1]
		}
	}
	v.Select = sel
	return v, cols, nil
}

// hasZeroDateDefault reports whether a DATE, DATETIME or TIMESTAMP column
// defaults to a zero date.
func (c *myColumn) hasZeroDateDefault() bool {
	f := c.family()
	return (f == famDate || f == famDateTime) && len(c.Default) == 1 && isZeroDate([]byte(unquoteString(c.Default[0].text)))
}

// createHead returns "CREATE [TEMPORARY] TABLE [IF NOT EXISTS] ".
func (t *myTable) createHead() string {
	switch {
	case t.Temporary:
		return "CREATE TEMPORARY TABLE "
	case t.IfNotExists:
		return "CREATE TABLE IF NOT EXISTS "
	}
	return "CREATE TABLE "
}
