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

	"golang.org/x/text/encoding"

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
	sql    bytes.Buffer
	exec   context.Context // never cancelled: no watcher goroutine per call

	// Rows are gathered into cur while the loader goroutine inserts the
	// batch before it: parsing and SQLite's work overlap on two cores.
	cur, spare *batch
	work       chan *batch
	results    chan error
	inFlight   bool
	scratch    []any
	arena      []byte // copies of an expression row's values

	// of MySQL dumps (sqlite_mysql.go)
	cs     encoding.Encoding   // the dump's character set (SET NAMES); nil for UTF-8
	tables map[string]*myTable // the tables the dump created, by name

	pg *pgState // of PostgreSQL dumps (sqlite_postgres.go)
}

// batch is the rows gathered for one INSERT, from consecutive INSERT
// statements with the same head, trailer and number of values.
type batch struct {
	head    []byte
	trailer string
	cols    int
	rows    int
	args    []any
	pos     []rowPos // where each row's statement is
	arena   []byte   // copies of the rows' strings and blobs
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
	switch st.Dialect {
	case sqlparse.SQLite:
	case sqlparse.MySQL:
		return l.execMySQL(ctx, st)
	case sqlparse.Postgres:
		return l.s.Translation.strict("sqlite", l.execPostgres(ctx, st))
	default:
		return fmt.Errorf("sink: the sqlite sink loads sqlite, mysql and postgres dumps; this one is %s", st.Dialect)
	}
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("client command")
	case sqlparse.Insert:
		return l.insert(ctx, st)
	case sqlparse.Copy:
		return fmt.Errorf("sink: sqlite cannot load COPY data")
	}
	if err := l.drain(ctx); err != nil {
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
	return l.insertWith(ctx, st, st.Text)
}

// insertWith inserts the rows of st with the statement head head.
func (l *sqliteLoad) insertWith(ctx context.Context, st *sqlparse.Statement, head []byte) error {
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
		if err := l.addRow(ctx, head, row, trailer, p); err != nil {
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
			if err := l.drain(ctx); err != nil {
				return err
			}
			return l.insertExpr(ctx, head, row, trailer)
		case sqlparse.Default:
			return errors.New("sink: sqlite has no DEFAULT in VALUES")
		}
	}
	if l.cur == nil {
		l.cur, l.spare = &batch{}, &batch{}
	}
	b := l.cur
	if b.rows > 0 && (len(row) != b.cols || !bytes.Equal(head, b.head) || trailer != b.trailer) {
		if err := l.flush(ctx); err != nil {
			return err
		}
		b = l.cur
	}
	if b.rows == 0 {
		b.head = append(b.head[:0], head...)
		b.trailer, b.cols = trailer, len(row)
		b.args, b.pos, b.arena = b.args[:0], b.pos[:0], b.arena[:0]
	}
	b.pos = append(b.pos, p)
	for _, v := range row {
		a, err := arg(v, &b.arena)
		if err != nil {
			return err
		}
		b.args = append(b.args, a)
	}
	b.rows++
	if b.rows >= min(batchRows, max(1, maxParams/max(1, b.cols))) {
		return l.flush(ctx)
	}
	return nil
}

// flush hands the batch to the loader goroutine, once the one before it
// is inserted, and goes on with the other batch.
func (l *sqliteLoad) flush(ctx context.Context) error {
	if l.cur == nil || l.cur.rows == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.wait(); err != nil {
		return err
	}
	if l.work == nil {
		l.work, l.results = make(chan *batch), make(chan error)
		go func() {
			for b := range l.work {
				l.results <- l.insertBatch(b)
			}
		}()
	}
	l.work <- l.cur
	l.inFlight = true
	l.cur, l.spare = l.spare, l.cur
	l.cur.rows = 0
	return nil
}

// wait waits for the batch being inserted, if any, and returns its error.
func (l *sqliteLoad) wait() error {
	if !l.inFlight {
		return nil
	}
	l.inFlight = false
	return <-l.results
}

// drain inserts every row gathered so far.
func (l *sqliteLoad) drain(ctx context.Context) error {
	if err := l.flush(ctx); err != nil {
		l.wait()
		return err
	}
	return l.wait()
}

// stop waits for the batch being inserted and ends the loader goroutine.
func (l *sqliteLoad) stop() {
	l.wait()
	if l.work != nil {
		close(l.work)
		l.work = nil
	}
}

// insertBatch inserts b, on the loader goroutine. If that fails, it inserts
// its rows one by one (SQLite has rolled the failed statement back) to
// report the row that fails where its statement is.
func (l *sqliteLoad) insertBatch(b *batch) error {
	n := b.rows
	stmt, err := l.prepared(b, n)
	if err == nil {
		if _, err = stmt.ExecContext(l.exec, b.args[:n*b.cols]...); err == nil {
			return nil
		}
		if n > 1 {
			one, perr := l.prepared(b, 1)
			if perr != nil {
				return perr
			}
			for r := range n {
				if _, rerr := one.ExecContext(l.exec, b.args[r*b.cols:(r+1)*b.cols]...); rerr != nil {
					p := b.pos[r]
					return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: p.table, Err: rerr}
				}
			}
		}
	}
	p := b.pos[0]
	return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: p.table, Err: err}
}

// prepared returns the INSERT of b's head for n rows.
func (l *sqliteLoad) prepared(b *batch, n int) (*sql.Stmt, error) {
	k := stmtKey{string(b.head), b.trailer, n, b.cols}
	stmt := l.stmts[k]
	if stmt == nil {
		l.sql.Reset()
		l.sql.Write(b.head)
		for r := range n {
			if r > 0 {
				l.sql.WriteByte(',')
			}
			l.sql.WriteByte('(')
			for c := range b.cols {
				if c > 0 {
					l.sql.WriteByte(',')
				}
				l.sql.WriteByte('?')
			}
			l.sql.WriteByte(')')
		}
		if b.trailer != "" {
			l.sql.WriteByte(' ')
			l.sql.WriteString(b.trailer)
		}
		var err error
		if stmt, err = l.conn.PrepareContext(l.exec, l.sql.String()); err != nil {
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
		a, err := arg(v, &l.arena)
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
func arg(v sqlparse.Value, arena *[]byte) (any, error) {
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
		return unsafeString(keep(arena, v.Raw)), nil
	case sqlparse.Binary:
		return keep(arena, v.Raw), nil
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
func keep(arena *[]byte, b []byte) []byte {
	if len(b) == 0 {
		return []byte{} // not nil: the driver binds a nil []byte as NULL
	}
	a := *arena
	if len(a)+len(b) > cap(a) {
		a = make([]byte, 0, max(64<<10, 2*cap(a), len(b)))
	}
	n := len(a)
	a = append(a, b...)
	*arena = a
	return a[n:len(a):len(a)]
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
	err := l.drain(ctx)
	l.stop()
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
	l.stop()
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
