package sink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// Translation is how the [SQLite] and [Postgres] sinks translate a dump of
// another dialect (MySQL and MariaDB dumps): the policies for values that
// the target has no equal for, and whether what cannot be translated fails
// the load. The zero value is the default of each policy.
type Translation struct {
	// ZeroDates is what becomes of MySQL's zero dates (0000-00-00, and
	// dates with a zero month or day) in DATE, DATETIME and TIMESTAMP
	// columns.
	ZeroDates ZeroDates
	// TinyIntOne is what a tinyint(1), BOOL or BOOLEAN column becomes.
	TinyIntOne TinyIntOne
	// Strict makes anything that is not translated fail the load: a
	// procedure, function, trigger, event, a view whose SELECT the target
	// refuses, a generated column, ON UPDATE CURRENT_TIMESTAMP, a FULLTEXT
	// or SPATIAL index, a prefix length. Without it each is skipped or
	// noted by name ([importer.Skip], [importer.Note]) and the load goes on.
	// For PostgreSQL dumps into SQLite and SQLite dumps into PostgreSQL,
	// every statement skipped as not translated fails the load.
	Strict bool
}

// ZeroDates is the policy for MySQL's zero dates; see [Translation].
type ZeroDates uint8

const (
	// ZeroDatesNull loads a zero date as NULL and counts it per column in
	// the report's notes ("zero date as NULL: t.c"). A column declared NOT
	// NULL with a zero-date default loses its NOT NULL and that default.
	ZeroDatesNull ZeroDates = iota
	// ZeroDatesFail fails the load at the first zero date, naming the
	// statement, row and column.
	ZeroDatesFail
)

// TinyIntOne is the policy for MySQL's tinyint(1) columns; see [Translation].
type TinyIntOne uint8

const (
	// TinyIntInteger keeps tinyint(1) an integer (smallint in PostgreSQL,
	// INTEGER in SQLite): MySQL lets it hold -128 to 127.
	TinyIntInteger TinyIntOne = iota
	// TinyIntBoolean makes it a boolean (boolean in PostgreSQL, 0 or 1 in
	// SQLite); a value other than 0 and 1 fails the load.
	TinyIntBoolean
)

// ErrNotTranslated is wrapped by the errors of a load in [Translation].Strict
// mode that met something it does not translate.
var ErrNotTranslated = errors.New("sink: not translated")

// skip reports a statement that is not translated: skipped and counted, or
// an error in strict mode.
func (tr *Translation) skip(target, reason string) error {
	if tr.Strict {
		return fmt.Errorf("%w to %s (strict): %s", ErrNotTranslated, target, reason)
	}
	return importer.Skip(reason)
}

// strict applies [Translation].Strict to the result of a translating path
// that reports its own skips: a statement skipped as "not translated …"
// fails the load instead. Other skips (session settings, owners mapped
// away, transaction control) change nothing the target holds and stay
// counted.
func (tr *Translation) strict(target string, err error) error {
	var sk *importer.SkippedError
	if !tr.Strict || !errors.As(err, &sk) || !strings.HasPrefix(sk.Reason, "not translated") {
		return err
	}
	return fmt.Errorf("%w to %s (strict): %s", ErrNotTranslated, target, sk.Reason)
}

// notes reports what a translated statement lost (lost, fatal in strict
// mode) and what it dropped without loss (info: engine, charset options).
func (tr *Translation) notes(target string, lost, info []string) error {
	if tr.Strict && len(lost) > 0 {
		return fmt.Errorf("%w to %s (strict): %s", ErrNotTranslated, target, lost[0])
	}
	all := append(lost[:len(lost):len(lost)], info...)
	if len(all) == 0 {
		return nil
	}
	return importer.Note(all...)
}

// rowConv converts the rows of a MySQL INSERT by the types of the columns
// they go to, in place: strings decoded from the dump's character set to
// UTF-8, strings of binary columns made Binary, zero dates by the policy,
// integers checked against the column's range.
type rowConv struct {
	tr    *Translation
	table string
	cols  []*myColumn       // by position in the row; nil when not known
	cs    encoding.Encoding // the dump's character set (SET NAMES); nil for UTF-8
	// maxInt is the target's largest integer (SQLite: int64; PostgreSQL's
	// numeric(20) holds every MySQL integer).
	maxInt uint64
	// canonDates makes dates canonical, as MySQL stores them
	// (2021/1/1 is 2021-01-01 00:00:00), for a target that keeps them as
	// text (SQLite).
	canonDates bool
	// wide marks the DECIMAL columns whose numbers are kept as their
	// digits (strings), for a target that stores them as TEXT (SQLite; see
	// sqliteType and keepWideDecimals); nil for none.
	wide []bool
	zero map[string]int64 // zero dates loaded as NULL, by note
	rows int64            // rows converted, for positions
	buf  []byte
}

// newRowConv returns the converter of st's rows into t (nil when the
// table's CREATE TABLE was not in the dump).
func newRowConv(tr *Translation, t *myTable, st *sqlparse.Statement, cs encoding.Encoding, maxInt uint64) (*rowConv, error) {
	c := &rowConv{tr: tr, table: lastPart(st.Table), cs: cs, maxInt: maxInt}
	if t == nil {
		return c, nil
	}
	if len(st.Columns) == 0 {
		c.cols = t.Columns
		return c, nil
	}
	for _, name := range st.Columns {
		col := t.col(name)
		if col == nil {
			return nil, fmt.Errorf("sink: table %s has no column %s", c.table, name)
		}
		c.cols = append(c.cols, col)
	}
	return c, nil
}

// keepWideDecimals makes the numbers of the DECIMAL columns that SQLite
// stores as TEXT (wider than 15 digits) strings, their digits as written.
func (c *rowConv) keepWideDecimals() {
	c.wide = nil
	for i, col := range c.cols {
		if col.family() == famDecimal && sqliteType(col) == "TEXT" {
			if c.wide == nil {
				c.wide = make([]bool, len(c.cols))
			}
			c.wide[i] = true
		}
	}
}

// convert converts one row in place.
func (c *rowConv) convert(row []sqlparse.Value) error {
	c.rows++
	c.buf = c.buf[:0]
	for i := range row {
		v := &row[i]
		var col *myColumn
		if i < len(c.cols) {
			col = c.cols[i]
		}
		if col == nil {
			if c.cs != nil && v.Kind == sqlparse.String {
				if err := c.toUTF8(v); err != nil {
					return c.errorf(&myColumn{Name: fmt.Sprint(i + 1)}, "%v", err)
				}
			}
			continue
		}
		switch f := col.family(); {
		case v.Kind == sqlparse.String && col.isBinary():
			v.Kind = sqlparse.Binary
		case v.Kind == sqlparse.String && (f == famDate || f == famDateTime) && isZeroDate(v.Raw):
			if c.tr.ZeroDates == ZeroDatesFail {
				return c.errorf(col, "zero date %q (the zero-date policy is to fail)", v.Raw)
			}
			*v = sqlparse.Value{Kind: sqlparse.Null}
			if c.zero == nil {
				c.zero = map[string]int64{}
			}
			c.zero["zero date as NULL: "+c.table+"."+col.Name]++
		case v.Kind == sqlparse.String && c.canonDates && (f == famDate || f == famDateTime) && !isCanonDate(v.Raw, f == famDate):
			start := len(c.buf)
			c.buf = appendCanonDate(c.buf, v.Raw, f == famDate)
			v.Raw = c.buf[start:len(c.buf):len(c.buf)]
		case v.Kind == sqlparse.String:
			if c.cs != nil && !col.isBinary() {
				if err := c.toUTF8(v); err != nil {
					return c.errorf(col, "%v", err)
				}
			}
		case (v.Kind == sqlparse.Int || v.Kind == sqlparse.Number) && c.wide != nil && c.wide[i]:
			v.Kind = sqlparse.String
		case v.Kind == sqlparse.Int && f == famInt:
			if err := c.checkInt(col, v.Raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkInt refuses an integer outside the column's range, or the
// target's, or, in a boolean column, other than 0 and 1.
func (c *rowConv) checkInt(col *myColumn, raw []byte) error {
	lo, hi := col.intRange()
	s := unsafeString(raw)
	if col.boolLike() && c.tr.TinyIntOne == TinyIntBoolean {
		if s != "0" && s != "1" {
			return c.errorf(col, "%s is not a boolean (the tinyint(1) policy is boolean)", s)
		}
		return nil
	}
	if len(s) > 0 && s[0] == '-' {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < lo {
			return c.errorf(col, "%s is out of range for %s", s, col.typeName())
		}
		return nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > hi {
		return c.errorf(col, "%s is out of range for %s", s, col.typeName())
	}
	if n > c.maxInt {
		return c.errorf(col, "%s is out of range for the target's integers", s)
	}
	return nil
}

// errorf returns an error naming the row and column.
func (c *rowConv) errorf(col *myColumn, format string, args ...any) error {
	return fmt.Errorf("sink: row %d of the statement, column %s.%s: %s", c.rows, c.table, col.Name, fmt.Sprintf(format, args...))
}

// note returns the zero dates counted since the last call, as notes.
func (c *rowConv) note() error {
	if len(c.zero) == 0 {
		return nil
	}
	var notes []string
	for k, n := range c.zero {
		for range n {
			notes = append(notes, k)
		}
	}
	clear(c.zero)
	return importer.Note(notes...)
}

// typeName returns the column's type as the dump writes it.
func (c *myColumn) typeName() string {
	s := c.Type
	if len(c.Args) > 0 {
		s += "(" + c.Args[0]
		for _, a := range c.Args[1:] {
			s += "," + a
		}
		s += ")"
	}
	if c.Unsigned {
		s += " UNSIGNED"
	}
	return s
}

// isZeroDate reports whether a DATE or DATETIME value has a zero year,
// month or day: 0000-00-00, 2019-00-00 00:00:00.
func isZeroDate(b []byte) bool {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	return string(b[:4]) == "0000" || string(b[5:7]) == "00" || string(b[8:10]) == "00"
}

// toUTF8 decodes a string of the dump's character set to UTF-8, into
// the row's scratch buffer.
func (c *rowConv) toUTF8(v *sqlparse.Value) error {
	b := v.Raw
	if !hasHigh(b) {
		return nil // ASCII: the same in every character set the map holds
	}
	start := len(c.buf)
	if cm, ok := c.cs.(*charmap.Charmap); ok {
		for _, ch := range b {
			c.buf = utf8.AppendRune(c.buf, cm.DecodeByte(ch))
		}
	} else {
		out, err := c.cs.NewDecoder().Bytes(b)
		if err != nil {
			return fmt.Errorf("cannot decode %.20q from the dump's character set: %v", b, err)
		}
		c.buf = append(c.buf, out...)
	}
	v.Raw = c.buf[start:len(c.buf):len(c.buf)]
	return nil
}

func hasHigh(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// mysqlCharsets are MySQL's character sets by name, as x/text decodes
// them; nil for those whose bytes are loaded as they are (UTF-8, binary).
var mysqlCharsets = map[string]encoding.Encoding{
	"utf8": nil, "utf8mb3": nil, "utf8mb4": nil, "binary": nil, "ascii": nil,
	"latin1": charmap.Windows1252, // MySQL's latin1 is Windows-1252
	"latin2": charmap.ISO8859_2, "latin5": charmap.ISO8859_9, "latin7": charmap.ISO8859_13,
	"greek": charmap.ISO8859_7, "hebrew": charmap.ISO8859_8, "koi8r": charmap.KOI8R, "koi8u": charmap.KOI8U,
	"cp1250": charmap.Windows1250, "cp1251": charmap.Windows1251, "cp1256": charmap.Windows1256,
	"cp1257": charmap.Windows1257, "cp850": charmap.CodePage850, "cp852": charmap.CodePage852, "cp866": charmap.CodePage866,
	"sjis": japanese.ShiftJIS, "cp932": japanese.ShiftJIS, "ujis": japanese.EUCJP, "eucjpms": japanese.EUCJP,
	"gbk": simplifiedchinese.GBK, "gb2312": simplifiedchinese.GBK, "gb18030": simplifiedchinese.GB18030,
	"big5": traditionalchinese.Big5, "euckr": korean.EUCKR,
}

// mysqlCharset follows SET NAMES: it reports whether the statement sets
// the dump's character set, and which (nil for UTF-8 and binary); a
// character set it does not know is an error, not bytes taken for UTF-8.
func mysqlCharset(text []byte) (set bool, cs encoding.Encoding, err error) {
	ts := lexMySQL(text)
	for i := 0; i+2 < len(ts); i++ {
		if is(ts[i], "SET") && is(ts[i+1], "NAMES") {
			name := strings.ToLower(strings.Trim(ts[i+2].text, "'\"`"))
			if strings.HasPrefix(name, "@") {
				continue
			}
			e, ok := mysqlCharsets[name]
			if !ok {
				return false, nil, fmt.Errorf("sink: the dump's character set %s is not translated (SET NAMES %s)", name, name)
			}
			set, cs = true, e
		}
	}
	return set, cs, nil
}

// mysqlClientStatement returns the skip of a MySQL statement that changes
// nothing a translating sink loads (session settings, LOCK TABLES,
// transaction control, SELECT, SHOW, …), or nil for the others.
func mysqlClientStatement(text []byte) error {
	switch w := firstWord(text); w {
	case "SET":
		return importer.Skip("mysql session setting")
	case "LOCK", "UNLOCK":
		return importer.Skip("mysql LOCK/UNLOCK TABLES (the sink loads each file in one transaction)")
	case "START", "BEGIN", "COMMIT", "ROLLBACK":
		return importer.Skip("transaction control (the sink loads each file in one transaction)")
	case "SELECT", "SHOW", "FLUSH", "DO", "ANALYZE", "OPTIMIZE", "CHECKSUM":
		return importer.Skip("mysql " + w + " (changes no data)")
	}
	return nil
}

// isCanonDate reports whether b is a date (YYYY-MM-DD) or a datetime
// (YYYY-MM-DD HH:MM:SS[.ffffff]) as MySQL writes them.
func isCanonDate(b []byte, date bool) bool {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return false
	}
	if date {
		return len(b) == 10
	}
	return len(b) >= 19 && b[10] == ' ' && b[13] == ':' && b[16] == ':' && (len(b) == 19 || b[19] == '.')
}

// appendCanonDate appends a date written with other delimiters or without
// leading zeros (2021/1/1, 2021-1-1 9:05:00) as MySQL stores it; a value
// it cannot read is appended as it is, for the target to refuse.
func appendCanonDate(dst, b []byte, date bool) []byte {
	var parts [6]int
	var frac []byte
	n, i := 0, 0
	for n < 6 && i < len(b) {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == i || j-i > 4 {
			return append(dst, b...)
		}
		parts[n], _ = strconv.Atoi(string(b[i:j]))
		n++
		if n == 6 && j < len(b) && b[j] == '.' {
			frac = b[j:]
			j = len(b)
		}
		i = j + 1
	}
	if n != 3 && n != 6 || i < len(b) {
		return append(dst, b...)
	}
	dst = fmt.Appendf(dst, "%04d-%02d-%02d", parts[0], parts[1], parts[2])
	if !date {
		dst = fmt.Appendf(dst, " %02d:%02d:%02d", parts[3], parts[4], parts[5])
		dst = append(dst, frac...)
	}
	return dst
}
