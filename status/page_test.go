package status_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/status"
	"github.com/dumpline/importer/status/schedule"
)

// chromium returns the path of a Chromium, or skips the test (fails it
// with CI=true).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium (Debian package chromium): the page test cannot run")
	}
	t.Skip("no Chromium (Debian package chromium, or run 'make deps' as root): skipping the page test")
	return ""
}

// slowSource is a real folder whose files are read at a capped rate, as
// over a slow link, so that an import lasts long enough to watch.
type slowSource struct {
	*source.FS
	bytesPerSec int
}

func (s slowSource) Open(ctx context.Context, f source.File) (io.ReadCloser, error) {
	rc, err := s.FS.Open(ctx, f)
	if err != nil {
		return nil, err
	}
	return &slowReader{rc: rc, chunk: s.bytesPerSec / 20}, nil
}

type slowReader struct {
	rc    io.ReadCloser
	chunk int
}

func (r *slowReader) Read(p []byte) (int, error) {
	time.Sleep(50 * time.Millisecond)
	return r.rc.Read(p[:min(len(p), r.chunk)])
}

func (r *slowReader) Close() error { return r.rc.Close() }

// writeDumps writes n SQLite dumps of about size bytes each into dir.
func writeDumps(t testing.TB, dir string, n, size int) {
	for i := range n {
		var b strings.Builder
		table := fmt.Sprintf("t%d", i)
		fmt.Fprintf(&b, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE %s(id INTEGER PRIMARY KEY, name TEXT, note TEXT);\n", table)
		for j := 0; b.Len() < size; j++ {
			fmt.Fprintf(&b, "INSERT INTO %s VALUES(%d,'name %d','a note long enough to take some room in the dump');\n", table, j, j)
		}
		b.WriteString("COMMIT;\n")
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("dump%d.sql", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPageInChromium opens the status page in a headless Chromium, starts
// a real import (three dumps into SQLite over a slowed folder) with the
// page's button, watches the progress bars move, then checks the final
// state. Screenshots go to $STATUS_SCREENSHOTS, or to the test's temporary
// folder.
func TestPageInChromium(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.Mkdir(drop, 0o755)
	writeDumps(t, drop, 3, 400<<10)

	tr := status.New(0)
	db := sink.NewSQLite(filepath.Join(dir, "target.db"))
	defer db.Close()
	p := &importer.Pipeline{
		Source:           slowSource{FS: source.Dir(drop), bytesPerSec: 300 << 10},
		Sink:             db,
		Status:           tr,
		Logger:           slog.New(tr.LogHandler(nil)),
		ProgressInterval: 100 * time.Millisecond,
	}
	sch := &schedule.Scheduler{Run: func(ctx context.Context) error { _, err := p.Run(ctx); return err }, Observer: tr}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); sch.Serve(ctx) }()
	defer func() { cancel(); <-served }()

	mux := http.NewServeMux()
	mux.Handle("/import/", &status.Handler{Tracker: tr, Start: sch.Trigger, Interval: 100 * time.Millisecond, Title: "Nightly import"})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	srv.Start()
	defer srv.Close()

	shots := os.Getenv("STATUS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.WindowSize(1280, 1000))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 90*time.Second)
	defer tcancel()

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/import/"),
		chromedp.WaitVisible("#run"),
		chromedp.Poll[chromedp.Void](`document.getElementById("conn").textContent === "live" && document.getElementById("state").textContent === "idle"`),
		chromedp.Click("#run"),
	); err != nil {
		t.Fatalf("opening the page: %v", err)
	}

	type view struct {
		State   string   `json:"state"`
		Overall float64  `json:"overall"`
		Files   []string `json:"files"`
		Bars    []float64
		Rate    string `json:"rate"`
		ETA     string `json:"eta"`
	}
	const look = `(() => ({
		state: document.getElementById("state").textContent,
		overall: parseFloat(document.getElementById("overall").getAttribute("aria-valuenow")),
		files: [...document.querySelectorAll("#files tr")].map(r => r.children[1].textContent),
		Bars: [...document.querySelectorAll("#files .bar")].map(b => parseFloat(b.getAttribute("aria-valuenow") || "0")),
		rate: document.getElementById("rate").textContent,
		eta: document.getElementById("eta").textContent,
	}))()`
	var during []view
	shotDone := false
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := chromedp.Run(bctx, chromedp.Evaluate[view](look))
		if err != nil {
			t.Fatal(err)
		}
		if v.State == "succeeded" || v.State == "failed" {
			break
		}
		if v.State == "running" {
			during = append(during, v)
			if !shotDone && v.Overall > 20 && v.Overall < 80 && v.Rate != "–" {
				screenshot(t, bctx, filepath.Join(shots, "status-running.png"))
				shotDone = true
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not end in 60s: %+v", v)
		}
		time.Sleep(150 * time.Millisecond)
	}
	// The overall bar moved through at least three values strictly between
	// 0 and 100, never backwards; a file's bar moved too.
	var moving []float64
	fileMoved := false
	for _, v := range during {
		if v.Overall > 0 && v.Overall < 100 && (len(moving) == 0 || v.Overall != moving[len(moving)-1]) {
			if len(moving) > 0 && v.Overall < moving[len(moving)-1] {
				t.Errorf("the overall progress went back from %v to %v", moving[len(moving)-1], v.Overall)
			}
			moving = append(moving, v.Overall)
		}
		for _, b := range v.Bars {
			fileMoved = fileMoved || (b > 0 && b < 100)
		}
	}
	if len(moving) < 3 || !fileMoved || !shotDone {
		t.Fatalf("progress seen while running: %v (a file's bar moved: %v, screenshot: %v); views: %+v", moving, fileMoved, shotDone, during)
	}

	if err := chromedp.Do(bctx, chromedp.Poll[chromedp.Void](`document.getElementById("logs").textContent.includes("dump2.sql: imported")`)); err != nil {
		t.Fatalf("the log on the page: %v", err)
	}
	final, err := chromedp.Run(bctx, chromedp.Evaluate[view](look))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the bars' transition
	screenshot(t, bctx, filepath.Join(shots, "status-final.png"))
	if final.State != "succeeded" || final.Overall != 100 || len(final.Files) != 3 {
		t.Fatalf("final view %+v", final)
	}
	for _, f := range final.Files {
		if f != "imported" {
			t.Fatalf("final file states %q", final.Files)
		}
	}
	t.Logf("progress seen: %v; screenshots in %s", moving, shots)
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
