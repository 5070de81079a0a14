// Package sqlparse reads SQL dumps as a stream of statements and decodes the
// rows of INSERT statements and PostgreSQL COPY blocks into typed values.
//
// It knows the dialects written by mysqldump/mariadb-dump (MySQL, MariaDB),
// pg_dump (PostgreSQL plain format) and the sqlite3 shell's .dump. The reader
// never holds a whole statement of rows in memory: rows are decoded one at a
// time as the consumer asks for them, so memory is bounded by the largest row.
//
// [Reader] is the pull API ([NewReader], [Reader.Next], and [Rows] over a
// statement's rows); [Parser] wraps it in the callback API that the
// importer uses, and [Parser.Check] reads a whole dump on several cores. Per
// dialect it follows what the dialect's own client does when it splits a
// script:
//
//   - MySQL/MariaDB: backslash escapes (unless the dump sets
//     NO_BACKSLASH_ESCAPES), doubled quotes, "-- " and # comments,
//     conditional comments /*!NNNNN ... */ and /*M!NNNNNN ... */ read as
//     code (also inside VALUES), DELIMITER, the client commands source and
//     use, and MariaDB's /*M!999999\- enable the sandbox mode */ line.
//   - PostgreSQL: COPY ... FROM stdin data blocks (text format), dollar
//     quoting, E'...' strings, standard_conforming_strings, nested comments,
//     parentheses and BEGIN ATOMIC ... END bodies, psql meta-commands.
//   - SQLite: a doubled quote as the only escape, X'...' blobs, names in
//     double quotes, backquotes or brackets, CREATE TRIGGER bodies, and the replace(...,char(10)) expressions of .dump,
//     decoded to strings.
//
// A UTF-8 byte order mark is skipped and UTF-16 with a byte order mark is
// decoded to UTF-8; other encodings (latin1) are passed through as bytes.
//
// The reader runs in the caller's goroutine and starts none. It reads its
// input into one buffer (512 KiB by default) that grows only for a single
// statement or row that does not fit; values point into that buffer, or into
// a scratch buffer of the same size when escapes had to be decoded. A Reader
// reused with Reset does not allocate per statement or per row.
package sqlparse

import (
	"errors"
	"fmt"
	"strings"
)

// Dialect names the SQL dialect of a dump.
type Dialect uint8

// The dialects. Auto asks the reader to detect the dialect from the dump's
// header and content.
const (
	Auto Dialect = iota
	MySQL
	Postgres
	SQLite
)

var dialectNames = [...]string{Auto: "auto", MySQL: "mysql", Postgres: "postgres", SQLite: "sqlite"}

// String returns the dialect's lower-case name: "auto", "mysql", "postgres" or "sqlite".
func (d Dialect) String() string {
	if int(d) < len(dialectNames) {
		return dialectNames[d]
	}
	return fmt.Sprintf("Dialect(%d)", d)
}

// ParseDialect returns the dialect named s. It accepts the names printed by
// String and the aliases "mariadb", "postgresql", "pg" and "sqlite3".
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return Auto, nil
	case "mysql", "mariadb":
		return MySQL, nil
	case "postgres", "postgresql", "pg":
		return Postgres, nil
	case "sqlite", "sqlite3":
		return SQLite, nil
	}
	return Auto, fmt.Errorf("sqlparse: unknown dialect %q", s)
}

// Kind classifies a statement.
type Kind uint8

// The statement kinds.
const (
	// Other is any SQL statement not classified below: DDL, SET, LOCK
	// TABLES, MySQL conditional comments such as /*!40101 SET ... */, and so
	// on. Its whole text is in Statement.Text.
	Other Kind = iota
	// Insert is an INSERT or REPLACE ... VALUES statement. Its rows are read
	// with Statement.Rows.
	Insert
	// Copy is a PostgreSQL COPY ... FROM stdin statement with its data
	// block. Its rows are read with Statement.Rows.
	Copy
	// Meta is a client-side command that is not SQL: psql meta-commands
	// (\connect, \restrict), MySQL client commands (DELIMITER, source).
	Meta
)

var kindNames = [...]string{Other: "other", Insert: "insert", Copy: "copy", Meta: "meta"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Statement is one statement of a dump. A Statement and every slice it holds
// are only valid until the reader is asked for the next statement: copy what
// must be kept.
type Statement struct {
	// Kind classifies the statement.
	Kind Kind
	// Dialect is the dialect the statement was read in (never Auto).
	Dialect Dialect
	// Text is the statement as written in the dump, without its delimiter
	// and without leading comments. For Insert it ends just before the first
	// row tuple (it includes the VALUES keyword); for Copy it is the COPY
	// command without its data.
	Text []byte
	// Table is the target table of an Insert or Copy statement as the dump
	// writes it, unquoted, with any schema or database prefix joined by a
	// dot: `db`.`t` becomes "db.t", public."Actor" becomes "public.Actor".
	Table string
	// Columns is the column list of an Insert or Copy statement, unquoted,
	// or nil when the statement has none.
	Columns []string
	// Rows yields the rows of an Insert or Copy statement, decoded one by
	// one from the input; nil for other kinds. Rows not read by the consumer
	// are still decoded (and so checked) before the next statement.
	Rows RowReader
	// Line is the 1-based line of the statement's first byte.
	Line int64
	// Offset is the byte offset of the statement's first byte in the
	// (decompressed) input.
	Offset int64
	// Num is the 1-based number of the statement in its input.
	Num int64
	// Trailer is, for an Insert statement, the text that follows its last
	// row tuple up to the delimiter, such as "ON DUPLICATE KEY UPDATE a=a"
	// or "ON CONFLICT DO NOTHING"; empty when the statement has none. Rows
	// are streamed, so for a long statement Trailer is only known once
	// Rows.NextRow has returned io.EOF; a statement that ends within 4 KiB
	// of its VALUES keyword (such as the single-row INSERTs of pg_dump
	// --inserts) has it set from the start. It stays valid until the next
	// statement is read.
	Trailer []byte
}

// RowReader yields rows one at a time.
type RowReader interface {
	// NextRow returns the next row, or io.EOF after the last one. The
	// returned slice and the bytes its values hold are only valid until the
	// next call.
	NextRow() ([]Value, error)
}

// ValueKind is the type of a decoded value.
type ValueKind uint8

// The value kinds.
const (
	// Null is SQL NULL (and \N in COPY data).
	Null ValueKind = iota
	// Int is an integer literal; Raw holds its text, which may not fit 64 bits.
	Int
	// Number is a decimal or floating-point literal (".5", "5.", "1e-3");
	// Raw holds its exact text.
	Number
	// String is a string literal; Raw holds its bytes with quotes removed
	// and escapes decoded. COPY fields other than \N are Strings.
	String
	// Binary is a binary literal (X'..', 0x.., b'..', 0b.., _binary '..');
	// Raw holds the decoded bytes.
	Binary
	// Bool is TRUE or FALSE; Raw is "1" or "0".
	Bool
	// Default is the DEFAULT keyword in a VALUES tuple.
	Default
	// Expr is any other expression (a function call such as NOW() or
	// char(10), an arithmetic expression); Raw holds its text as written.
	Expr
)

var valueKindNames = [...]string{Null: "null", Int: "int", Number: "number", String: "string", Binary: "binary", Bool: "bool", Default: "default", Expr: "expr"}

// String returns the kind's name.
func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return fmt.Sprintf("ValueKind(%d)", k)
}

// Value is one decoded field of a row.
type Value struct {
	Kind ValueKind
	// Raw holds the value's bytes as described for each ValueKind. It is
	// only valid until the next row is read.
	Raw []byte
}

// ErrSyntax is wrapped by every *Error that reports malformed input.
var ErrSyntax = errors.New("sqlparse: syntax error")

// Error reports where a dump could not be read. It wraps ErrSyntax for
// malformed input, or the underlying read error.
type Error struct {
	// Line and Column are 1-based; Column counts bytes.
	Line, Column int64
	// Offset is the byte offset in the (decompressed) input.
	Offset int64
	// Statement is the 1-based number of the statement being read.
	Statement int64
	// Msg says what is wrong, for example "unterminated string".
	Msg string
	// Err is the wrapped error (ErrSyntax or a read error).
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d (byte %d, statement %d): %s", e.Line, e.Column, e.Offset, e.Statement, e.Msg)
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }
