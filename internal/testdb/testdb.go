// Package testdb starts real database servers and runs the real command-line
// clients for tests: MariaDB (mariadbd, mariadb, mariadb-dump), PostgreSQL
// (postgres, psql, pg_dump) and SQLite (the sqlite3 shell), all from the
// Debian packages installed on the machine. Nothing is faked: a test that
// loads a dump with the real client and counts the rows has an oracle.
//
// Servers run as children of the test binary, on loopback, with their data in
// a temporary folder; no system service is used or touched. Starting a server
// costs seconds, so a test binary that calls Main from its TestMain shares
// one server per engine between all its tests, starting it on first use and
// stopping it when the tests end:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
//	func TestLoad(t *testing.T) {
//		db := testdb.MariaDB(t) // a fresh, empty database on the shared server
//		if err := db.LoadFile(t.Context(), "testdata/dump.sql"); err != nil {
//			t.Fatal(err)
//		}
//		conn := db.Open(t) // *sql.DB, closed when the test ends
//		...
//	}
//
// Without Main, every call starts a private server that the test's cleanup
// stops: correct, but slow.
//
// When a binary is missing, the functions skip the test with a message that
// names the Debian package to install; when the environment variable CI is
// "true" they fail it instead. The packages are mariadb-server and
// mariadb-client, postgresql (its server binaries are found under
// /usr/lib/postgresql/VERSION/bin, newest version first) and sqlite3.
//
// Servers are tuned for speed, not durability (no fsync, no binary log, no
// doublewrite buffer): never point them at data that matters.
package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNotFound reports that a server or client binary is not installed.
var ErrNotFound = errors.New("testdb: binary not found")

// startTimeout bounds how long a server may take to become ready.
const startTimeout = 90 * time.Second

// notFoundError names the missing binary and the Debian package that has it.
type notFoundError struct {
	binary, pkg string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("testdb: %s not found; install the Debian package %s", e.binary, e.pkg)
}

func (e *notFoundError) Unwrap() error { return ErrNotFound }

// skipOrFatal ends the test because something it needs is missing: with
// t.Skip normally, with t.Fatal when CI=true.
func skipOrFatal(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(err)
	}
	tb.Skip(err)
}

// fail ends the test for err: skip (or fail under CI) when a binary is
// missing, fail otherwise.
func fail(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNotFound) {
		skipOrFatal(tb, err)
	}
	tb.Fatal(err)
}

// findBinary looks for name on PATH and then in dirs.
func findBinary(name, pkg string, dirs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &notFoundError{binary: name, pkg: pkg}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testdb: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// shared holds the servers shared by the tests of one binary.
var shared struct {
	mu      sync.Mutex
	enabled bool // Main was called
	once    map[Engine]*sync.Once
	servers map[Engine]*Server
	errs    map[Engine]error
}

// Main runs the tests of m with shared servers and exits with the tests'
// status after stopping every server they started. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that has more to clean up:
// it runs the tests with shared servers, stops the servers and returns the
// exit status.
func Run(m *testing.M) int {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	code := m.Run()
	if err := stopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// stopShared stops the shared servers started so far and removes their data.
func stopShared() error {
	shared.mu.Lock()
	servers := shared.servers
	shared.servers, shared.once, shared.errs = nil, nil, nil
	shared.mu.Unlock()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Stop())
	}
	return errors.Join(errs...)
}

// server returns the shared server of engine e, starting it on first use, or
// a private server stopped by tb's cleanup when Main is not in use.
func server(tb testing.TB, e Engine) *Server {
	tb.Helper()
	shared.mu.Lock()
	if !shared.enabled {
		shared.mu.Unlock()
		return PrivateServer(tb, e)
	}
	if shared.once == nil {
		shared.once = map[Engine]*sync.Once{}
		shared.servers = map[Engine]*Server{}
		shared.errs = map[Engine]error{}
	}
	once := shared.once[e]
	if once == nil {
		once = new(sync.Once)
		shared.once[e] = once
	}
	shared.mu.Unlock()
	once.Do(func() {
		s, err := start(e)
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.servers == nil { // stopShared ran meanwhile: the callers fail
			if s != nil {
				_ = s.Stop()
			}
			return
		}
		if err != nil {
			shared.errs[e] = err
			return
		}
		shared.servers[e] = s
	})
	shared.mu.Lock()
	s, err := shared.servers[e], shared.errs[e]
	shared.mu.Unlock()
	if err != nil {
		fail(tb, err)
	}
	if s == nil {
		tb.Fatalf("testdb: %s server not available", e)
	}
	return s
}

// Start starts a private server of engine e outside of tests, for programs
// such as cmd/gendump; the caller must call its Stop method. ctx bounds the
// start-up only.
func Start(ctx context.Context, e Engine) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	switch e {
	case EngineMariaDB:
		return startMariaDB(ctx)
	case EnginePostgres:
		return startPostgres(ctx)
	}
	return nil, fmt.Errorf("testdb: unknown engine %q", e)
}

func start(e Engine) (*Server, error) {
	return Start(context.Background(), e)
}

// Engine names a database server.
type Engine string

// The engines testdb can start.
const (
	EngineMariaDB  Engine = "mariadb"
	EnginePostgres Engine = "postgres"
)

// MariaDBServer returns the MariaDB server of this test binary (see Main),
// starting it if needed. Most tests want MariaDB instead.
func MariaDBServer(tb testing.TB) *Server {
	tb.Helper()
	return server(tb, EngineMariaDB)
}

// PostgresServer returns the PostgreSQL server of this test binary (see
// Main), starting it if needed. Most tests want Postgres instead.
func PostgresServer(tb testing.TB) *Server {
	tb.Helper()
	return server(tb, EnginePostgres)
}

// MariaDB returns a fresh, empty database on the MariaDB server, dropped when
// the test ends.
func MariaDB(tb testing.TB) *DB {
	tb.Helper()
	return MariaDBServer(tb).CreateDB(tb)
}

// Postgres returns a fresh, empty database on the PostgreSQL server, dropped
// when the test ends.
func Postgres(tb testing.TB) *DB {
	tb.Helper()
	return PostgresServer(tb).CreateDB(tb)
}

// DB is one database on a Server.
type DB struct {
	// Server is the server that holds the database.
	Server *Server
	// Name is the database's name.
	Name string
}

// DSN returns a data source name for the database (see Server.DSN).
func (d *DB) DSN() string { return d.Server.DSN(d.Name) }

// Open opens the database with database/sql; the test's cleanup closes it.
func (d *DB) Open(tb testing.TB) *sql.DB {
	tb.Helper()
	return d.Server.Open(tb, d.Name)
}

// LoadFile feeds the SQL file at path to the real client connected to the
// database (see Server.LoadFile).
func (d *DB) LoadFile(ctx context.Context, path string, args ...string) error {
	return d.Server.LoadFile(ctx, d.Name, path, args...)
}

// outputError is a client or server command that failed, with the tail of
// what it wrote.
type outputError struct {
	cmd    string
	err    error
	output string
}

func (e *outputError) Error() string {
	return fmt.Sprintf("testdb: %s: %v\n%s", e.cmd, e.err, e.output)
}

func (e *outputError) Unwrap() error { return e.err }

// tail returns the last n bytes of b as a string.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// run runs cmd and returns its combined output; on failure the error holds
// the output's tail.
func run(cmd *exec.Cmd) ([]byte, error) {
	var out []byte
	var err error
	if cmd.Stdout == nil && cmd.Stderr == nil {
		out, err = cmd.CombinedOutput()
	} else {
		err = cmd.Run()
	}
	if err != nil {
		return out, &outputError{cmd: filepath.Base(cmd.Path), err: err, output: tail(out, 4096)}
	}
	return out, nil
}

// versionDirs returns the subfolders of dir whose names are version numbers,
// newest first.
func versionDirs(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type v struct {
		name string
		num  []int
	}
	var vs []v
	for _, e := range ents {
		var num []int
		ok := e.IsDir()
		for p := range strings.SplitSeq(e.Name(), ".") {
			n, err := strconv.Atoi(p)
			if err != nil {
				ok = false
				break
			}
			num = append(num, n)
		}
		if ok {
			vs = append(vs, v{e.Name(), num})
		}
	}
	slices.SortFunc(vs, func(a, b v) int { return slices.Compare(b.num, a.num) })
	var out []string
	for _, x := range vs {
		out = append(out, filepath.Join(dir, x.name))
	}
	return out
}
