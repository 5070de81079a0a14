package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// postgresBinDirs returns the folders searched for PostgreSQL's server
// binaries: $TESTDB_PGBIN if set, then Debian's /usr/lib/postgresql/*/bin,
// newest version first.
func postgresBinDirs() []string {
	var dirs []string
	if d := os.Getenv("TESTDB_PGBIN"); d != "" {
		dirs = append(dirs, d)
	}
	for _, v := range versionDirs("/usr/lib/postgresql") {
		dirs = append(dirs, filepath.Join(v, "bin"))
	}
	return dirs
}

// findPGBinary looks for a PostgreSQL binary in postgresBinDirs first (so
// that client and server versions match), then on PATH.
func findPGBinary(name string) (string, error) {
	for _, d := range postgresBinDirs() {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return findBinary(name, "postgresql")
}

// postgresServerFlags tune postgres for tests: fast, not durable.
var postgresServerFlags = []string{
	"-c", "listen_addresses=127.0.0.1",
	"-c", "fsync=off",
	"-c", "synchronous_commit=on", // written, not synced: a killed server keeps its commits
	"-c", "full_page_writes=off",
	"-c", "shared_buffers=64MB",
	"-c", "max_wal_size=1GB",
	"-c", "checkpoint_timeout=30min",
	"-c", "max_connections=100",
	"-c", "logging_collector=off",
	"-c", "log_min_messages=warning",
}

// startPostgres initialises a cluster with initdb (trust authentication,
// UTF8) and starts postgres on a free loopback port. When the test runs as
// root, both run as the "postgres" system user, which owns the folder.
func startPostgres(ctx context.Context) (s *Server, err error) {
	initdb, err := findPGBinary("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := findPGBinary("postgres")
	if err != nil {
		return nil, err
	}
	psql, err := findPGBinary("psql")
	if err != nil {
		return nil, err
	}
	pgdump, err := findPGBinary("pg_dump")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, &notFoundError{binary: "system user postgres (PostgreSQL refuses to run as root)", pkg: "postgresql"}
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("testdb: user postgres has uid %q gid %q", u.Uid, u.Gid)
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testdb-postgres-")
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	s = &Server{
		Engine:     EnginePostgres,
		Host:       "127.0.0.1",
		Port:       port,
		User:       "postgres",
		Dir:        dir,
		clientBin:  psql,
		dumpBin:    pgdump,
		logPath:    filepath.Join(dir, "postgres.log"),
		stopSignal: syscall.SIGINT, // fast shutdown
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w (stop: %v)", err, s.Stop())
			s = nil
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return s, fmt.Errorf("testdb: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	asServerUser := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Dir = dir
		cmd.Env = append(s.clientEnv(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}

	init := asServerUser(exec.CommandContext(ctx, initdb,
		"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
		"--no-sync", "--no-instructions"))
	if _, err := run(init); err != nil {
		return s, err
	}

	srv := asServerUser(exec.Command(postgres, append([]string{
		"-D", data, "-p", strconv.Itoa(port), "-k", dir,
	}, postgresServerFlags...)...))
	if err := s.launch(srv); err != nil {
		return s, err
	}

	s.admin, err = sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		return s, fmt.Errorf("testdb: %w", err)
	}
	if err := s.waitReady(ctx, s.admin.PingContext); err != nil {
		return s, err
	}
	if err := s.admin.QueryRowContext(ctx, "SELECT version()").Scan(&s.Version); err != nil {
		return s, fmt.Errorf("testdb: postgres: %w", err)
	}
	return s, nil
}
