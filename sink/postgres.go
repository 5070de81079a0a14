package sink

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dumpline/importer"
)

// Postgres loads PostgreSQL dumps (pg_dump's plain format, with COPY blocks
// or INSERTs, and hand-written files) into a PostgreSQL 13 or later
// database through github.com/jackc/pgx/v5. SQLite dumps are translated
// (column types by SQLite's affinities, the rowid as an identity, foreign
// keys after the rows).
//
// The target database is the one of DSN; a load whose [importer.Target]
// has a Name (from [importer.Pipeline].Route) goes to the database of that
// name on the same server instead. The schemas are those the dump names:
// public, and those it creates.
//
// In the default mode, [Replace], each schema the dump writes to (public,
// and each CREATE SCHEMA) is built as a staging schema of its own, named
// dumpline_stage_RUNID_N, and Commit renames, in one short transaction,
// the live schemas aside (dumpline_old_RUNID_N) and the staged ones to the
// live names, then drops the old ones. Readers see the old schemas whole
// until that commit and the new ones after it; a failed load drops its
// staging schemas and leaves the target as it was. Objects that bind by
// OID when they are created (column defaults on nextval('s'::regclass),
// views, foreign keys, triggers, function signatures) are created against
// the staged objects: the statements run with the schema names rewritten
// to the staging ones (see the README for what is rewritten and what is
// not). Every live run holds a session advisory lock named by its run id;
// Begin drops the staging and old schemas of runs whose lock is free (runs
// that crashed). Schemas of the target that the dump does not name are
// left alone.
//
// [Append] runs the whole load in one transaction on one connection, into
// the existing tables: use a data-only dump (pg_dump -a), since the dump's
// DDL runs as written. [Recreate] drops each schema the dump names
// (CASCADE) and loads in its place, with the speed of Replace and no
// atomicity.
//
// Rows go through COPY … FROM STDIN in text format: the data lines of COPY
// blocks as the dump wrote them, and the rows of INSERT statements encoded
// as COPY text as they are decoded, streamed table by table on up to Jobs
// connections of their own. In Replace and Recreate mode, where the
// load's tables are new and empty, the rows of a table go to one COPY,
// and while they come faster than it takes them and a connection is free,
// more COPYs of the same table join it, each taking whole chunks of lines
// (several tables, and one big table, load on several connections at
// once). With Jobs 1 a table's first COPY runs instead in a transaction
// that truncates it first, WITH (FREEZE) (not for partitioned tables and
// tables that foreign keys reference). A row holding DEFAULT or an
// expression, and an INSERT with ON CONFLICT, is inserted with SQL instead.
// Index builds (CREATE INDEX, primary keys and unique constraints) wait for
// the rows and run on the job connections alongside each other, those of
// the largest tables first; every
// other statement waits until everything before it is done, so the
// post-data section (indexes, constraints, triggers, REFRESH MATERIALIZED
// VIEW) runs after the rows; SET and setval statements do not wait. The
// rows the server counted over a table's COPYs must equal the rows sent.
//
// Statements for roles that do not exist (ALTER … OWNER TO, GRANT, REVOKE,
// SET ROLE) are skipped and counted ([importer.Skip]), as pg_restore
// --no-owner --no-privileges users expect, unless RequireRoles is set.
// CREATE DATABASE, DROP DATABASE and psql's \connect load into the target
// database instead and are counted as skipped; \restrict and \unrestrict
// are skipped too; other psql meta-commands fail the load.
//
// Errors never hold the password of DSN or Password.
type Postgres struct {
	// DSN is the connection string: a URL (postgres://user:pw@host:5432/db)
	// or keyword/value pairs (host=… dbname=…), as libpq reads them, with
	// pgx's defaults and environment variables (PGHOST, PGPASSWORD, …).
	DSN string
	// Password, when not empty, is the password used instead of the one
	// in DSN.
	Password string
	// Mode is what a load does to the target; the zero value is [Replace].
	Mode Mode
	// Jobs is how many connections load rows or build indexes at once:
	// several tables, or one table over several COPYs (Append mode loads
	// on one connection); zero means the number of CPUs, at least 2.
	Jobs int
	// RequireRoles makes statements about roles that do not exist fail
	// the load instead of being skipped.
	RequireRoles bool
	// Translation is how dumps of another dialect are translated; the zero
	// value has the default policies.
	Translation Translation
	// Schemas maps a schema the dump names to the schema of the target it
	// is loaded into ({"public": "staging_copy"} loads the dump's public
	// schema as staging_copy and leaves the target's public alone); a
	// schema not in the map keeps its name. The statements run with the
	// names rewritten as for the staging schemas (see the README); a
	// schema that a function body names, as written, is not mapped.
	Schemas map[string]string
}

// liveName returns the schema of the target that the dump's schema name
// is loaded into.
func (s *Postgres) liveName(name string) string {
	if to, ok := s.Schemas[name]; ok {
		return to
	}
	return name
}

// checkSchemas refuses a Schemas map that would load two schemas into one
// or use the names of the staging schemas.
func (s *Postgres) checkSchemas() error {
	seen := map[string]string{}
	for from, to := range s.Schemas {
		switch {
		case from == "" || to == "":
			return fmt.Errorf("sink: Postgres.Schemas maps %q to %q: empty schema name", from, to)
		case strings.HasPrefix(to, "dumpline_"):
			return fmt.Errorf("sink: Postgres.Schemas maps %q to %q: names beginning with dumpline_ are the sink's own", from, to)
		case seen[to] != "":
			return fmt.Errorf("sink: Postgres.Schemas maps both %q and %q to %q", seen[to], from, to)
		}
		seen[to] = from
	}
	return nil
}

var _ importer.Sink = (*Postgres)(nil)

// pgLockClass is the first key of the advisory locks that live runs hold
// (the second is the run id): "dump" in ASCII.
const pgLockClass = 0x64756d70

// pgStagingName matches the schemas of runs: dumpline_stage_RUNID_N and
// dumpline_old_RUNID_N.
var pgStagingName = regexp.MustCompile(`^dumpline_(stage|old)_([0-9a-f]{8})_[0-9]+$`)

func (s *Postgres) jobs() int {
	if s.Mode == Append {
		return 1
	}
	if s.Jobs > 0 {
		return s.Jobs
	}
	return max(2, runtime.NumCPU())
}

// config parses the DSN for target t.
func (s *Postgres) config(t importer.Target) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(s.DSN)
	if err != nil {
		// The error of a connection string that does not parse holds the
		// string: keep only what the parser said, with secrets removed.
		var pe interface{ Unwrap() error }
		msg := "malformed connection string"
		if errors.As(err, &pe) && pe.Unwrap() != nil {
			msg += ": " + pe.Unwrap().Error()
		}
		return nil, fmt.Errorf("sink: postgres: %s", s.redactString(msg, ""))
	}
	if s.Password != "" {
		cfg.Password = s.Password
	}
	if t.Name != "" {
		cfg.Database = t.Name
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "dumpline"
	}
	return cfg, nil
}

// connect opens a connection with cfg.
func (s *Postgres) connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	c, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return nil, s.redact(fmt.Errorf("sink: postgres: connect: %w", err), cfg.Password)
	}
	return c, nil
}

// redactString removes the passwords, as written and URL-escaped, from msg.
func (s *Postgres) redactString(msg, pw string) string {
	for _, p := range []string{s.Password, pw, dsnPassword(s.DSN)} {
		if len(p) < 1 {
			continue
		}
		for _, form := range []string{p, url.QueryEscape(p), url.PathEscape(p), url.UserPassword("", p).String()[1:]} {
			if form != "" && form != ":" {
				msg = strings.ReplaceAll(msg, strings.TrimPrefix(form, ":"), "xxxxx")
			}
		}
	}
	return msg
}

// redactedError is an error whose text had a password removed. It does not
// unwrap: the error it replaces holds the password.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// redact returns err, or an error of the same text with the passwords
// removed if its text holds one.
func (s *Postgres) redact(err error, pw string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := s.redactString(msg, pw); r != msg {
		return &redactedError{r}
	}
	return err
}

// dsnPassword returns the password written in a DSN, as far as it can be
// found without parsing it fully (the parser's error may quote it).
func dsnPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			return p
		}
	}
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return rest[c+1 : at]
			}
		}
	}
	if i := strings.Index(dsn, "password="); i >= 0 {
		v := dsn[i+len("password="):]
		if strings.HasPrefix(v, "'") {
			if k := strings.Index(v[1:], "'"); k >= 0 {
				return v[1 : 1+k]
			}
			return v[1:]
		}
		if k := strings.IndexAny(v, " \t\n"); k >= 0 {
			return v[:k]
		}
		return v
	}
	return ""
}

// Begin implements importer.Sink: it connects to the target database, takes
// the run's advisory lock, removes the leftovers of crashed runs and, in
// Replace mode, creates the staging schema of public.
func (s *Postgres) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	if s.Mode > Recreate {
		return nil, fmt.Errorf("sink: unknown mode %v", s.Mode)
	}
	if s.DSN == "" {
		return nil, errors.New("sink: Postgres.DSN is empty")
	}
	if err := s.checkSchemas(); err != nil {
		return nil, err
	}
	cfg, err := s.config(t)
	if err != nil {
		return nil, err
	}
	conn, err := s.connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var idb [4]byte
	rand.Read(idb[:])
	id := binary.BigEndian.Uint32(idb[:]) & 0x7fffffff
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &pgLoad{
		s: s, cfg: cfg, conn: conn, mode: s.Mode, runID: fmt.Sprintf("%08x", id),
		rw:     &pgRewriter{schemas: map[string]string{}},
		slots:  make(chan struct{}, s.jobs()),
		ctx:    lctx,
		cancel: cancel,
		loaded: map[string]bool{},
		roles:  map[string]bool{},
		kinds:  map[string]bool{},
	}
	if err := l.start(ctx, int32(id)); err != nil {
		l.close()
		return nil, l.named(err)
	}
	return l, nil
}

// start takes the run's lock, removes leftovers and prepares the schemas.
func (l *pgLoad) start(ctx context.Context, id int32) error {
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", int32(pgLockClass), id); err != nil {
		return l.wrap(err, "advisory lock")
	}
	if err := l.removeLeftovers(ctx); err != nil {
		return err
	}
	switch l.mode {
	case Replace:
		if err := l.stageSchema(ctx, "public"); err != nil {
			return err
		}
		l.session = append(l.session, "SET search_path = "+quoteIdent(l.rw.schemas["public"]))
	case Recreate:
		live := quoteIdent(l.s.liveName("public"))
		if err := l.execSQL(ctx, "DROP SCHEMA IF EXISTS "+live+" CASCADE; CREATE SCHEMA "+live); err != nil {
			return l.wrap(err, "recreate schema "+live)
		}
		l.rw.schemas["public"] = l.s.liveName("public")
		if l.rw.schemas["public"] != "public" {
			l.session = append(l.session, "SET search_path = "+live)
		}
	case Append:
		for from, to := range l.s.Schemas {
			l.rw.schemas[from] = to
		}
		if to, ok := l.s.Schemas["public"]; ok {
			l.session = append(l.session, "SET search_path = "+quoteIdent(to))
		}
		if err := l.execSQL(ctx, "BEGIN"); err != nil {
			return l.wrap(err, "begin")
		}
		l.inTx = true
	}
	return l.execSQL(ctx, strings.Join(l.session, ";"))
}

// removeLeftovers drops the staging and old schemas of runs that no live
// session holds the lock of.
func (l *pgLoad) removeLeftovers(ctx context.Context) error {
	rows, err := l.conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dumpline\_%'`)
	if err != nil {
		return l.wrap(err, "list leftovers")
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return l.wrap(err, "list leftovers")
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return l.wrap(err, "list leftovers")
	}
	for _, n := range names {
		m := pgStagingName.FindStringSubmatch(n)
		if m == nil || m[2] == l.runID {
			continue
		}
		v, _ := strconv.ParseUint(m[2], 16, 32)
		var free bool
		if err := l.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", int32(pgLockClass), int32(v)).Scan(&free); err != nil {
			return l.wrap(err, "leftover lock")
		}
		if !free {
			continue // a live run's
		}
		err := l.execSQL(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(n)+" CASCADE")
		if _, uerr := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", int32(pgLockClass), int32(v)); err == nil && uerr != nil {
			err = uerr
		}
		if err != nil {
			return l.wrap(err, "drop leftover schema "+n)
		}
	}
	return nil
}

// whereOf returns the CONTEXT of a server error ("COPY t, line 5").
func whereOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Where
	}
	return ""
}
