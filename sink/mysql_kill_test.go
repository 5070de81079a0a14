package sink_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// stuckSource serves one dump that stops in the middle and never ends.
type stuckSource struct{ head string }

func (s stuckSource) List(context.Context) ([]source.File, error) {
	return []source.File{{Name: "d.sql", Size: -1}}, nil
}

func (s stuckSource) Open(ctx context.Context, f source.File) (io.ReadCloser, error) {
	return io.NopCloser(io.MultiReader(strings.NewReader(s.head), stuck{ctx})), nil
}

type stuck struct{ ctx context.Context }

func (s stuck) Read([]byte) (int, error) { <-s.ctx.Done(); return 0, s.ctx.Err() }

// TestMySQLKilledHelper is the child process of TestMySQLKilledImporter:
// a load that stops in the middle of its dump until it is killed.
func TestMySQLKilledHelper(t *testing.T) {
	dsn := os.Getenv("DUMPLINE_KILL_DSN")
	if dsn == "" {
		t.Skip("the child process of TestMySQLKilledImporter")
	}
	head := "CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1),(2);\nINSERT INTO a VALUES (3"
	p := &importer.Pipeline{Source: stuckSource{head}, Sink: &sink.MySQL{DSN: dsn}, Dialect: sqlparse.MySQL,
		Route: func(source.File) string { return "sink_killed" }}
	p.Run(context.Background())
}

// TestMySQLKilledImporter kills an importer (a child process) in the middle
// of a replace: its staging database stays behind, the target is as it
// was, and the next run removes the staging database.
func TestMySQLKilledImporter(t *testing.T) {
	srv := testdb.MariaDBServer(t)
	ctx := t.Context()
	target := "sink_killed"
	t.Cleanup(func() { srv.DropDB(context.Background(), target) })
	admin := srv.Open(t, "")
	staging := func() int {
		var n int
		admin.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'sink\\_killed\\_\\_dumpline\\_%'").Scan(&n)
		return n
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMySQLKilledHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DUMPLINE_KILL_DSN="+srv.DSN(""))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for staging() == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child made no staging database")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if staging() != 1 {
		t.Fatalf("%d staging databases after the kill, want the child's", staging())
	}
	var n int
	admin.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", target).Scan(&n)
	if n != 0 {
		t.Errorf("the killed load made the target")
	}
	// The server notices the dead connection and frees its lock; the next
	// run drops the staging database.
	dir := t.TempDir()
	writeDump(t, dir, "d.sql", "x", 10, "")
	for deadline = time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := loadFiles(ctx, &sink.MySQL{DSN: srv.DSN("")}, dir, target); err != nil {
			t.Fatal(err)
		}
		if staging() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the next runs left the killed run's staging database")
		}
	}
}
