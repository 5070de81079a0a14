package sink

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"golang.org/x/text/encoding"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// The PostgreSQL sink's path for MySQL and MariaDB dumps: CREATE TABLE
// translated (mysql_postgres.go) into the staging schema, the rows of
// INSERT statements converted by column type into COPY text as they are
// decoded and streamed through the same jobs as a PostgreSQL dump's rows,
// keys, indexes and foreign keys built after the rows, identity sequences
// moved past the highest value, views translated when their SELECT is
// plain SQL, and the rest (procedures, functions, triggers, events,
// dialect-only views) listed by name, or fatal with [Translation].Strict.

// pgMySQL is the state of a MySQL dump's load into PostgreSQL.
type pgMySQL struct {
	tables  map[string]*myPGTable // tables the dump created, by name
	created map[string]string     // relations created by this load: "table" or "view"
	names   map[string]bool       // index names used
	order   []string              // tables in the order they were created
	cs      encoding.Encoding     // the dump's character set; nil for UTF-8
	pos     map[string]jobStmt    // the CREATE TABLE of each table, for errors of its indexes
}

// execMySQL applies a statement of a MySQL or MariaDB dump.
func (l *pgLoad) execMySQL(ctx context.Context, st *sqlparse.Statement) error {
	if l.my == nil {
		l.my = &pgMySQL{tables: map[string]*myPGTable{}, created: map[string]string{}, names: map[string]bool{}, pos: map[string]jobStmt{}}
		l.session = append(l.session, "SET TimeZone = 'UTC'")
		if err := l.execSQL(ctx, "SET TimeZone = 'UTC'"); err != nil {
			return l.wrap(err, "session settings")
		}
	}
	tr := &l.s.Translation
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("client command")
	case sqlparse.Insert:
		return l.mysqlRows(ctx, st)
	case sqlparse.Copy:
		return fmt.Errorf("sink: postgres: COPY in a MySQL dump")
	}
	name := lastPart(st.Name)
	switch {
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Table:
		return l.mysqlCreateTable(ctx, st)
	case st.Verb == sqlparse.Drop && (st.Object == sqlparse.Table || st.Object == sqlparse.View):
		return l.mysqlDrop(ctx, st)
	case st.Verb == sqlparse.Truncate:
		if err := l.finishAll(); err != nil {
			return err
		}
		return l.execSQL(ctx, "TRUNCATE "+quoteIdent(name))
	case st.Verb == sqlparse.Create && st.Object == sqlparse.Index:
		table, k, err := parseMySQLIndex(st.Text)
		if err != nil {
			return tr.skip("postgres", "not translated to postgres: index "+name+": "+err.Error())
		}
		t := l.my.tables[table]
		if t == nil {
			return tr.skip("postgres", "not translated to postgres: index "+name+" of a table the dump did not create")
		}
		post, lost := pgKey(t.model, k, l.my.indexName(t.model))
		t.post = append(t.post, post...)
		return tr.notes("postgres", prefixAll("not translated: ", lost), nil)
	case st.Verb == sqlparse.Alter && st.Object == sqlparse.Table:
		return l.mysqlAlter(st)
	case st.Verb == sqlparse.Create && st.Object == sqlparse.View:
		return l.mysqlView(ctx, st)
	case st.Object == sqlparse.Database:
		return importer.Skip("the dump's databases are mapped onto the target database (USE, CREATE and DROP DATABASE)")
	case st.Verb != sqlparse.NoVerb:
		what := st.Object.String()
		if what == "" {
			what = "statement"
		}
		return tr.skip("postgres", fmt.Sprintf("not translated to postgres: %s %s %s", st.Verb, what, name))
	}
	if set, cs, err := mysqlCharset(st.Text); err != nil {
		return err
	} else if set {
		l.my.cs = cs
	}
	if tz, ok := mysqlTimeZone(st.Text); ok {
		// TIMESTAMP values are written in the dump's time zone (UTC for
		// mariadb-dump and mysqldump, unless --skip-tz-utc).
		if err := l.execSQL(ctx, tz); err != nil {
			return l.wrap(err, "time zone")
		}
		l.session = append(l.session, tz)
	}
	if err := mysqlClientStatement(st.Text); err != nil {
		return err
	}
	return tr.skip("postgres", fmt.Sprintf("not translated to postgres: %.60q", st.Text))
}

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// indexName returns the name function of t's indexes.
func (m *pgMySQL) indexName(t *myTable) func(myKey) string {
	return func(k myKey) string {
		n := k.Name
		for i := 2; n == "" || m.names[n]; i++ {
			n = fmt.Sprintf("%s_%s%d", t.Name, k.Name, i)
		}
		m.names[n] = true
		return quoteIdent(n)
	}
}

// mysqlCreateTable creates a translated table.
func (l *pgLoad) mysqlCreateTable(ctx context.Context, st *sqlparse.Statement) error {
	t, err := mysqlPGTable(st.Text, &l.s.Translation, l.my.names)
	if err != nil {
		return fmt.Errorf("sink: postgres: %w", err)
	}
	name := t.model.Name
	if l.mode == Append {
		var exists bool
		if err := l.conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", quoteIdent(name)).Scan(&exists); err != nil {
			return l.wrap(err, "table "+name)
		}
		if exists {
			// Its identity sequences still move past the rows.
			if _, ok := l.my.tables[name]; !ok {
				l.my.order = append(l.my.order, name)
			}
			l.my.tables[name] = &myPGTable{model: t.model, serials: t.serials}
			return importer.Skip("CREATE TABLE of a table that exists (append mode loads into it)")
		}
	}
	if err := l.execSQL(ctx, t.create); err != nil {
		return fmt.Errorf("%w (translated as %q)", l.wrap(err, "create table "+name), t.create)
	}
	if _, ok := l.my.tables[name]; !ok {
		l.my.order = append(l.my.order, name)
	}
	l.my.tables[name] = t
	l.my.created[name] = "table"
	l.my.pos[name] = posOf(st, 0)
	return l.s.Translation.notes("postgres", prefixAll("not translated: ", t.lost), t.info)
}

// mysqlDrop drops a table or view that this load created (a view's
// placeholder); the others do not exist in the staging schema.
func (l *pgLoad) mysqlDrop(ctx context.Context, st *sqlparse.Statement) error {
	if l.mode == Append {
		return importer.Skip("DROP TABLE or VIEW (append mode loads into the existing tables)")
	}
	names, err := dropTableNames(st.Text)
	if err != nil {
		return err
	}
	dropped := false
	for _, n := range names {
		kind, ok := l.my.created[n]
		if !ok {
			continue
		}
		if l.loaded[n] {
			if err := l.finishAll(); err != nil {
				return err
			}
		}
		if err := l.execSQL(ctx, "DROP "+strings.ToUpper(kind)+" IF EXISTS "+quoteIdent(n)+" CASCADE"); err != nil {
			return l.wrap(err, "drop "+kind+" "+n)
		}
		delete(l.my.created, n)
		if kind == "table" {
			delete(l.my.tables, n)
		}
		dropped = true
	}
	if !dropped {
		return importer.Skip("DROP TABLE or VIEW of what the load has not created (the replace swaps schemas whole)")
	}
	return nil
}

// mysqlAlter translates ALTER TABLE … ADD key or constraint, which are
// built after the rows; DISABLE/ENABLE KEYS is skipped.
func (l *pgLoad) mysqlAlter(st *sqlparse.Statement) error {
	tr := &l.s.Translation
	if isKeysToggle(st.Text) {
		return importer.Skip("ALTER TABLE … DISABLE/ENABLE KEYS (the sink builds indexes after the rows)")
	}
	ts := lexMySQL(st.Text)
	name := lastPart(st.Name)
	t := l.my.tables[name]
	i := 2
	for i < len(ts) && !is(ts[i], "ADD") {
		i++
	}
	if t == nil || i >= len(ts) {
		return tr.skip("postgres", "not translated to postgres: alter table "+name)
	}
	var lost []string
	for _, it := range splitItems(ts[i:]) {
		if len(it) < 2 || !is(it[0], "ADD") {
			return tr.skip("postgres", "not translated to postgres: alter table "+name)
		}
		m := &myTable{Name: t.model.Name, Columns: t.model.Columns}
		if err := m.item(it[1:]); err != nil || len(m.Columns) != len(t.model.Columns) {
			return tr.skip("postgres", "not translated to postgres: alter table "+name)
		}
		for _, k := range m.Keys {
			post, lk := pgKey(t.model, k, l.my.indexName(t.model))
			t.post = append(t.post, post...)
			lost = append(lost, lk...)
		}
		for _, f := range m.Foreign {
			t.addFK(f)
		}
		if len(m.Checks) > 0 {
			return tr.skip("postgres", "not translated to postgres: alter table "+name+" add check")
		}
	}
	return tr.notes("postgres", prefixAll("not translated: ", lost), nil)
}

// mysqlView creates a view whose SELECT is plain SQL; the others are
// listed by name.
func (l *pgLoad) mysqlView(ctx context.Context, st *sqlparse.Statement) error {
	tr := &l.s.Translation
	v, cols, err := parseMySQLView(st.Text)
	if err != nil {
		return tr.skip("postgres", "not translated to postgres: view "+lastPart(st.Name))
	}
	// A view created before by this load (mariadb-dump's placeholder,
	// SELECT 1 AS `a`, …, which lets other views refer to it) goes first,
	// whether this one is translated or not.
	if kind := l.my.created[v.Name]; kind != "" {
		if err := l.execSQL(ctx, "DROP "+strings.ToUpper(kind)+" IF EXISTS "+quoteIdent(v.Name)+" CASCADE"); err != nil {
			return l.wrap(err, "drop "+v.Name)
		}
		delete(l.my.created, v.Name)
	}
	sel, ok := pgPlain(v.Select)
	if !ok {
		return tr.skip("postgres", "not translated to postgres: view "+v.Name+" (its SELECT is not plain SQL)")
	}
	sql := "CREATE VIEW " + quoteIdent(v.Name)
	if len(cols) > 0 {
		sql += " " + identsSQL(cols)
	}
	sql += " AS " + sel
	if v.Check {
		sql += " WITH CHECK OPTION"
	}
	if err := l.execSQL(ctx, sql); err != nil {
		return tr.skip("postgres", "not translated to postgres: view "+v.Name+" ("+err.Error()+")")
	}
	l.my.created[v.Name] = "view"
	if isPlaceholder(v.Select) {
		return nil // the view's final definition comes later in the dump
	}
	return importer.Note("translated: view " + v.Name)
}

// mysqlRows converts the rows of an INSERT into COPY text for the job of
// its table.
func (l *pgLoad) mysqlRows(ctx context.Context, st *sqlparse.Statement) error {
	if len(st.Trailer) > 0 {
		return l.s.Translation.skip("postgres", fmt.Sprintf("not translated to postgres: %q after the rows of %s", st.Trailer, lastPart(st.Table)))
	}
	table := lastPart(st.Table)
	t := l.my.tables[table]
	if t == nil {
		// A table of the target that the dump did not create (a data-only
		// dump in append mode): its columns are read from the server.
		model, err := l.serverModel(ctx, table)
		if err != nil {
			return err
		}
		t = &myPGTable{model: model}
		l.my.tables[table] = t
		l.my.order = append(l.my.order, table)
	}
	model := t.model
	conv, err := newRowConv(&l.s.Translation, model, st, l.my.cs, ^uint64(0))
	if err != nil {
		return err
	}
	encs := make([]pgEnc, len(conv.cols))
	for i, c := range conv.cols {
		encs[i] = pgEncOf(c, &l.s.Translation)
	}
	cst := *st
	cst.Table = table
	key := table + "\x00" + strings.Join(st.Columns, "\x00")
	j := l.cur
	if j == nil || j.key != key {
		if err := l.finishCur(); err != nil {
			return err
		}
		if j, err = l.startJob(ctx, &cst); err != nil {
			return err
		}
	}
	j.pos = append(j.pos, posOf(st, j.rows+1))
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		if err := conv.convert(row); err != nil {
			return err
		}
		for i, v := range row {
			if i > 0 {
				j.buf = append(j.buf, '\t')
			}
			e := pgEncText
			if i < len(encs) {
				e = encs[i]
			}
			var ok bool
			if j.buf, ok = e.append(j.buf, v); !ok {
				col := fmt.Sprint(i + 1)
				if i < len(conv.cols) {
					col = conv.cols[i].Name
				}
				return fmt.Errorf("sink: postgres: row %d of the statement, column %s.%s: a %s value (%.40q) is not translated", conv.rows, table, col, v.Kind, v.Raw)
			}
		}
		j.buf = append(j.buf, '\n')
		j.rows++
		if len(j.buf) >= pgChunkSize {
			if err := l.send(ctx, j); err != nil {
				return err
			}
		}
	}
	return conv.note()
}

// pgEnc is how a column's values are written as COPY text.
type pgEnc struct {
	kind uint8
	bits int // of bit(n)
}

const (
	encText uint8 = iota
	encBytea
	encBool
	encBit
)

var pgEncText = pgEnc{}

// pgEncOf returns the encoding of column c's values (c may be nil).
func pgEncOf(c *myColumn, tr *Translation) pgEnc {
	switch {
	case c == nil:
		return pgEncText
	case c.Target == "boolean":
		return pgEnc{kind: encBool}
	case c.isBinary():
		return pgEnc{kind: encBytea}
	case c.family() == famBit:
		n := 1
		if len(c.Args) > 0 {
			fmt.Sscan(c.Args[0], &n)
		}
		return pgEnc{kind: encBit, bits: n}
	case c.family() == famInt && c.boolLike() && tr.TinyIntOne == TinyIntBoolean:
		return pgEnc{kind: encBool}
	}
	return pgEncText
}

// append appends v as COPY text; false for a value it cannot carry.
func (e pgEnc) append(dst []byte, v sqlparse.Value) ([]byte, bool) {
	if v.Kind == sqlparse.Null {
		return append(dst, '\\', 'N'), true
	}
	switch e.kind {
	case encBytea:
		if v.Kind != sqlparse.String && v.Kind != sqlparse.Binary {
			return dst, false
		}
		dst = append(dst, '\\', '\\', 'x')
		return hex.AppendEncode(dst, v.Raw), true
	case encBool:
		switch {
		case v.Kind == sqlparse.Bool:
		case (v.Kind == sqlparse.Int || v.Kind == sqlparse.String) && (string(v.Raw) == "0" || string(v.Raw) == "1"):
		default:
			return dst, false
		}
		if v.Raw[0] == '1' {
			return append(dst, 't'), true
		}
		return append(dst, 'f'), true
	case encBit:
		var n uint64
		switch v.Kind {
		case sqlparse.Binary, sqlparse.String:
			if len(v.Raw) > 8 {
				return dst, false
			}
			for _, b := range v.Raw {
				n = n<<8 | uint64(b)
			}
		case sqlparse.Int:
			if _, err := fmt.Sscan(string(v.Raw), &n); err != nil {
				return dst, false
			}
		default:
			return dst, false
		}
		for i := e.bits - 1; i >= 0; i-- {
			dst = append(dst, '0'+byte(n>>uint(i)&1))
		}
		return dst, true
	}
	switch v.Kind {
	case sqlparse.Binary:
		return appendEscaped(dst, v.Raw, false), true
	case sqlparse.Bool:
		if v.Raw[0] == '1' {
			return append(dst, '1'), true
		}
		return append(dst, '0'), true
	}
	return appendCopyText(dst, v)
}

// mysqlPost builds, after every row, the keys and indexes (several at
// once), then the foreign keys, then moves the identity sequences past the
// highest value.
func (l *pgLoad) mysqlPost(ctx context.Context) error {
	m := l.my
	for _, name := range m.order {
		t := m.tables[name]
		if t == nil {
			continue
		}
		p := m.pos[name]
		for _, sql := range t.post {
			if l.mode == Append {
				if err := l.execSQL(ctx, sql); err != nil {
					return l.wrap(err, "index of "+name)
				}
				continue
			}
			st := &sqlparse.Statement{Table: name, Line: p.line, Offset: p.offset, Num: p.num}
			if err := l.indexJob(ctx, st, []byte(sql)); err != nil {
				return err
			}
		}
	}
	if err := l.finishAll(); err != nil {
		return err
	}
	for _, name := range m.order {
		t := m.tables[name]
		if t == nil {
			continue
		}
		for k, sql := range t.fks {
			if ref := t.refs[k]; m.created[ref] == "" && l.mode != Append {
				what := "foreign key of " + name + " to " + ref + ", a table the dump does not hold"
				if l.s.Translation.Strict {
					return fmt.Errorf("%w to postgres (strict): %s", ErrNotTranslated, what)
				}
				slog.Warn("sink: postgres: not translated: " + what)
				continue
			}
			if err := l.execSQL(ctx, sql); err != nil {
				return m.pos[name].err(name, fmt.Errorf("%w (translated as %q)", l.wrap(err, "foreign key"), sql))
			}
		}
		for _, col := range t.serials {
			start := "1"
			if v := t.model.option("AUTO_INCREMENT"); v != "" {
				start = v
			}
			sql := fmt.Sprintf("SELECT setval(pg_get_serial_sequence(%s, %s), greatest(coalesce(max(%s) + 1, 1), %s), false) FROM %s",
				pgLiteral(quoteIdent(name)), pgLiteral(col), quoteIdent(col), start, quoteIdent(name))
			if err := l.execSQL(ctx, sql); err != nil {
				return l.wrap(err, "identity of "+name+"."+col)
			}
		}
	}
	return nil
}

// isPlaceholder reports whether a view's SELECT is mariadb-dump's stand-in
// for a view defined at the end of the dump: SELECT 1 AS `a`, 1 AS `b`
// (SELECT NULL AS `a`, … since MariaDB 10.5).
func isPlaceholder(sel []ddlToken) bool {
	if len(sel) < 4 || !is(sel[0], "SELECT") {
		return false
	}
	for i := 1; i < len(sel); i += 4 {
		if i+2 >= len(sel) || sel[i].text != "1" && !is(sel[i], "NULL") || !is(sel[i+1], "AS") || !sel[i+2].ident || i+3 < len(sel) && sel[i+3].text != "," {
			return false
		}
	}
	return true
}

var mysqlTZ = regexp.MustCompile(`(?i)\bTIME_ZONE\s*=\s*'([^']*)'`)
var tzOffset = regexp.MustCompile(`^[+-]\d{1,2}:\d\d$`)

// mysqlTimeZone returns the PostgreSQL setting of a SET TIME_ZONE='…'
// statement: an offset (+05:30) or a named zone; SYSTEM and variables
// change nothing (the load reads TIMESTAMP values in UTC until told).
func mysqlTimeZone(text []byte) (string, bool) {
	m := mysqlTZ.FindSubmatch(text)
	if m == nil || strings.EqualFold(string(m[1]), "SYSTEM") {
		return "", false
	}
	v := string(m[1])
	if tzOffset.MatchString(v) {
		return "SET TIME ZONE INTERVAL " + pgLiteral(v) + " HOUR TO MINUTE", true
	}
	return "SET TimeZone = " + pgLiteral(v), true
}

// serverModel returns the columns of a table of the target as the MySQL
// types whose values convert alike (bytea as BLOB, date and timestamps as
// DATE and DATETIME, for the zero-date policy), with Target set to the
// column's PostgreSQL type.
func (l *pgLoad) serverModel(ctx context.Context, table string) (*myTable, error) {
	rows, err := l.conn.Query(ctx, `SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, quoteIdent(table))
	if err != nil {
		return nil, l.wrap(err, "columns of "+table)
	}
	defer rows.Close()
	t := &myTable{Name: table}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, l.wrap(err, "columns of "+table)
		}
		c := &myColumn{Name: name, Table: table, Target: typ, Type: "TEXT"}
		switch {
		case typ == "bytea":
			c.Type = "BLOB"
		case typ == "boolean":
			c.Type, c.Args = "TINYINT", []string{"1"}
		case typ == "smallint":
			c.Type = "SMALLINT"
		case typ == "integer":
			c.Type = "INT"
		case typ == "bigint":
			c.Type = "BIGINT"
		case typ == "date":
			c.Type = "DATE"
		case strings.HasPrefix(typ, "timestamp"):
			c.Type = "DATETIME"
		case strings.HasPrefix(typ, "bit("):
			c.Type, c.Args = "BIT", []string{strings.TrimSuffix(strings.TrimPrefix(typ, "bit("), ")")}
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, l.wrap(err, "columns of "+table)
	}
	return t, nil
}
