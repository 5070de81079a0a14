package importertest

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/dumpline/importer/sqlparse"
)

// The dumps of the checks, written as each dialect's own dump tool writes
// them: DROP TABLE IF EXISTS, CREATE TABLE, then INSERTs with a column
// list, ten rows each.

func str(s string) *string { return &s }

// confKinds are the columns of the conf tables: id INT, v TEXT.
var confKinds = []kind{number, text}

// confRows returns n rows (i, "tag-i-...") of a conf table.
func confRows(tag string, n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{str(fmt.Sprint(i + 1)), str(fmt.Sprintf("%s-%d-%s", tag, i+1, strings.Repeat("x", i%17)))}
	}
	return rows
}

// confDump returns the dump of a conf table holding rows.
func confDump(d sqlparse.Dialect, table string, rows []Row) string {
	dump, _ := confDumpMiddle(d, table, rows)
	return dump
}

// confDumpMiddle returns the dump of a conf table holding rows, and the
// number of a statement in the middle of its INSERTs, after the DROP and
// the CREATE.
func confDumpMiddle(d sqlparse.Dialect, table string, rows []Row) (string, int64) {
	var b strings.Builder
	b.WriteString(header(d))
	fmt.Fprintf(&b, "DROP TABLE IF EXISTS %s;\nCREATE TABLE %s (id INT PRIMARY KEY, v %s);\n", table, table, textType(d))
	middle := int64(headerStatements(d) + 2 + (len(rows)+9)/10/2)
	for i := 0; i < len(rows); i += 10 {
		fmt.Fprintf(&b, "INSERT INTO %s (id, v) VALUES ", table)
		for j, r := range rows[i:min(i+10, len(rows))] {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "(%s,%s)", *r[0], quote(d, *r[1]))
		}
		b.WriteString(";\n")
	}
	return b.String(), middle
}

func header(d sqlparse.Dialect) string {
	switch d {
	case sqlparse.MySQL:
		return "/*!40101 SET NAMES utf8mb4 */;\n"
	case sqlparse.Postgres:
		return "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
	}
	return ""
}

func headerStatements(d sqlparse.Dialect) int {
	switch d {
	case sqlparse.MySQL:
		return 1
	case sqlparse.Postgres:
		return 2
	}
	return 0
}

func textType(d sqlparse.Dialect) string {
	if d == sqlparse.MySQL {
		return "LONGTEXT CHARACTER SET utf8mb4"
	}
	return "TEXT"
}

// quote writes s as a string literal of d.
func quote(d sqlparse.Dialect, s string) string {
	if d != sqlparse.MySQL {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	r := strings.NewReplacer(`\`, `\\`, "'", `\'`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\x00", `\0`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}

// binary writes b as a binary literal of d.
func binary(d sqlparse.Dialect, b []byte) string {
	if d == sqlparse.Postgres {
		return `'\x` + hex.EncodeToString(b) + "'"
	}
	return "X'" + hex.EncodeToString(b) + "'"
}

// valKinds are the columns of the vals table: id, an integer, a decimal,
// a binary and a string column.
var valKinds = []kind{number, number, number, text, text}

// valuesDump returns the dump of the vals table, whose rows each hold one
// typed value (and one row only NULLs), and the rows to read back.
func valuesDump(d sqlparse.Dialect) (string, []Row) {
	types := map[sqlparse.Dialect][4]string{
		sqlparse.MySQL:    {"DECIMAL(65,0)", "DECIMAL(45,20)", "LONGBLOB", "LONGTEXT CHARACTER SET utf8mb4"},
		sqlparse.Postgres: {"NUMERIC", "NUMERIC", "BYTEA", "TEXT"},
		sqlparse.SQLite:   {"INTEGER", "REAL", "BLOB", "TEXT"},
	}[d]
	if types[0] == "" {
		types = [4]string{"DECIMAL(65,0)", "DECIMAL(45,20)", "BLOB", "TEXT"}
	}
	ints := []string{"0", "9223372036854775807", "-9223372036854775808"}
	decs := []string{"0.1", "-12345.6789", "3.0625"}
	if d != sqlparse.SQLite {
		// SQLite keeps integers in 64 bits and decimals as doubles, as its
		// own shell does; the others keep every digit.
		ints = append(ints, "18446744073709551615", "-123456789012345678901234567890")
		decs = append(decs, "12345678901234567890.12345678901234567890", "-0.00000000000000000001")
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	bins := [][]byte{{}, {0x00, 0xff, 0x7f, 0x80}, all}
	strs := []string{"", "héllo, wörld: 世界 🙂", `it's "quoted" \ back; slash`, "two\nlines\tand a tab", "--not a comment", "/* not either */"}

	var b strings.Builder
	b.WriteString(header(d))
	fmt.Fprintf(&b, "DROP TABLE IF EXISTS vals;\nCREATE TABLE vals (id INT PRIMARY KEY, i %s, d %s, b %s, s %s);\n", types[0], types[1], types[2], types[3])
	var want []Row
	add := func(col int, lit string, v *string) {
		id := len(want) + 1
		row := Row{str(fmt.Sprint(id)), nil, nil, nil, nil}
		lits := []string{fmt.Sprint(id), "NULL", "NULL", "NULL", "NULL"}
		if col > 0 {
			row[col], lits[col] = v, lit
		}
		want = append(want, row)
		fmt.Fprintf(&b, "INSERT INTO vals (id, i, d, b, s) VALUES (%s);\n", strings.Join(lits, ","))
	}
	add(0, "", nil) // NULL everywhere
	for _, v := range ints {
		add(1, v, str(v))
	}
	for _, v := range decs {
		add(2, v, str(v))
	}
	for _, v := range bins {
		add(3, binary(d, v), str(string(v)))
	}
	for _, v := range strs {
		add(4, quote(d, v), str(v))
	}
	return b.String(), want
}
