package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusDump returns a dump of the sample corpus (testdata/corpus, or the
// gzipped copies sqlparse/testdata/corpus held before), uncompressed.
func corpusDump(t testing.TB, name string) []byte {
	t.Helper()
	dialect, file, _ := strings.Cut(name, "-") // "mysql-countries.sql": testdata/corpus/mysql/countries.sql
	for _, p := range []string{"../../testdata/corpus/" + dialect + "/" + file, "../../sqlparse/testdata/corpus/" + name + ".gz"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	t.Fatalf("corpus dump %s not found", name)
	return nil
}

// cutDump is a corpus dump cut after its first INSERT, at a statement
// boundary, without its producer's trailer.
func cutDump(t testing.TB, name string) []byte {
	d := corpusDump(t, name)
	i := bytes.Index(d, []byte("\nINSERT INTO"))
	j := bytes.Index(d[i+1:], []byte(";\n"))
	if i < 0 || j < 0 {
		t.Fatalf("%s has no INSERT", name)
	}
	return d[:i+1+j+2]
}

// dbTables returns every table of the SQLite database at path with its
// row count.
func dbTables(t testing.TB, path string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + n + `"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runNightly(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// Every refusal of issue 11's table through the tool into SQLite: exit 1,
// one line naming the file, the database as it was; the -allow flag lets
// the check through.
func TestToolRefusesWhatIsNotAWholeDump(t *testing.T) {
	random := make([]byte, 100<<10)
	for i := range random {
		random[i] = byte(i*7919 + i>>3*31 + 17)
	}
	cases := []struct {
		name, dialect string
		data          []byte
		msg           string // in the error line
		allow         string // the flag that lets it through ("" none)
	}{
		{"random.sql", "sqlite", random, "not a SQL dump", ""},
		{"hello.sql", "sqlite", []byte("hello world\n"), "not a SQL dump", ""},
		{"hello-terminated.sql", "sqlite", []byte("hello world;\n"), "not a SQL dump", "-allow-any-statement"},
		{"shadow.sql", "sqlite", []byte("root:$6$x$y:19000:0:99999:7:::\n"), "not a SQL dump", ""},
		{"unterminated.sql", "sqlite", []byte("CREATE TABLE t (a int"), "", "-allow-unterminated"},
		{"empty.sql", "sqlite", nil, "", "-allow-empty"},
		{"cut.sql", "sqlite", cutDump(t, "sqlite-chinook-dot-dump.sql"), "", "-allow-missing-trailer"},
		{"mysql.sql", "sqlite", corpusDump(t, "mysql-countries.sql"), "", "-dialect-force"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "t.db")
			good := writeFile(t, t.TempDir(), "good.sql", []byte("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1),(2);\n"))
			if code, _, stderr := runNightly("load", "-quiet", "-dialect", "sqlite", good, "sqlite:"+db); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			before := dbTables(t, db)
			bad := writeFile(t, t.TempDir(), tc.name, tc.data)
			code, _, stderr := runNightly("load", "-quiet", "-dialect", tc.dialect, bad, "sqlite:"+db)
			if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.name) || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
			if diff := cmp.Diff(before, dbTables(t, db)); diff != "" {
				t.Errorf("target changed (-before +after):\n%s", diff)
			}
			if tc.allow == "" {
				return
			}
			// The flag turns the check off; a dry run, as the relaxed input
			// (a MySQL dump read as SQLite) need not load.
			_, _, stderr2 := runNightly("parse", "-quiet", "-dialect", tc.dialect, tc.allow, bad)
			if stderr2 == stderr {
				t.Errorf("%s changed nothing: %s", tc.allow, stderr2)
			}
			if tc.allow != "-dialect-force" && stderr2 != "" {
				t.Errorf("%s: %s", tc.allow, stderr2)
			}
		})
	}
}

type toolReport struct {
	Files []struct {
		Name, Status, Error string
	}
	Errors []string
}

func TestToolKeepGoing(t *testing.T) {
	dir := t.TempDir()
	for i := range 9 {
		data := fmt.Sprintf("CREATE TABLE t%d (a INTEGER);\nINSERT INTO t%d VALUES (%d);\n", i, i, i)
		if i == 2 || i == 6 {
			data = "<html>502 Bad Gateway</html>\n"
		}
		writeFile(t, dir, fmt.Sprintf("f%d.sql", i), []byte(data))
	}
	for _, keep := range []bool{false, true} {
		db := filepath.Join(t.TempDir(), "t.db")
		args := []string{"load", "-quiet", "-json", "-dialect", "sqlite"}
		if keep {
			args = append(args, "-keep-going")
		}
		code, stdout, stderr := runNightly(append(args, dir, "sqlite:"+db)...)
		if code != 1 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("keep-going %v: exit %d, stderr %q", keep, code, stderr)
		}
		var rep toolReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range rep.Files {
			got[f.Name] = f.Status
			if (f.Status == "failed" || f.Status == "cancelled") != (f.Error != "") {
				t.Errorf("%s: %s, error %q", f.Name, f.Status, f.Error)
			}
		}
		if len(got) != 9 || got["f2.sql"] != "failed" || got["f0.sql"] != "imported" {
			t.Errorf("keep-going %v: %v", keep, got)
		}
		if keep && (got["f6.sql"] != "failed" || got["f8.sql"] != "imported" || len(rep.Errors) != 2 || !strings.Contains(stderr, "f6.sql")) {
			t.Errorf("keep-going: %v, errors %q", got, rep.Errors)
		}
		if !keep && got["f8.sql"] != "not-started" {
			t.Errorf("without -keep-going: %v", got)
		}
		// Each file replaces the database: one good file's table is there,
		// whole (the one whose load committed last: two load at once).
		if got := dbTables(t, db); keep && (len(got) != 1 || got["t2"] != 0 || got["t6"] != 0) {
			t.Errorf("tables %v, want one good file's", got)
		} else if keep {
			for _, n := range got {
				if n != 1 {
					t.Errorf("tables %v, want one good file's, whole", got)
				}
			}
		}
	}
}

func TestToolMarkersIgnoreAndAfterMove(t *testing.T) {
	dir := t.TempDir()
	good := []byte("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1);\n")
	writeFile(t, dir, "a.sql", good)
	writeFile(t, dir, "a.sql.ok", nil)
	writeFile(t, dir, "b.sql", good) // no marker: still being written
	writeFile(t, dir, "c.sql.part", good)
	db := filepath.Join(t.TempDir(), "t.db")
	code, stdout, stderr := runNightly("load", "-quiet", "-dialect", "sqlite", "-marker", ".ok", "-after", "move:imported", dir, "sqlite:"+db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "1 file(s) imported") || !strings.Contains(stdout, "1 still being written") || !strings.Contains(stdout, "1 ignored") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, n := range []string{"imported/a.sql", "imported/a.sql.ok", "b.sql", "c.sql.part"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Error(err)
		}
	}
	// A dry run does not take an action; a bad value is a usage error.
	for _, args := range [][]string{{"parse", "-after", "delete", dir}, {"load", "-after", "shred", dir, "sqlite:" + db}, {"load", "-after", "move:", dir, "sqlite:" + db}} {
		if code, _, _ := runNightly(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
