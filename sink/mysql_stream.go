package sink

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-sql-driver/mysql"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// Sizes of the row paths.
const (
	chunkSize   = 256 << 10 // bytes of LOAD DATA text per chunk
	chunksAhead = 16        // chunks a table's stream buffers ahead of its loader
	insertRows  = 1000      // rows per INSERT of the fallback
	insertArgs  = 60000     // placeholders per INSERT (the protocol allows 65,535)
	insertBytes = 4 << 20   // bytes of values per INSERT
)

var errStreamAborted = errors.New("sink: mysql: load aborted")

// stream is the rows of consecutive INSERT statements of one table with the
// same head: through LOAD DATA LOCAL INFILE, fed by the parser's goroutine
// and loaded by a goroutine of its own (bulk), or through multi-row
// INSERTs run on the parser's goroutine.
type stream struct {
	l       *mysqlLoad
	table   string
	key     string
	head    string // the INSERT's text up to VALUES, and its trailer
	trailer string
	pos     rowPos // the first statement
	last    rowPos // the last statement whose rows it took (bulk)
	ctx     context.Context
	bulk    bool
	ignore  bool
	replace bool
	strict  bool
	conn    *sql.Conn
	ownConn bool
	ended   bool
	waited  bool

	// bulk
	group   []*stream // the LOAD DATAs the rows are dealt to, this one first
	next    int       // the one the next chunk goes to
	bufRows int64     // rows in buf
	aiIdx   int       // the AUTO_INCREMENT column's value in a row, or -1
	q       *spool
	free    chan []byte
	buf     []byte
	sent    int64
	done    chan struct{}
	err     error // of the loader, set before done is closed
	once    sync.Once

	// fallback
	sql   strings.Builder
	args  []any
	nrows int
	bytes int
	bpos  rowPos // the batch's first row's statement
}

// startStream starts the rows of st's table on a connection of their own,
// through LOAD DATA when bulk is asked, the server allows it and the
// table's text columns are in the session's client character set.
func (l *mysqlLoad) startStream(ctx context.Context, st *sqlparse.Statement, key string, pos rowPos, ignore, replace, bulk bool) (*stream, error) {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s := &stream{l: l, table: st.Table, key: key, head: string(st.Text), trailer: string(st.Trailer), pos: pos,
		ignore: ignore, replace: replace, done: make(chan struct{}), ctx: ctx}
	c, own, err := l.conn(ctx)
	if err != nil {
		<-l.slots
		return nil, err
	}
	s.conn, s.ownConn = c, own
	var cs, mode string
	if err := c.QueryRowContext(ctx, "SELECT @@character_set_client, @@sql_mode").Scan(&cs, &mode); err != nil {
		s.release()
		return nil, err
	}
	s.strict = strings.Contains(mode, "STRICT_")
	var loadCS string
	var info tableInfo
	if bulk && l.bulk && !strings.Contains(st.Table, ".") {
		var err error
		if loadCS, info, err = l.loadCharset(ctx, c, st.Table, cs); err != nil {
			s.release()
			return nil, err
		}
		s.bulk = loadCS != ""
	}
	s.aiIdx = -1
	if info.ai != "" {
		s.aiIdx = slices.Index(st.Columns, info.ai)
		if st.Columns == nil {
			s.aiIdx = info.aiPos - 1
		}
		if s.aiIdx < 0 {
			s.bulk = false // every value left to the server: see errSerial
		}
	}
	if s.bulk {
		if err := info.session(ctx, c, own); err != nil {
			s.release()
			return nil, err
		}
	}
	l.running = append(l.running, s)
	if !s.bulk {
		return s, nil
	}
	q := func() string {
		l.seq++
		name := "dumpline_" + l.id + "_" + strconv.Itoa(l.seq)
		return name + "\x00" + loadDataSQL(name, st.Table, st.Columns, loadCS, ignore, replace, strings.Contains(mode, "NO_BACKSLASH_ESCAPES"))
	}
	s.free = make(chan []byte, 2*chunksAhead+1)
	s.group = []*stream{s}
	s.startLoader(ctx, q())
	// The rows of a table with a primary key are dealt, chunk by chunk,
	// to several LOAD DATAs at once, unless their order may matter (an
	// AUTO_INCREMENT value left to the server: a row that does so ends the
	// deal, see errSerial) or InnoDB may deadlock them: concurrent inserts
	// that check another unique index, or IGNORE and REPLACE, take shared
	// locks on it (seen with sakila's rental and --insert-ignore). A table
	// with secondary indexes takes one LOAD DATA, InnoDB's bulk insert
	// (see tableInfo.session), which locks the table.
	if info.pk && info.secondary == 0 && !ignore && !replace && (info.ai == "" || s.aiIdx >= 0) && !l.serial[st.Table] && l.mode != Append {
		for len(s.group) < l.jobs {
			select {
			case l.slots <- struct{}{}:
			case <-ctx.Done():
				return s, nil
			}
			c, own, err := l.conn(ctx)
			if err == nil {
				err = info.session(ctx, c, own)
			}
			if err != nil {
				if own {
					c.Close()
				}
				<-l.slots
				break
			}
			m := &stream{l: l, table: s.table, key: s.key, pos: pos, ctx: ctx, bulk: true, ignore: ignore, replace: replace,
				strict: s.strict, conn: c, ownConn: own, done: make(chan struct{}), free: s.free}
			l.running = append(l.running, m)
			s.group = append(s.group, m)
			m.startLoader(ctx, q())
		}
	}
	return s, nil
}

// startLoader runs the stream's LOAD DATA on a goroutine of its own;
// nameQuery is the reader's name and the statement, split by a NUL.
func (s *stream) startLoader(ctx context.Context, nameQuery string) {
	name, q, _ := strings.Cut(nameQuery, "\x00")
	s.q = newSpool(s.free)
	mysql.RegisterReaderHandler(name, func() io.Reader { return s.q })
	go func() {
		defer close(s.done)
		defer s.release() // the slot goes to the next table at once
		defer s.q.release()
		defer mysql.DeregisterReaderHandler(name)
		s.err = s.load(ctx, q)
		if s.err != nil {
			s.q.abort(nil) // the parser stops sending
		}
	}()
}

// loadCharset returns the CHARACTER SET of the LOAD DATA into table that
// stores what the client's INSERT in character set cs would, or "" when
// there is none and the rows go through INSERTs. When every text column is
// in cs (utf8mb3 and utf8mb4 count as one), the bytes pass as they are
// (binary); when some are not but the table has no binary column, the
// server converts from cs as it does for the client; a table with both
// goes through INSERTs.
//
// It also returns what decides whether the rows may be dealt to several
// LOAD DATAs at once: whether the table has a primary key, and its
// AUTO_INCREMENT column with its position (1-based), if any.
func (l *mysqlLoad) loadCharset(ctx context.Context, c *sql.Conn, table, cs string) (string, tableInfo, error) {
	var info tableInfo
	rows, err := c.QueryContext(ctx, "SELECT IFNULL(character_set_name, ''), data_type, column_name, column_key, extra, ordinal_position FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", l.dbName, table)
	if err != nil {
		return "", info, err
	}
	defer rows.Close()
	norm := func(s string) string {
		switch s {
		case "utf8", "utf8mb3":
			return "utf8mb4"
		}
		return s
	}
	same, binary := true, false
	for rows.Next() {
		var n, typ, col, key, extra string
		var ord int
		if err := rows.Scan(&n, &typ, &col, &key, &extra, &ord); err != nil {
			return "", info, err
		}
		info.pk = info.pk || key == "PRI"
		if strings.Contains(strings.ToLower(extra), "auto_increment") {
			info.ai, info.aiPos = col, ord
		}
		switch {
		case n != "":
			same = same && norm(n) == norm(cs)
		case strings.Contains(typ, "blob") || strings.Contains(typ, "binary") || typ == "bit" ||
			strings.Contains(typ, "geometry") || strings.Contains(typ, "point") || strings.Contains(typ, "polygon") ||
			strings.Contains(typ, "linestring") || strings.Contains(typ, "collection"):
			binary = true
		}
	}
	if err := rows.Err(); err != nil {
		return "", info, err
	}
	if err := c.QueryRowContext(ctx, "SELECT COUNT(DISTINCT index_name), COUNT(DISTINCT CASE WHEN non_unique = 0 THEN index_name END) FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? AND index_name <> 'PRIMARY'", l.dbName, table).Scan(&info.secondary, &info.unique); err != nil {
		return "", info, err
	}
	switch {
	case same:
		return "binary", info, nil
	case !binary && !strings.ContainsAny(cs, "`' "):
		return cs, info, nil
	}
	return "", info, nil
}

// tableInfo is what loadCharset learns of a table's keys.
type tableInfo struct {
	pk        bool
	secondary int // indexes other than the primary key
	unique    int // of which unique
	ai        string
	aiPos     int
}

// session sets what the LOAD DATA into the table runs faster with on its
// own connection c. With UNIQUE_CHECKS=0 and FOREIGN_KEY_CHECKS=0, as a
// dump's header and bulkSession set them, MariaDB (10.6 and later) loads
// an empty table by InnoDB's bulk insert, which buffers and sorts the rows
// of each index and builds its pages. Into sakila's payment scaled up to
// 1.12 M rows (LOAD DATA INFILE, AMD EPYC, alternating) it is 1.4x faster
// than row by row with a primary key and one secondary index and 1.7x
// with three, as fast with a primary key alone, and 1.8-2.1x slower with
// no key at all. A table without secondary indexes, where UNIQUE_CHECKS
// checks nothing more, therefore loads with UNIQUE_CHECKS=1.
func (info tableInfo) session(ctx context.Context, c *sql.Conn, own bool) error {
	if !own || info.secondary > 0 {
		return nil
	}
	_, err := c.ExecContext(ctx, "SET UNIQUE_CHECKS = 1")
	return err
}

// errSerial says that a row leaves its AUTO_INCREMENT value to the server:
// it needs the rows before it loaded first, and an INSERT, since LOAD DATA
// reserves such values in batches and leaves gaps that the client's INSERT
// does not.
var errSerial = errors.New("sink: mysql: row needs a serial load")

// loadDataSQL is the LOAD DATA statement of a stream.
func loadDataSQL(name, table string, cols []string, charset string, ignore, replace, noBackslash bool) string {
	var b strings.Builder
	b.WriteString("LOAD DATA LOCAL INFILE 'Reader::" + name + "' ")
	switch {
	case replace:
		b.WriteString("REPLACE ")
	case ignore:
		b.WriteString("IGNORE ")
	}
	esc := `'\\'`
	if noBackslash {
		esc = `'\'`
	}
	b.WriteString("INTO TABLE " + quoteName(table) + " CHARACTER SET " + charset + " FIELDS TERMINATED BY '\t' ESCAPED BY " + esc +
		" LINES TERMINATED BY '\n'")
	if cols != nil {
		b.WriteString(" (")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteName(c))
		}
		b.WriteString(")")
	}
	return b.String()
}

// load runs the LOAD DATA statement and checks what the server took.
func (s *stream) load(ctx context.Context, q string) error {
	res, err := s.conn.ExecContext(ctx, q)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if err := s.warnings(ctx); err != nil {
		return err
	}
	if !s.ignore && !s.replace && n != s.sent {
		return fmt.Errorf("LOAD DATA into %s took %d of the %d rows sent", s.table, n, s.sent)
	}
	return nil
}

// warnings reads SHOW WARNINGS after a LOAD DATA and turns into an error
// those the mysql client's INSERT would have failed with.
func (s *stream) warnings(ctx context.Context) error {
	rows, err := s.conn.QueryContext(ctx, "SHOW WARNINGS LIMIT 20")
	if err != nil {
		return err
	}
	defer rows.Close()
	var first error
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return err
		}
		fail := false
		switch code {
		case 1062: // duplicate key: LOCAL turns the error into a warning
			fail = !s.ignore && !s.replace
		case 1261, 1262: // a row with fewer or more values than columns
			fail = true
		case 1366: // an incorrect string value: stored otherwise than by the client
			fail = true
		default:
			fail = s.strict || level == "Error"
		}
		if fail && first == nil {
			first = fmt.Errorf("LOAD DATA into %s: %s %d: %s", s.table, level, code, msg)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return first
}

// add adds a row to the stream.
func (s *stream) add(ctx context.Context, row []sqlparse.Value, pos rowPos) error {
	if !s.bulk {
		return s.addInsert(ctx, row, pos)
	}
	if s.aiIdx >= 0 {
		if v := row[s.aiIdx]; v.Kind != sqlparse.Int || string(v.Raw) == "0" {
			return errSerial
		}
	}
	if s.buf == nil {
		select {
		case s.buf = <-s.free:
		default:
			s.buf = make([]byte, 0, chunkSize+chunkSize/4)
		}
	}
	s.buf = appendTSV(s.buf, row)
	s.bufRows++
	s.last = pos
	s.l.nBulk++
	if len(s.buf) >= chunkSize {
		return s.send(ctx)
	}
	return nil
}

// send hands the chunk to the loader.
func (s *stream) send(ctx context.Context) error {
	if len(s.buf) == 0 {
		return nil
	}
	m := s.group[s.next%len(s.group)]
	s.next++
	m.sent += s.bufRows
	m.last = s.last
	s.bufRows = 0
	kept, err := m.q.put(s.buf)
	if kept {
		s.buf = nil
	} else {
		s.buf = s.buf[:0]
	}
	if errors.Is(err, errStreamAborted) {
		<-m.done
		return m.failure(m.err)
	}
	return err
}

// appendTSV appends a row as a line of LOAD DATA text: fields separated by
// tabs, \N for NULL, backslash, tab, newline, carriage return and NUL
// escaped.
func appendTSV(b []byte, row []sqlparse.Value) []byte {
	for i, v := range row {
		if i > 0 {
			b = append(b, '\t')
		}
		if v.Kind == sqlparse.Null {
			b = append(b, '\\', 'N')
			continue
		}
		b = appendEscaped(b, v.Raw, true)
	}
	return append(b, '\n')
}

// addInsert adds a row to the INSERT being gathered.
func (s *stream) addInsert(ctx context.Context, row []sqlparse.Value, pos rowPos) error {
	if s.nrows > 0 && (s.nrows >= insertRows || len(s.args)+len(row) > insertArgs || s.bytes >= insertBytes) {
		if err := s.flushInsert(ctx); err != nil {
			return err
		}
	}
	if s.nrows == 0 {
		s.sql.Reset()
		s.sql.WriteString(s.head)
		s.sql.WriteString(" ")
		s.bpos = pos
	} else {
		s.sql.WriteString(",")
	}
	s.sql.WriteString("(")
	for i, v := range row {
		if i > 0 {
			s.sql.WriteString(",")
		}
		switch v.Kind {
		case sqlparse.Expr:
			s.sql.Write(v.Raw)
			continue
		case sqlparse.Default:
			s.sql.WriteString("DEFAULT")
			continue
		case sqlparse.Null:
			s.args = append(s.args, nil)
		case sqlparse.Binary:
			s.args = append(s.args, append([]byte(nil), v.Raw...))
		default:
			s.args = append(s.args, string(v.Raw))
		}
		s.sql.WriteString("?")
		s.bytes += len(v.Raw)
	}
	s.sql.WriteString(")")
	s.nrows++
	s.l.nInsert++
	return nil
}

// flushInsert runs the gathered INSERT.
func (s *stream) flushInsert(ctx context.Context) error {
	if s.nrows == 0 {
		return nil
	}
	if s.trailer != "" {
		s.sql.WriteString(" ")
		s.sql.WriteString(s.trailer)
	}
	_, err := s.conn.ExecContext(ctx, s.sql.String(), s.args...)
	clear(s.args)
	s.args, s.nrows, s.bytes = s.args[:0], 0, 0
	if err != nil {
		return s.failureAt(s.bpos, err)
	}
	return nil
}

// failure wraps a loader's error with the stream's first statement, and
// says which statements' rows the LOAD DATA held (the server does not say
// which row a duplicate key was in).
func (s *stream) failure(err error) error {
	if err != nil && s.last.num > s.pos.num {
		err = fmt.Errorf("%w (in the rows of statements %d to %d, lines %d to %d)", err, s.pos.num, s.last.num, s.pos.line, s.last.line)
	}
	return s.failureAt(s.pos, err)
}

func (s *stream) failureAt(p rowPos, err error) error {
	if err == nil {
		return nil
	}
	var se *importer.StatementError
	if errors.As(err, &se) {
		return err
	}
	return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: p.table,
		Err: redact(s.l.cfg, s.l.dbName, fmt.Errorf("table %s: %w", s.table, err))}
}

// end ends the stream's rows: a bulk stream's loader goes on with what it
// was sent; a fallback stream runs its last INSERT.
func (s *stream) end() error {
	if s.ended {
		return nil
	}
	s.ended = true
	if !s.bulk {
		s.err = s.flushInsert(s.ctx)
		s.release()
		return s.err
	}
	if len(s.buf) > 0 && len(s.group) > 0 {
		m := s.group[s.next%len(s.group)]
		m.sent += s.bufRows
		m.last = s.last
		if _, err := m.q.put(s.buf); err != nil && !errors.Is(err, errStreamAborted) {
			m.q.abort(err) // the LOAD DATA fails with it
		}
		s.buf, s.bufRows = nil, 0
	}
	for _, m := range s.group {
		if m != s {
			m.ended = true
		}
		m.q.close()
	}
	return nil
}

// abort ends the stream so that its LOAD DATA fails.
func (s *stream) abort() {
	if !s.ended {
		s.ended = true
		if s.bulk {
			s.q.abort(nil)
		} else {
			s.release()
		}
	}
}

// wait waits for the stream's loader, releases its connection and returns
// its error.
func (s *stream) wait() error {
	if s.waited {
		return nil
	}
	s.waited = true
	var err error
	if s.bulk {
		<-s.done
		err = s.failure(s.err)
	} else {
		s.end()
		err = s.err
	}
	return err
}

// release closes the stream's connection and frees its slot, once.
func (s *stream) release() {
	s.once.Do(func() {
		if s.ownConn {
			s.conn.Close()
		}
		<-s.l.slots
	})
}
