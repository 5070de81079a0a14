package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

type pgLoad struct {
	s      *Postgres
	cfg    *pgx.ConnConfig
	conn   *pgx.Conn // the run's connection: DDL, the lock, the swap
	mode   Mode
	runID  string
	rw     *pgRewriter
	stages []pgStaged // the staged schemas, in order
	inTx   bool
	done   bool

	ctx     context.Context // the jobs' context, cancelled by Abort
	cancel  context.CancelFunc
	session []string // session settings, replayed on every job's connection

	slots    chan struct{} // one per job in flight
	mu       sync.Mutex
	idle     []*pgx.Conn // job connections not in use
	all      []*pgx.Conn
	jobs     []*pgJob        // started and not yet waited for
	cur      *pgJob          // the job that rows of the same table go on to
	pending  []*pgJob        // index builds not started yet
	fks      []*pgFK         // foreign keys not added yet (postgres_post.go)
	triggers []pgPost        // triggers not created yet
	loaded   map[string]bool // tables that received rows (no TRUNCATE again)
	roles    map[string]bool // roles known to exist or not
	kinds    map[string]bool // tables where FREEZE is allowed, once asked
	my       *pgMySQL        // of a MySQL dump (postgres_mysql.go)
	lite     *sqliteToPg     // of SQLite dumps (postgres_fromsqlite.go)
	// connected is the database of the dump's first \connect.
	connected string

	// What Summary reports; guarded by mu.
	swapped  []string // the schemas the swap put in place
	deferred []string // the index builds and foreign keys run after the rows
	inserted bool     // rows went in with SQL INSERTs
	copying  int      // COPY streams running
	most     int      // the most COPY streams run at once
}

var _ importer.SummaryLoad = (*pgLoad)(nil)

// Summary implements importer.SummaryLoad.
func (l *pgLoad) Summary() importer.LoadSummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	sum := importer.LoadSummary{
		Sink:     "postgres",
		Target:   l.cfg.Database,
		Mode:     l.mode.String(),
		BulkPath: "COPY",
		Swapped:  slices.Clone(l.swapped),
		Deferred: slices.Clone(l.deferred),
		Jobs:     l.most,
	}
	if l.inserted {
		sum.BulkPath = "COPY, INSERT"
	}
	return sum
}

// execSQL runs sql with the simple protocol (several statements allowed).
func (l *pgLoad) execSQL(ctx context.Context, sql string) error {
	if strings.TrimSpace(sql) == "" {
		return nil
	}
	_, err := l.conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

// wrap wraps a server error with what the sink was doing, without the
// password.
func (l *pgLoad) wrap(err error, what string) error {
	return l.s.redact(fmt.Errorf("sink: postgres %s: %w", what, err), l.cfg.Password)
}

// pgStaged is a staging schema and the live name it takes at the swap.
type pgStaged struct{ live, stage string }

// stageSchema creates the staging schema of the dump's schema name.
func (l *pgLoad) stageSchema(ctx context.Context, name string) error {
	live := l.s.liveName(name)
	for _, st := range l.stages {
		if st.live == live {
			return fmt.Errorf("sink: postgres: schemas %s and another of the dump both load into schema %s", name, live)
		}
	}
	stage := fmt.Sprintf("dumpline_stage_%s_%d", l.runID, len(l.stages)+1)
	if err := l.execSQL(ctx, "CREATE SCHEMA "+quoteIdent(stage)); err != nil {
		return l.wrap(err, "create staging schema for "+name)
	}
	l.rw.schemas[name] = stage
	l.stages = append(l.stages, pgStaged{live: live, stage: stage})
	return nil
}

// Exec implements importer.Load.
func (l *pgLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	// The jobs run on the load's own context: a cancelled ctx must reach
	// those Exec waits for, or a stalled connection blocks Exec for ever.
	defer context.AfterFunc(ctx, l.cancel)()
	return l.named(l.exec(ctx, st))
}

// named names the server in err, as user@host:port/database, unless err
// already does or only skips or notes the statement: a connection that
// broke says "conn closed" and no more.
func (l *pgLoad) named(err error) error {
	if err == nil || errors.As(err, new(*importer.SkippedError)) || errors.As(err, new(*importer.NotedError)) {
		return err
	}
	where := fmt.Sprintf("%s@%s:%d/%s", l.cfg.User, l.cfg.Host, l.cfg.Port, l.cfg.Database)
	if strings.Contains(err.Error(), where) {
		return err
	}
	if se, ok := err.(*importer.StatementError); ok {
		named := *se
		named.Err = fmt.Errorf("sink: postgres %s: %w", where, se.Err)
		return &named
	}
	return fmt.Errorf("sink: postgres %s: %w", where, err)
}

func (l *pgLoad) exec(ctx context.Context, st *sqlparse.Statement) error {
	if err := l.failed(); err != nil {
		return err
	}
	if st.Dialect == sqlparse.MySQL {
		return l.execMySQL(ctx, st) // postgres_mysql.go
	}
	if st.Dialect == sqlparse.SQLite {
		return l.s.Translation.strict("postgres", l.execSQLite(ctx, st)) // postgres_fromsqlite.go
	}
	if st.Dialect != sqlparse.Postgres {
		return fmt.Errorf("sink: the postgres sink loads PostgreSQL dumps; this one is %s", st.Dialect)
	}
	switch st.Kind {
	case sqlparse.Meta:
		return l.meta(st)
	case sqlparse.Copy, sqlparse.Insert:
		return l.rowsOf(ctx, st)
	}
	text := bytes.TrimSpace(st.Text)
	upper := strings.ToUpper(string(text[:min(len(text), 64)]))
	switch {
	case isTxControl(text):
		return importer.Skip("transaction control (the sink owns the transactions)")
	case st.Object == sqlparse.Database && (st.Verb == sqlparse.Create || st.Verb == sqlparse.Drop || st.Verb == sqlparse.Alter):
		return importer.Skip("database statement (the sink loads into its target database)")
	case strings.HasPrefix(upper, "SELECT PG_CATALOG.SET_CONFIG(") || strings.HasPrefix(upper, "SET ") && !strings.HasPrefix(upper, "SET ROLE") &&
		!strings.HasPrefix(upper, "SET SESSION AUTHORIZATION") && !strings.HasPrefix(upper, "SET CONSTRAINTS") && !strings.HasPrefix(upper, "SET TRANSACTION"):
		return l.set(ctx, string(text))
	case strings.HasPrefix(upper, "SELECT PG_CATALOG.SETVAL(") && l.mode != Append:
		return l.execSQL(ctx, string(l.rw.rewrite(text)))
	}
	if l.mode != Append {
		switch {
		case isIndexBuild(st, upper, text):
			return l.indexJob(ctx, st, text)
		case isForeignKey(upper, text):
			return l.fkJob(ctx, st, text)
		case st.Verb == sqlparse.Create && st.Object == sqlparse.Trigger:
			return l.triggerJob(st, text)
		}
	}
	// Every other statement runs after the rows before it.
	if err := l.finishAll(); err != nil {
		return err
	}
	if skip, err := l.roleCheck(ctx, text, upper); skip || err != nil {
		return err
	}
	if st.Object == sqlparse.Extension && st.Verb == sqlparse.Create && l.mode == Replace {
		if err := l.extensionCheck(ctx, st.Name); err != nil {
			return err
		}
	}
	if st.Object == sqlparse.Schema {
		switch st.Verb {
		case sqlparse.Create:
			return l.createSchema(ctx, st, text)
		case sqlparse.Drop:
			if l.mode == Replace {
				return importer.Skip("DROP SCHEMA (the replace swaps schemas whole)")
			}
		}
	}
	return l.execSQL(ctx, string(l.rw.rewrite(text)))
}

// extensionCheck fails a replace early when the extension name is
// installed in a schema that the swap replaces: dropping the old schema
// would drop it, and the dump's CREATE EXTENSION IF NOT EXISTS does nothing
// while it exists.
func (l *pgLoad) extensionCheck(ctx context.Context, name string) error {
	var schema string
	err := l.conn.QueryRow(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = $1`, name).Scan(&schema)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return l.wrap(err, "look up extension "+name)
	}
	for _, st := range l.stages {
		if st.live == schema {
			return pgExtensionError(schema, name)
		}
	}
	return nil
}

// pgExtensionError says why a replace refuses a schema holding an
// extension.
func pgExtensionError(schema, ext string) error {
	return fmt.Errorf("sink: postgres replace: schema %s holds extension %s, which the swap would drop with the old schema: install it in another schema, or load in append or recreate mode", schema, ext)
}

// connectTarget returns the database that the arguments of psql's \connect
// name: the first that is not an option, or the dbname of a connection
// string ("dbname='x'", as pg_dump writes it with -reuse-previous=on).
func connectTarget(args []string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.Trim(a, `"`)
		if i := strings.Index(a, "dbname="); i >= 0 {
			a = a[i+len("dbname="):]
			if strings.HasPrefix(a, "'") {
				a, _, _ = strings.Cut(a[1:], "'")
			} else {
				a, _, _ = strings.Cut(a, " ")
			}
		}
		return a
	}
	return ""
}

// meta handles psql meta-commands.
func (l *pgLoad) meta(st *sqlparse.Statement) error {
	f := strings.Fields(string(st.Text))
	cmd := ""
	if len(f) > 0 {
		cmd = f[0]
	}
	switch cmd {
	case `\connect`, `\c`:
		db := connectTarget(f[1:])
		if l.connected != "" && db != l.connected {
			return fmt.Errorf(`sink: postgres: psql \connect to database %q after %q: the sink loads one file into one database (split a pg_dumpall file per database)`, db, l.connected)
		}
		l.connected = db
		return importer.Skip(`psql \connect (the sink loads into its target database)`)
	case `\restrict`, `\unrestrict`:
		return importer.Skip(`psql \restrict (a guard of psql's own)`)
	}
	return fmt.Errorf("sink: postgres: psql meta-command %s is not supported", cmd)
}

// set runs a session setting and keeps it for the job connections; a
// search_path is mapped onto the loaded schemas.
func (l *pgLoad) set(ctx context.Context, text string) error {
	text = mapSearchPath(l.rw, text)
	if l.mode == Append {
		if err := l.finishAll(); err != nil {
			return err
		}
	}
	if err := l.execSQL(ctx, text); err != nil {
		return err
	}
	l.session = append(l.session, text)
	return nil
}

var (
	setSearchPath = regexp.MustCompile(`(?is)^SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:=|TO)\s*(.*?)\s*$`)
	setConfigPath = regexp.MustCompile(`(?is)^(SELECT\s+pg_catalog\.set_config\(\s*'search_path'\s*,\s*')([^']*)('.*)$`)
)

// mapSearchPath rewrites a SET search_path or set_config('search_path', …)
// statement for the loaded schemas.
func mapSearchPath(w *pgRewriter, text string) string {
	if m := setSearchPath.FindStringSubmatch(text); m != nil {
		v := strings.ReplaceAll(m[1], "'", "")
		return "SET search_path = " + w.searchPath(v)
	}
	if m := setConfigPath.FindStringSubmatch(text); m != nil {
		return m[1] + strings.ReplaceAll(w.searchPath(m[2]), "'", "''") + m[3]
	}
	return text
}

// createSchema stages (Replace) or recreates (Recreate) a schema the dump
// creates.
func (l *pgLoad) createSchema(ctx context.Context, st *sqlparse.Statement, text []byte) error {
	name := st.Name
	switch l.mode {
	case Replace:
		if _, ok := l.rw.schemas[name]; ok {
			return importer.Skip("CREATE SCHEMA of a schema already staged")
		}
		return l.stageSchema(ctx, name)
	case Recreate:
		live := l.s.liveName(name)
		if err := l.execSQL(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(live)+" CASCADE"); err != nil {
			return err
		}
		l.rw.schemas[name] = live
	}
	return l.execSQL(ctx, string(l.rw.rewrite(text)))
}

var roleTarget = regexp.MustCompile(`(?is)\b(?:OWNER\s+TO|TO|FROM)\s+((?:"[^"]*"|[a-z_][a-z0-9_$]*)(?:\s*,\s*(?:"[^"]*"|[a-z_][a-z0-9_$]*))*)(?:\s+WITH\s+GRANT\s+OPTION|\s+GRANTED\s+BY\s+\S+|\s+CASCADE|\s+RESTRICT)?\s*$`)

// roleCheck skips ownership and privilege statements for roles that do not
// exist.
func (l *pgLoad) roleCheck(ctx context.Context, text []byte, upper string) (bool, error) {
	var roles []string
	switch {
	case strings.HasPrefix(upper, "ALTER ") && bytes.Contains(bytes.ToUpper(text), []byte(" OWNER TO ")),
		strings.HasPrefix(upper, "GRANT "), strings.HasPrefix(upper, "REVOKE "):
		m := roleTarget.FindSubmatch(text)
		if m == nil {
			return false, nil
		}
		for _, r := range strings.Split(string(m[1]), ",") {
			roles = append(roles, strings.TrimSpace(r))
		}
	case strings.HasPrefix(upper, "SET ROLE ") || strings.HasPrefix(upper, "SET SESSION AUTHORIZATION "):
		f := strings.Fields(string(text))
		roles = []string{strings.Trim(f[len(f)-1], "'")}
	default:
		return false, nil
	}
	for _, r := range roles {
		name := r
		if strings.HasPrefix(r, `"`) {
			name = strings.ReplaceAll(strings.Trim(r, `"`), `""`, `"`)
		} else {
			name = strings.ToLower(r)
			switch name {
			case "public", "current_user", "session_user", "current_role", "default":
				continue
			}
		}
		ok, known := l.roles[name]
		if !known {
			if err := l.conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", name).Scan(&ok); err != nil {
				return false, l.wrap(err, "look up role")
			}
			l.roles[name] = ok
		}
		if !ok {
			if l.s.RequireRoles {
				return true, fmt.Errorf("sink: postgres: role %q does not exist", name)
			}
			return true, importer.Skip("ownership or privileges of a role that does not exist")
		}
	}
	return false, nil
}

// rowsOf sends the rows of an Insert or Copy statement to the job of its
// table.
func (l *pgLoad) rowsOf(ctx context.Context, st *sqlparse.Statement) error {
	if st.Kind == sqlparse.Insert && len(st.Trailer) > 0 {
		return l.insertSQL(ctx, st)
	}
	if len(l.triggers) > 0 {
		// A trigger the dump created before these rows fires on them.
		if err := l.finishAll(); err != nil {
			return err
		}
	}
	key := st.Table + "\x00" + strings.Join(st.Columns, "\x00")
	j := l.cur
	if j == nil || j.key != key {
		if err := l.finishCur(); err != nil {
			return err
		}
		var err error
		if j, err = l.startJob(ctx, st); err != nil {
			return err
		}
	}
	j.pos = append(j.pos, posOf(st, j.rows+1))
	if cl, ok := st.Rows.(sqlparse.CopyLineReader); ok && st.Kind == sqlparse.Copy {
		// pg_dump's lines go to the server as they are.
		for {
			b, n, err := cl.NextCopyLines()
			if err == io.EOF {
				return nil
			}
			if errors.Is(err, errors.ErrUnsupported) {
				break
			}
			if err != nil {
				return err
			}
			j.buf = append(j.buf, b...)
			j.rows += int64(n)
			if len(j.buf) >= pgChunkSize {
				if err := l.send(ctx, j); err != nil {
					return err
				}
			}
		}
	}
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		if !copyRowFits(row) {
			// The rows before go first, then this one with SQL.
			if err := l.finishAll(); err != nil {
				return err
			}
			if err := l.insertRow(ctx, st, row); err != nil {
				return err
			}
			return l.insertSQL(ctx, st)
		}
		for i, v := range row {
			if i > 0 {
				j.buf = append(j.buf, '\t')
			}
			j.buf, _ = appendCopyText(j.buf, v)
		}
		j.buf = append(j.buf, '\n')
		j.rows++
		if len(j.buf) >= pgChunkSize {
			if err := l.send(ctx, j); err != nil {
				return err
			}
		}
	}
	if len(st.Trailer) > 0 {
		return fmt.Errorf("sink: postgres cannot apply %q to rows already sent by COPY", st.Trailer)
	}
	return nil
}

// qualified returns the table as the load names it: schema-qualified names
// mapped, each part quoted.
func (l *pgLoad) qualified(table string) string {
	if schema, name, ok := strings.Cut(table, "."); ok {
		if s, ok := l.rw.mapped(schema); ok {
			schema = s
		}
		return quoteIdent(schema) + "." + quoteIdent(name)
	}
	return quoteIdent(table)
}

func columnList(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return " (" + strings.Join(q, ", ") + ")"
}

// insertSQL inserts the remaining rows of st with SQL, one statement a row.
func (l *pgLoad) insertSQL(ctx context.Context, st *sqlparse.Statement) error {
	if err := l.finishAll(); err != nil {
		return err
	}
	l.loaded[st.Table] = true
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		if err := l.insertRow(ctx, st, row); err != nil {
			return err
		}
	}
	return nil
}

// insertRow inserts one row with SQL: values as literals, expressions as
// written (with the schemas mapped).
func (l *pgLoad) insertRow(ctx context.Context, st *sqlparse.Statement, row []sqlparse.Value) error {
	l.mu.Lock()
	l.inserted = true
	l.mu.Unlock()
	var b strings.Builder
	b.WriteString("INSERT INTO " + l.qualified(st.Table) + columnList(st.Columns) + " VALUES (")
	for i, v := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		switch v.Kind {
		case sqlparse.Null:
			b.WriteString("NULL")
		case sqlparse.Int, sqlparse.Number:
			b.Write(v.Raw)
		case sqlparse.Bool:
			if string(v.Raw) == "1" {
				b.WriteString("TRUE")
			} else {
				b.WriteString("FALSE")
			}
		case sqlparse.Default:
			b.WriteString("DEFAULT")
		case sqlparse.Expr:
			b.Write(l.rw.rewrite(v.Raw))
		case sqlparse.Binary:
			fmt.Fprintf(&b, "'\\x%x'::bytea", v.Raw)
		default:
			b.WriteString("E'")
			for _, c := range v.Raw {
				switch c {
				case '\\':
					b.WriteString(`\\`)
				case '\'':
					b.WriteString(`''`)
				default:
					b.WriteByte(c)
				}
			}
			b.WriteByte('\'')
		}
	}
	b.WriteByte(')')
	if len(st.Trailer) > 0 {
		b.WriteByte(' ')
		b.Write(l.rw.rewrite(st.Trailer))
	}
	return l.execSQL(ctx, b.String())
}

// Commit implements importer.Load: it waits for the rows, then swaps the
// staged schemas in (Replace) or commits (Append).
func (l *pgLoad) Commit(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	defer context.AfterFunc(ctx, l.cancel)() // as in Exec
	err := l.finishAll()
	if err == nil && l.my != nil {
		err = l.mysqlPost(ctx)
	}
	if err == nil {
		err = l.finishSQLite(ctx) // postgres_fromsqlite.go
	}
	if err == nil {
		switch l.mode {
		case Append:
			if err = l.execSQL(ctx, "COMMIT"); err == nil {
				l.inTx = false
			}
		case Replace:
			err = l.swap(ctx)
		}
	}
	if err != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		l.abort(actx)
		return l.named(err)
	}
	l.close()
	return nil
}

// swap renames the live schemas aside and the staged ones to the live
// names in one transaction, then drops the old ones.
func (l *pgLoad) swap(ctx context.Context) error {
	// The load's connections commit asynchronously; the swap waits for its
	// commit to be written, so that a server crash after Commit keeps it.
	var b strings.Builder
	b.WriteString("BEGIN; SET LOCAL synchronous_commit = on;")
	var old []string
	for i, st := range l.stages {
		name := st.live
		var exists bool
		if err := l.conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists); err != nil {
			return l.wrap(err, "swap")
		}
		if exists {
			// The old schema is dropped with CASCADE: an extension installed
			// in it would go with it.
			var ext string
			err := l.conn.QueryRow(ctx, `SELECT coalesce(string_agg(e.extname, ', '), '') FROM pg_extension e
				JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1`, name).Scan(&ext)
			if err != nil {
				return l.wrap(err, "swap")
			}
			if ext != "" {
				return pgExtensionError(name, ext)
			}
			aside := fmt.Sprintf("dumpline_old_%s_%d", l.runID, i+1)
			fmt.Fprintf(&b, "ALTER SCHEMA %s RENAME TO %s;", quoteIdent(name), quoteIdent(aside))
			old = append(old, aside)
		}
		fmt.Fprintf(&b, "ALTER SCHEMA %s RENAME TO %s;", quoteIdent(st.stage), quoteIdent(name))
	}
	b.WriteString("COMMIT")
	if err := l.execSQL(ctx, b.String()); err != nil {
		l.execSQL(context.WithoutCancel(ctx), "ROLLBACK")
		return l.wrap(err, "swap")
	}
	l.mu.Lock()
	for _, st := range l.stages {
		l.swapped = append(l.swapped, st.live)
	}
	l.mu.Unlock()
	l.stages = nil // nothing staged to drop any more
	for _, s := range old {
		// A failure here leaves the old schema to the next run, which
		// drops it once this run's lock is released.
		l.execSQL(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+quoteIdent(s)+" CASCADE")
	}
	return nil
}

// Abort implements importer.Load: it stops the jobs, rolls back and drops
// the staging schemas.
func (l *pgLoad) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	l.abort(ctx)
	return nil
}

// abort stops the jobs and drops the staging schemas; ctx bounds the
// statements, which a stalled connection would block.
func (l *pgLoad) abort(ctx context.Context) {
	l.cancel()
	l.pending, l.fks, l.triggers = nil, nil, nil
	l.finishAll()
	if l.conn != nil && !l.conn.IsClosed() {
		if l.inTx {
			l.execSQL(ctx, "ROLLBACK")
		}
		if l.mode == Replace {
			for _, st := range l.stages {
				l.execSQL(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(st.stage)+" CASCADE")
			}
		}
	}
	l.close()
}

// close closes every connection; closing the run's releases its lock.
func (l *pgLoad) close() {
	l.cancel()
	ctx := context.Background()
	l.mu.Lock()
	conns := l.all
	l.all, l.idle = nil, nil
	l.mu.Unlock()
	for _, c := range conns {
		c.Close(ctx)
	}
	if l.conn != nil {
		l.conn.Close(ctx)
	}
}

// isIndexBuild reports whether st builds an index: CREATE INDEX, or ALTER
// TABLE … ADD CONSTRAINT … PRIMARY KEY or UNIQUE, which pg_dump writes in
// its post-data section, after the rows.
func isIndexBuild(st *sqlparse.Statement, upper string, text []byte) bool {
	if st.Verb == sqlparse.Create && st.Object == sqlparse.Index {
		return true
	}
	if !strings.HasPrefix(upper, "ALTER TABLE ") {
		return false
	}
	t := bytes.ToUpper(text)
	return bytes.Contains(t, []byte(" ADD CONSTRAINT ")) && !bytes.Contains(t, []byte("FOREIGN KEY")) &&
		(bytes.Contains(t, []byte(" PRIMARY KEY")) || bytes.Contains(t, []byte(" UNIQUE"))) &&
		bytes.Count(t, []byte(" ADD ")) == 1
}
