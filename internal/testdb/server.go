package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Server is a database server started by testdb: a child process of the
// test binary listening on 127.0.0.1, with its data in a temporary folder.
type Server struct {
	// Engine tells which server this is.
	Engine Engine
	// Host is the address the server listens on: 127.0.0.1.
	Host string
	// Port is the server's TCP port.
	Port int
	// User is the administrator account the DSNs and clients use: "root"
	// for MariaDB, "postgres" for PostgreSQL.
	User string
	// Dir is the server's temporary folder (data, socket, logs); Stop
	// removes it.
	Dir string
	// Version is the server's version string, as SELECT VERSION() prints it.
	Version string

	password   string // MariaDB only; never printed
	clientBin  string // mariadb or psql
	dumpBin    string // mariadb-dump or pg_dump
	clientConf string // MariaDB: option file with the connection settings
	logPath    string
	stopSignal syscall.Signal

	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been waited for
	waitErr error         // cmd.Wait's result, set before exited closes

	admin *sql.DB // connection to the maintenance database

	seq      atomic.Int64
	stopOnce sync.Once
	stopErr  error
}

// DSN returns a data source name for database db (db may be empty for the
// server's default database): for MariaDB in go-sql-driver/mysql's format,
// "root:PASSWORD@tcp(127.0.0.1:PORT)/DB"; for PostgreSQL a URL for pgx,
// "postgres://postgres@127.0.0.1:PORT/DB?sslmode=disable". Append
// driver parameters as needed. The DSN holds the password: do not log it.
func (s *Server) DSN(db string) string {
	switch s.Engine {
	case EngineMariaDB:
		return fmt.Sprintf("%s:%s@tcp(%s:%d)/%s", s.User, s.password, s.Host, s.Port, db)
	case EnginePostgres:
		if db == "" {
			db = "postgres"
		}
		return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", s.User, s.Host, s.Port, db)
	}
	return ""
}

// DriverName returns the database/sql driver name that Open uses: "mysql"
// or "pgx".
func (s *Server) DriverName() string {
	if s.Engine == EnginePostgres {
		return "pgx"
	}
	return "mysql"
}

// Open opens database db with database/sql; the test's cleanup closes it.
func (s *Server) Open(tb testing.TB, db string) *sql.DB {
	tb.Helper()
	conn, err := sql.Open(s.DriverName(), s.DSN(db))
	if err != nil {
		tb.Fatalf("testdb: open %s database %q: %v", s.Engine, db, err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// Exec runs SQL statements on the server's maintenance connection (no
// database selected for MariaDB, database "postgres" for PostgreSQL).
func (s *Server) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := s.admin.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("testdb: %s: %w", s.Engine, err)
	}
	return nil
}

// CreateDB creates a fresh, empty database, dropped when the test ends.
func (s *Server) CreateDB(tb testing.TB) *DB {
	tb.Helper()
	name := fmt.Sprintf("t%03d", s.seq.Add(1))
	ctx := context.Background()
	if err := s.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.DropDB(context.Background(), name); err != nil {
			tb.Error(err)
		}
	})
	return &DB{Server: s, Name: name}
}

// DropDB drops database name if it exists, closing other sessions on it
// (PostgreSQL).
func (s *Server) DropDB(ctx context.Context, name string) error {
	switch s.Engine {
	case EngineMariaDB:
		return s.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteMySQL(name))
	case EnginePostgres:
		return s.Exec(ctx, "DROP DATABASE IF EXISTS "+quotePG(name)+" WITH (FORCE)")
	}
	return nil
}

// Command returns the real command-line client (mariadb or psql), set up
// to connect to database db (none when empty) as the administrator, with
// args appended. The caller sets Stdin, Stdout, Dir and so on, and runs it.
//
// For MariaDB the connection settings come from an option file given with
// --defaults-file (so no other option file is read, as with --no-defaults).
// For PostgreSQL the command is psql -X -h 127.0.0.1 -p PORT -U postgres.
func (s *Server) Command(ctx context.Context, db string, args ...string) *exec.Cmd {
	var a []string
	switch s.Engine {
	case EngineMariaDB:
		a = append([]string{"--defaults-file=" + s.clientConf}, args...)
		if db != "" {
			a = append(a, db)
		}
	case EnginePostgres:
		a = []string{"-X", "-h", s.Host, "-p", fmt.Sprint(s.Port), "-U", s.User}
		if db != "" {
			a = append(a, "-d", db)
		}
		a = append(a, args...)
	}
	cmd := exec.CommandContext(ctx, s.clientBin, a...)
	cmd.Env = s.clientEnv()
	return cmd
}

// DumpCommand returns the real dump program (mariadb-dump or pg_dump), set
// up to connect as the administrator, with args appended (put the database
// and table names in args). It writes the dump to its standard output.
func (s *Server) DumpCommand(ctx context.Context, args ...string) *exec.Cmd {
	var a []string
	switch s.Engine {
	case EngineMariaDB:
		a = append([]string{"--defaults-file=" + s.clientConf}, args...)
	case EnginePostgres:
		a = append([]string{"-h", s.Host, "-p", fmt.Sprint(s.Port), "-U", s.User}, args...)
	}
	cmd := exec.CommandContext(ctx, s.dumpBin, a...)
	cmd.Env = s.clientEnv()
	return cmd
}

// clientEnv is the environment of client commands: the test's, without
// variables that would redirect the clients elsewhere.
func (s *Server) clientEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch {
		case hasAnyPrefix(kv, "PGHOST=", "PGPORT=", "PGUSER=", "PGDATABASE=", "PGSERVICE=",
			"PGPASSWORD=", "PGOPTIONS=", "PSQLRC=", "MYSQL_HOST=", "MYSQL_TCP_PORT=", "MYSQL_PWD=",
			"MYSQL_UNIX_PORT=", "MYSQL_HISTFILE="):
			continue
		}
		env = append(env, kv)
	}
	return env
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// LoadFile feeds the SQL file at path to the real client connected to
// database db, the way a person would: mariadb [args] DB < FILE, or
// psql -v ON_ERROR_STOP=1 -q [args] -d DB -f FILE. The client stops at the
// first error (unless args say otherwise, e.g. --force) and LoadFile
// returns it with the tail of the client's output. The client runs in the
// file's folder, so relative `source` commands resolve beside it.
func (s *Server) LoadFile(ctx context.Context, db, path string, args ...string) error {
	var cmd *exec.Cmd
	switch s.Engine {
	case EngineMariaDB:
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("testdb: %w", err)
		}
		defer f.Close()
		cmd = s.Command(ctx, db, args...)
		cmd.Stdin = f
	case EnginePostgres:
		a := append([]string{"-v", "ON_ERROR_STOP=1", "-q"}, args...)
		a = append(a, "-f", path)
		cmd = s.Command(ctx, db, a...)
	}
	if _, err := run(cmd); err != nil {
		return fmt.Errorf("load %s into %s database %q: %w", path, s.Engine, db, err)
	}
	return nil
}

// Stop stops the server, waits for it to exit and removes its folder. It
// may be called more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.admin != nil {
			errs = append(errs, s.admin.Close())
		}
		if s.cmd != nil && s.cmd.Process != nil {
			select {
			case <-s.exited:
			default:
				_ = s.cmd.Process.Signal(s.stopSignal)
				select {
				case <-s.exited:
				case <-time.After(30 * time.Second):
					_ = s.cmd.Process.Kill()
					<-s.exited
					errs = append(errs, fmt.Errorf("testdb: %s did not stop in 30s; killed", s.Engine))
				}
			}
		}
		if s.Dir != "" {
			errs = append(errs, os.RemoveAll(s.Dir))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// launch starts cmd as the server process, writing its output to the log.
func (s *Server) launch(cmd *exec.Cmd) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testdb: %w", err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	setServerAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testdb: start %s: %w", s.Engine, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	// This goroutine lives as long as the server process; Stop joins it by
	// waiting for exited.
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

// waitReady pings the server with ping until it answers, the process
// exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context, ping func(context.Context) error) error {
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = ping(pctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("testdb: %s exited during start-up (%v); log:\n%s", s.Engine, s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("testdb: %s not ready: %v (last error: %v); log:\n%s", s.Engine, ctx.Err(), last, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	return tail(b, 4096)
}

// randomPassword returns 24 random hex digits.
func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// quoteMySQL quotes a MySQL identifier with backticks.
func quoteMySQL(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quotePG quotes a PostgreSQL identifier with double quotes.
func quotePG(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
