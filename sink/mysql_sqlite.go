package sink

import (
	"fmt"
	"strconv"
	"strings"
)

// Rendering of MySQL and MariaDB DDL (parsed into the model of
// mysql_ddl.go) for the SQLite sink.
//
// Column types by family: integers to INTEGER, so that an AUTO_INCREMENT
// primary key becomes the rowid and numbers itself; DECIMAL and NUMERIC to
// NUMERIC, or TEXT (the digits as written) when wider than 15 digits; FLOAT, DOUBLE and REAL to REAL; the string, ENUM, SET, JSON and
// temporal types to TEXT; the binary, BLOB, BIT and spatial types to BLOB.
// NOT NULL, DEFAULT, PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY are kept;
// plain KEY/INDEX definitions become CREATE INDEX statements run after the
// table (named ix_TABLE_NAME: SQLite's index names share one namespace).
// Engine, character set, collation, comment and row format options are
// dropped and reported once per kind; ON UPDATE CURRENT_TIMESTAMP,
// FULLTEXT and SPATIAL indexes, prefix lengths and generated columns are
// not translated and are reported by name.

// mysqlTableDDL is a CREATE TABLE translated for SQLite.
type mysqlTableDDL struct {
	model   *myTable
	create  string
	indexes []string
	// lost lists what was not translated, for the report: "ON UPDATE
	// CURRENT_TIMESTAMP of actor.last_update"; info what was dropped
	// without loss ("ENGINE table option").
	lost, info []string
}

// sqliteType returns the SQLite type of a MySQL column.
func sqliteType(c *myColumn) string {
	switch c.family() {
	case famInt, famYear:
		return "INTEGER"
	case famDecimal:
		// NUMERIC stores a value with a fraction as a double, exact to 15
		// digits: a wider DECIMAL keeps its digits as written, as TEXT.
		if len(c.Args) > 0 {
			if p, err := strconv.Atoi(c.Args[0]); err == nil && p > 15 {
				return "TEXT"
			}
		}
		return "NUMERIC"
	case famFloat:
		return "REAL"
	case famBinary, famBit, famSpatial:
		return "BLOB"
	case famString:
		if c.isBinary() {
			return "BLOB"
		}
		return "TEXT"
	case famEnum, famSet, famJSON, famDate, famDateTime, famTime, famUUID, famInet:
		return "TEXT"
	}
	return ""
}

// droppedOptions returns the table options and column attributes that
// translation drops without loss, once per kind.
func droppedOptions(t *myTable) []string {
	var info []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			info = append(info, "dropped: "+s)
		}
	}
	for _, o := range t.Options {
		if o.Name != "AUTO_INCREMENT" {
			add(o.Name + " table option")
		}
	}
	for _, c := range t.Columns {
		if c.Charset != "" {
			add("column CHARACTER SET")
		}
		if c.Collation != "" {
			add("column COLLATE")
		}
		if c.Comment != "" {
			add("column COMMENT")
		}
	}
	return info
}

// keyColumnList renders a key's columns, without prefix lengths; lost
// names what was dropped.
func keyColumnList(t *myTable, k myKey, lost *[]string) string {
	var cols []string
	for _, p := range k.Parts {
		if p.Expr != nil {
			cols = append(cols, join(p.Expr))
			continue
		}
		s := quoteIdent(p.Column)
		if p.Desc {
			s += " DESC"
		}
		if p.Prefix > 0 {
			*lost = append(*lost, fmt.Sprintf("prefix length %d of %s.%s in key %s (the whole column is indexed)", p.Prefix, t.Name, p.Column, keyName(k)))
		}
		cols = append(cols, s)
	}
	return "(" + strings.Join(cols, ", ") + ")"
}

func keyName(k myKey) string {
	if k.Kind == "PRIMARY" {
		return "PRIMARY"
	}
	return k.Name
}

// foreignSQL renders a foreign key constraint's clause.
func foreignSQL(f myForeign) string {
	var b strings.Builder
	if f.Name != "" {
		b.WriteString("CONSTRAINT " + quoteIdent(f.Name) + " ")
	}
	b.WriteString("FOREIGN KEY " + identsSQL(f.Columns) + " REFERENCES " + quoteIdent(f.RefTable))
	if len(f.RefColumns) > 0 {
		b.WriteString(" " + identsSQL(f.RefColumns))
	}
	for _, a := range f.Actions {
		b.WriteString(" " + a)
	}
	return b.String()
}

func identsSQL(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// mysqlTable translates the CREATE TABLE statement text for SQLite.
func mysqlTable(text []byte, tr *Translation) (*mysqlTableDDL, error) {
	t, err := parseMySQLTable(text)
	if err != nil {
		return nil, err
	}
	out := &mysqlTableDDL{model: t, info: droppedOptions(t)}
	var defs []string
	for _, c := range t.Columns {
		d, err := sqliteColumn(t, c, tr, &out.lost)
		if err != nil {
			return nil, err
		}
		defs = append(defs, d)
	}
	for _, k := range t.Keys {
		switch k.Kind {
		case "PRIMARY":
			d := "PRIMARY KEY " + keyColumnList(t, k, &out.lost)
			if k.Name != "" {
				d = "CONSTRAINT " + quoteIdent(k.Name) + " " + d
			}
			defs = append(defs, d)
		case "UNIQUE":
			defs = append(defs, "UNIQUE "+keyColumnList(t, k, &out.lost))
		case "INDEX":
			name := k.Name
			if name == "" {
				name = fmt.Sprintf("idx%d", len(out.indexes)+1)
			}
			out.indexes = append(out.indexes, "CREATE INDEX "+quoteIdent("ix_"+t.Name+"_"+name)+" ON "+quoteIdent(t.Name)+" "+keyColumnList(t, k, &out.lost))
		default:
			out.lost = append(out.lost, k.Kind+" index of "+t.Name)
		}
	}
	for _, f := range t.Foreign {
		defs = append(defs, foreignSQL(f))
	}
	for _, ck := range t.Checks {
		d := "CHECK " + join(ck.Expr)
		if ck.Name != "" {
			d = "CONSTRAINT " + quoteIdent(ck.Name) + " " + d
		}
		defs = append(defs, d)
	}
	out.create = t.createHead() + quoteIdent(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
	return out, nil
}

// sqliteColumn renders one column definition.
func sqliteColumn(t *myTable, c *myColumn, tr *Translation, lost *[]string) (string, error) {
	typ := sqliteType(c)
	if typ == "" {
		return "", fmt.Errorf("table %s, column %s: type %s is not translated", t.Name, c.Name, c.Type)
	}
	if c.Generated != nil {
		return "", fmt.Errorf("table %s, column %s: generated columns are not translated", t.Name, c.Name)
	}
	var b strings.Builder
	b.WriteString(quoteIdent(c.Name) + " " + typ)
	notNull, def := c.NotNull, c.Default
	if c.hasZeroDateDefault() && tr.ZeroDates == ZeroDatesNull {
		notNull, def = false, nil
		*lost = append(*lost, "zero-date DEFAULT of "+t.Name+"."+c.Name+" (the column takes NULL instead)")
	}
	if notNull {
		b.WriteString(" NOT NULL")
	}
	if c.PrimaryKey {
		b.WriteString(" PRIMARY KEY")
	}
	if c.Unique {
		b.WriteString(" UNIQUE")
	}
	if def != nil {
		b.WriteString(" DEFAULT " + sqliteDefault(def))
	}
	if c.OnUpdate != "" {
		*lost = append(*lost, "ON UPDATE CURRENT_TIMESTAMP of "+t.Name+"."+c.Name)
	}
	if c.Check != nil {
		b.WriteString(" CHECK " + join(c.Check))
	}
	if f := c.References; f != nil {
		b.WriteString(" REFERENCES " + quoteIdent(f.RefTable))
		if len(f.RefColumns) > 0 {
			b.WriteString(" " + identsSQL(f.RefColumns))
		}
		for _, a := range f.Actions {
			b.WriteString(" " + a)
		}
	}
	return b.String(), nil
}

// sqliteDefault renders a DEFAULT expression.
func sqliteDefault(d []ddlToken) string {
	switch v := d[0]; {
	case is(v, "CURRENT_TIMESTAMP", "NOW", "LOCALTIME", "LOCALTIMESTAMP"):
		return "CURRENT_TIMESTAMP"
	case is(v, "b") && len(d) == 2:
		return bitDefault(d[1].text)
	case v.text == "-" && len(d) == 2:
		return "-" + d[1].text
	case len(d) == 1:
		return v.text
	}
	return join(d)
}

// mysqlIndex translates CREATE [UNIQUE] INDEX name [USING …] ON t (cols).
func mysqlIndex(text []byte) (string, error) {
	table, k, err := parseMySQLIndex(text)
	if err != nil {
		return "", err
	}
	if k.Kind == "FULLTEXT" || k.Kind == "SPATIAL" {
		return "", fmt.Errorf("%s indexes are not translated", k.Kind)
	}
	create := "CREATE INDEX "
	if k.Kind == "UNIQUE" {
		create = "CREATE UNIQUE INDEX "
	}
	var lost []string
	return create + quoteIdent(k.Name) + " ON " + quoteIdent(table) + " " + keyColumnList(&myTable{Name: table}, k, &lost), nil
}

// bitDefault turns a b'0101' literal into its integer.
func bitDefault(s string) string {
	n := 0
	for _, c := range strings.Trim(s, "'") {
		n = n<<1 | int(c-'0')
	}
	return fmt.Sprint(n)
}
