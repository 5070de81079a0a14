package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpline/importer/internal/testdb"
)

// pgSample is the corpus's chinook for PostgreSQL, a generator's file that
// creates its database and connects to it with \c.
var pgSample = filepath.Join("..", "..", "testdata", "corpus", "postgres", "chinook.sql")

// TestLoadPostgres loads chinook into PostgreSQL with each mode and checks
// the rows there and that the password given is printed nowhere.
func TestLoadPostgres(t *testing.T) {
	const pw = "Db-pw-7781"
	t.Setenv("DUMPIMPORT_DB_PW", pw)
	srv := testdb.PostgresServer(t)
	db := srv.CreateDB(t)
	conn := db.Open(t)
	for _, mode := range []string{"replace", "recreate", "replace"} {
		code, out, errOut := runTool(t, "load", "-quiet", "-mode", mode, "-jobs", "2", "-db-password-env", "DUMPIMPORT_DB_PW", pgSample, db.DSN())
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", mode, code, out, errOut)
		}
		if strings.Contains(out+errOut, pw) {
			t.Errorf("%s printed the password", mode)
		}
		if !strings.Contains(out, `skipped 1 statement(s): psql \connect`) {
			t.Errorf("%s: the \\c is not reported as skipped:\n%s", mode, out)
		}
		var n int
		if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM public.track").Scan(&n); err != nil || n != 3503 {
			t.Errorf("%s: %d tracks (%v), want 3503", mode, n, err)
		}
	}
	// -schema loads the dump's public as another schema; a malformed one is refused.
	code, out, errOut := runTool(t, "load", "-quiet", "-json", "-schema", "public=chinook_copy", pgSample, db.DSN())
	if code != 0 || !strings.Contains(out, `"chinook_copy"`) {
		t.Fatalf("-schema: exit %d\n%s%s", code, out, errOut)
	}
	var n int
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM chinook_copy.track").Scan(&n); err != nil || n != 3503 {
		t.Errorf("-schema: %d tracks in chinook_copy (%v), want 3503", n, err)
	}
	if code, _, errOut := runTool(t, "load", "-quiet", "-schema", "public", pgSample, db.DSN()); code == 0 || !strings.Contains(errOut, "FROM=TO") {
		t.Errorf("-schema public: exit %d, %s", code, errOut)
	}
}
