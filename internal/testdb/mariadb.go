package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	_ "github.com/go-sql-driver/mysql" // database/sql driver "mysql"
)

// mariadbDirs are searched for MariaDB binaries not on PATH.
var mariadbDirs = []string{"/usr/sbin", "/usr/bin", "/usr/local/mysql/bin", "/usr/local/bin"}

// mariadbServerFlags tune mariadbd for tests: fast, small, not durable.
var mariadbServerFlags = []string{
	"--skip-name-resolve",
	"--skip-log-bin",
	"--innodb-buffer-pool-size=128M",
	"--innodb-log-file-size=64M",
	"--innodb-doublewrite=0",
	"--innodb-flush-log-at-trx-commit=2", // a killed server keeps its commits (Server.Kill)
	"--innodb-flush-method=nosync",
	"--sync-binlog=0",
	"--character-set-server=utf8mb4",
	"--collation-server=utf8mb4_general_ci",
	"--max-allowed-packet=1G",
	"--skip-performance-schema",
	"--log-bin-trust-function-creators=1",
}

// startMariaDB initialises a data folder with mariadb-install-db, starts
// mariadbd on a free loopback port and gives root a random password.
func startMariaDB(ctx context.Context) (s *Server, err error) {
	const pkg = "mariadb-server"
	mysqld, err := findBinary("mariadbd", pkg, mariadbDirs...)
	if err != nil {
		return nil, err
	}
	installDB, err := findBinary("mariadb-install-db", pkg, mariadbDirs...)
	if err != nil {
		return nil, err
	}
	client, err := findBinary("mariadb", "mariadb-client", mariadbDirs...)
	if err != nil {
		return nil, err
	}
	dump, err := findBinary("mariadb-dump", "mariadb-client", mariadbDirs...)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testdb-mariadb-")
	if err != nil {
		return nil, fmt.Errorf("testdb: %w", err)
	}
	s = &Server{
		Engine:     EngineMariaDB,
		Host:       "127.0.0.1",
		Port:       port,
		User:       "root",
		Dir:        dir,
		password:   randomPassword(),
		clientBin:  client,
		dumpBin:    dump,
		clientConf: filepath.Join(dir, "client.cnf"),
		logPath:    filepath.Join(dir, "mariadbd.log"),
		stopSignal: syscall.SIGTERM,
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w (stop: %v)", err, s.Stop())
			s = nil
		}
	}()
	data := filepath.Join(dir, "data")
	socket := filepath.Join(dir, "mariadbd.sock")
	var userFlag []string
	if os.Geteuid() == 0 {
		userFlag = []string{"--user=root"} // mariadbd refuses to run as root otherwise
	}

	install := exec.CommandContext(ctx, installDB, append(append([]string{
		"--no-defaults",
		"--datadir=" + data,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		// Its own temporary folder: two bootstraps sharing /tmp (two test
		// binaries at once) delete each other's #sql-temptable files.
		"--tmpdir=" + dir,
	}, userFlag...), mariadbServerFlags...)...)
	install.Dir = dir
	if _, err := run(install); err != nil {
		return s, err
	}

	srv := exec.Command(mysqld, append(append([]string{
		"--no-defaults",
		"--datadir=" + data,
		"--socket=" + socket,
		"--pid-file=" + filepath.Join(dir, "mariadbd.pid"),
		fmt.Sprintf("--port=%d", port),
		"--bind-address=127.0.0.1",
		"--log-error=" + s.logPath,
		"--tmpdir=" + dir,
	}, userFlag...), mariadbServerFlags...)...)
	srv.Dir = dir
	if err := s.launch(srv); err != nil {
		return s, err
	}

	// root@localhost has no password yet: reach it over the socket, then
	// give every root account the random password.
	sockDB, err := sql.Open("mysql", "root@unix("+socket+")/")
	if err != nil {
		return s, fmt.Errorf("testdb: %w", err)
	}
	defer sockDB.Close()
	if err := s.waitReady(ctx, sockDB.PingContext); err != nil {
		return s, err
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		q := fmt.Sprintf("ALTER USER IF EXISTS 'root'@'%s' IDENTIFIED BY '%s'", host, s.password)
		if _, err := sockDB.ExecContext(ctx, q); err != nil {
			return s, fmt.Errorf("testdb: mariadb: set root password for %s: %w", host, err)
		}
	}

	conf := fmt.Sprintf("[client]\nhost=%s\nport=%d\nprotocol=TCP\nuser=%s\npassword=%s\nmax-allowed-packet=1G\ndefault-character-set=utf8mb4\n",
		s.Host, s.Port, s.User, s.password)
	if err := os.WriteFile(s.clientConf, []byte(conf), 0o600); err != nil {
		return s, fmt.Errorf("testdb: %w", err)
	}

	s.admin, err = sql.Open("mysql", s.DSN(""))
	if err != nil {
		return s, fmt.Errorf("testdb: %w", err)
	}
	if err := s.admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&s.Version); err != nil {
		return s, fmt.Errorf("testdb: mariadb: %w", err)
	}
	return s, nil
}
