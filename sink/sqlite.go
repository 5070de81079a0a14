package sink

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// SQLite loads SQLite-dialect dumps (the sqlite3 shell's .dump and the like)
// into a SQLite database through modernc.org/sqlite, which needs no cgo.
//
// Each file is loaded in one transaction: readers of the database see all of
// it after Commit or, after a failure, none of it. Rows are inserted through
// prepared statements bound with the decoded values, never by pasting text.
// Transaction control statements in the dump (BEGIN, COMMIT) are skipped and
// counted, since the sink owns the transaction. Files are loaded one at a
// time: Begin waits until the previous load has ended.
type SQLite struct {
	// Path is the database file, created if missing. Ignored when DB is set.
	Path string
	// DB, when not nil, is the database to load into; the sink does not close it.
	DB *sql.DB

	mu   sync.Mutex
	db   *sql.DB
	own  bool
	sem  chan struct{}
	init error
}

var _ importer.Sink = (*SQLite)(nil)

// NewSQLite returns a sink loading into the database file path.
func NewSQLite(path string) *SQLite { return &SQLite{Path: path} }

func (s *SQLite) open() (*sql.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil || s.init != nil {
		return s.db, s.init
	}
	s.sem = make(chan struct{}, 1)
	if s.DB != nil {
		s.db = s.DB
		return s.db, nil
	}
	if s.Path == "" {
		s.init = errors.New("sink: SQLite.Path is empty")
		return nil, s.init
	}
	db, err := sql.Open("sqlite", "file:"+s.Path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		s.init = fmt.Errorf("sink: open sqlite %s: %w", s.Path, err)
		return nil, s.init
	}
	s.db, s.own = db, true
	return db, nil
}

// Close closes the database if the sink opened it.
func (s *SQLite) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.own && s.db != nil {
		err := s.db.Close()
		s.db, s.own = nil, false
		return err
	}
	return nil
}

// Begin implements importer.Sink: it waits for any other load to end, then
// starts a transaction.
func (s *SQLite) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	db, err := s.open()
	if err != nil {
		return nil, err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		<-s.sem
		return nil, fmt.Errorf("sink: sqlite begin: %w", err)
	}
	return &sqliteLoad{s: s, conn: conn, stmts: map[string]*sql.Stmt{}}, nil
}

type sqliteLoad struct {
	s     *SQLite
	conn  *sql.Conn
	stmts map[string]*sql.Stmt // prepared INSERTs by text
	args  []any
	sql   bytes.Buffer
	done  bool
}

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
	trailer := string(st.Trailer)
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		if err := l.insertRow(ctx, st.Text, row, trailer); err != nil {
			return err
		}
	}
	if string(st.Trailer) != trailer {
		return fmt.Errorf("sink: sqlite cannot apply %q to rows already inserted", st.Trailer)
	}
	return nil
}

func (l *sqliteLoad) insertRow(ctx context.Context, head []byte, row []sqlparse.Value, trailer string) error {
	// The statement's own head ("INSERT INTO "t" VALUES") keeps the dump's
	// quoting and column list; values become parameters, except expressions,
	// which SQLite must evaluate and are kept as written.
	l.sql.Reset()
	l.sql.Write(head)
	l.sql.WriteString("(")
	l.args = l.args[:0]
	exprs := false
	for i, v := range row {
		if i > 0 {
			l.sql.WriteByte(',')
		}
		switch v.Kind {
		case sqlparse.Expr:
			l.sql.Write(v.Raw)
			exprs = true
			continue
		case sqlparse.Default:
			return errors.New("sink: sqlite has no DEFAULT in VALUES")
		}
		l.sql.WriteByte('?')
		a, err := sqliteArg(v)
		if err != nil {
			return err
		}
		l.args = append(l.args, a)
	}
	l.sql.WriteString(")")
	if trailer != "" {
		l.sql.WriteByte(' ')
		l.sql.WriteString(trailer)
	}
	if exprs {
		_, err := l.conn.ExecContext(ctx, l.sql.String(), l.args...)
		return err
	}
	stmt := l.stmts[string(l.sql.Bytes())]
	if stmt == nil {
		var err error
		stmt, err = l.conn.PrepareContext(ctx, l.sql.String())
		if err != nil {
			return err
		}
		l.stmts[l.sql.String()] = stmt
	}
	_, err := stmt.ExecContext(ctx, l.args...)
	return err
}

// sqliteArg converts a decoded value to the Go value that SQLite stores with
// the type its literal would have had.
func sqliteArg(v sqlparse.Value) (any, error) {
	switch v.Kind {
	case sqlparse.Null:
		return nil, nil
	case sqlparse.Int:
		if n, err := strconv.ParseInt(string(v.Raw), 10, 64); err == nil {
			return n, nil
		}
		// Like SQLite itself, an integer literal too wide for 64 bits is a REAL.
		f, err := strconv.ParseFloat(string(v.Raw), 64)
		if err != nil {
			return nil, fmt.Errorf("sink: bad integer %q", v.Raw)
		}
		return f, nil
	case sqlparse.Number:
		f, err := strconv.ParseFloat(string(v.Raw), 64)
		if err != nil {
			return nil, fmt.Errorf("sink: bad number %q", v.Raw)
		}
		return f, nil
	case sqlparse.String:
		return string(v.Raw), nil
	case sqlparse.Binary:
		return v.Raw, nil
	case sqlparse.Bool:
		if len(v.Raw) == 1 && v.Raw[0] == '1' {
			return int64(1), nil
		}
		return int64(0), nil
	}
	return nil, fmt.Errorf("sink: cannot bind a %s value", v.Kind)
}

func (l *sqliteLoad) end(ctx context.Context, verb string) error {
	if l.done {
		return nil
	}
	l.done = true
	for _, st := range l.stmts {
		st.Close()
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
	<-l.s.sem
	if err != nil {
		return fmt.Errorf("sink: sqlite %s: %w", strings.ToLower(verb), err)
	}
	return nil
}

func (l *sqliteLoad) Commit(ctx context.Context) error { return l.end(ctx, "COMMIT") }
func (l *sqliteLoad) Abort(ctx context.Context) error  { return l.end(ctx, "ROLLBACK") }
