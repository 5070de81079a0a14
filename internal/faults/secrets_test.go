package faults_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
	"github.com/dumpline/importer/status"
)

// zipPassword is the password of archive/testdata/zips/aes256.zip.
const zipPassword = "s3cr&t p@ss-w0rd"

// outputs collects everything a run shows: the slog lines, the status
// tracker's snapshot, its HTTP handler's /status and /logs, the error and
// the report.
type outputs struct {
	log     bytes.Buffer
	tracker *status.Tracker
	logger  *slog.Logger
	texts   []string
}

func newOutputs() *outputs {
	o := &outputs{tracker: status.New(0)}
	o.logger = slog.New(o.tracker.LogHandler(slog.NewJSONHandler(&o.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return o
}

// run runs p with o's logger and tracker and keeps what it showed,
// including the value of a panic.
func (o *outputs) run(t *testing.T, p *importer.Pipeline) (err error) {
	t.Helper()
	p.Logger, p.Status = o.logger, o.tracker
	defer func() {
		if v := recover(); v != nil {
			o.texts = append(o.texts, fmt.Sprint(v))
			t.Errorf("panic: %v", v)
		}
	}()
	rep, err := p.Run(context.Background())
	o.texts = append(o.texts, fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%+v", rep))
	if rep != nil {
		for _, f := range rep.Files {
			o.texts = append(o.texts, fmt.Sprintf("%v", f.Err))
		}
	}
	return err
}

// check fails t for every secret found in what the runs showed, in any
// of the spellings an output may use (as is, JSON- or URL-escaped).
func (o *outputs) check(t *testing.T, secrets ...string) {
	t.Helper()
	h := &status.Handler{Tracker: o.tracker}
	all := map[string]string{"slog": o.log.String()}
	snap, _ := json.Marshal(o.tracker.Snapshot())
	all["Snapshot"] = string(snap)
	for _, path := range []string{"/status", "/logs?limit=1000"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		all["GET "+path] = rec.Body.String()
	}
	all["errors and report"] = strings.Join(o.texts, "\n")
	if len(o.log.String()) == 0 || !strings.Contains(all["GET /logs?limit=1000"], "msg") {
		t.Fatalf("nothing was logged: the check would prove nothing")
	}
	for _, s := range secrets {
		js, _ := json.Marshal(s)
		forms := []string{s, strings.Trim(string(js), `"`), url.QueryEscape(s), url.PathEscape(s)}
		for where, text := range all {
			for _, f := range forms {
				if strings.Contains(text, f) {
					t.Errorf("secret %q appears (as %q) in %s", s, f, where)
				}
			}
		}
	}
}

// TestSecretsSSHAndZIP imports an AES-encrypted ZIP over SFTP with a
// password, then fails with a wrong SSH password and a wrong ZIP password:
// no password is in any output.
func TestSecretsSSHAndZIP(t *testing.T) {
	const sshPassword, wrongSSH, wrongZIP = "ssh-S3cret-pw&x", "ssh-Wr0ng-pw%y", "zip-Wr0ng-pw/z"
	drop := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "..", "archive", "testdata", "zips", "aes256.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(drop, "drop.zip"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := sftptest.NewServer(t, drop, sftptest.WithUser("importer", sshPassword))
	o := newOutputs()
	pipeline := func(sshPW, zipPW string) *importer.Pipeline {
		src := &remote.SFTP{Addr: srv.Addr, User: "importer", Password: sshPW, HostKeyCallback: srv.HostKeyCallback(), Retries: -1}
		t.Cleanup(func() { src.Close() })
		return &importer.Pipeline{
			Source:    src,
			Extractor: &archive.Extractor{Password: archive.StaticPassword(zipPW)},
			Sink:      sink.NewSQLite(filepath.Join(t.TempDir(), "t.db")),
		}
	}
	if err := o.run(t, pipeline(sshPassword, zipPassword)); err != nil {
		t.Fatalf("the good run failed: %v", err)
	}
	if err := o.run(t, pipeline(wrongSSH, zipPassword)); err == nil {
		t.Error("a wrong SSH password was accepted")
	}
	if err := o.run(t, pipeline(sshPassword, wrongZIP)); !errors.Is(err, archive.ErrPassword) {
		t.Errorf("wrong ZIP password: %v, want ErrPassword", err)
	}
	o.check(t, sshPassword, wrongSSH, zipPassword, wrongZIP)
}

// TestSecretsDSN loads into MariaDB and PostgreSQL with passwords in the
// DSN (and in sink.Postgres.Password), then fails with wrong ones and with
// an unreachable server: no password is in any output.
func TestSecretsDSN(t *testing.T) {
	dump := []byte("CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1),(2);\n")
	t.Run("mariadb", func(t *testing.T) {
		d := testdb.MariaDB(t)
		cfg, err := mysql.ParseDSN(d.DSN())
		if err != nil {
			t.Fatal(err)
		}
		real := cfg.Passwd
		if real == "" {
			t.Fatal("the test server's DSN has no password: nothing to check")
		}
		o := newOutputs()
		run := func(passwd, addr string) error {
			c := cfg.Clone()
			c.Passwd, c.Addr = passwd, addr
			p := &importer.Pipeline{
				Source: memSource("d.sql", dump), Dialect: tgDialect("mariadb"),
				Sink: &sink.MySQL{DSN: c.FormatDSN(), Logger: o.logger},
			}
			return o.run(t, p)
		}
		if err := run(real, cfg.Addr); err != nil {
			t.Fatalf("the good run failed: %v", err)
		}
		const wrong = "dsn-Wr0ng-pw&q"
		if err := run(wrong, cfg.Addr); err == nil {
			t.Error("a wrong password was accepted")
		}
		if err := run(real, closedAddr(t)); err == nil {
			t.Error("a closed port was reached")
		}
		o.check(t, real, wrong)
	})
	t.Run("postgres", func(t *testing.T) {
		d := testdb.Postgres(t)
		u, err := url.Parse(d.DSN())
		if err != nil {
			t.Fatal(err)
		}
		// The test server trusts loopback: a password is sent (and must
		// stay hidden) but not needed.
		const inURL, inField = "pg-S3cret-url&w", "pg-S3cret-field/v"
		withPW := *u
		withPW.User = url.UserPassword(u.User.Username(), inURL)
		o := newOutputs()
		run := func(dsn, pw string) error {
			p := &importer.Pipeline{Source: memSource("d.sql", dump), Dialect: tgDialect("postgres"),
				Sink: &sink.Postgres{DSN: dsn, Password: pw}}
			return o.run(t, p)
		}
		if err := run(withPW.String(), ""); err != nil {
			t.Fatalf("the good run failed: %v", err)
		}
		if err := run(d.DSN(), inField); err != nil {
			t.Fatalf("the good run with Password failed: %v", err)
		}
		closed := withPW
		closed.Host = closedAddr(t)
		if err := run(closed.String(), ""); err == nil {
			t.Error("a closed port was reached")
		}
		if err := run(closed.String(), inField); err == nil {
			t.Error("a closed port was reached")
		}
		o.check(t, inURL, inField)
	})
}

// TestHostKeyMismatch: a real OpenSSH server whose host key is not the one
// known_hosts records is refused before anything is read, even with
// trust on first use, and the known_hosts file is left as it was.
func TestHostKeyMismatch(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(pub)
	wrong := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{srv.Addr}, other) + "\n"
	os.WriteFile(wrong, []byte(line), 0o600)
	drop := filepath.Join(srv.Dir, "drop")
	os.MkdirAll(drop, 0o755)
	os.WriteFile(filepath.Join(drop, "d.sql"), []byte("CREATE TABLE t (a INT);\n"), 0o644)
	for _, tofu := range []bool{false, true} {
		for _, proto := range []remote.Protocol{remote.ProtocolSFTP, remote.ProtocolSCP} {
			src := &remote.SFTP{Addr: srv.Addr, User: srv.User, Path: drop, KeyFiles: []string{srv.KeyFile},
				KnownHosts: []string{wrong}, TrustOnFirstUse: tofu, Protocol: proto}
			db := filepath.Join(t.TempDir(), "t.db")
			rep, err := (&importer.Pipeline{Source: src, Sink: sink.NewSQLite(db)}).Run(t.Context())
			src.Close()
			var ie *importer.Error
			if !errors.Is(err, remote.ErrHostKeyMismatch) || !errors.As(err, &ie) || ie.Stage != importer.StageList {
				t.Errorf("tofu %v, %v: %v, want ErrHostKeyMismatch at the list stage", tofu, proto, err)
			}
			if rep != nil && len(rep.Files) > 0 {
				t.Errorf("tofu %v: files were read: %+v", tofu, rep.Files)
			}
			if _, err := os.Stat(db); err == nil {
				t.Errorf("tofu %v: the target was created", tofu)
			}
			if b, _ := os.ReadFile(wrong); string(b) != line {
				t.Errorf("tofu %v: known_hosts changed to %q", tofu, b)
			}
		}
	}
}

// TestNoRemoteCommand imports files whose names are shell syntax over SCP
// and SFTP from the real OpenSSH server: each is loaded as data, nothing
// runs, and a name with a newline (which the SCP protocol cannot carry) is
// refused by name, never skipped silently.
func TestNoRemoteCommand(t *testing.T) {
	noPWNED := func(dirs ...string) {
		t.Helper()
		home, _ := os.UserHomeDir()
		cwd, _ := os.Getwd()
		for _, d := range append(dirs, home, cwd, "/", os.TempDir()) {
			if _, err := os.Stat(filepath.Join(d, "PWNED")); err == nil {
				t.Fatalf("a command ran: %s/PWNED exists", d)
			}
		}
	}
	noPWNED()
	names := []string{
		"a;touch PWNED;b.sql",
		"$(touch PWNED).sql",
		"`touch PWNED`.sql",
		"q'; touch PWNED; echo '.sql",
		`d"; touch PWNED; echo ".sql`,
		"amp&&touch PWNED.sql",
		"pipe|touch PWNED.sql",
		"-rf --.sql",
		"star*.sql",
		"sp ace.sql",
	}
	for _, proto := range []remote.Protocol{remote.ProtocolSCP, remote.ProtocolSFTP} {
		t.Run(map[remote.Protocol]string{remote.ProtocolSCP: "scp", remote.ProtocolSFTP: "sftp"}[proto], func(t *testing.T) {
			srv := sshd.Start(t, sshd.Options{NoSFTP: proto == remote.ProtocolSCP})
			drop := filepath.Join(srv.Dir, "drop")
			os.MkdirAll(drop, 0o755)
			for i, n := range names {
				body := fmt.Sprintf("CREATE TABLE t%d (a INT);\nINSERT INTO t%d VALUES (%d);\n", i, i, i)
				if err := os.WriteFile(filepath.Join(drop, n), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src := &remote.SFTP{Addr: srv.Addr, User: srv.User, Path: drop, KeyFiles: []string{srv.KeyFile},
				KnownHosts: []string{srv.KnownHosts}, Protocol: proto, Retries: -1}
			defer src.Close()
			dbs := t.TempDir()
			var routed []string
			p := &importer.Pipeline{Source: src, KeepGoing: true, Dialect: tgDialect("sqlite"),
				Sink: sink.NewSQLite(filepath.Join(dbs, "all.db")), Concurrency: 1}
			rep, err := p.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Files {
				routed = append(routed, f.File.Name)
				if f.Status != importer.Imported {
					t.Errorf("%q: %v %v", f.File.Name, f.Status, f.Err)
				}
			}
			slices.Sort(routed)
			want := slices.Clone(names)
			slices.Sort(want)
			if !slices.Equal(routed, want) {
				t.Errorf("imported %q, want %q", routed, want)
			}
			noPWNED(drop, srv.Dir)

			// A newline in a name: SCP cannot carry it, SFTP can but the
			// name is unsafe; either way the run fails saying so.
			if err := os.WriteFile(filepath.Join(drop, "new\nline.sql"), []byte("SELECT 1;\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = p.Run(t.Context())
			t.Logf("newline in a name: %v", err)
			if err == nil {
				t.Error("a name with a newline was accepted")
			} else if !errors.Is(err, remote.ErrBadName) && !errors.Is(err, remote.ErrSCP) {
				t.Errorf("newline in a name: %v, want ErrBadName or ErrSCP", err)
			}
			noPWNED(drop, srv.Dir)
		})
	}
}
