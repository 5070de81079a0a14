package sink

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// batchRows is the most rows one prepared INSERT takes; SQLite allows
// 32,766 parameters a statement, which bounds it for wide tables.
const (
	batchRows = 256
	maxParams = 32766
)

// stmtKey names a prepared INSERT: the statement's head and trailer, and
// how many rows it takes.
type stmtKey struct {
	head, trailer string
	rows, cols    int
}

// rowPos is where the statement of a batched row is, to report it.
type rowPos struct {
	line, offset, num int64
	table             string
}

type sqliteLoad struct {
	s      *SQLite
	mode   Mode
	db     *sql.DB
	ownDB  bool
	conn   *sql.Conn
	target string   // the database file loaded
	path   string   // the file being built (Replace, Recreate)
	lock   *os.File // holds the advisory lock on path (Replace)
	stmts  map[stmtKey]*sql.Stmt
	done   bool

	// the batch of rows being gathered, from consecutive INSERT statements
	// with the same head, trailer and number of values
	head    []byte
	trailer string
	cols    int
	rows    int
	args    []any
	pos     []rowPos // where each row's statement is
	arena   []byte   // copies of the batch's strings and blobs
	sql     bytes.Buffer
	exec    context.Context // never cancelled: no watcher goroutine per call
	scratch []any
}

func (l *sqliteLoad) startTx(ctx context.Context, begin string) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return err
	}
	l.conn = conn
	return nil
}

// Exec implements importer.Load.
func (l *sqliteLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	if st.Dialect != sqlparse.SQLite {
		return fmt.Errorf("sink: the sqlite sink loads sqlite dumps; this one is %s (cross-dialect loading is not built yet)", st.Dialect)
	}
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("client command")
	case sqlparse.Insert:
		return l.insert(ctx, st)
	case sqlparse.Copy:
		return fmt.Errorf("sink: sqlite cannot load COPY data")
	}
	if err := l.flush(ctx); err != nil {
		return err
	}
	if isTxControl(st.Text) {
		return importer.Skip("transaction control (the sink loads each file in one transaction)")
	}
	_, err := l.conn.ExecContext(ctx, string(st.Text))
	return err
}

// isTxControl reports whether text is BEGIN [TRANSACTION], COMMIT, END or ROLLBACK.
func isTxControl(text []byte) bool {
	f := strings.Fields(strings.ToUpper(string(bytes.TrimSpace(text[:min(len(text), 40)]))))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "BEGIN", "COMMIT", "END":
		return len(f) == 1 || (len(f) == 2 && f[1] == "TRANSACTION")
	case "ROLLBACK":
		return len(f) == 1
	}
	return false
}

func (l *sqliteLoad) insert(ctx context.Context, st *sqlparse.Statement) error {
	// A trailer known before the rows ("ON CONFLICT DO NOTHING") is applied
	// to every row; one that only shows after the rows of a long statement
	// cannot be, and fails the load rather than be dropped.
	// Rows are batched across statements (the sqlite3 shell's .dump writes
	// one INSERT per row): the last batch is inserted by the next statement
	// that is not such an INSERT, or by Commit.
	trailer := string(st.Trailer)
	if l.exec == nil {
		l.exec = context.WithoutCancel(ctx)
	}
	p := rowPos{st.Line, st.Offset, st.Num, st.Table}
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		if err := l.addRow(ctx, st.Text, row, trailer, p); err != nil {
			return err
		}
	}
	if string(st.Trailer) != trailer {
		return fmt.Errorf("sink: sqlite cannot apply %q to rows already inserted", st.Trailer)
	}
	return nil
}

// addRow adds a row to the batch, or inserts it alone if it holds an
// expression, which SQLite must evaluate as written.
func (l *sqliteLoad) addRow(ctx context.Context, head []byte, row []sqlparse.Value, trailer string, p rowPos) error {
	for _, v := range row {
		switch v.Kind {
		case sqlparse.Expr:
			if err := l.flush(ctx); err != nil {
				return err
			}
			return l.insertExpr(ctx, head, row, trailer)
		case sqlparse.Default:
			return errors.New("sink: sqlite has no DEFAULT in VALUES")
		}
	}
	if l.rows > 0 && (len(row) != l.cols || !bytes.Equal(head, l.head) || trailer != l.trailer) {
		if err := l.flush(ctx); err != nil {
			return err
		}
	}
	if l.rows == 0 {
		l.head = append(l.head[:0], head...)
		l.trailer, l.cols = trailer, len(row)
		l.args = l.args[:0]
		l.pos = l.pos[:0]
		l.arena = l.arena[:0]
	}
	l.pos = append(l.pos, p)
	for _, v := range row {
		a, err := l.arg(v)
		if err != nil {
			return err
		}
		l.args = append(l.args, a)
	}
	l.rows++
	if l.rows >= min(batchRows, max(1, maxParams/max(1, l.cols))) {
		return l.flush(ctx)
	}
	return nil
}

// flush inserts the batch. If that fails, it inserts its rows one by one
// (SQLite has rolled the failed statement back) to report the row that
// fails where its statement is.
func (l *sqliteLoad) flush(ctx context.Context) error {
	if l.rows == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	n := l.rows
	l.rows = 0
	stmt, err := l.prepared(ctx, n)
	if err != nil {
		return &importer.StatementError{Line: l.pos[0].line, Offset: l.pos[0].offset, Statement: l.pos[0].num, Table: l.pos[0].table, Err: err}
	}
	if _, err = stmt.ExecContext(l.exec, l.args[:n*l.cols]...); err == nil {
		return nil
	}
	if n > 1 {
		one, perr := l.prepared(ctx, 1)
		if perr != nil {
			return perr
		}
		for r := range n {
			if _, rerr := one.ExecContext(l.exec, l.args[r*l.cols:(r+1)*l.cols]...); rerr != nil {
				p := l.pos[r]
				return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: p.table, Err: rerr}
			}
		}
	}
	p := l.pos[0]
	return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: p.table, Err: err}
}

// prepared returns the INSERT of the batch's head for n rows.
func (l *sqliteLoad) prepared(ctx context.Context, n int) (*sql.Stmt, error) {
	k := stmtKey{string(l.head), l.trailer, n, l.cols}
	stmt := l.stmts[k]
	if stmt == nil {
		l.sql.Reset()
		l.sql.Write(l.head)
		for r := range n {
			if r > 0 {
				l.sql.WriteByte(',')
			}
			l.sql.WriteByte('(')
			for c := range l.cols {
				if c > 0 {
					l.sql.WriteByte(',')
				}
				l.sql.WriteByte('?')
			}
			l.sql.WriteByte(')')
		}
		if l.trailer != "" {
			l.sql.WriteByte(' ')
			l.sql.WriteString(l.trailer)
		}
		var err error
		if stmt, err = l.conn.PrepareContext(ctx, l.sql.String()); err != nil {
			return nil, err
		}
		l.stmts[k] = stmt
	}
	return stmt, nil
}

// insertExpr inserts one row that holds an expression: the statement's own
// head ("INSERT INTO "t" VALUES") keeps the dump's quoting and column list,
// the expressions are kept as written and the other values are bound.
func (l *sqliteLoad) insertExpr(ctx context.Context, head []byte, row []sqlparse.Value, trailer string) error {
	l.sql.Reset()
	l.sql.Write(head)
	l.sql.WriteString("(")
	args := l.scratch[:0]
	l.arena = l.arena[:0]
	for i, v := range row {
		if i > 0 {
			l.sql.WriteByte(',')
		}
		if v.Kind == sqlparse.Expr {
			l.sql.Write(v.Raw)
			continue
		}
		l.sql.WriteByte('?')
		a, err := l.arg(v)
		if err != nil {
			return err
		}
		args = append(args, a)
	}
	l.sql.WriteString(")")
	if trailer != "" {
		l.sql.WriteByte(' ')
		l.sql.WriteString(trailer)
	}
	l.scratch = args
	_, err := l.conn.ExecContext(ctx, l.sql.String(), args...)
	return err
}

// arg converts a decoded value to the Go value that SQLite stores with the
// type its literal would have had. Strings and blobs are copied into the
// batch's arena: a row's values are only valid until the next row.
func (l *sqliteLoad) arg(v sqlparse.Value) (any, error) {
	switch v.Kind {
	case sqlparse.Null:
		return nil, nil
	case sqlparse.Int:
		if n, err := strconv.ParseInt(unsafeString(v.Raw), 10, 64); err == nil {
			return n, nil
		}
		// Like SQLite itself, an integer literal too wide for 64 bits is a REAL.
		f, err := strconv.ParseFloat(unsafeString(v.Raw), 64)
		if err != nil {
			return nil, fmt.Errorf("sink: bad integer %q", v.Raw)
		}
		return f, nil
	case sqlparse.Number:
		f, err := strconv.ParseFloat(unsafeString(v.Raw), 64)
		if err != nil {
			return nil, fmt.Errorf("sink: bad number %q", v.Raw)
		}
		return f, nil
	case sqlparse.String:
		return unsafeString(l.keep(v.Raw)), nil
	case sqlparse.Binary:
		return l.keep(v.Raw), nil
	case sqlparse.Bool:
		if len(v.Raw) == 1 && v.Raw[0] == '1' {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return nil, fmt.Errorf("sink: cannot bind a %s value", v.Kind)
}

// keep copies b into the arena. The arena is never grown in place, since
// earlier values of the batch point into it: a full one is replaced by a new
// one, and the old stays alive as long as those values do.
func (l *sqliteLoad) keep(b []byte) []byte {
	if len(b) == 0 {
		return []byte{} // not nil: the driver binds a nil []byte as NULL
	}
	if len(l.arena)+len(b) > cap(l.arena) {
		l.arena = make([]byte, 0, max(64<<10, 2*cap(l.arena), len(b)))
	}
	n := len(l.arena)
	l.arena = append(l.arena, b...)
	return l.arena[n:len(l.arena):len(l.arena)]
}

// unsafeString returns the bytes b as a string without copying; b must not
// change while the string is in use.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Commit implements importer.Load: it commits the transaction and, in
// Replace mode, switches the new file in.
func (l *sqliteLoad) Commit(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	err := l.flush(ctx)
	if err != nil {
		l.endTx(ctx, "ROLLBACK")
	} else {
		err = l.endTx(ctx, "COMMIT")
	}
	if err == nil && l.ownDB {
		err = l.db.Close()
		l.db = nil
		if err == nil && l.mode == Replace {
			err = l.switchIn()
		}
	}
	l.cleanup()
	<-l.s.sem
	if err != nil {
		return fmt.Errorf("sink: sqlite commit: %w", err)
	}
	return nil
}

// switchIn syncs the new file, renames it over the target and syncs the
// folder.
func (l *sqliteLoad) switchIn() error {
	if err := checkNoWAL(l.target); err != nil {
		return err
	}
	if err := syncPath(l.path); err != nil {
		return err
	}
	if err := os.Rename(l.path, l.target); err != nil {
		return err
	}
	l.path = "" // nothing to remove any more
	return syncPath(filepath.Dir(l.target))
}

// Abort implements importer.Load: it rolls the transaction back and removes
// a file being built.
func (l *sqliteLoad) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	err := l.endTx(ctx, "ROLLBACK")
	l.cleanup()
	<-l.s.sem
	if err != nil && l.mode == Append {
		return fmt.Errorf("sink: sqlite rollback: %w", err)
	}
	return nil
}

// endTx ends the transaction with verb and gives the connection back.
func (l *sqliteLoad) endTx(ctx context.Context, verb string) error {
	for _, st := range l.stmts {
		st.Close()
	}
	clear(l.stmts)
	if l.conn == nil {
		return nil
	}
	_, err := l.conn.ExecContext(ctx, verb)
	if err != nil && verb == "COMMIT" {
		// A failed COMMIT leaves the transaction open: end it before the
		// connection goes back to the pool.
		l.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}
	if cerr := l.conn.Close(); err == nil {
		err = cerr
	}
	l.conn = nil
	return err
}

// cleanup closes what the load opened and removes a file it was building
// and did not switch in.
func (l *sqliteLoad) cleanup() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
	if l.ownDB && l.db != nil {
		l.db.Close()
		l.db = nil
	}
	if l.mode == Replace && l.path != "" {
		os.Remove(l.path)
		os.Remove(l.path + "-journal")
	}
	if l.lock != nil {
		l.lock.Close() // releases the lock
		l.lock = nil
	}
}
