package testdb_test

import (
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

// TestKillRestart kills each server with SIGKILL and restarts it: the
// committed rows survive the crash and the connections work again.
func TestKillRestart(t *testing.T) {
	for _, e := range []testdb.Engine{testdb.EngineMariaDB, testdb.EnginePostgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			srv := testdb.PrivateServer(t, e)
			ctx := t.Context()
			db := srv.CreateDB(t)
			conn := db.Open(t)
			if _, err := conn.ExecContext(ctx, "CREATE TABLE k (id INT PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "INSERT INTO k VALUES (1), (2)"); err != nil {
				t.Fatal(err)
			}
			if err := srv.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := conn.PingContext(ctx); err == nil {
				t.Fatal("ping after the kill succeeded")
			}
			if err := srv.Kill(); err == nil {
				t.Error("a second kill succeeded")
			}
			if err := srv.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM k").Scan(&n); err != nil || n != 2 {
				t.Fatalf("after the restart: %d rows, %v; want 2", n, err)
			}
		})
	}
}
