package status

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpline/importer"
)

// fill gives tr a run in progress with two files and log lines.
func fill(tr *Tracker) {
	tr.Track(importer.Event{Kind: importer.RunStarted, Time: at(0)})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: at(0), File: "a.sql", Size: 100})
	tr.Track(importer.Event{Kind: importer.FileQueued, Time: at(0), File: "b.zip", Size: 100})
	tr.Track(importer.Event{Kind: importer.FileStarted, Time: at(0), File: "a.sql", Size: 100})
	c := counts(40, 3, 9)
	c.SkippedStatements = map[string]int64{"LOCK TABLES": 1}
	tr.Track(importer.Event{Kind: importer.Progress, Time: at(1), File: "a.sql", Table: "Customer Orders", Counts: c})
	log := slog.New(tr.LogHandler(nil))
	log.Info("importing", "file", "a.sql", "size", 100)
	log.Warn("slow", "file", "a.sql", "after", 2*time.Second)
	log.Error("import failed", "err", &importer.Error{Stage: importer.StageOpen, File: "b.zip", Err: errors.New("gone")})
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkKeys fails for a key of v that is not snake_case; the keys of the
// maps whose keys are data (tables, skipped statements, attributes) are not
// looked at.
func checkKeys(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snake.MatchString(k) {
				t.Errorf("%s: key %q is not snake_case", path, k)
			}
			if _, isMap := x.(map[string]any); isMap && (k == "tables" || k == "skipped_statements" || k == "attrs") {
				continue
			}
			checkKeys(t, path+"."+k, x)
		}
	case []any:
		for i, x := range v {
			checkKeys(t, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s %s", url, res.Status, res.Header.Get("Content-Type"))
	}
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStatusJSON(t *testing.T) {
	tr := New(0)
	fill(tr)
	srv := httptest.NewServer(http.StripPrefix("/import", &Handler{Tracker: tr}))
	defer srv.Close()
	m := getJSON(t, srv.URL+"/import/status")
	checkKeys(t, "status", m)
	if m["state"] != "running" || m["stage"] != "load" || m["progress"] != 0.2 {
		t.Fatalf("status %v", m)
	}
	totals := m["totals"].(map[string]any)
	for k, want := range map[string]float64{"files": 2, "files_running": 1, "files_queued": 1, "bytes_in": 40, "rows": 9, "statements": 3, "bytes_expected": 200} {
		if totals[k] != want {
			t.Errorf("totals.%s = %v, want %v", k, totals[k], want)
		}
	}
	files := m["files"].([]any)
	a := files[0].(map[string]any)
	if a["name"] != "a.sql" || a["state"] != "running" || a["progress"] != 0.4 || a["table"] != "Customer Orders" {
		t.Fatalf("file %v", a)
	}
	if tb := a["tables"].([]any); len(tb) != 1 || tb[0].(map[string]any)["name"] != "Customer Orders" || tb[0].(map[string]any)["rows"] != 9.0 {
		t.Fatalf("tables %v", tb)
	}
	if _, ok := m["finished"]; ok {
		t.Fatalf("a zero time is in the JSON: %v", m["finished"])
	}
}

func TestLogsJSON(t *testing.T) {
	tr := New(0)
	fill(tr)
	srv := httptest.NewServer(&Handler{Tracker: tr}) // at the root
	defer srv.Close()
	m := getJSON(t, srv.URL+"/logs?after=1&limit=5")
	checkKeys(t, "logs", m)
	entries := m["entries"].([]any)
	if len(entries) != 2 || m["next"] != 3.0 || m["missed"] != 0.0 {
		t.Fatalf("logs %v", m)
	}
	w := entries[0].(map[string]any)
	if w["seq"] != 2.0 || w["level"] != "WARN" || w["msg"] != "slow" || w["file"] != "a.sql" || w["attrs"].(map[string]any)["after"] != "2s" {
		t.Fatalf("entry %v", w)
	}
	e := entries[1].(map[string]any)
	if e["level"] != "ERROR" || e["stage"] != "open" || e["file"] != "b.zip" || !strings.Contains(e["error"].(string), "gone") {
		t.Fatalf("entry %v", e)
	}
	if _, err := time.Parse(time.RFC3339Nano, e["time"].(string)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"after=x", "limit=0", "limit=-1"} {
		res, err := http.Get(srv.URL + "/logs?" + q)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s", q, res.Status)
		}
	}
}

func TestRunEndpoint(t *testing.T) {
	var running atomic.Bool
	h := &Handler{Tracker: New(0), Start: func() bool { return running.CompareAndSwap(false, true) }}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, want := range []int{http.StatusAccepted, http.StatusConflict} {
		res, err := http.Post(srv.URL+"/run", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("POST /run: %s, want %d", res.Status, want)
		}
	}
	res, err := http.Get(srv.URL + "/run")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /run: %s", res.Status)
	}
	h.Start = nil
	res, err = http.Post(srv.URL+"/run", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("POST /run without Start: %s", res.Status)
	}
}

func TestPage(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/x", &Handler{Tracker: New(0), Title: "Nightly <import>"}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/x/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if !strings.Contains(page, "<title>Nightly &lt;import&gt;</title>") || !strings.Contains(page, `new EventSource("events")`) {
		t.Fatalf("page:\n%.400s", page)
	}
	// Self-contained: no URL that leaves the page.
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "src=") {
		t.Fatal("the page refers to an external asset")
	}
}

type sseEvent struct{ id, event, data string }

// readEvents reads events from an SSE stream.
func readEvents(t *testing.T, r *bufio.Reader, ch chan<- sseEvent) {
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			close(ch)
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.event != "" {
				ch <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

func openEvents(t *testing.T, ctx context.Context, url, lastID string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET events: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer res.Body.Close()
		readEvents(t, bufio.NewReader(res.Body), ch)
	}()
	return ch
}

func next(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10s")
	}
	panic("unreachable")
}

func TestEvents(t *testing.T) {
	tr := New(0)
	fill(tr) // three log entries
	srv := httptest.NewServer(&Handler{Tracker: tr, Interval: time.Millisecond})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := openEvents(t, ctx, srv.URL+"/events", "")
	for i := 1; i <= 3; i++ {
		if ev := next(t, ch); ev.event != "log" || ev.id != fmt.Sprint(i) {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	ev := next(t, ch)
	var s map[string]any
	if ev.event != "status" || ev.id != "3" || json.Unmarshal([]byte(ev.data), &s) != nil || s["state"] != "running" {
		t.Fatalf("status event %+v", ev)
	}

	// A change is delivered as a status event.
	tr.Track(importer.Event{Kind: importer.Progress, Time: at(2), File: "a.sql", Counts: counts(80, 4, 12)})
	ev = next(t, ch)
	if ev.event != "status" || json.Unmarshal([]byte(ev.data), &s) != nil || s["progress"] != 0.4 {
		t.Fatalf("status event %+v", ev)
	}
	// A log line as a log event.
	tr.Log(slog.LevelInfo, "fourth", "file", "b.zip")
	ev = next(t, ch)
	if ev.event != "log" || ev.id != "4" || !strings.Contains(ev.data, `"msg":"fourth"`) {
		t.Fatalf("log event %+v", ev)
	}
	cancel()

	// Resume: the entries after Last-Event-ID, then a fresh status.
	tr.Log(slog.LevelInfo, "fifth")
	tr.Log(slog.LevelInfo, "sixth")
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	ch = openEvents(t, ctx2, srv.URL+"/events", "4")
	for _, want := range []string{"5", "6"} {
		if ev := next(t, ch); ev.event != "log" || ev.id != want {
			t.Fatalf("resumed: %+v, want log %s", ev, want)
		}
	}
	if ev := next(t, ch); ev.event != "status" || ev.id != "6" {
		t.Fatalf("resumed: %+v, want status", ev)
	}
}
