package testdb_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "load.sql")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMariaDB(t *testing.T) {
	t.Parallel()
	db := testdb.MariaDB(t)
	file := writeFile(t, "CREATE TABLE t (id INT PRIMARY KEY, s TEXT);\nINSERT INTO t VALUES (1,'a'),(2,'😀');\n")
	if err := db.LoadFile(t.Context(), file); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Open(t).QueryRowContext(t.Context(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("COUNT(*) = %d, want 2", n)
	}
	// A second database on the same (shared) server is distinct and empty.
	db2 := testdb.MariaDB(t)
	if db2.Name == db.Name || db2.Server != db.Server {
		t.Errorf("second database %q on %p, first %q on %p", db2.Name, db2.Server, db.Name, db.Server)
	}
	// The real dump program works with the server's settings.
	out, err := db.Server.DumpCommand(t.Context(), "--skip-dump-date", db.Name, "t").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "(2,'😀');") {
		t.Errorf("mariadb-dump output lacks the rows:\n%s", out)
	}
	// A failing file is reported with the client's message.
	bad := writeFile(t, "INSERT INTO missing VALUES (1);\n")
	if err := db.LoadFile(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("LoadFile(bad) = %v, want an error naming the table", err)
	}
	if !strings.Contains(db.Server.Version, "MariaDB") {
		t.Errorf("Version = %q", db.Server.Version)
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	file := writeFile(t, "CREATE TABLE t (id int PRIMARY KEY, s text);\nCOPY t (id, s) FROM stdin;\n1\ta\n2\t\\N\n\\.\n")
	if err := db.LoadFile(t.Context(), file); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Open(t).QueryRowContext(t.Context(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("COUNT(*) = %d, want 2", n)
	}
	out, err := db.Server.DumpCommand(t.Context(), "--inserts", "-d", db.Name).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "INSERT INTO public.t VALUES (2, NULL);") {
		t.Errorf("pg_dump output lacks the rows:\n%s", out)
	}
	bad := writeFile(t, "INSERT INTO missing VALUES (1);\n")
	if err := db.LoadFile(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("LoadFile(bad) = %v, want an error naming the table", err)
	}
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	file := writeFile(t, "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);\nINSERT INTO t VALUES (1,'a'),(2,'b');\n")
	if err := db.LoadFile(t.Context(), file); err != nil {
		t.Fatal(err)
	}
	out, err := db.Query(t.Context(), "SELECT COUNT(*), MAX(s) FROM t")
	if err != nil {
		t.Fatal(err)
	}
	if out != "2\tb\n" {
		t.Errorf("Query = %q, want %q", out, "2\tb\n")
	}
	dump, err := db.Dump(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dump), "INSERT INTO t VALUES(2,'b');") {
		t.Errorf(".dump output lacks the rows:\n%s", dump)
	}
}

func TestWriteSakilaDump(t *testing.T) {
	if testing.Short() {
		t.Skip("loads sakila into a private MariaDB server")
	}
	t.Parallel()
	corpus := testdb.CorpusDir(t)
	out := filepath.Join(t.TempDir(), "sakila.sql")
	d, err := testdb.WriteSakilaDump(t.Context(), corpus, out, 6e6, "--skip-extended-insert")
	if err != nil {
		if errors.Is(err, testdb.ErrNotFound) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != d.Size || d.Size < 6e6 {
		t.Errorf("file has %d bytes, SakilaDump.Size %d, want >= 6e6", st.Size(), d.Size)
	}
	// sakila-data.sql has 16044 rentals and 16049 payments.
	if d.Copies < 2 || d.Rows["rental"] != 16044*d.Copies || d.Rows["payment"] != 16049*d.Copies {
		t.Errorf("Copies = %d, Rows = %v", d.Copies, d.Rows)
	}
	// --skip-extended-insert: one INSERT per row.
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(strings.Count(string(b), "INSERT INTO `rental` VALUES")); n != d.Rows["rental"] {
		t.Errorf("%d INSERTs into rental, want %d", n, d.Rows["rental"])
	}
	if !strings.Contains(d.Producer, "mariadb-dump") || !strings.Contains(d.Producer, "--skip-extended-insert") {
		t.Errorf("Producer = %q", d.Producer)
	}
}

// TestCorpusChecksums checks that every sample dump in the corpus is the
// byte-exact copy that testdata/corpus/SHA256SUMS lists, and that the list
// and the folder hold the same files.
func TestCorpusChecksums(t *testing.T) {
	root, err := testdb.RepoRoot() // the repository's copy, whatever DUMPLINE_CORPUS says
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "testdata", "corpus")
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", line)
		}
		want[name] = sum
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum, ok := want[rel]
		if !ok {
			t.Errorf("%s is not listed in SHA256SUMS", rel)
			continue
		}
		seen++
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != sum {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s (the samples must stay byte-exact)", rel, got, sum)
		}
	}
	if seen != len(want) {
		t.Errorf("SHA256SUMS lists %d files, the corpus holds %d of them", len(want), seen)
	}
}
