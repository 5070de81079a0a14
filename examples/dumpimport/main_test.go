package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"
)

// sample is the quickstart's bundled zip of sqlite/chinook-dot-dump.sql.
const sample = "../quickstart/testdata/chinook.zip"

// The counts the sqlite3 shell loads from chinook-dot-dump.sql.
var chinook = map[string]int64{
	"Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25, "Invoice": 412,
	"InvoiceLine": 2240, "MediaType": 5, "Playlist": 18, "PlaylistTrack": 8715, "Track": 3503,
}

func TestParseJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"parse", "-json", "-quiet", sample}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out struct {
		Statements  int64                           `json:"statements"`
		Rows        int64                           `json:"rows"`
		Tables      map[string]struct{ Rows int64 } `json:"tables"`
		BytesIn     int64                           `json:"bytes_in"`
		BytesParsed int64                           `json:"bytes_parsed"`
		Seconds     float64                         `json:"seconds"`
		Errors      []string                        `json:"errors"`
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var total int64
	for name, tb := range out.Tables {
		got[name] = tb.Rows
		total += tb.Rows
	}
	if diff := cmp.Diff(chinook, got); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if out.Rows != total || out.BytesParsed != 1047026 || out.BytesIn == 0 || out.Statements < total || out.Errors == nil || len(out.Errors) != 0 {
		t.Errorf("figures: %+v", out)
	}
}

func TestLoadSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"load", "-quiet", sample, "sqlite:" + db}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := map[string]int64{}
	for name := range chinook {
		var n int64
		if err := conn.QueryRow(`SELECT COUNT(*) FROM "` + name + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		got[name] = n
	}
	if diff := cmp.Diff(chinook, got); diff != "" {
		t.Errorf("COUNT(*) (-want +got):\n%s", diff)
	}
	if !strings.Contains(stdout.String(), "PlaylistTrack") {
		t.Errorf("no table summary on stdout:\n%s", stdout.String())
	}
}

func TestFailureIsOneLineNamingThePlace(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.sql")
	if err := os.WriteFile(bad, []byte("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1),\n(2,'oops);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"parse", "-json", "-quiet", bad}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("a malformed dump parsed")
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "bad.sql:3") {
		t.Errorf("stderr %q: want one line naming bad.sql:3", msg)
	}
	var raw map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Errorf("stdout is not one JSON object on failure: %v", err)
	}
	if errs, _ := raw["errors"].([]any); len(errs) != 1 {
		t.Errorf("errors = %v", raw["errors"])
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"bogus"}, {"parse"}, {"load", "x"}, {"parse", "-dialect", "oracle", "x"}, {"load", sample, "nosuch:x"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// runTool runs the command in-process and returns its exit status, stdout
// and stderr.
func runTool(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCommandHelpShowsItsOwnFlags(t *testing.T) {
	all := []string{"-dialect", "-pattern", "-json", "-quiet", "-v", "-state", "-zip-password-env",
		"-identity", "-known-hosts", "-password-env", "-trust-on-first-use", "-extract", "-mode", "-jobs", "-db-password-env", "-schema"}
	for _, name := range order {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runTool(t, name, "-h")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if !strings.HasPrefix(out, "usage: "+synopsis(name)+"\n") {
				t.Errorf("help does not start with the usage line:\n%s", out)
			}
			if n := strings.Count(out, "\nexample:\n  dumpimport "+name+" "); n != 1 {
				t.Errorf("help has %d examples of %s, want 1:\n%s", n, name, out)
			}
			own := map[string]bool{}
			for _, f := range commands[name].flags {
				own["-"+f] = true
			}
			for _, f := range all {
				listed := strings.Contains(out, "\n  "+f+" ") || strings.Contains(out, "\n  "+f+"\n") || strings.Contains(out, "\n  "+f+"\t")
				if listed != own[f] {
					t.Errorf("%s -h lists %s: %v, want %v", name, f, listed, own[f])
				}
			}
		})
	}
	// The bare command lists every command and points at CMD -h.
	code, out, _ := runTool(t, "-h")
	if code != 0 || !strings.Contains(out, "dumpimport COMMAND -h") {
		t.Errorf("dumpimport -h: exit %d\n%s", code, out)
	}
	for _, name := range order {
		if !strings.Contains(out, "dumpimport "+name) {
			t.Errorf("dumpimport -h does not list %s", name)
		}
	}
}

func TestFlagAfterArgumentsIsNamed(t *testing.T) {
	for _, args := range [][]string{
		{"parse", sample, "-json"},
		{"load", sample, "sqlite:x.db", "-quiet"},
		{"list", sample, "-pattern=*.zip"},
	} {
		code, _, errOut := runTool(t, args...)
		if code != 2 || !strings.Contains(errOut, "flags go before SOURCE: move "+args[len(args)-1]+" before it") || strings.Contains(errOut, "argument(s)") {
			t.Errorf("%q: exit %d, stderr:\n%s", args, code, errOut)
		}
	}
	// A missing argument still says what is wanted.
	code, _, errOut := runTool(t, "load", sample)
	if code != 2 || !strings.Contains(errOut, "want SOURCE TARGET, got 1 argument(s)") {
		t.Errorf("load with one argument: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestUnknownTargetSchemeListsSchemes(t *testing.T) {
	for _, target := range []string{"mysql://root@localhost/db", "nosuch:x", "x.db"} {
		code, _, errOut := runTool(t, "load", "-quiet", sample, target)
		if code != 2 || !strings.Contains(errOut, "the schemes are: sqlite:PATH") {
			t.Errorf("%s: exit %d, stderr:\n%s", target, code, errOut)
		}
	}
}

func TestSQLiteTargetMissingFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "folder")
	code, _, errOut := runTool(t, "load", "-quiet", sample, "sqlite:"+filepath.Join(missing, "c.db"))
	if code != 2 || !strings.Contains(errOut, "folder "+missing+" does not exist") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = runTool(t, "load", "-quiet", sample, "sqlite:")
	if code != 2 || !strings.Contains(errOut, "names no file") {
		t.Errorf("sqlite: with no path: exit %d, stderr:\n%s", code, errOut)
	}
}

// needZip returns the path of Info-ZIP's zip; it skips the test without
// it (fails it under CI).
func needZip(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("zip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zip is not installed (Debian package: zip)")
		}
		t.Skip("zip is not installed (Debian package: zip)")
	}
	return p
}

// TestNoPasswordInAnyOutput runs the tool with passwords in a TARGET, in a
// SOURCE URL and in the environment variables of -password-env and
// -zip-password-env, right and wrong, with -v and -json, and greps
// everything it printed for them.
func TestNoPasswordInAnyOutput(t *testing.T) {
	const urlPW = "Url-pw-4417"   // in a TARGET or SOURCE
	const wrongPW = "Wrong-pw-93" // a wrong SSH or ZIP password in the environment
	const zipPW = "Zip-pw-5120"   // the right ZIP password
	url, ssh := sftpDrop(t)       // the right SSH password is in $DUMPIMPORT_TEST_PW
	sshPW := os.Getenv("DUMPIMPORT_TEST_PW")
	t.Setenv("DUMPIMPORT_WRONG_PW", wrongPW)
	t.Setenv("DUMPIMPORT_ZIP_PW", zipPW)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.sql"), []byte("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1),(2);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(needZip(t), "-q", "-P", zipPW, "enc.zip", "d.sql")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zip: %v\n%s", err, out)
	}
	enc := filepath.Join(dir, "enc.zip")
	db := "sqlite:" + filepath.Join(t.TempDir(), "c.db")
	wrongSSH := []string{ssh[0], ssh[1], "-password-env", "DUMPIMPORT_WRONG_PW"}

	cases := []struct {
		ok   bool // the command succeeds
		args []string
	}{
		{false, []string{"load", sample, "mysql:user:" + urlPW + "@unix(/run/mysqld/mysqld.sock)/db"}},
		{false, []string{"load", "-json", sample, "user:" + urlPW + "@tcp(localhost:3306)/db"}},
		{false, []string{"load", "-v", sample, "postgres://user:" + urlPW + "@localhost/db"}},
		{false, []string{"load", "-v", "-json", pgSample, "postgres://user:" + urlPW + "@127.0.0.1:1/db"}},
		{false, []string{"load", "-v", pgSample, "postgres:host=127.0.0.1 port=1 user=u password=" + urlPW + " dbname=db"}},
		{false, []string{"load", "-v", "-json", "-db-password-env", "DUMPIMPORT_WRONG_PW", pgSample, "postgres://user@127.0.0.1:1/db"}},
		{false, []string{"load", "-mode", "sideways", pgSample, "postgres://user:" + urlPW + "@127.0.0.1:1/db"}},
		{false, []string{"parse", "-json", "sftp://user:" + urlPW + "@127.0.0.1:1/drop"}},
		{false, []string{"list", "-json", "scp://user:" + urlPW + "@127.0.0.1:1/drop"}},
		{false, []string{"parse", "-json", "mysql://user:" + urlPW + "@localhost/db"}},
		{false, []string{"parse", "x.sql", "sftp://user:" + urlPW + "@h/"}},
		{false, []string{"parse", sample, "-pattern=user:" + urlPW + "@x"}},
		{false, []string{"user:" + urlPW + "@host"}},
		{false, append(append([]string{"list", "-json"}, wrongSSH...), url)},
		{false, append(append([]string{"parse", "-v", "-json"}, wrongSSH...), url)},
		{false, append(append([]string{"fetch"}, wrongSSH...), url, t.TempDir())},
		{true, append(append([]string{"list", "-json"}, ssh...), url)},
		{true, append(append([]string{"parse", "-v", "-json", "-pattern", "*.zip"}, ssh...), url)},
		{true, append(append([]string{"load", "-v", "-json", "-pattern", "*.zip"}, ssh...), url, db)},
		{true, append(append([]string{"fetch", "-extract"}, ssh...), url, t.TempDir())},
		{false, []string{"parse", "-v", "-json", "-zip-password-env", "DUMPIMPORT_WRONG_PW", enc}},
		{false, []string{"parse", "-v", "-zip-password-env", "DUMPIMPORT_WRONG_PW", enc}},
		{false, []string{"fetch", "-extract", "-zip-password-env", "DUMPIMPORT_WRONG_PW", enc, t.TempDir()}},
		{true, []string{"parse", "-v", "-json", "-zip-password-env", "DUMPIMPORT_ZIP_PW", enc}},
		{true, []string{"load", "-v", "-json", "-dialect", "sqlite", "-zip-password-env", "DUMPIMPORT_ZIP_PW", enc, db}},
		{true, []string{"fetch", "-extract", "-zip-password-env", "DUMPIMPORT_ZIP_PW", enc, t.TempDir()}},
	}
	for _, c := range cases {
		code, out, errOut := runTool(t, c.args...)
		all := out + errOut
		for _, pw := range []string{urlPW, wrongPW, zipPW, sshPW} {
			if strings.Contains(all, pw) {
				t.Errorf("%q (exit %d) printed a password:\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
			}
		}
		if (code == 0) != c.ok {
			t.Errorf("%q: exit %d\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
		}
		if out == "" && errOut == "" {
			t.Errorf("%q printed nothing", c.args)
		}
	}
}

// withStdin makes os.Stdin a pipe that carries data, for the test.
func withStdin(t *testing.T, data []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = old; r.Close() })
	go func() {
		w.Write(data) // fails once the test closes r early
		w.Close()
	}()
}

func TestStdinSource(t *testing.T) {
	zipped, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("../../testdata/corpus/sqlite/chinook-dot-dump.sql")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"zip": zipped, "plain": plain} {
		t.Run(name, func(t *testing.T) {
			withStdin(t, data)
			code, out, errOut := runTool(t, "parse", "-json", "-quiet", "-")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep jsonReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Rows != 15607 || len(rep.Files) != 1 || rep.Files[0].Name != "stdin" {
				t.Errorf("rows %d, files %+v", rep.Rows, rep.Files)
			}
		})
	}
	t.Run("load", func(t *testing.T) {
		withStdin(t, zipped)
		db := filepath.Join(t.TempDir(), "c.db")
		if code, _, errOut := runTool(t, "load", "-quiet", "-", "sqlite:"+db); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got := countRows(t, db, "Track"); got != chinook["Track"] {
			t.Errorf("Track: %d rows", got)
		}
	})
	for _, args := range [][]string{{"list", "-"}, {"load", "-state", "s.json", "-", "sqlite:x.db"}} {
		if code, _, errOut := runTool(t, args...); code != 2 || !strings.Contains(errOut, "standard input") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func countRows(t *testing.T, db, table string) int64 {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int64
	if err := conn.QueryRow(`SELECT COUNT(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestParseStateRecordsNothing: a dry run with -state reads the state but
// writes none, so a later load imports the file.
func TestParseStateRecordsNothing(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	if code, _, errOut := runTool(t, "parse", "-quiet", "-state", state, sample); code != 0 {
		t.Fatalf("parse: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatalf("parse -state wrote the state file (%v)", err)
	}
	db := filepath.Join(t.TempDir(), "c.db")
	code, out, errOut := runTool(t, "load", "-json", "-quiet", "-state", state, sample, "sqlite:"+db)
	if code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Status != "imported" || rep.Rows != 15607 {
		t.Fatalf("load after parse: %+v", rep.Files)
	}
	// After the load, parse -state skips the file as load would, and
	// leaves the state file as it was.
	before, _ := os.ReadFile(state)
	code, out, _ = runTool(t, "parse", "-json", "-quiet", "-state", state, sample)
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Files) != 1 || rep.Files[0].Status != "skipped" {
		t.Errorf("parse after load: exit %d, %v, %+v", code, err, rep.Files)
	}
	if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
		t.Error("parse -state changed the state file")
	}
}

// TestStateKeyIgnoresSpelling loads one file by a relative path, then
// by other spellings of it: each later load skips it as unchanged.
func TestStateKeyIgnoresSpelling(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "drop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "drop", "chinook.zip"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	state := filepath.Join(dir, "state.json")
	db := "sqlite:" + filepath.Join(dir, "c.db")
	for i, spelling := range []string{
		"drop/chinook.zip",
		filepath.Join(dir, "drop", "chinook.zip"),
		"./drop/../drop//chinook.zip",
		"drop",
		dir + "/drop/",
	} {
		code, out, errOut := runTool(t, "load", "-json", "-quiet", "-state", state, spelling, db)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", spelling, code, errOut)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		want := "skipped"
		if i == 0 {
			want = "imported"
		}
		if len(rep.Files) != 1 || rep.Files[0].Status != want {
			t.Errorf("SOURCE %s: files %+v, want one %s", spelling, rep.Files, want)
		}
	}
}

// TestDryRunSaysChecked: parse reports files checked, load files imported,
// on the per-file lines, in the summary and in the JSON; the summary labels
// its two rates.
func TestDryRunSaysChecked(t *testing.T) {
	code, out, errOut := runTool(t, "parse", sample)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "checked chinook.zip: ") || strings.Contains(errOut+out, "imported") {
		t.Errorf("parse said imported:\nstderr: %s\nstdout: %s", errOut, out)
	}
	if !strings.Contains(out, "1 file(s) checked, 0 skipped, 0 failed;") || !strings.Contains(out, "MB read (") || !strings.Contains(out, "MB parsed (") {
		t.Errorf("parse summary:\n%s", out)
	}
	_, out, _ = runTool(t, "parse", "-json", "-quiet", sample)
	if !strings.Contains(out, `"status": "checked"`) {
		t.Errorf("parse -json:\n%s", out)
	}
	db := filepath.Join(t.TempDir(), "c.db")
	code, out, errOut = runTool(t, "load", sample, "sqlite:"+db)
	if code != 0 || !strings.Contains(errOut, "imported chinook.zip: ") || !strings.Contains(out, "1 file(s) imported,") {
		t.Errorf("load: exit %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	// The progress bar (on a terminal) says that it counts bytes read.
	for _, d := range []string{describe("", "", 0), describe("chinook.zip", "", 3), describe("chinook.zip", "Track", 3)} {
		if !strings.HasSuffix(d, "bytes read:") {
			t.Errorf("bar description %q does not say what it counts", d)
		}
	}
}

func TestPatternMatchingNothing(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "b.sql", "c.sql", "d.sql", "e.sql", "f.sql", "g.sql"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("SELECT 1;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const want = `no file matches -pattern "*.zip"; SOURCE holds 7 file(s): a.sql, b.sql, c.sql, d.sql, e.sql and 2 more`
	for _, args := range [][]string{
		{"parse", "-pattern", "*.zip", dir},
		{"parse", "-quiet", "-json", "-pattern", "*.zip", dir},
		{"load", "-quiet", "-json", "-pattern", "*.zip", dir, "sqlite:" + filepath.Join(t.TempDir(), "c.db")},
		{"list", "-json", "-pattern", "*.zip", dir},
		{"fetch", "-pattern", "*.zip", dir, t.TempDir()},
	} {
		code, out, errOut := runTool(t, args...)
		if code != 0 || !strings.Contains(errOut, "dumpimport: "+want+"\n") {
			t.Errorf("%q: exit %d, stderr:\n%s", args, code, errOut)
		}
		if slices.Contains(args, "-json") {
			var rep struct{ Warnings []string }
			if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Warnings) != 1 || rep.Warnings[0] != want {
				t.Errorf("%q: JSON warnings %q (%v)", args, rep.Warnings, err)
			}
		}
	}
	if code, _, errOut := runTool(t, "parse", "-quiet", t.TempDir()); code != 0 || !strings.Contains(errOut, "SOURCE holds no files") {
		t.Errorf("empty folder: exit %d, stderr %q", code, errOut)
	}
}

// -strict makes what a MySQL dump holds and SQLite cannot (sakila's ON
// UPDATE CURRENT_TIMESTAMP) fail the load; without it the load goes on
// and says what it left out.
func TestLoadStrict(t *testing.T) {
	dump := "../../testdata/corpus/mysql/sakila-schema.sql"
	db := filepath.Join(t.TempDir(), "s.db")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"load", "-quiet", "-strict", dump, "sqlite:" + db}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "not translated") {
		t.Errorf("-strict: exit %d, stderr %s", code, stderr.String())
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("-strict: the failed load left a database file")
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"load", "-quiet", "-zero-dates", "fail", "-tinyint1", "boolean", dump, "sqlite:" + db}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out := stdout.String() + stderr.String(); !strings.Contains(out, "ON UPDATE CURRENT_TIMESTAMP of actor.last_update") {
		t.Errorf("what was not translated is not listed:\n%s", out)
	}
	if code := run(context.Background(), []string{"load", "-quiet", "-zero-dates", "maybe", dump, "sqlite:" + db}, &stdout, &stderr); code == 0 {
		t.Error("-zero-dates maybe was accepted")
	}
}
