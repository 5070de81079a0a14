package sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// pgChunkSize is the size of the buffers that rows are encoded into; each
// table in flight holds at most pgQueue of them plus the one being filled
// and one per stream being sent.
const (
	pgChunkSize = 256 << 10
	pgQueue     = 2
)

// pgJob streams the rows of consecutive statements of one table through
// one COPY, or several at once (streams), each on a connection of its own;
// or builds an index (ddl).
type pgJob struct {
	key, table string // table as the dump names it
	copySQL    string
	freeze     bool // the first stream truncates the table and copies WITH (FREEZE)
	split      bool // streams join while the queue is full and a slot is free
	chunks     chan pgChunk
	free       chan []byte
	buf        []byte
	rows       int64     // rows encoded
	sent       int64     // rows handed to chunks
	pos        []jobStmt // the statements whose rows the job holds
	ddl        string    // an index build's or validation's statements, instead of rows
	size       int64     // an index build's table's size in bytes
	unique     bool      // an index build of a primary key or unique index
	names      []string  // the constraints a validation checks, as pos

	ctx    context.Context // cancelled when a stream fails
	cancel context.CancelFunc
	done   chan struct{} // closed when the last stream ended

	mu      sync.Mutex // guards the fields below; set before done is closed
	streams int        // streams running
	counted int64      // rows the server counted, summed over the ended streams
	err     error
	errRow  int64 // the job's row (from 1) the server named in err
}

// pgChunk holds n whole lines of COPY text, the first of which is the
// job's row number first (from 1).
type pgChunk struct {
	b        []byte
	first, n int64
}

// jobStmt is a statement whose rows start at row first of a job.
type jobStmt struct {
	first             int64
	line, offset, num int64
}

// posOf returns where st is, its rows starting at row first of a job.
func posOf(st *sqlparse.Statement, first int64) jobStmt {
	return jobStmt{first: first, line: st.Line, offset: st.Offset, num: st.Num}
}

// err returns err as the error of the statement at p, of table.
func (p jobStmt) err(table string, err error) error {
	return &importer.StatementError{Line: p.line, Offset: p.offset, Statement: p.num, Table: table, Err: err}
}

// failed returns the error of a job that ended with one, as the error of
// the statement whose rows failed.
func (l *pgLoad) failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range l.jobs {
		select {
		case <-j.done:
			if j.err != nil {
				return j.stmtErr()
			}
		default:
		}
	}
	return nil
}

// stmtErr returns the job's error, naming the statement of the row that
// failed when the server said which.
func (j *pgJob) stmtErr() error {
	p := j.pos[0]
	if j.errRow > 0 {
		k := sort.Search(len(j.pos), func(i int) bool { return j.pos[i].first > j.errRow }) - 1
		if k >= 0 {
			p = j.pos[k]
		}
	}
	return p.err(j.table, j.err)
}

// send hands the buffer to the job's streams, starting one more when they
// fall behind and a slot is free.
func (l *pgLoad) send(ctx context.Context, j *pgJob) error {
	c := pgChunk{b: j.buf, first: j.sent + 1, n: j.rows - j.sent}
	j.sent = j.rows
	if j.split && len(j.chunks) == cap(j.chunks) {
		if err := l.addStream(ctx, j); err != nil {
			return err
		}
	}
	select {
	case j.chunks <- c:
	case <-j.done:
		return j.stmtErr()
	}
	select {
	case j.buf = <-j.free:
		j.buf = j.buf[:0]
	default:
		j.buf = make([]byte, 0, pgChunkSize+pgChunkSize/4)
	}
	return nil
}

// addStream starts another COPY of j's rows, if a slot is free.
func (l *pgLoad) addStream(ctx context.Context, j *pgJob) error {
	select {
	case l.slots <- struct{}{}:
	default:
		return nil
	}
	conn, err := l.jobConn(ctx)
	if err != nil {
		<-l.slots
		return err
	}
	j.mu.Lock()
	ok := j.streams > 0 && j.err == nil
	if ok {
		j.streams++
	}
	j.mu.Unlock()
	if !ok {
		l.putConn(conn)
		<-l.slots
		return nil
	}
	go l.runStream(j, conn, false)
	return nil
}

// startJob starts the COPY of st's table on a connection of its own (the
// run's in Append mode).
func (l *pgLoad) startJob(ctx context.Context, st *sqlparse.Statement) (*pgJob, error) {
	table := l.qualified(st.Table)
	j := l.newJob(st)
	j.key = st.Table + "\x00" + strings.Join(st.Columns, "\x00")
	j.chunks = make(chan pgChunk, pgQueue)
	j.free = make(chan []byte, pgQueue+2)
	j.buf = make([]byte, 0, pgChunkSize+pgChunkSize/4)
	first := !l.loaded[st.Table]
	l.loaded[st.Table] = true
	freeze, refs, err := l.tableKind(ctx, table)
	if err != nil {
		return nil, err
	}
	// A table this load created and has not written yet takes several
	// streams at once, or one that truncates it and copies WITH (FREEZE).
	j.split = first && l.mode != Append && l.s.jobs() > 1
	j.freeze = freeze && first && l.mode != Append && !j.split
	if refs {
		// Rows that foreign keys check go after the rows they reference,
		// which the jobs before may still be loading.
		if err := l.finishAll(); err != nil {
			return nil, err
		}
	}
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	j.copySQL = "COPY " + table + columnList(st.Columns) + " FROM STDIN"
	if j.freeze {
		j.copySQL += " WITH (FREEZE)"
	}
	conn := l.conn
	if l.mode != Append {
		var err error
		if conn, err = l.jobConn(ctx); err != nil {
			<-l.slots
			return nil, err
		}
	}
	l.mu.Lock()
	l.jobs = append(l.jobs, j)
	l.mu.Unlock()
	l.cur = j
	go l.runStream(j, conn, true)
	return j, nil
}

// newJob returns a job of st's table with one stream counted.
func (l *pgLoad) newJob(st *sqlparse.Statement) *pgJob {
	ctx, cancel := context.WithCancel(l.ctx)
	return &pgJob{table: st.Table, ctx: ctx, cancel: cancel, done: make(chan struct{}), streams: 1}
}

// tableKind reports whether a table may be truncated and loaded with
// FREEZE (not a partitioned table, nor one that a foreign key references),
// and whether it has foreign keys of its own.
func (l *pgLoad) tableKind(ctx context.Context, table string) (freeze, refs bool, err error) {
	err = l.conn.QueryRow(ctx, `SELECT c.relkind = 'r' AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = c.oid),
		EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = c.oid AND contype = 'f')
		FROM pg_class c WHERE c.oid = $1::regclass`, table).Scan(&freeze, &refs)
	if err != nil {
		return false, false, l.wrap(err, "table "+table)
	}
	return freeze, refs, nil
}

// jobConn returns an idle job connection, or a new one, with the session
// settings of the dump so far.
func (l *pgLoad) jobConn(ctx context.Context) (*pgx.Conn, error) {
	l.mu.Lock()
	var c *pgx.Conn
	if n := len(l.idle); n > 0 {
		c, l.idle = l.idle[n-1], l.idle[:n-1]
	}
	l.mu.Unlock()
	if c == nil {
		var err error
		if c, err = l.s.connect(ctx, l.cfg); err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.all = append(l.all, c)
		l.mu.Unlock()
	}
	if _, err := c.PgConn().Exec(ctx, strings.Join(l.session, ";")).ReadAll(); err != nil {
		return nil, l.wrap(err, "session settings")
	}
	return c, nil
}

// putConn makes a job connection idle again.
func (l *pgLoad) putConn(c *pgx.Conn) {
	l.mu.Lock()
	l.idle = append(l.idle, c)
	l.mu.Unlock()
}

// runStream runs one COPY of j's rows on conn (or j's index build); lead
// is the job's first stream, which truncates the table for FREEZE.
func (l *pgLoad) runStream(j *pgJob, conn *pgx.Conn, lead bool) {
	defer func() { <-l.slots }()
	if j.ddl == "" {
		l.mu.Lock()
		l.copying++
		l.most = max(l.most, l.copying)
		l.mu.Unlock()
		defer func() {
			l.mu.Lock()
			l.copying--
			l.mu.Unlock()
		}()
	}
	r := &chunkReader{j: j}
	n, err := l.copyStream(j, conn, lead, r)
	if err == nil && conn != l.conn {
		l.putConn(conn)
	}
	j.mu.Lock()
	j.counted += n
	if err != nil && j.err == nil {
		j.err = l.s.redact(err, l.cfg.Password)
		if j.ddl != "" {
			j.errRow = j.ddlRow(err)
		} else {
			j.errRow = r.jobRow(err)
		}
		j.cancel()
	}
	j.streams--
	last := j.streams == 0
	if last && j.err == nil && j.counted != j.rows {
		j.err = fmt.Errorf("the server loaded %d rows, %d were sent", j.counted, j.rows)
	}
	j.mu.Unlock()
	if last {
		j.cancel()
		close(j.done)
	}
}

// copyStream runs the COPY of a stream in a transaction of its own (when
// on a job connection) and returns the rows the server counted.
func (l *pgLoad) copyStream(j *pgJob, conn *pgx.Conn, lead bool, r *chunkReader) (int64, error) {
	ctx := j.ctx
	if j.ddl != "" {
		_, err := conn.PgConn().Exec(ctx, j.ddl).ReadAll()
		return 0, err
	}
	own := conn != l.conn
	if own {
		pre := "BEGIN"
		if lead && j.freeze {
			pre += "; TRUNCATE " + l.qualified(j.table)
		}
		if _, err := conn.PgConn().Exec(ctx, pre).ReadAll(); err != nil {
			return 0, err
		}
	}
	tag, err := conn.PgConn().CopyFrom(ctx, r, j.copySQL)
	if own {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		if _, eerr := conn.PgConn().Exec(context.WithoutCancel(ctx), end).ReadAll(); err == nil {
			err = eerr
		}
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// chunkReader reads the chunks of a job for one stream, until the parser
// closes them.
type chunkReader struct {
	j     *pgJob
	cur   []byte
	buf   []byte
	rows  int64     // rows of the chunks read
	marks []rowMark // where each chunk read starts
}

// rowMark maps a stream's row number (from 1) to the job's.
type rowMark struct{ stream, job int64 }

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.buf != nil {
			select {
			case r.j.free <- r.buf:
			default:
			}
			r.buf = nil
		}
		var c pgChunk
		var ok bool
		select {
		case c, ok = <-r.j.chunks:
		case <-r.j.ctx.Done():
			return 0, r.j.ctx.Err()
		}
		if !ok {
			return 0, io.EOF
		}
		r.marks = append(r.marks, rowMark{stream: r.rows + 1, job: c.first})
		r.rows += c.n
		r.cur, r.buf = c.b, c.b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

var copyLine = regexp.MustCompile(`\bline (\d+)`)

// jobRow returns the job's number of the row a server error of this
// stream names ("COPY t, line 5"), or 0.
func (r *chunkReader) jobRow(err error) int64 {
	var pe interface{ SQLState() string }
	if !errors.As(err, &pe) {
		return 0
	}
	m := copyLine.FindStringSubmatch(err.Error() + " " + whereOf(err))
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	k := sort.Search(len(r.marks), func(i int) bool { return r.marks[i].stream > n }) - 1
	if k < 0 {
		return n
	}
	return r.marks[k].job + n - r.marks[k].stream
}

// finishCur ends the rows of the current job; the job goes on loading them.
func (l *pgLoad) finishCur() error {
	j := l.cur
	if j == nil {
		return nil
	}
	l.cur = nil
	var err error
	if len(j.buf) > 0 {
		err = l.send(l.ctx, j)
	}
	close(j.chunks)
	return err
}

// finishAll ends the current job and waits for every job.
func (l *pgLoad) finishAll() error { return l.finish(false) }

// finishRows ends the current job and waits for the jobs loading rows.
func (l *pgLoad) finishRows() error { return l.finish(true) }

// finish ends the current job and waits for the jobs loading rows and,
// unless rowsOnly, runs the queued post-data section and waits for it
// (postgres_post.go).
func (l *pgLoad) finish(rowsOnly bool) error {
	err := l.finishCur()
	if e := l.waitJobs(true); err == nil {
		err = e
	}
	if rowsOnly {
		return err
	}
	if err == nil {
		err = l.runPost()
	}
	if e := l.waitJobs(false); err == nil {
		err = e
	}
	return err
}

// waitJobs waits for the jobs loading rows and, unless rowsOnly, the index
// builds and validations too, and returns the first error.
func (l *pgLoad) waitJobs(rowsOnly bool) error {
	l.mu.Lock()
	var wait, rest []*pgJob
	for _, j := range l.jobs {
		if rowsOnly && j.ddl != "" {
			rest = append(rest, j)
		} else {
			wait = append(wait, j)
		}
	}
	l.jobs = rest
	l.mu.Unlock()
	var err error
	for _, j := range wait {
		<-j.done
		if j.err != nil && err == nil {
			err = j.stmtErr()
		}
	}
	return err
}

// indexJob queues an index build, to run after the rows loaded before it
// and before any other statement, on a connection of its own alongside
// the other index builds.
func (l *pgLoad) indexJob(ctx context.Context, st *sqlparse.Statement, text []byte) error {
	if err := l.finishRows(); err != nil {
		return err
	}
	j := l.newJob(st)
	j.pos = []jobStmt{posOf(st, 1)}
	j.ddl = string(l.rw.rewrite(text))
	j.unique = !(st.Verb == sqlparse.Create && st.Object == sqlparse.Index) ||
		strings.HasPrefix(strings.ToUpper(string(text[:min(len(text), 64)])), "CREATE UNIQUE ")
	if err := l.conn.QueryRow(ctx, "SELECT pg_relation_size($1::regclass)", l.qualified(st.Table)).Scan(&j.size); err != nil {
		return l.wrap(err, "size of table "+st.Table)
	}
	l.pending = append(l.pending, j)
	l.mu.Lock()
	l.deferred = append(l.deferred, deferredName(st, text))
	l.mu.Unlock()
	return nil
}

var addConstraint = regexp.MustCompile(`(?i)\bADD\s+CONSTRAINT\s+("(?:[^"]|"")+"|[^\s(]+)`)

// deferredName names an index build or foreign key for
// [importer.LoadSummary]: the index or constraint and its table, as the
// dump names them.
func deferredName(st *sqlparse.Statement, text []byte) string {
	name := st.Name
	if m := addConstraint.FindSubmatch(text); m != nil {
		name = string(m[1])
		if strings.HasPrefix(name, `"`) {
			name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		}
	}
	switch {
	case name != "" && st.Table != "" && name != st.Table:
		return name + " on " + st.Table
	case name != "":
		return name
	}
	return st.Table
}
