package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/dumpline/importer/internal/testdb"
)

// TestMySQLTarget loads a MySQL dump into mysql:DSN with the password in
// $VAR, right and wrong, and with one in the DSN (refused), and greps
// everything the tool printed for the passwords.
func TestMySQLTarget(t *testing.T) {
	srv := testdb.MariaDBServer(t)
	db := srv.CreateDB(t)
	cfg, err := mysql.ParseDSN(db.DSN())
	if err != nil {
		t.Fatal(err)
	}
	rightPW, wrongPW := cfg.Passwd, "Wrong-db-pw-71"
	t.Setenv("DUMPIMPORT_DB_PW", rightPW)
	t.Setenv("DUMPIMPORT_WRONG_DB_PW", wrongPW)
	cfg.Passwd = ""
	target := "mysql:" + cfg.FormatDSN()
	dump := "../../testdata/corpus/mysql/regions.sql"
	withPW := "mysql:" + cfg.User + ":" + wrongPW + "@" + cfg.Net + "(" + cfg.Addr + ")/" + cfg.DBName

	cases := []struct {
		ok   bool
		args []string
	}{
		{true, []string{"load", "-json", "-quiet", "-db-password-env", "DUMPIMPORT_DB_PW", "-jobs", "2", dump, target}},
		{true, []string{"load", "-v", "-quiet", "-mode", "recreate", "-db-password-env", "DUMPIMPORT_DB_PW", dump, target}},
		{false, []string{"load", "-v", "-json", "-db-password-env", "DUMPIMPORT_WRONG_DB_PW", dump, target}},
		{false, []string{"load", "-v", "-json", dump, withPW}},
		{false, []string{"load", "-mode", "sideways", "-db-password-env", "DUMPIMPORT_DB_PW", dump, target}},
	}
	for i, c := range cases {
		code, out, errOut := runTool(t, c.args...)
		for _, pw := range []string{rightPW, wrongPW} {
			if strings.Contains(out+errOut, pw) {
				t.Errorf("%q (exit %d) printed a password:\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
			}
		}
		if (code == 0) != c.ok {
			t.Errorf("%q: exit %d\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
		}
		if i == 0 {
			var rep jsonReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
		}
		if !c.ok && !strings.Contains(errOut, "127.0.0.1") && !strings.Contains(errOut, "password") && !strings.Contains(errOut, "mode") {
			t.Errorf("%q: the error names neither the server nor the cause: %s", c.args, errOut)
		}
	}
	var n int
	if err := db.Open(t).QueryRow("SELECT COUNT(*) FROM regions").Scan(&n); err != nil || n == 0 {
		t.Errorf("regions: %d rows, %v", n, err)
	}
}
