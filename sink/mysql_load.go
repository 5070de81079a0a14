package sink

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// mysqlLoad is one file's load into a MySQL sink.
type mysqlLoad struct {
	s      *MySQL
	cfg    *mysql.Config
	db     *sql.DB // the load's own pool, closed at the end
	mode   Mode
	target string // the database the user sees
	dbName string // the database loaded: the staging one in Replace mode
	id     string // the run id
	server sqlparse.Server
	bulk   bool // the server takes LOCAL INFILE

	main    *sql.Conn // runs the DDL, in dbName
	lock    *sql.Conn // holds GET_LOCK (Replace)
	created bool      // the staging database exists
	done    bool

	jobs  int
	slots chan struct{} // one per table loading

	// session holds the dump's SET statements, in order, applied to every
	// connection that loads. deferred holds, in Replace mode, the
	// statements to run in the target after the swap: the SETs and the
	// DDL of views, routines, triggers and events, in order.
	session  []string
	deferred []string

	streams  map[string]*stream // by table, still taking rows
	running  []*stream          // every stream started and not yet waited for
	seq      int
	rows     map[string]int64 // rows decoded, by table
	noCount  map[string]bool  // tables whose rows cannot be counted (IGNORE, REPLACE)
	triggers bool             // the dump creates triggers
	serial   map[string]bool  // tables whose rows load in order, on one LOAD DATA at a time
	nBulk    int64
	nInsert  int64
	swapped  []string // the tables the swap moved into the target, in its order
}

var _ importer.SummaryLoad = (*mysqlLoad)(nil)

// Summary implements [importer.SummaryLoad]: the target database, the
// mode, the row path ("LOAD DATA LOCAL INFILE", or "INSERT" when the server
// refused LOCAL INFILE), the tables swapped in and the connections that
// loaded rows at once. Secondary indexes are built with the rows (InnoDB's
// bulk insert sorts them; see tableInfo.session): none is deferred.
func (l *mysqlLoad) Summary() importer.LoadSummary {
	path := "INSERT"
	if l.bulk {
		path = "LOAD DATA LOCAL INFILE"
	}
	return importer.LoadSummary{Sink: "mysql", Target: l.target, Mode: l.mode.String(), BulkPath: path,
		Swapped: slices.Clone(l.swapped), Jobs: l.jobs}
}

// Exec implements importer.Load.
func (l *mysqlLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	if st.Dialect != sqlparse.MySQL {
		return fmt.Errorf("sink: the mysql sink loads MySQL dumps; this one is %s (cross-dialect loading is not built yet)", st.Dialect)
	}
	switch st.Kind {
	case sqlparse.Meta:
		return importer.Skip("client command")
	case sqlparse.Insert:
		return l.wrap(l.insert(ctx, st))
	case sqlparse.Copy:
		return errors.New("sink: mysql cannot load COPY data")
	}
	return l.wrap(l.other(ctx, st))
}

// wrap names the server in an error of the driver, without the password;
// the errors of the parser, the context and the pipeline pass unchanged.
func (l *mysqlLoad) wrap(err error) error {
	var pe *sqlparse.Error
	var se *importer.StatementError
	switch {
	case err == nil, errors.Is(err, importer.ErrSkipped), errors.As(err, &pe), errors.As(err, &se),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return redact(l.cfg, l.dbName, err)
}

// firstWords returns the first two words of a statement's text, upper
// case, read through a leading conditional comment marker.
func firstWords(text []byte) (string, string) {
	b := text[:min(len(text), 200)]
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("/*!")) || bytes.HasPrefix(b, []byte("/*M!")) {
		b = bytes.TrimLeft(b[3:], "!0123456789")
	}
	f := strings.Fields(strings.ToUpper(string(b)))
	for i := range f {
		f[i] = strings.TrimRight(f[i], ";")
	}
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return f[0], ""
	}
	return f[0], f[1]
}

// other handles a statement that is not rows.
func (l *mysqlLoad) other(ctx context.Context, st *sqlparse.Statement) error {
	w1, w2 := firstWords(st.Text)
	upper := strings.ToUpper(string(st.Text[:min(len(st.Text), 400)]))
	switch {
	case w1 == "LOCK" || w1 == "UNLOCK":
		return importer.Skip("LOCK/UNLOCK TABLES (each table loads on a connection of its own)")
	case w1 == "START" && w2 == "TRANSACTION", w1 == "BEGIN" && (w2 == "" || w2 == "WORK"),
		w1 == "COMMIT", w1 == "ROLLBACK":
		return importer.Skip("transaction control (the sink owns the transactions)")
	case w1 == "SET" && strings.Contains(upper, "AUTOCOMMIT"):
		return importer.Skip("transaction control (the sink owns the transactions)")
	case st.Verb == sqlparse.Use:
		return importer.Skip("USE (mapped onto the target database)")
	case st.Object == sqlparse.Database:
		return importer.Skip(st.Verb.String() + " database (mapped onto the target database)")
	case st.Verb == sqlparse.Alter && st.Object == sqlparse.Table &&
		(strings.Contains(upper, "DISABLE KEYS") || strings.Contains(upper, "ENABLE KEYS")):
		return importer.Skip("ALTER TABLE … DISABLE/ENABLE KEYS (the sink loads in bulk)")
	}
	if l.mode == Append {
		// One connection: the rows gathered so far go in first.
		if err := l.waitAll(ctx); err != nil {
			return err
		}
	}
	switch {
	case w1 == "SET":
		text := string(st.Text)
		if _, err := l.main.ExecContext(ctx, text); err != nil {
			return err
		}
		if l.mode != Append {
			l.session = append(l.session, text)
		}
		if l.mode == Replace {
			l.deferred = append(l.deferred, text)
		}
		return nil
	}
	if st.Object == sqlparse.Table && (st.Verb == sqlparse.Create || st.Verb == sqlparse.Drop) {
		delete(l.rows, st.Name)
	}
	switch st.Object {
	case sqlparse.Trigger, sqlparse.Event, sqlparse.View, sqlparse.Procedure, sqlparse.Function:
		if st.Object == sqlparse.Trigger {
			l.triggers = true // rows may come from them: the rows per table are not counted
		}
		if l.mode == Replace {
			l.deferred = append(l.deferred, string(st.Text))
			if st.Object == sqlparse.Event {
				return nil // not in the staging database, where the scheduler would run it
			}
		}
		if st.Object == sqlparse.Trigger {
			if err := l.waitTable(ctx, st.Table); err != nil {
				return err
			}
		}
		_, err := l.main.ExecContext(ctx, string(st.Text))
		return err
	case sqlparse.Table, sqlparse.Index:
		if st.Verb != sqlparse.Rename && (st.Verb != sqlparse.Drop || !bytes.Contains(st.Text, []byte(","))) {
			if err := l.waitTable(ctx, st.Table); err != nil {
				return err
			}
			if err := l.waitTable(ctx, st.Name); err != nil {
				return err
			}
			break
		}
		fallthrough
	default:
		if err := l.waitAll(ctx); err != nil {
			return err
		}
	}
	_, err := l.main.ExecContext(ctx, string(st.Text))
	return err
}

// insertVerb reads how an INSERT statement's head treats duplicates.
func insertVerb(text []byte) (ignore, replace bool) {
	w1, w2 := firstWords(text)
	if w1 == "REPLACE" {
		return false, true
	}
	return w2 == "IGNORE", false
}

func (l *mysqlLoad) insert(ctx context.Context, st *sqlparse.Statement) error {
	if st.Table == "" {
		return errors.New("sink: mysql: an INSERT without a table")
	}
	ignore, replace := insertVerb(st.Text)
	if ignore || replace {
		l.noCount[st.Table] = true
	}
	trailer := string(st.Trailer)
	key := string(st.Text) + "\x00" + trailer
	pos := rowPos{st.Line, st.Offset, st.Num, st.Table}
	s := l.streams[st.Table]
	if s != nil && s.key != key {
		s.end()
		delete(l.streams, st.Table)
		s = nil
	}
	var fallback *stream // for the rest of a statement with expressions
	defer func() {
		if fallback != nil {
			fallback.end()
		}
	}()
	var n int64
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		n++
		if fallback == nil && (s == nil || s.bulk) && needsInsert(row) {
			if s != nil {
				s.end()
				delete(l.streams, st.Table)
				s = nil
			}
			if err := l.waitTable(ctx, st.Table); err != nil {
				return err
			}
			f, err := l.startStream(ctx, st, key, pos, ignore, replace, false)
			if err != nil {
				return err
			}
			fallback = f
		}
		cur := fallback
		if cur == nil {
			if s == nil {
				// One table takes rows at a time; its earlier streams end
				// first, so that its rows go in in order.
				for t, o := range l.streams {
					o.end()
					delete(l.streams, t)
				}
				if err := l.waitTable(ctx, st.Table); err != nil {
					return err
				}
				var err error
				if s, err = l.startStream(ctx, st, key, pos, ignore, replace, trailer == ""); err != nil {
					return err
				}
				l.streams[st.Table] = s
			}
			cur = s
		}
		err := cur.add(ctx, row, pos)
		if errors.Is(err, errSerial) {
			// The rest of the statement goes in order, through INSERTs.
			s.end()
			delete(l.streams, st.Table)
			s = nil
			if err := l.waitTable(ctx, st.Table); err != nil {
				return err
			}
			l.serial[st.Table] = true
			f, ferr := l.startStream(ctx, st, key, pos, ignore, replace, false)
			if ferr != nil {
				return ferr
			}
			fallback = f
			err = f.add(ctx, row, pos)
		}
		if err != nil {
			return err
		}
	}
	l.rows[st.Table] += n
	if fallback != nil {
		f := fallback
		fallback = nil
		if err := f.end(); err != nil {
			return err
		}
		if err := l.waitTable(ctx, st.Table); err != nil {
			return err
		}
	}
	if string(st.Trailer) != trailer {
		return fmt.Errorf("sink: mysql cannot apply %q to rows already loaded", st.Trailer)
	}
	return nil
}

// needsInsert reports whether row holds a value that LOAD DATA cannot
// carry: an expression or DEFAULT.
func needsInsert(row []sqlparse.Value) bool {
	for _, v := range row {
		if v.Kind == sqlparse.Expr || v.Kind == sqlparse.Default {
			return true
		}
	}
	return false
}

// waitTable ends the streams of table and waits for them.
func (l *mysqlLoad) waitTable(ctx context.Context, table string) error {
	if table == "" {
		return nil
	}
	if s := l.streams[table]; s != nil {
		s.end()
		delete(l.streams, table)
	}
	var errs []error
	keep := l.running[:0]
	for _, s := range l.running {
		if s.table == table {
			errs = append(errs, s.wait())
			continue
		}
		keep = append(keep, s)
	}
	clear(l.running[len(keep):])
	l.running = keep
	return errors.Join(errs...)
}

// waitAll ends every stream and waits for them.
func (l *mysqlLoad) waitAll(ctx context.Context) error {
	for t, s := range l.streams {
		s.end()
		delete(l.streams, t)
	}
	var errs []error
	for _, s := range l.running {
		errs = append(errs, s.wait())
	}
	clear(l.running)
	l.running = l.running[:0]
	return errors.Join(errs...)
}

// abortAll stops every stream without loading the rest and waits for them.
func (l *mysqlLoad) abortAll() {
	for t, s := range l.streams {
		s.abort()
		delete(l.streams, t)
	}
	for _, s := range l.running {
		s.abort()
		s.wait()
	}
	l.running = nil
}

// bulkSession is the session setting of every connection of a Replace or
// Recreate load, before the dump's own: the tables are new, so foreign keys
// are not checked while they fill (mysqldump's header says so too; a
// --compact dump, without it, creates a table referencing one it creates
// later).
const bulkSession = "SET FOREIGN_KEY_CHECKS = 0"

// conn returns a connection that loads: in Append mode the load's one
// connection, else a new one in the loaded database with the dump's
// session statements applied.
func (l *mysqlLoad) conn(ctx context.Context) (*sql.Conn, bool, error) {
	if l.mode == Append {
		return l.main, false, nil
	}
	c, err := l.db.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	if _, err := c.ExecContext(ctx, "USE "+quoteName(l.dbName)); err != nil {
		c.Close()
		return nil, false, err
	}
	if _, err := c.ExecContext(ctx, bulkSession); err != nil {
		c.Close()
		return nil, false, err
	}
	for _, q := range l.session {
		if _, err := c.ExecContext(ctx, q); err != nil {
			c.Close()
			return nil, false, err
		}
	}
	return c, true, nil
}

// Commit implements importer.Load.
func (l *mysqlLoad) Commit(ctx context.Context) error {
	if l.done {
		return errors.New("sink: mysql load already ended")
	}
	err := l.commit(ctx)
	if err != nil {
		ctx := context.WithoutCancel(ctx)
		return redact(l.cfg, l.target, errors.Join(err, l.abort(ctx), l.close(ctx)))
	}
	l.done = true
	l.s.log(ctx, "loaded", "database", l.target, "mode", l.mode.String(),
		"rows_load_data", l.nBulk, "rows_insert", l.nInsert, "local_infile", l.bulk)
	return redact(l.cfg, l.target, l.close(ctx))
}

func (l *mysqlLoad) commit(ctx context.Context) error {
	if err := l.waitAll(ctx); err != nil {
		return err
	}
	switch l.mode {
	case Append:
		_, err := l.main.ExecContext(ctx, "COMMIT")
		return err
	case Recreate:
		return nil
	}
	if err := l.verify(ctx); err != nil {
		return err
	}
	return l.swap(ctx)
}

// verify counts the rows of every staged table that rows went to.
func (l *mysqlLoad) verify(ctx context.Context) error {
	if l.triggers {
		return nil
	}
	for t, n := range l.rows {
		if l.noCount[t] || strings.Contains(t, ".") {
			continue
		}
		var got int64
		if err := l.main.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteName(t)).Scan(&got); err != nil {
			return fmt.Errorf("count the rows of %s: %w", t, err)
		}
		if got != n {
			return fmt.Errorf("table %s holds %d rows after the load, the dump has %d", t, got, n)
		}
	}
	return nil
}

// names runs a query returning one column of names.
func (l *mysqlLoad) names(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := l.main.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// swap moves the staged tables into the target with one RENAME TABLE,
// then creates the views, routines, triggers and events there.
func (l *mysqlLoad) swap(ctx context.Context) error {
	live, stage, old := quoteName(l.target), quoteName(l.dbName), quoteName(l.dbName+"_old")
	if _, err := l.main.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+live+l.charsetOf(ctx, l.dbName)); err != nil {
		return err
	}
	if _, err := l.main.ExecContext(ctx, "CREATE DATABASE "+old); err != nil {
		return err
	}
	const baseTables = "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'"
	liveTables, err := l.names(ctx, baseTables, l.target)
	if err != nil {
		return err
	}
	newTables, err := l.names(ctx, baseTables, l.dbName)
	if err != nil {
		return err
	}
	// Tables with triggers cannot move to another database: those of the
	// staging database were made for its load and are made again in the
	// target after the swap.
	for _, db := range []string{l.target, l.dbName} {
		triggers, err := l.names(ctx, "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ?", db)
		if err != nil {
			return err
		}
		for _, t := range triggers {
			if _, err := l.main.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+quoteName(db)+"."+quoteName(t)); err != nil {
				return err
			}
		}
	}
	views, err := l.names(ctx, "SELECT table_name FROM information_schema.views WHERE table_schema = ?", l.target)
	if err != nil {
		return err
	}
	isNew := map[string]bool{}
	for _, t := range newTables {
		isNew[t] = true
	}
	for _, v := range views { // a view where a staged table goes
		if isNew[v] {
			if _, err := l.main.ExecContext(ctx, "DROP VIEW IF EXISTS "+live+"."+quoteName(v)); err != nil {
				return err
			}
		}
	}
	var parts []string
	for _, t := range liveTables {
		parts = append(parts, live+"."+quoteName(t)+" TO "+old+"."+quoteName(t))
	}
	for _, t := range newTables {
		parts = append(parts, stage+"."+quoteName(t)+" TO "+live+"."+quoteName(t))
	}
	if len(parts) > 0 {
		if _, err := l.main.ExecContext(ctx, "RENAME TABLE "+strings.Join(parts, ", ")); err != nil {
			return fmt.Errorf("swap: %w", err)
		}
	}
	l.swapped = newTables
	if err := l.afterSwap(ctx, live); err != nil {
		return fmt.Errorf("the tables were swapped in; then creating the views, routines, triggers and events failed: %w", err)
	}
	return nil
}

// afterSwap drops the target's old views, routines and events and creates
// the dump's, which cannot move between databases, once the tables are in.
func (l *mysqlLoad) afterSwap(ctx context.Context, live string) error {
	c, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	drops := []struct{ kind, q string }{
		{"VIEW", "SELECT table_name FROM information_schema.views WHERE table_schema = ?"},
		{"PROCEDURE", "SELECT routine_name FROM information_schema.routines WHERE routine_schema = ? AND routine_type = 'PROCEDURE'"},
		{"FUNCTION", "SELECT routine_name FROM information_schema.routines WHERE routine_schema = ? AND routine_type = 'FUNCTION'"},
		{"EVENT", "SELECT event_name FROM information_schema.events WHERE event_schema = ?"},
	}
	for _, d := range drops {
		names, err := l.names(ctx, d.q, l.target)
		if err != nil {
			return err
		}
		for _, n := range names {
			if _, err := c.ExecContext(ctx, "DROP "+d.kind+" IF EXISTS "+live+"."+quoteName(n)); err != nil {
				return err
			}
		}
	}
	if _, err := c.ExecContext(ctx, "USE "+live); err != nil {
		return err
	}
	for _, q := range l.deferred {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Abort implements importer.Load.
func (l *mysqlLoad) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	err := l.abort(ctx)
	if cerr := l.close(ctx); err == nil {
		err = cerr
	}
	return redact(l.cfg, l.target, err)
}

func (l *mysqlLoad) abort(ctx context.Context) error {
	l.done = true
	l.abortAll()
	if l.mode == Append && l.main != nil {
		_, err := l.main.ExecContext(ctx, "ROLLBACK")
		return err
	}
	return nil
}

// close drops the staging databases, releases the lock and closes the
// load's connections.
func (l *mysqlLoad) close(ctx context.Context) error {
	var errs []error
	if l.created {
		for _, n := range []string{l.dbName, l.dbName + "_old"} {
			if _, err := l.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteName(n)); err != nil {
				errs = append(errs, err)
			}
		}
		l.created = false
	}
	if l.main != nil {
		l.main.Close()
	}
	if l.lock != nil {
		l.lock.ExecContext(ctx, "DO RELEASE_LOCK(?)", lockName(l.id))
		l.lock.Close()
	}
	errs = append(errs, l.db.Close())
	return errors.Join(errs...)
}
