package sink

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Translation of PostgreSQL DDL (pg_dump's plain format and hand-written
// scripts) into SQLite's, for the SQLite sink.
//
// Column types map to SQLite affinities, chosen so that every value reads
// back as PostgreSQL wrote it:
//
//   - smallint, integer, bigint, oid and the serial types: INTEGER;
//   - real, double precision, float: REAL;
//   - numeric(p,s) with p ≤ 15: NUMERIC, whose REAL values of up to 15
//     significant digits read back as the same number (4.50 reads 4.5);
//     numeric without a precision, or with more than 15 digits: TEXT, the
//     digits exactly as written (SQLite's REAL keeps only 15 of them);
//   - boolean: BOOLEAN (NUMERIC affinity), stored as 0 and 1;
//   - bytea: BLOB, decoded from its hex (or escape) text;
//   - date, timestamp and timestamp with time zone: TEXT in PostgreSQL's
//     ISO output form (a script's '2021/1/1' becomes 2021-01-01 00:00:00
//     for a timestamp), with a zone "+HH" written "+HH:MM" so that
//     SQLite's date functions read it; the other temporal types,
//     character types, json, jsonb, uuid, arrays, ranges, network and
//     geometric types, enums and composite types: TEXT as PostgreSQL
//     prints them;
//   - a domain: its base type's (its CHECK is reported, not kept).
//
// A table's single integer column numbered by a sequence (DEFAULT nextval,
// a serial type, GENERATED … AS IDENTITY) becomes INTEGER PRIMARY KEY, the
// rowid, which numbers new rows after the highest: pg_dump adds the
// primary key only after the rows, when SQLite can no longer change a
// table's key. A primary key added by ALTER TABLE on other columns becomes
// a unique index of the constraint's name.

// pgKind is how a column's values are converted for SQLite.
type pgKind uint8

const (
	pgText      pgKind = iota // stored as the text PostgreSQL writes
	pgInt                     // INTEGER
	pgReal                    // REAL
	pgNumeric                 // NUMERIC (up to 15 digits)
	pgBool                    // BOOLEAN: 0 or 1
	pgBytea                   // BLOB, decoded from \x hex or escapes
	pgTimeTZ                  // timestamptz: TEXT, ISO, zone as ±HH:MM
	pgDate                    // date: TEXT, ISO
	pgTimestamp               // timestamp: TEXT, ISO
)

// pgColumn is a column of a translated table.
type pgColumn struct {
	name string
	kind pgKind
	// def is the column's SQLite definition without its name: type and
	// constraints.
	def string
	// seq is set for an integer column numbered by a sequence.
	seq bool
	// generated is set for a generated column, which the SQLite table
	// leaves out.
	generated bool
}

// pgTableDDL is a PostgreSQL table translated for SQLite.
type pgTableDDL struct {
	name    string // the SQLite name
	cols    []pgColumn
	extra   []string // table constraints kept (PRIMARY KEY, UNIQUE, FOREIGN KEY)
	rowid   string   // the column made INTEGER PRIMARY KEY, if any
	hasKey  bool     // a PRIMARY KEY in the CREATE TABLE itself
	temp    bool
	dropped []string // what was not translated, for the report
}

// create returns the table's CREATE TABLE statement.
func (t *pgTableDDL) create() string {
	var defs []string
	for _, c := range t.cols {
		if c.generated {
			continue
		}
		d := quoteIdent(c.name) + " " + c.def
		if c.name == t.rowid {
			d = quoteIdent(c.name) + " INTEGER PRIMARY KEY" + strings.TrimPrefix(c.def, "INTEGER")
		}
		defs = append(defs, d)
	}
	defs = append(defs, t.extra...)
	head := "CREATE TABLE "
	if t.temp {
		head = "CREATE TEMPORARY TABLE "
	}
	return head + quoteIdent(t.name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
}

// column returns the column named name, or nil; SQLite's names ignore
// case.
func (t *pgTableDDL) column(name string) *pgColumn {
	for i := range t.cols {
		if strings.EqualFold(t.cols[i].name, name) {
			return &t.cols[i]
		}
	}
	return nil
}

// chooseRowid makes the table's one sequence-numbered integer column its
// rowid, unless the table has a primary key of its own.
func (t *pgTableDDL) chooseRowid() {
	t.rowid = ""
	if t.hasKey {
		return
	}
	n := 0
	for _, c := range t.cols {
		if c.seq {
			t.rowid = c.name
			n++
		}
	}
	if n != 1 {
		t.rowid = ""
	}
}

// lexPostgres splits PostgreSQL DDL into tokens: words, quoted identifiers
// (with their quotes), strings ('…', E'…', $tag$…$tag$), numbers, "::", runs
// of operator characters, and single punctuation bytes. Comments are
// dropped.
func lexPostgres(b []byte) []ddlToken { return lexDDL(b, false) }

// lexDDL is lexPostgres; with sqlite set it also reads SQLite's [bracket]
// and `backquoted` identifiers, as double-quoted ones.
func lexDDL(b []byte, sqlite bool) []ddlToken {
	var out []ddlToken
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case sqlite && (c == '[' || c == '`'):
			end := byte(']')
			if c == '`' {
				end = '`'
			}
			k := bytes.IndexByte(b[i+1:], end)
			if k < 0 {
				k = len(b) - i - 1
			}
			out = append(out, ddlToken{text: quoteIdent(string(b[i+1 : i+1+k])), ident: true})
			i += k + 2
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(b) && b[i+1] == '-':
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				return out
			}
			i += k + 1
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			k := bytes.Index(b[i+2:], []byte("*/"))
			if k < 0 {
				return out
			}
			i += k + 4
		case c == '"':
			j := i + 1
			for j < len(b) && (b[j] != '"' || j+1 < len(b) && b[j+1] == '"') {
				if b[j] == '"' {
					j++
				}
				j++
			}
			j = min(j+1, len(b))
			out = append(out, ddlToken{text: string(b[i:j]), ident: true})
			i = j
		case c == '\'' || (c == 'E' || c == 'e') && i+1 < len(b) && b[i+1] == '\'':
			esc := c != '\''
			j := i + 1
			if esc {
				j++
			}
			j = min(pgQuoteEnd(b, j, esc)+1, len(b))
			out = append(out, ddlToken{text: string(b[i:j])})
			i = j
		case c == '$' && dollarTag(b[i:]) > 0:
			n := dollarTag(b[i:])
			k := bytes.Index(b[i+n:], b[i:i+n])
			j := len(b)
			if k >= 0 {
				j = i + n + k + n
			}
			out = append(out, ddlToken{text: string(b[i:j])})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '9':
			j := numberEnd(b, i)
			out = append(out, ddlToken{text: string(b[i:j])})
			i = j
		case isWordByte(c) && c != '$':
			j := i
			for j < len(b) && isWordByte(b[j]) {
				j++
			}
			out = append(out, ddlToken{text: string(b[i:j]), ident: true})
			i = j
		case c == ':' && i+1 < len(b) && b[i+1] == ':':
			out = append(out, ddlToken{text: "::"})
			i += 2
		case strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0:
			j := i
			for j < len(b) && strings.IndexByte("+-*/<>=~!@#%^&|`?", b[j]) >= 0 && !(b[j] == '-' && j+1 < len(b) && b[j+1] == '-') {
				j++
			}
			out = append(out, ddlToken{text: string(b[i:j])})
			i = j
		default:
			out = append(out, ddlToken{text: string(c)})
			i++
		}
	}
	return out
}

// dollarTag returns the length of the dollar-quote tag at the start of b
// ("$$", "$_$"), or 0.
func dollarTag(b []byte) int {
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '$':
			return j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 || j > 1 && c >= '0' && c <= '9':
		default:
			return 0
		}
	}
	return 0
}

// pgQuoteEnd returns the index of the quote that ends a string literal
// whose body starts at b[j], or len(b) if none does: a doubled quote is
// part of the body, and so is a backslash and the byte after it in an
// E'…' string (esc).
func pgQuoteEnd(b []byte, j int, esc bool) int {
	for j < len(b) {
		switch {
		case esc && b[j] == '\\':
			j += 2
		case b[j] != '\'':
			j++
		case j+1 < len(b) && b[j+1] == '\'':
			j += 2
		default:
			return j
		}
	}
	return len(b)
}

// pgString returns the value of a string token ('…', $$…$$) and whether t
// is one; E'…' strings, with backslash escapes, are not read.
func pgString(t ddlToken) (string, bool) {
	s := t.text
	switch {
	case t.ident || s == "":
		return "", false
	case s[0] == '\'':
		return strings.ReplaceAll(strings.TrimSuffix(s[1:], "'"), "''", "'"), true
	case s[0] == '$':
		n := dollarTag([]byte(s))
		if len(s) >= 2*n {
			return s[n : len(s)-n], true
		}
	}
	return "", false
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// pgTypeInfo is a PostgreSQL type translated: its SQLite declaration and
// how its values are converted.
type pgTypeInfo struct {
	decl string
	kind pgKind
	seq  bool   // a serial type
	note string // why the translation is approximate, if it is
}

// pgTypes resolves the types a dump declares itself: domains to their
// base type, enums and composite types to TEXT.
type pgTypes map[string]pgTypeInfo

// pgTypeName reads the type at ts[i:] of a column definition: its name
// in lower case without a pg_catalog prefix (multi-word names joined by
// one space), its modifiers, whether it is an array, and the index after
// it.
func pgTypeName(ts []ddlToken, i int) (name string, mods []string, array bool, next int) {
	var words []string
	for i < len(ts) {
		t := ts[i]
		if !t.ident {
			break
		}
		w := strings.ToLower(unquoteIdent(t.text))
		if len(words) > 0 && !typeWordAfter(words[len(words)-1], w) {
			break
		}
		words = append(words, w)
		i++
		if i+1 < len(ts) && ts[i].text == "." && ts[i+1].ident { // a schema prefix
			words = words[:len(words)-1]
			words = append(words, strings.ToLower(unquoteIdent(ts[i+1].text)))
			i += 2
		}
		if i < len(ts) && ts[i].text == "(" {
			end := skipParens(ts, i)
			for _, m := range ts[i+1 : end-1] {
				if m.text != "," {
					mods = append(mods, m.text)
				}
			}
			i = end
		}
	}
	for i+1 < len(ts) && ts[i].text == "[" {
		array = true
		for i < len(ts) && ts[i].text != "]" {
			i++
		}
		i++
	}
	if i < len(ts) && is(ts[i], "ARRAY") {
		array = true
		i++
		for i < len(ts) && ts[i].text == "[" {
			for i < len(ts) && ts[i].text != "]" {
				i++
			}
			i++
		}
	}
	return strings.Join(words, " "), mods, array, i
}

// typeWordAfter reports whether w continues a multi-word type name whose
// last word so far is prev ("character varying", "timestamp with time
// zone", "double precision").
func typeWordAfter(prev, w string) bool {
	switch w {
	case "varying":
		return prev == "character" || prev == "bit" || prev == "char"
	case "precision":
		return prev == "double"
	case "with", "without":
		return prev == "timestamp" || prev == "time" || prev == "timestamp(" || prev == "time("
	case "time":
		return prev == "with" || prev == "without"
	case "zone":
		return prev == "time"
	}
	return false
}

// translate returns the SQLite type of a PostgreSQL type.
func (ty pgTypes) translate(name string, mods []string, array bool) pgTypeInfo {
	if array {
		return pgTypeInfo{decl: "TEXT", kind: pgText}
	}
	switch name {
	case "smallint", "integer", "int", "int2", "int4", "int8", "bigint", "oid", "xid", "cid", "regclass":
		return pgTypeInfo{decl: "INTEGER", kind: pgInt}
	case "smallserial", "serial", "bigserial", "serial2", "serial4", "serial8":
		return pgTypeInfo{decl: "INTEGER", kind: pgInt, seq: true}
	case "real", "float4", "double precision", "float8", "float":
		return pgTypeInfo{decl: "REAL", kind: pgReal}
	case "numeric", "decimal":
		if len(mods) > 0 {
			if p, err := strconv.Atoi(mods[0]); err == nil && p <= 15 {
				return pgTypeInfo{decl: "NUMERIC", kind: pgNumeric}
			}
		}
		return pgTypeInfo{decl: "TEXT", kind: pgText}
	case "boolean", "bool":
		return pgTypeInfo{decl: "BOOLEAN", kind: pgBool}
	case "bytea":
		return pgTypeInfo{decl: "BLOB", kind: pgBytea}
	case "timestamp with time zone", "timestamptz":
		return pgTypeInfo{decl: "TEXT", kind: pgTimeTZ}
	case "date":
		return pgTypeInfo{decl: "TEXT", kind: pgDate}
	case "timestamp", "timestamp without time zone":
		return pgTypeInfo{decl: "TEXT", kind: pgTimestamp}
	case "text", "character varying", "varchar", "character", "char", "bpchar", "name", "citext", "uuid",
		"json", "jsonb", "xml", "time", "time without time zone", "time with time zone", "timetz", "interval", "inet", "cidr", "macaddr", "macaddr8",
		"money", "bit", "bit varying", "varbit", "tsvector", "tsquery", "point", "line", "lseg", "box", "path",
		"polygon", "circle", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
		"int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange",
		"pg_lsn", "txid_snapshot", "pg_snapshot", "jsonpath":
		return pgTypeInfo{decl: "TEXT", kind: pgText}
	}
	if t, ok := ty[name]; ok {
		return t
	}
	return pgTypeInfo{decl: "TEXT", kind: pgText, note: "type " + name + " (unknown to the sink) stored as TEXT"}
}

// pgColumnEnd reports whether t starts a column constraint, which ends the
// column's type.
func pgConstraintWord(t ddlToken) bool {
	return is(t, "CONSTRAINT", "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES",
		"COLLATE", "GENERATED", "DEFERRABLE", "INITIALLY", "STORAGE", "COMPRESSION")
}

// pgNames maps PostgreSQL names (schema-qualified or not) to SQLite's.
type pgNames interface {
	tableName(ts []ddlToken, i int) (name string, next int, err error)
}

// pgTable translates a CREATE TABLE statement. parent returns the table a
// child inherits from or is a partition of.
func pgTable(text []byte, names pgNames, types pgTypes, parent func(string) *pgTableDDL) (*pgTableDDL, error) {
	ts := lexPostgres(text)
	out := &pgTableDDL{}
	i := 1
	for i < len(ts) && !is(ts[i], "TABLE") {
		if is(ts[i], "TEMPORARY", "TEMP") {
			out.temp = true
		}
		i++
	}
	i++
	if i+2 < len(ts) && is(ts[i], "IF") && is(ts[i+1], "NOT") && is(ts[i+2], "EXISTS") {
		i += 3
	}
	name, i, err := names.tableName(ts, i)
	if err != nil {
		return nil, err
	}
	out.name = name
	if i+1 < len(ts) && is(ts[i], "PARTITION") && is(ts[i+1], "OF") {
		p, next, err := names.tableName(ts, i+2)
		if err != nil {
			return nil, err
		}
		pt := parent(p)
		if pt == nil {
			return nil, fmt.Errorf("table %s: a partition of %s, which the dump did not create before it", name, p)
		}
		out.cols = append(out.cols, pt.cols...)
		out.dropped = append(out.dropped, "partition "+name+" of "+p+": a table of its own")
		i = next
		if i < len(ts) && ts[i].text == "(" { // constraints of the partition
			if err := pgTableItems(out, ts[i+1:skipParens(ts, i)-1], names, types); err != nil {
				return nil, err
			}
		}
		out.chooseRowid()
		return out, nil
	}
	if i >= len(ts) || ts[i].text != "(" {
		return nil, fmt.Errorf("table %s: CREATE TABLE without a column list (AS, OF) is not translated", name)
	}
	end := skipParens(ts, i)
	items := ts[i+1 : end-1]
	var own pgTableDDL
	own.name = name
	if err := pgTableItems(&own, items, names, types); err != nil {
		return nil, err
	}
	for k := end; k < len(ts); k++ {
		switch {
		case is(ts[k], "INHERITS") && k+1 < len(ts) && ts[k+1].text == "(":
			pend := skipParens(ts, k+1)
			for j := k + 2; j < pend-1; {
				if ts[j].text == "," {
					j++
					continue
				}
				p, next, err := names.tableName(ts, j)
				if err != nil {
					return nil, err
				}
				pt := parent(p)
				if pt == nil {
					return nil, fmt.Errorf("table %s inherits from %s, which the dump did not create before it", name, p)
				}
				for _, c := range pt.cols {
					if own.column(c.name) == nil && out.column(c.name) == nil {
						out.cols = append(out.cols, c)
					}
				}
				out.dropped = append(out.dropped, "INHERITS "+p+" of "+name+": the parent's columns copied, the child's rows stay in the child")
				j = next
			}
			k = pend - 1
		case is(ts[k], "PARTITION") && k+1 < len(ts) && is(ts[k+1], "BY"):
			out.dropped = append(out.dropped, "PARTITION BY of "+name+": its partitions are tables of their own")
			k = skipParens(ts, k+3) - 1
		}
	}
	out.cols = append(out.cols, own.cols...)
	out.extra, out.hasKey = own.extra, own.hasKey
	out.dropped = append(out.dropped, own.dropped...)
	out.chooseRowid()
	return out, nil
}

// pgTableItems translates the column definitions and table constraints of
// a CREATE TABLE into t.
func pgTableItems(t *pgTableDDL, items []ddlToken, names pgNames, types pgTypes) error {
	for _, it := range splitItems(items) {
		cname := ""
		k := 0
		if is(it[0], "CONSTRAINT") && len(it) > 2 {
			cname = unquoteIdent(it[1].text)
			k = 2
		}
		head := it[k]
		switch {
		case is(head, "PRIMARY"), is(head, "UNIQUE"):
			cols, err := pgKeyColumns(it, k+1)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			def := "UNIQUE " + cols
			if is(head, "PRIMARY") {
				def = "PRIMARY KEY " + cols
				t.hasKey = true
			}
			if cname != "" {
				def = "CONSTRAINT " + quoteIdent(cname) + " " + def
			}
			t.extra = append(t.extra, def)
		case is(head, "FOREIGN"):
			fk, err := pgForeignKey(it[k:], names)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			if cname != "" {
				fk = "CONSTRAINT " + quoteIdent(cname) + " " + fk
			}
			t.extra = append(t.extra, fk)
		case is(head, "CHECK"), is(head, "EXCLUDE"):
			what := strings.ToUpper(head.text)
			if cname != "" {
				what += " " + cname
			}
			t.dropped = append(t.dropped, "not translated: "+what+" of "+t.name)
		case is(head, "LIKE"):
			return fmt.Errorf("table %s: LIKE is not translated", t.name)
		case k > 0:
			return fmt.Errorf("table %s: cannot translate %q", t.name, join(it))
		default:
			c, dropped, err := pgColumnDef(t.name, it, names, types)
			if err != nil {
				return err
			}
			if strings.Contains(c.def, "PRIMARY KEY") {
				t.hasKey = true
			}
			t.cols = append(t.cols, c)
			t.dropped = append(t.dropped, dropped...)
		}
	}
	return nil
}

// pgKeyColumns returns the column list of a key at or after ts[i], quoted
// for SQLite; expressions and operator classes are refused.
func pgKeyColumns(ts []ddlToken, i int) (string, error) {
	for i < len(ts) && ts[i].text != "(" {
		if is(ts[i], "NULLS") { // NULLS NOT DISTINCT
			return "", fmt.Errorf("NULLS NOT DISTINCT is not translated")
		}
		i++
	}
	end := skipParens(ts, i)
	if end == i {
		return "", fmt.Errorf("a key without columns")
	}
	var cols []string
	for _, c := range splitItems(ts[i+1 : end-1]) {
		if !c[0].ident {
			return "", fmt.Errorf("key column %q is not translated", join(c))
		}
		s := quoteIdent(unquoteIdent(c[0].text))
		for _, m := range c[1:] {
			if !is(m, "ASC", "DESC", "NULLS", "FIRST", "LAST") {
				return "", fmt.Errorf("key column %q is not translated", join(c))
			}
			s += " " + strings.ToUpper(m.text)
		}
		cols = append(cols, s)
	}
	for _, t := range ts[end:] {
		if !is(t, "DEFERRABLE", "INITIALLY", "DEFERRED", "IMMEDIATE", "NOT") {
			return "", fmt.Errorf("%q after a key's columns is not translated", join(ts[end:]))
		}
	}
	return "(" + strings.Join(cols, ", ") + ")", nil
}

// pgForeignKey translates FOREIGN KEY (cols) REFERENCES t (cols) [actions].
func pgForeignKey(ts []ddlToken, names pgNames) (string, error) {
	i := 1
	if i >= len(ts) || !is(ts[i], "KEY") {
		return "", fmt.Errorf("cannot translate %q", join(ts))
	}
	cols, err := pgKeyColumns(ts[:skipParens(ts, i+1)], i+1)
	if err != nil {
		return "", err
	}
	i = skipParens(ts, i+1)
	ref, err := pgReferences(ts[i:], names)
	if err != nil {
		return "", err
	}
	return "FOREIGN KEY " + cols + " " + ref, nil
}

// pgReferences translates REFERENCES t [(cols)] [MATCH …] [ON DELETE …]
// [ON UPDATE …] [DEFERRABLE …], which SQLite reads as PostgreSQL does.
func pgReferences(ts []ddlToken, names pgNames) (string, error) {
	if len(ts) < 2 || !is(ts[0], "REFERENCES") {
		return "", fmt.Errorf("cannot translate %q", join(ts))
	}
	name, i, err := names.tableName(ts, 1)
	if err != nil {
		return "", err
	}
	s := "REFERENCES " + quoteIdent(name)
	if i < len(ts) && ts[i].text == "(" {
		end := skipParens(ts, i)
		cols, err := pgKeyColumns(ts[:end], i)
		if err != nil {
			return "", err
		}
		s += " " + cols
		i = end
	}
	for _, t := range ts[i:] {
		if !t.ident {
			return "", fmt.Errorf("cannot translate %q", join(ts))
		}
		s += " " + strings.ToUpper(t.text)
	}
	return s, nil
}

// pgColumnDef translates one column definition.
func pgColumnDef(table string, it []ddlToken, names pgNames, types pgTypes) (pgColumn, []string, error) {
	if len(it) < 2 || !it[0].ident {
		return pgColumn{}, nil, fmt.Errorf("table %s: cannot translate %q", table, join(it))
	}
	col := pgColumn{name: unquoteIdent(it[0].text)}
	name, mods, array, k := pgTypeName(it, 1)
	if name == "" {
		return col, nil, fmt.Errorf("table %s, column %s: cannot read the type of %q", table, col.name, join(it))
	}
	ti := types.translate(name, mods, array)
	col.kind, col.seq = ti.kind, ti.seq
	var dropped []string
	if ti.note != "" {
		dropped = append(dropped, ti.note+": "+table+"."+col.name)
	}
	var b strings.Builder
	b.WriteString(ti.decl)
	for k < len(it) {
		t := it[k]
		switch {
		case is(t, "CONSTRAINT") && k+1 < len(it):
			k += 2
		case is(t, "NOT") && k+1 < len(it) && is(it[k+1], "NULL"):
			b.WriteString(" NOT NULL")
			k += 2
		case is(t, "NULL"):
			k++
		case is(t, "PRIMARY") && k+1 < len(it) && is(it[k+1], "KEY"):
			b.WriteString(" PRIMARY KEY")
			k += 2
		case is(t, "UNIQUE"):
			b.WriteString(" UNIQUE")
			k++
		case is(t, "DEFAULT"):
			e := k + 1
			for e < len(it) && !pgConstraintWord(it[e]) {
				e++
			}
			d, seq, ok := pgDefault(it[k+1 : e])
			switch {
			case seq && ti.kind == pgInt:
				col.seq = true
			case ok:
				b.WriteString(" DEFAULT " + d)
			default:
				dropped = append(dropped, "not translated: DEFAULT "+join(it[k+1:e])+" of "+table+"."+col.name)
			}
			k = e
		case is(t, "CHECK"):
			e := skipParens(it, k+1)
			dropped = append(dropped, "not translated: CHECK of "+table+"."+col.name)
			k = e
		case is(t, "COLLATE"):
			dropped = append(dropped, "not translated: COLLATE "+unquoteIdent(it[min(k+1, len(it)-1)].text)+" of "+table+"."+col.name)
			k += 2
			if k < len(it) && it[k].text == "." {
				k += 2
			}
		case is(t, "GENERATED"):
			e := k + 1
			for e < len(it) && !is(it[e], "AS") {
				e++
			}
			if e+1 < len(it) && is(it[e+1], "IDENTITY") && ti.kind == pgInt {
				col.seq = true
				k = skipParens(it, e+2)
				continue
			}
			// pg_dump writes no value for it, and its expression is
			// PostgreSQL's: the column is left out.
			dropped = append(dropped, "not translated: generated column "+table+"."+col.name+" (left out)")
			col.generated = true
			k = skipParens(it, e+1)
			if k < len(it) && is(it[k], "STORED", "VIRTUAL") {
				k++
			}
		case is(t, "REFERENCES"):
			e := k + 1
			for e < len(it) && !is(it[e], "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "CONSTRAINT", "COLLATE", "GENERATED") {
				e++
			}
			ref, err := pgReferences(it[k:e], names)
			if err != nil {
				return col, nil, fmt.Errorf("table %s, column %s: %w", table, col.name, err)
			}
			b.WriteString(" " + ref)
			k = e
		case is(t, "DEFERRABLE", "INITIALLY", "DEFERRED", "IMMEDIATE"):
			k++
		case is(t, "STORAGE", "COMPRESSION"):
			k += 2
		default:
			return col, nil, fmt.Errorf("table %s, column %s: cannot translate %q", table, col.name, join(it[k:]))
		}
	}
	col.def = b.String()
	return col, dropped, nil
}

// pgDefault translates a column default: literals, booleans and the
// current time; seq is set for a nextval() default, ok for a default that
// SQLite keeps.
func pgDefault(ts []ddlToken) (def string, seq, ok bool) {
	if len(ts) > 0 && is(ts[0], "nextval") {
		return "", true, false
	}
	var lits []ddlToken
	toDate, isNow := false, false
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.text == "::":
			name, _, _, next := pgTypeName(ts, i+1)
			if name == "date" {
				toDate = true
			}
			i = next - 1
		case t.text == "(" || t.text == ")":
		default:
			lits = append(lits, t)
		}
	}
	if len(lits) == 1 {
		t := lits[0]
		if s, isStr := pgString(t); isStr {
			if strings.EqualFold(s, "now") {
				isNow = true
			} else {
				return sqlString(s), false, true
			}
		}
		switch {
		case isNow && toDate, is(t, "CURRENT_DATE"):
			return "CURRENT_DATE", false, true
		case isNow, is(t, "CURRENT_TIMESTAMP", "LOCALTIMESTAMP"):
			return "CURRENT_TIMESTAMP", false, true
		case is(t, "CURRENT_TIME", "LOCALTIME"):
			return "CURRENT_TIME", false, true
		case is(t, "TRUE"):
			return "1", false, true
		case is(t, "FALSE"):
			return "0", false, true
		case is(t, "NULL"):
			return "NULL", false, true
		case !t.ident && t.text != "" && (t.text[0] >= '0' && t.text[0] <= '9' || t.text[0] == '.'):
			return t.text, false, true
		}
	}
	if len(lits) == 2 && lits[0].text == "-" && !lits[1].ident {
		return "-" + lits[1].text, false, true
	}
	if len(ts) >= 3 && is(ts[0], "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp") && ts[1].text == "(" && ts[2].text == ")" {
		if toDate {
			return "CURRENT_DATE", false, true
		}
		return "CURRENT_TIMESTAMP", false, true
	}
	return "", false, false
}

// pgIndex translates CREATE [UNIQUE] INDEX name ON t [USING btree] (cols):
// plain column lists only. table is the SQLite table, name the index's.
func pgIndex(text []byte, names pgNames) (stmt string, err error) {
	return indexOf(lexPostgres(text), names)
}

// indexOf is pgIndex on the statement's tokens.
func indexOf(ts []ddlToken, names pgNames) (stmt string, err error) {
	text := join(ts)
	create := "CREATE INDEX "
	i := 1
	for ; i < len(ts) && !is(ts[i], "INDEX"); i++ {
		if is(ts[i], "UNIQUE") {
			create = "CREATE UNIQUE INDEX "
		}
	}
	i++
	if i < len(ts) && is(ts[i], "CONCURRENTLY") {
		i++
	}
	if i+2 < len(ts) && is(ts[i], "IF") && is(ts[i+1], "NOT") {
		create += "IF NOT EXISTS "
		i += 3
	}
	if i >= len(ts) || is(ts[i], "ON") {
		return "", fmt.Errorf("an index without a name is not translated")
	}
	name := unquoteIdent(ts[i].text)
	i++
	if i >= len(ts) || !is(ts[i], "ON") {
		return "", fmt.Errorf("cannot translate %.80q", text)
	}
	i++
	if i < len(ts) && is(ts[i], "ONLY") {
		i++
	}
	table, i, err := names.tableName(ts, i)
	if err != nil {
		return "", err
	}
	if i+1 < len(ts) && is(ts[i], "USING") {
		if !is(ts[i+1], "btree") {
			return "", fmt.Errorf("USING %s", ts[i+1].text)
		}
		i += 2
	}
	end := skipParens(ts, i)
	if end != len(ts) {
		return "", fmt.Errorf("%q after the columns", join(ts[end:]))
	}
	cols, err := pgKeyColumns(ts, i)
	if err != nil {
		return "", err
	}
	return create + quoteIdent(name) + " ON " + quoteIdent(table) + " " + cols, nil
}

// sqliteSameFunctions are the functions that SQLite has with PostgreSQL's
// meaning, for the views it translates.
var sqliteSameFunctions = map[string]bool{
	"count": true, "sum": true, "min": true, "max": true, "avg": true, "coalesce": true, "nullif": true,
	"upper": true, "lower": true, "length": true, "abs": true, "replace": true, "substring": true, "substr": true,
}

// pgView translates CREATE [OR REPLACE] VIEW name [(cols)] AS SELECT … when
// its query is plain SQL that SQLite reads with the same meaning: schema
// prefixes dropped, casts to text types dropped, and no function other
// than sqliteSameFunctions, no other cast, no PostgreSQL-only operator.
func pgView(text []byte, names pgNames, schemas func(string) bool) (name, stmt string, err error) {
	ts := lexPostgres(text)
	i := 1
	for i < len(ts) && !is(ts[i], "VIEW") {
		if is(ts[i], "RECURSIVE", "TEMPORARY", "TEMP") {
			return "", "", fmt.Errorf("%s views are not translated", strings.ToUpper(ts[i].text))
		}
		i++
	}
	name, i, err = names.tableName(ts, i+1)
	if err != nil {
		return "", "", err
	}
	head := "CREATE VIEW " + quoteIdent(name)
	if i < len(ts) && ts[i].text == "(" {
		end := skipParens(ts, i)
		head += " " + join(ts[i:end])
		i = end
	}
	if i >= len(ts) || !is(ts[i], "AS") {
		return name, "", fmt.Errorf("WITH options are not translated")
	}
	var out []ddlToken
	body := ts[i+1:]
	for k := 0; k < len(body); k++ {
		t := body[k]
		switch {
		case t.text == "::":
			tn, _, array, next := pgTypeName(body, k+1)
			switch tn {
			case "text", "character varying", "varchar", "name", "bpchar":
				if !array {
					k = next - 1
					continue
				}
			}
			return name, "", fmt.Errorf("a cast to %s", tn)
		case t.ident && k+2 < len(body) && body[k+1].text == "." && body[k+2].ident && schemas(unquoteIdent(t.text)):
			k++ // a schema prefix: the name after it is the table's
			continue
		case t.ident && k+1 < len(body) && body[k+1].text == "(" && !isSQLWord(t.text):
			if !sqliteSameFunctions[strings.ToLower(unquoteIdent(t.text))] {
				return name, "", fmt.Errorf("the function %s", unquoteIdent(t.text))
			}
		case !t.ident && t.text != "" && strings.IndexByte("~!@#%^&`?", t.text[0]) >= 0,
			t.text == "$" || strings.HasPrefix(t.text, "$"),
			is(t, "ILIKE", "SIMILAR", "ARRAY", "LATERAL", "DISTINCT") && k+1 < len(body) && is(body[k+1], "ON"),
			is(t, "ILIKE", "SIMILAR", "ARRAY", "LATERAL", "WINDOW", "FILTER", "WITHIN", "TABLESAMPLE", "ROWS", "FETCH", "FOR"):
			return name, "", fmt.Errorf("%q", t.text)
		case strings.HasPrefix(t.text, "E'") || strings.HasPrefix(t.text, "e'"):
			return name, "", fmt.Errorf("an E'' string")
		}
		if t.ident && k+2 < len(body) && body[k+1].text == "." && body[k+2].ident && len(out) > 0 && out[len(out)-1].text == "." {
			return name, "", fmt.Errorf("a three-part name")
		}
		out = append(out, t)
	}
	if len(out) == 0 || !is(out[0], "SELECT") {
		return name, "", fmt.Errorf("not a plain SELECT")
	}
	return name, head + " AS " + join(out), nil
}

// isSQLWord reports whether w is a keyword that a parenthesis may follow
// in a query, not a function's name.
func isSQLWord(w string) bool {
	switch strings.ToUpper(w) {
	case "IN", "EXISTS", "FROM", "JOIN", "ON", "USING", "AS", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE",
		"SELECT", "BY", "WHERE", "CASE", "VALUES", "ALL", "ANY", "SOME", "HAVING", "UNION", "EXCEPT",
		"INTERSECT", "LIKE", "IS", "BETWEEN", "CAST", "DISTINCT", "END", "LIMIT", "OFFSET", "WITH", "OVER":
		return true
	}
	return false
}
