package faults_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/source/remote"
)

// sftpVia returns an SFTP source for dir on srv, connecting through addr.
// Few small read requests are in flight, so that the download keeps pace
// with the load and a cut falls in the middle of it.
func sftpVia(srv *sshd.Server, addr, dir string) *remote.SFTP {
	return &remote.SFTP{
		Addr: addr, User: srv.User, Path: dir,
		KeyFiles: []string{srv.KeyFile}, HostKeyFingerprint: srv.Fingerprint(),
		MaxPacket: 32 << 10, Concurrency: 2, Retries: 10,
	}
}

// TestSFTPCutDuringLoad cuts the connection to a real sshd, through the
// proxy, at seeded random offsets while a dump is loaded, into SQLite and
// MariaDB: each of the first FAULTS_SEEDS (20) connections of the import is
// cut after a random number of bytes, so that the download resumes that many
// times, and the import ends with the dump's tables.
func TestSFTPCutDuringLoad(t *testing.T) {
	n := seeds(t)
	srv := sshd.Start(t, sshd.Options{})
	dir := filepath.Join(srv.Dir, "drop")
	d := dataset{gen: 3, rows: 8000}
	size := d.write(t, dir, "d.sql")
	for i, engine := range []string{"sqlite", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			var tg *target
			if engine == "sqlite" {
				tg = sqliteTarget(t)
			} else {
				tg = serverTarget(t, testdb.MariaDBServer(t))
			}
			rng := rand.New(rand.NewPCG(uint64(i), 29))
			var offsets []int64
			proxy := sshd.NewProxy(t, srv.Addr, func(c int) int64 {
				if c > n {
					return 0
				}
				// After the handshake, the listing and the first reads (a
				// connection that never gets to the file's bytes makes no
				// progress, and the source gives up after Retries of
				// those), with some of the file: the cuts together take
				// less than the whole file.
				at := 48<<10 + rng.Int64N(size/int64(2*n))
				offsets = append(offsets, at)
				return at
			})
			src := sftpVia(srv, proxy.Addr, dir)
			defer src.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			if _, err := tg.run(ctx, src, ""); err != nil {
				t.Fatalf("the import through %d cuts: %v", n, err)
			}
			if got := tg.mustRead(t); got != d.fingerprint() {
				t.Fatalf("the target holds %s, want %s", got, d.fingerprint())
			}
			if got := proxy.Cuts.Load(); got != int64(n) {
				t.Errorf("the proxy cut %d connections, want %d (offsets %v)", got, n, offsets)
			}
			t.Logf("faults: SFTP into %s: 1 run of a %d-byte dump, %d connections cut mid-load (at bytes %v), resumed, data lost 0",
				engine, size, proxy.Cuts.Load(), offsets)
		})
	}
}

// TestSFTPStall black-holes the connection to the sshd (the proxy stops
// forwarding and keeps it open, as a dropped route does: no RST), in the
// handshake and in the middle of the download, and every connection after
// it stalls in its handshake: the import fails within the source's
// timeouts and retries, and the target keeps its tables.
func TestSFTPStall(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	dir := filepath.Join(srv.Dir, "drop")
	old := dataset{gen: 1, rows: 200}
	old.write(t, filepath.Join(srv.Dir, "old"), "old.sql")
	d := dataset{gen: 3, rows: 2500}
	d.write(t, dir, "d.sql")
	tg := sqliteTarget(t)
	direct := sftpVia(srv, srv.Addr, filepath.Join(srv.Dir, "old"))
	tg.mustRun(t, direct, old.fingerprint())
	direct.Close()
	for _, c := range []struct {
		name string
		at   int64
	}{{"handshake", 200}, {"download", 160 << 10}} {
		t.Run(c.name, func(t *testing.T) {
			// The first connection stalls at c.at; the route stays dead, so
			// every later one stalls in its handshake.
			proxy := sshd.NewProxy(t, srv.Addr, func(n int) int64 {
				if n == 1 {
					return c.at
				}
				return 200
			})
			proxy.Stall.Store(true)
			src := sftpVia(srv, proxy.Addr, dir)
			src.DialTimeout, src.IOTimeout, src.KeepAlive, src.Retries = 2*time.Second, time.Second, 250*time.Millisecond, 2
			defer src.Close()
			// A watchdog far beyond the timeouts (3 connections of at
			// most a few seconds each, and the backoff): reaching it is a
			// hang.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := tg.run(ctx, src, "")
			if ctx.Err() != nil {
				t.Fatalf("the import hung until the watchdog: %v", err)
			}
			var ie *importer.Error
			if err == nil {
				t.Fatal("the import through a black hole succeeded")
			}
			if c.name == "download" && (!errors.As(err, &ie) || ie.File != "d.sql") {
				t.Errorf("error %v: want an *importer.Error for d.sql", err)
			}
			if proxy.Cuts.Load() < 2 {
				t.Errorf("%d connections stalled, want the first and its retries", proxy.Cuts.Load())
			}
			if got := tg.mustRead(t); got != old.fingerprint() {
				t.Errorf("after the failure the target holds %s, want %s", got, old.fingerprint())
			}
			t.Logf("faults: SFTP black-holed in the %s: %d connections stalled, failed: %v", c.name, proxy.Cuts.Load(), err)
		})
	}
}
