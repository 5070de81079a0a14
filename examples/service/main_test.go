package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// sample is the quickstart's bundled zip of sqlite/chinook-dot-dump.sql:
// 15,607 rows in 11 tables.
const sample = "../quickstart/testdata/chinook.zip"

// start runs the service with args; it returns its address and a function
// that stops it (as SIGTERM does) and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	log := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the service's log:\n%s", log.String())
		}
	})
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), log, func(a string) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		return "http://" + a, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(30 * time.Second):
				t.Fatal("the service did not stop in 30s")
				return nil
			}
		}
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	}
	return "", nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type snapshot struct {
	State    string  `json:"state"`
	Progress float64 `json:"progress"`
	Error    string  `json:"error"`
	Totals   struct {
		Files         int   `json:"files"`
		FilesImported int   `json:"files_imported"`
		Rows          int64 `json:"rows"`
		Statements    int64 `json:"statements"`
	} `json:"totals"`
	NextRun  string `json:"next_run"`
	Versions uint64 `json:"version"`
}

func getStatus(t *testing.T, base string) snapshot {
	t.Helper()
	res, err := http.Get(base + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s snapshot
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func waitState(t *testing.T, base string, until func(snapshot) bool) snapshot {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := getStatus(t, base)
		if until(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after 60s: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	return string(b)
}

func TestService(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.Mkdir(drop, 0o755)
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(drop, "chinook.zip"), b, 0o644)
	db := filepath.Join(dir, "app.db")
	base, stop := start(t, "-source", drop, "-target", "sqlite:"+db, "-state", filepath.Join(dir, "state.json"), "-daily", "03:30", "-tz", "Europe/Berlin")

	// The scheduler sets the next run once it has started.
	s := waitState(t, base, func(s snapshot) bool { return s.NextRun != "" })
	if s.State != "idle" || s.NextRun == "" {
		t.Fatalf("at start: %+v", s)
	}
	res, err := http.Post(base+"/run", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /run: %s", res.Status)
	}
	s = waitState(t, base, func(s snapshot) bool { return s.State != "idle" && s.State != "running" })
	if s.State != "succeeded" || s.Progress != 1 || s.Totals.FilesImported != 1 || s.Totals.Rows != 15607 {
		t.Fatalf("after the run: %+v", s)
	}
	m := get(t, base+"/metrics")
	for _, want := range []string{`importer_runs_total{result="succeeded"} 1`, "importer_rows_total 15607", `importer_files_total{result="imported"} 1`, "importer_run_duration_seconds_count 1"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Every metric the dashboard charts is served.
	dash, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(dash) {
		t.Fatal("grafana-dashboard.json is not JSON")
	}
	for _, name := range regexp.MustCompile(`importer_[a-z_]+`).FindAllString(string(dash), -1) {
		if !strings.Contains(m, "\n"+name) {
			t.Errorf("the dashboard charts %s, which /metrics does not serve", name)
		}
	}
	if logs := get(t, base+"/logs"); !strings.Contains(logs, `"msg":"imported","file":"chinook.zip"`) && !strings.Contains(logs, `"file":"chinook.zip","msg":"imported"`) {
		t.Errorf("logs:\n%s", logs)
	}
	if page := get(t, base+"/"); !strings.Contains(page, "Import of "+drop) {
		t.Errorf("page title")
	}

	// The second run finds the file unchanged.
	http.Post(base+"/run", "", nil)
	s = waitState(t, base, func(s snapshot) bool { return s.State == "skipped" })

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "Track"); n != 3503 {
		t.Fatalf("Track has %d rows", n)
	}
}

// TestShutdownCancelsImport stops the service while an import waits for
// its input (a named pipe that has delivered part of a dump): the import
// is cancelled, its load aborted, and the target left without the table.
func TestShutdownCancelsImport(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "slow.sql")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipe: %v", err)
	}
	db := filepath.Join(dir, "app.db")
	base, stop := start(t, "-source", fifo, "-target", "sqlite:"+db, "-run-at-start")
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // blocks until the import opens it
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// About 2 MB of statements, more than any read-ahead takes; the pipe
	// then stays open, as a stalled transfer would.
	var dump strings.Builder
	dump.WriteString("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE half(a INTEGER, b TEXT);\n")
	for i := range 40000 {
		fmt.Fprintf(&dump, "INSERT INTO half VALUES(%d,'some text to make the line longer');\n", i)
	}
	go io.WriteString(w, dump.String())
	waitState(t, base, func(s snapshot) bool { return s.State == "running" && s.Totals.Statements >= 100 })

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var exists int
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if err := sdb.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists != 0 {
		t.Fatal("the cancelled import left its table in the target")
	}
}

func count(t *testing.T, db, table string) int64 {
	t.Helper()
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int64
	if err := sdb.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
