package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
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
