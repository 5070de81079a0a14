package sqlparse

import (
	"bytes"
	"errors"
	"fmt"
)

// What tells a whole dump from other input. A job that replaces live data
// with whatever it accepts must refuse an HTML error page, a half-written
// upload or a dump cut at a statement boundary, so a Reader makes these
// checks unless Allow relaxes them:
//
//   - every statement begins with a word that a dump of its dialect starts
//     statements with (CREATE, INSERT, SET, …), a MySQL conditional comment
//     or a client command (ErrNotSQL);
//   - the last statement ends with its delimiter, not with the input
//     (ErrIncomplete);
//   - a dump whose header names a producer that always ends its output with
//     a trailer has that trailer: mysqldump and mariadb-dump write
//     "-- Dump completed", pg_dump and pg_dumpall "-- PostgreSQL database
//     … dump complete", the sqlite3 shell's .dump a final COMMIT
//     (ErrIncomplete). phpMyAdmin is recognised (its dialect) but writes no
//     fixed trailer, and files without a producer's header (hand-written,
//     generated) need none;
//   - the input holds at least one statement (ErrEmpty);
//   - a dialect given to the Reader agrees with the producer named in the
//     header (ErrDialectMismatch).

// Allow relaxes the checks that tell a whole dump from other input. The
// zero value makes every check, the safe default for a job that replaces
// live data. A Parser passes its Allow to its Readers.
type Allow struct {
	// Empty accepts an input without any statement (an empty file, or
	// only comments).
	Empty bool
	// Unterminated accepts a last statement ended by the end of the input
	// instead of its delimiter (an INSERT is never accepted so: its rows
	// may have been cut).
	Unterminated bool
	// MissingTrailer accepts a dump whose header names a producer that
	// always writes a trailer (mysqldump, mariadb-dump, pg_dump, the
	// sqlite3 shell) when the trailer is missing.
	MissingTrailer bool
	// AnyStatement accepts statements that begin with a word no dump of
	// their dialect starts a statement with.
	AnyStatement bool
	// DialectMismatch reads the dump in the dialect given to the Reader
	// even when its header names a producer of another dialect.
	DialectMismatch bool
}

var (
	// ErrNotSQL is wrapped by the *Error of a statement that begins with
	// something no dump of its dialect holds: the input is not a dump.
	ErrNotSQL = errors.New("sqlparse: not a SQL dump")
	// ErrIncomplete is wrapped by the *Error of a dump whose last statement
	// is not terminated or whose producer's trailer is missing: the dump
	// was probably truncated.
	ErrIncomplete = errors.New("sqlparse: incomplete dump")
	// ErrEmpty is wrapped by the *Error of an input without any statement.
	ErrEmpty = errors.New("sqlparse: no statement in the input")
	// ErrDialectMismatch is wrapped by the *Error of a dump whose header
	// names a producer of another dialect than the one asked for.
	ErrDialectMismatch = errors.New("sqlparse: the dump's header names another dialect")
)

// producer is a dump writer recognised from its header, for the trailer
// check.
type producer uint8

const (
	noProducer  producer = iota
	mysqldump            // mysqldump, mariadb-dump
	pgDump               // pg_dump, pg_dumpall
	sqliteShell          // sqlite3 .dump
)

var producerNames = [...]string{noProducer: "", mysqldump: "mysqldump/mariadb-dump", pgDump: "pg_dump", sqliteShell: "the sqlite3 shell's .dump"}

// producerOf recognises the producer from the first bytes of a dump, and
// the dialect its header names (Auto if none).
func producerOf(b []byte) (producer, Dialect) {
	head := b[:min(len(b), 1024)]
	switch {
	case bytes.HasPrefix(head, []byte("-- MySQL dump ")), bytes.HasPrefix(head, []byte("-- MariaDB dump ")),
		bytes.HasPrefix(head, []byte("/*M!999999")) && bytes.Contains(head, []byte("\n-- MariaDB dump ")):
		return mysqldump, MySQL
	case bytes.HasPrefix(head, []byte("--\n-- PostgreSQL database ")), bytes.HasPrefix(head, []byte("--\r\n-- PostgreSQL database ")):
		return pgDump, Postgres
	case bytes.HasPrefix(head, []byte("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;")):
		return sqliteShell, SQLite
	}
	return noProducer, headerDialect(b)
}

// tail is what a dump ended with so far, for the trailer check.
type tail uint8

const (
	tailNone      tail = iota // nothing yet
	tailStatement             // a statement
	tailCommit                // a COMMIT statement
	tailMySQL                 // "-- Dump completed" after the last statement
	tailPostgres              // "-- PostgreSQL database … dump complete" after it
)

// noteComment notes a trailer comment that starts at b[i].
func (r *Reader) noteComment(b []byte, i, end int) {
	c := b[i:end]
	switch {
	case bytes.HasPrefix(c, []byte("-- Dump completed")):
		r.tail = tailMySQL
	case bytes.HasPrefix(c, []byte("-- PostgreSQL database ")) && bytes.HasSuffix(trimSpace(c), []byte("dump complete")):
		r.tail = tailPostgres
	}
}

// noteStatement notes the statement just read for the trailer check:
// client commands (psql's \unrestrict after pg_dump's trailer) change
// nothing.
func (r *Reader) noteStatement(st *Statement) {
	switch {
	case st.Kind == Meta:
	case st.Kind == Other && equalFold(st.Text, "commit"):
		r.tail = tailCommit
	default:
		r.tail = tailStatement
	}
}

// endCheck returns what is wrong with a dump of producer p that ended with
// t after n statements, or "" and nil.
func endCheck(p producer, t tail, n int64, allow *Allow) (string, error) {
	if n == 0 && !allow.Empty {
		return "the input holds no SQL statement (empty file?)", ErrEmpty
	}
	if allow.MissingTrailer {
		return "", nil
	}
	var want tail
	var what string
	switch p {
	case mysqldump:
		want, what = tailMySQL, `its "-- Dump completed" line`
	case pgDump:
		want, what = tailPostgres, `its "-- PostgreSQL database dump complete" line`
	case sqliteShell:
		want, what = tailCommit, "its final COMMIT"
	default:
		return "", nil
	}
	if t != want {
		return "the dump ends without " + what + ", which " + producerNames[p] + " always writes (truncated dump?)", ErrIncomplete
	}
	return "", nil
}

// checkEnd makes the end-of-input checks at the end of the input.
func (r *Reader) checkEnd() error {
	msg, err := endCheck(r.producer, r.tail, r.num, &r.allow)
	if err == nil {
		return nil
	}
	return r.errAtErr(r.end, msg, err)
}

// statementWords holds, per dialect, the words that begin statements in
// dumps (upper case): what dump tools write, and what people write in
// hand-made dump files.
var statementWords = [...]map[string]bool{
	MySQL: words("ALTER ANALYZE BEGIN BINLOG CALL CHANGE CHECK CHECKSUM COMMIT CREATE DEALLOCATE DELETE " +
		"DESCRIBE DO DROP EXECUTE EXPLAIN FLUSH GRANT HANDLER INSERT INSTALL KILL LOAD LOCK OPTIMIZE " +
		"PREPARE PURGE RELEASE RENAME REPAIR REPLACE RESET REVOKE ROLLBACK SAVEPOINT SELECT SET SHOW " +
		"START STOP TABLE TRUNCATE UNINSTALL UNLOCK UPDATE USE VALUES WITH XA"),
	Postgres: words("ABORT ALTER ANALYZE BEGIN CALL CHECKPOINT CLOSE CLUSTER COMMENT COMMIT COPY CREATE " +
		"DEALLOCATE DECLARE DELETE DISCARD DO DROP END EXECUTE EXPLAIN FETCH GRANT IMPORT INSERT LISTEN " +
		"LOAD LOCK MERGE MOVE NOTIFY PREPARE REASSIGN REFRESH REINDEX RELEASE RESET REVOKE ROLLBACK " +
		"SAVEPOINT SECURITY SELECT SET SHOW START TABLE TRUNCATE UNLISTEN UPDATE VACUUM VALUES WITH"),
	SQLite: words("ALTER ANALYZE ATTACH BEGIN COMMIT CREATE DELETE DETACH DROP END EXPLAIN INSERT PRAGMA " +
		"REINDEX RELEASE REPLACE ROLLBACK SAVEPOINT SELECT UPDATE VACUUM VALUES WITH"),
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range bytes.Fields([]byte(s)) {
		m[string(w)] = true
	}
	return m
}

// isStatementWord reports whether w begins statements in dumps of the
// reader's dialect.
func (r *Reader) isStatementWord(w []byte) bool { return isWord(statementWords[r.dialect], w) }

// notSQL returns the error for a statement at b[s] that begins with
// nothing a dump holds.
func (r *Reader) notSQL(b []byte, s int) error {
	e := s
	for e < len(b) && e-s < 24 && b[e] > ' ' && b[e] < 0x7f {
		e++
	}
	what := fmt.Sprintf("a byte 0x%02x", b[s])
	if e > s {
		what = "\"" + string(b[s:e]) + "\""
	}
	return r.errAtErr(s, "a statement begins with "+what+", which no "+r.dialect.String()+" dump holds (not a SQL dump?)", ErrNotSQL)
}

// errAtErr returns an error at buffer index i that wraps err.
func (r *Reader) errAtErr(i int, msg string, err error) error {
	e := r.errAt(i, msg).(*Error)
	e.Err = err
	return e
}
