package sink

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// MySQL loads MySQL-dialect dumps (mysqldump, mariadb-dump, phpMyAdmin)
// into a MariaDB (10.5 or later) or MySQL (8.0 or later) database through
// github.com/go-sql-driver/mysql.
//
// The database is the one the DSN names, or the [importer.Target] Name a
// [importer.Pipeline] Route picked. USE, CREATE DATABASE and DROP DATABASE
// statements of the dump are mapped onto it: they are skipped and counted
// in the report. LOCK TABLES, UNLOCK TABLES and ALTER TABLE … DISABLE KEYS
// or ENABLE KEYS are skipped and counted too, since the sink loads each
// table on a connection of its own; so are transaction statements (START
// TRANSACTION, COMMIT, SET autocommit). The session statements of the dump
// (SET …) are applied, in order, to every connection that loads.
//
// In the default mode, [Replace], a load builds the dump in a staging
// database of its own, named "DB__dumpline_ID" with a random run id, and
// Commit swaps it in with one multi-table RENAME TABLE, which moves the
// target's tables out (into "DB__dumpline_ID_old", dropped after) and the
// staged ones in, atomically: readers of the target see its old tables,
// whole, until that statement and the new ones after it. A failed load
// leaves the target as it was. Views, routines, triggers and events cannot
// move between databases: they are created in the target right after the
// swap (triggers run in the staging database during the load, as they
// would for the mysql client, and are dropped there before the swap;
// events are not created there, where the scheduler would run them), and
// the target's old ones are dropped, its triggers just before the swap,
// the rest just after; a reader may find a view missing for that moment. Every live run holds a named lock (GET_LOCK) for its staging
// database; Begin drops the staging databases of crashed runs, those whose
// lock is free.
//
// [Append] loads into the target's existing tables on one connection, in
// one transaction, so that a failed load leaves the rows as they were; DDL
// in the dump commits implicitly, as MySQL does, and is not undone.
// [Recreate] drops the target database, creates it again and loads into
// it: fast, not atomic, and a failure leaves it partly loaded.
//
// Rows go through LOAD DATA LOCAL INFILE from an io.Reader (go-sql-driver's
// "Reader::" handlers), encoded as they are decoded, each LOAD DATA on a
// connection of its own. What the server has not read yet waits in memory
// (4 MiB per LOAD DATA) and beyond that in a temporary file, so that the
// parser goes on to the next table while the server loads this one: up to
// Jobs tables load at once. A table's rows are dealt, in chunks, to up to
// Jobs LOAD DATAs at once when the table has a primary key (the order of
// its rows then does not matter) and no secondary index, and the
// statements are plain INSERTs (InnoDB may deadlock concurrent inserts that
// check a unique secondary index or ignore duplicates, and its bulk insert
// into an empty table with indexes locks the table). A table without
// secondary indexes loads with UNIQUE_CHECKS=1, which there checks nothing
// more and turns off InnoDB's bulk insert, slower for such tables; one
// with indexes builds them with the rows, sorted by that bulk insert. A row that leaves its AUTO_INCREMENT value to the
// server goes through an INSERT, after the rows before it, since LOAD DATA
// reserves such values in batches and leaves gaps the client does not. The LOAD DATA passes the bytes as they are (CHARACTER
// SET binary) when the table's text columns are in the session's client
// character set (utf8mb3 and utf8mb4 count as one), and has the server
// convert from the client character set, as for the client's INSERT, when
// they are not and the table has no binary column. Multi-row prepared
// INSERTs take the rest: a table with both, the rows of a statement holding
// an expression or DEFAULT, a statement with a trailer (ON DUPLICATE KEY
// UPDATE), and every row when the server refuses LOCAL INFILE (MySQL 8 has
// local_infile off by default); Logger says how many rows went each way.
// After each LOAD DATA the sink compares the rows the server took with the
// rows it sent and reads SHOW WARNINGS: a duplicate key, a row with another
// number of values than columns, an incorrect string value, and any
// conversion warning under a strict sql_mode fail the load, as the INSERT
// the mysql client would have run fails. In Replace mode Commit also
// counts the rows of each staged table and fails when they are not the
// rows decoded (unless the dump has triggers, or INSERT IGNORE or REPLACE).
//
// Conditional comments among the values of an INSERT (sakila's
// /*!50705 0x…,*/) depend on the server: MySQL implements
// [importer.ServerSink], so that a Pipeline with no Parser of its own
// decodes the rows for the server the sink loads into. A Pipeline with
// its own Parser must set [sqlparse.Parser].Server itself (see
// [MySQL.ParserServer]).
//
// Errors name the server as user@address/database, never the password.
type MySQL struct {
	// DSN is the data source name in go-sql-driver/mysql's format,
	// "user:password@tcp(host:3306)/db?param=value". Required; the
	// database in it is the target when the load's Target has no Name.
	DSN string
	// Mode is what a load does to the target; the zero value is [Replace].
	Mode Mode
	// Jobs is how many LOAD DATAs run at once, each on a connection of its
	// own. Zero means the number of CPUs, at least 2. Append mode loads
	// on one connection, in its one transaction.
	Jobs int
	// Logger receives a line per load saying which row path ran. Nil
	// discards it.
	Logger *slog.Logger
}

var (
	_ importer.Sink       = (*MySQL)(nil)
	_ importer.ServerSink = (*MySQL)(nil)
)

// NewMySQL returns a sink loading into the database that dsn names, in
// [Replace] mode.
func NewMySQL(dsn string) *MySQL { return &MySQL{DSN: dsn} }

// config parses the DSN.
func (s *MySQL) config() (*mysql.Config, error) {
	if s.DSN == "" {
		return nil, errors.New("sink: MySQL.DSN is empty")
	}
	cfg, err := mysql.ParseDSN(s.DSN)
	if err != nil {
		// go-sql-driver's DSN errors may quote the DSN itself.
		return nil, errors.New("sink: mysql: the DSN is not valid (go-sql-driver format user:password@tcp(host:port)/db)")
	}
	return cfg, nil
}

// server names the server of cfg for errors: user@address/db.
func server(cfg *mysql.Config, db string) string {
	return cfg.User + "@" + cfg.Net + "(" + cfg.Addr + ")/" + db
}

// redact returns err with the password of cfg removed from its text, named
// by the server: go-sql-driver's errors may carry the DSN.
func redact(cfg *mysql.Config, db string, err error) error {
	if err == nil {
		return nil
	}
	var se *importer.StatementError
	if errors.As(err, &se) {
		return err // made by the sink, already redacted
	}
	msg := err.Error()
	if cfg.Passwd != "" && strings.Contains(msg, cfg.Passwd) {
		return fmt.Errorf("sink: mysql %s: %s", server(cfg, db), strings.ReplaceAll(msg, cfg.Passwd, "xxxxx"))
	}
	return fmt.Errorf("sink: mysql %s: %w", server(cfg, db), err)
}

// open opens a pool on the server with no database selected.
func (s *MySQL) open(cfg *mysql.Config, conns int) (*sql.DB, error) {
	c := cfg.Clone()
	c.DBName = ""
	c.InterpolateParams = false
	c.MultiStatements = false
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}

// ParserServer implements [importer.ServerSink]: it connects to the server
// and returns its flavour and version, for the parser to decode the
// conditional comments among a dump's values as this server will.
func (s *MySQL) ParserServer(ctx context.Context) (sqlparse.Server, error) {
	cfg, err := s.config()
	if err != nil {
		return sqlparse.Server{}, err
	}
	db, err := s.open(cfg, 1)
	if err != nil {
		return sqlparse.Server{}, redact(cfg, cfg.DBName, err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return sqlparse.Server{}, redact(cfg, cfg.DBName, err)
	}
	return parseServerVersion(v), nil
}

// parseServerVersion reads VERSION(): "10.11.6-MariaDB-0+deb12u1" is
// MariaDB 101106, "8.0.36" MySQL 80036.
func parseServerVersion(v string) sqlparse.Server {
	srv := sqlparse.Server{MariaDB: strings.Contains(strings.ToLower(v), "mariadb")}
	num := v
	if i := strings.IndexFunc(v, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		num = v[:i]
	}
	parts := strings.SplitN(num, ".", 3)
	mult := []int{10000, 100, 1}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		srv.Version += n * mult[i]
	}
	return srv
}

// jobs is how many tables load at once.
func (s *MySQL) jobs() int {
	if s.Mode == Append {
		return 1
	}
	if s.Jobs > 0 {
		return s.Jobs
	}
	return max(2, runtime.NumCPU())
}

// quoteName quotes a MySQL identifier.
func quoteName(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// stagePrefix is what the staging databases of target db start with.
func stagePrefix(db string) string { return db + "__dumpline_" }

// lockName is the named lock a run holds for its staging database.
func lockName(id string) string { return "dumpline_stage_" + id }

// Begin implements importer.Sink: it connects, and in Replace mode drops
// the leftovers of crashed runs and creates the staging database.
func (s *MySQL) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	if s.Mode > Recreate {
		return nil, fmt.Errorf("sink: unknown mode %v", s.Mode)
	}
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	target := t.Name
	if target == "" {
		target = cfg.DBName
	}
	if target == "" {
		return nil, errors.New("sink: mysql: no database: the DSN names none and the target has no name")
	}
	if len(target) > 64-len("__dumpline_")-12-len("_old") {
		return nil, fmt.Errorf("sink: mysql: database name %q is too long to stage beside", target)
	}
	jobs := s.jobs()
	db, err := s.open(cfg, jobs+2)
	if err != nil {
		return nil, redact(cfg, target, err)
	}
	l := &mysqlLoad{s: s, cfg: cfg, db: db, mode: s.Mode, target: target, jobs: jobs,
		slots: make(chan struct{}, jobs), streams: map[string]*stream{}, rows: map[string]int64{}, noCount: map[string]bool{}, serial: map[string]bool{}}
	if err := l.begin(ctx); err != nil {
		l.close(context.WithoutCancel(ctx))
		return nil, redact(cfg, target, err)
	}
	return l, nil
}

// begin prepares the load's database.
func (l *mysqlLoad) begin(ctx context.Context) error {
	var v string
	var local int
	if err := l.db.QueryRowContext(ctx, "SELECT VERSION(), @@local_infile").Scan(&v, &local); err != nil {
		return err
	}
	l.server = parseServerVersion(v)
	l.bulk = local == 1
	main, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	l.main = main
	if l.mode != Append {
		if _, err := main.ExecContext(ctx, bulkSession); err != nil {
			return err
		}
	}
	var id [6]byte
	rand.Read(id[:])
	l.id = hex.EncodeToString(id[:])
	switch l.mode {
	case Append:
		l.dbName = l.target
		if _, err := main.ExecContext(ctx, "USE "+quoteName(l.target)); err != nil {
			return err
		}
		if _, err := main.ExecContext(ctx, "START TRANSACTION"); err != nil {
			return err
		}
	case Recreate:
		l.dbName = l.target
		cs := l.charsetOf(ctx, l.target)
		if _, err := main.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteName(l.target)); err != nil {
			return err
		}
		if _, err := main.ExecContext(ctx, "CREATE DATABASE "+quoteName(l.target)+cs); err != nil {
			return err
		}
		if _, err := main.ExecContext(ctx, "USE "+quoteName(l.target)); err != nil {
			return err
		}
	default: // Replace
		lock, err := l.db.Conn(ctx)
		if err != nil {
			return err
		}
		l.lock = lock
		var got sql.NullInt64
		if err := lock.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lockName(l.id)).Scan(&got); err != nil {
			return err
		}
		if got.Int64 != 1 {
			return fmt.Errorf("could not take the lock %s", lockName(l.id))
		}
		if err := l.dropLeftovers(ctx); err != nil {
			return err
		}
		l.dbName = stagePrefix(l.target) + l.id
		cs := l.charsetOf(ctx, l.target)
		if _, err := main.ExecContext(ctx, "CREATE DATABASE "+quoteName(l.dbName)+cs); err != nil {
			return err
		}
		l.created = true
		if _, err := main.ExecContext(ctx, "USE "+quoteName(l.dbName)); err != nil {
			return err
		}
	}
	return nil
}

// charsetOf returns the CHARACTER SET and COLLATE clause of database db,
// or "" when it does not exist.
func (l *mysqlLoad) charsetOf(ctx context.Context, db string) string {
	var cs, coll string
	err := l.db.QueryRowContext(ctx, "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = ?", db).Scan(&cs, &coll)
	if err != nil {
		return ""
	}
	return " CHARACTER SET " + cs + " COLLATE " + coll
}

// dropLeftovers drops the staging databases of target whose run is gone:
// those whose named lock is free.
func (l *mysqlLoad) dropLeftovers(ctx context.Context) error {
	prefix := stagePrefix(l.target)
	like := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`).Replace(prefix) + "%"
	rows, err := l.db.QueryContext(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", like)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		id := strings.TrimSuffix(strings.TrimPrefix(n, prefix), "_old")
		if len(id) != 12 {
			continue
		}
		if _, err := hex.DecodeString(id); err != nil {
			continue
		}
		var free sql.NullInt64
		if err := l.db.QueryRowContext(ctx, "SELECT IS_FREE_LOCK(?)", lockName(id)).Scan(&free); err != nil {
			return err
		}
		if free.Int64 != 1 {
			continue // a live run's
		}
		if _, err := l.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteName(n)); err != nil {
			return err
		}
		l.s.log(ctx, "dropped the staging database of a crashed run", "database", n)
	}
	return nil
}

func (s *MySQL) log(ctx context.Context, msg string, args ...any) {
	if s.Logger != nil {
		s.Logger.InfoContext(ctx, "mysql: "+msg, args...)
	}
}
