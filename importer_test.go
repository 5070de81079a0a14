package importer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// writeZip writes a zip archive at path with the given entries.
func writeZip(t testing.TB, path string, entries map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// recorder is a sink that records what it is given, safe for concurrent files.
type recorder struct {
	mu        sync.Mutex
	rows      map[string]int64 // table -> rows read
	stmts     int
	committed []string
	aborted   []string
	failAt    int64 // statement number whose Exec fails (0: none)
}

func (r *recorder) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return &recLoad{r: r, file: t.File.Name}, nil
}

type recLoad struct {
	r    *recorder
	file string
}

func (l *recLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	if l.r.failAt != 0 && st.Num == l.r.failAt {
		return errors.New("refused by the test sink")
	}
	var n int64
	if st.Rows != nil {
		for _, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			n++
		}
	}
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	if l.r.rows == nil {
		l.r.rows = map[string]int64{}
	}
	if st.Rows != nil {
		l.r.rows[st.Table] += n
	}
	l.r.stmts++
	return nil
}

func (l *recLoad) Commit(ctx context.Context) error {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.committed = append(l.r.committed, l.file)
	return nil
}

func (l *recLoad) Abort(ctx context.Context) error {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.aborted = append(l.r.aborted, l.file)
	return nil
}

const smallDump = "CREATE TABLE t (a INTEGER, b TEXT);\nINSERT INTO t VALUES (1,'x'),(2,'y;z');\nINSERT INTO \"u\" VALUES (3,'it''s');\n"

func TestPipelineZipOfCorpusFiles(t *testing.T) {
	dir := t.TempDir()
	// The quickstart's sample: sqlite/chinook-dot-dump.sql of the corpus, zipped.
	zipped, err := os.ReadFile("examples/quickstart/testdata/chinook.zip")
	if err != nil {
		t.Fatal(err)
	}
	const dumpSize = 1047026
	if err := os.WriteFile(filepath.Join(dir, "chinook.zip"), zipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("not selected"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	p := &importer.Pipeline{Source: source.Dir(dir), Patterns: []string{"*.{zip,sql}"}, Sink: rec, Concurrency: 2}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25, "Invoice": 412,
		"InvoiceLine": 2240, "MediaType": 5, "Playlist": 18, "PlaylistTrack": 8715, "Track": 3503,
		"t": 2, "u": 1,
	}
	if diff := cmp.Diff(want, rec.rows); diff != "" {
		t.Errorf("rows the sink read (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, rep.Tables); diff != "" {
		t.Errorf("Report.Tables (-want +got):\n%s", diff)
	}
	if rep.Imported != 2 || rep.Failed != 0 || len(rep.Files) != 2 || rep.Entries != 2 {
		t.Errorf("report: imported %d failed %d files %d entries %d", rep.Imported, rep.Failed, len(rep.Files), rep.Entries)
	}
	if rep.BytesParsed != int64(dumpSize+len(smallDump)) {
		t.Errorf("BytesParsed = %d, want %d", rep.BytesParsed, dumpSize+len(smallDump))
	}
	// The zip is read in place (ReadAt): every byte of the entry's data at
	// least once, the directory perhaps twice.
	if min := int64(len(zipped)*9/10 + len(smallDump)); rep.BytesIn < min || rep.BytesIn > 2*min {
		t.Errorf("BytesIn = %d, want about %d", rep.BytesIn, min)
	}
	if rep.Statements != int64(rec.stmts) {
		t.Errorf("Statements %d, the sink saw %d", rep.Statements, rec.stmts)
	}
	if len(rec.committed) != 2 || len(rec.aborted) != 0 {
		t.Errorf("committed %v, aborted %v", rec.committed, rec.aborted)
	}
}

func TestPipelineSyntaxErrorIsLocated(t *testing.T) {
	dir := t.TempDir()
	bad := "CREATE TABLE t (a TEXT);\nINSERT INTO t VALUES ('ok');\nINSERT INTO t VALUES ('never closed);\n"
	writeZip(t, filepath.Join(dir, "bad.zip"), map[string][]byte{"dump/bad.sql": []byte(bad)})
	rec := &recorder{}
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: rec, Dialect: sqlparse.SQLite}
	rep, err := p.Run(context.Background())
	var ie *importer.Error
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *importer.Error", err)
	}
	if ie.File != "bad.zip" || ie.Entry != "dump/bad.sql" || ie.Line != 3 || !errors.Is(err, sqlparse.ErrSyntax) {
		t.Errorf("error %q: file %q entry %q line %d", err, ie.File, ie.Entry, ie.Line)
	}
	if !strings.Contains(err.Error(), "bad.zip!dump/bad.sql:3") {
		t.Errorf("message %q does not name the place", err)
	}
	if len(rec.committed) != 0 || len(rec.aborted) != 1 {
		t.Errorf("committed %v, aborted %v", rec.committed, rec.aborted)
	}
	if rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Errorf("report: failed %d, errors %v", rep.Failed, rep.Errors)
	}
}

func TestPipelineSinkErrorAbortsTheFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{failAt: 2}
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: rec}
	_, err := p.Run(context.Background())
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.Stage != importer.StageLoad || ie.Statement != 2 || ie.Line != 2 || ie.Table != "t" {
		t.Fatalf("err = %v (%+v)", err, ie)
	}
	if len(rec.aborted) != 1 || len(rec.committed) != 0 {
		t.Errorf("committed %v, aborted %v", rec.committed, rec.aborted)
	}
}

type skipper struct{}

func (skipper) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return sink.Func(func(ctx context.Context, st *sqlparse.Statement) error {
		if st.Kind == sqlparse.Other {
			return importer.Skip("test skips DDL")
		}
		return nil
	}).Begin(ctx, t)
}

func TestPipelineCountsSkippedStatementsAndUnreadRows(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: skipper{}}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SkippedStatements["test skips DDL"] != 1 {
		t.Errorf("SkippedStatements = %v", rep.SkippedStatements)
	}
	// The sink read no rows; the pipeline still decodes and counts them.
	if rep.Rows != 3 {
		t.Errorf("Rows = %d, want 3", rep.Rows)
	}
}

// memState is a State in memory.
type memState struct{ seen map[string]bool }

func (s *memState) Unchanged(ctx context.Context, f source.File) (bool, error) {
	return s.seen[f.Name], nil
}

func (s *memState) Record(ctx context.Context, f source.File) error {
	s.seen[f.Name] = true
	return nil
}

func TestPipelineSkipsUnchangedFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "b.sql"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(smallDump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := &memState{seen: map[string]bool{"a.sql": true}}
	p := &importer.Pipeline{Source: source.Dir(dir), State: st}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || rep.Skipped != 1 || rep.Files[0].Status != importer.Skipped || rep.Files[1].Status != importer.Imported {
		t.Errorf("report %+v", rep.Files)
	}
	if !st.seen["b.sql"] {
		t.Error("b.sql not recorded")
	}
}

// blockingSink blocks in Exec until the context is cancelled.
type blockingSink struct{ started chan struct{} }

func (b blockingSink) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return sink.Func(func(ctx context.Context, st *sqlparse.Statement) error {
		select {
		case b.started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}).Begin(ctx, t)
}

func TestPipelineCancel(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "b.sql", "c.sql"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(smallDump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	bs := blockingSink{started: make(chan struct{}, 1)}
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: bs}
	go func() {
		<-bs.started
		cancel()
	}()
	_, err := p.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// goleak in TestMain checks that no goroutine outlived Run.
}

func TestPipelineNeedsASource(t *testing.T) {
	if _, err := (&importer.Pipeline{}).Run(context.Background()); err == nil {
		t.Fatal("Run without a Source succeeded")
	}
}

func TestPipelineBadPattern(t *testing.T) {
	p := &importer.Pipeline{Source: source.Dir(t.TempDir()), Patterns: []string{"[a-"}}
	if _, err := p.Run(context.Background()); !errors.Is(err, source.ErrBadPattern) {
		t.Fatalf("err = %v, want ErrBadPattern", err)
	}
}

// BenchmarkPipelineDryRun runs the whole pipeline (zip, parser, row decoder,
// counting) on the bundled Chinook sample with a nil sink.
func BenchmarkPipelineDryRun(b *testing.B) {
	dir := b.TempDir()
	zipped, err := os.ReadFile("examples/quickstart/testdata/chinook.zip")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chinook.zip"), zipped, 0o644); err != nil {
		b.Fatal(err)
	}
	p := &importer.Pipeline{Source: source.Dir(dir)}
	b.SetBytes(1047026)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// parallelRecorder is a recorder whose loads accept concurrent entries.
type parallelRecorder struct{ recorder }

type parallelLoad struct{ *recLoad }

func (parallelLoad) Parallel() int { return 2 }

func (r *parallelRecorder) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return parallelLoad{&recLoad{r: &r.recorder, file: t.File.Name}}, nil
}

func TestPipelineParallelEntries(t *testing.T) {
	dir := t.TempDir()
	entries := map[string][]byte{}
	for i := range 6 {
		entries[string(rune('a'+i))+".sql"] = []byte(smallDump)
	}
	writeZip(t, filepath.Join(dir, "many.zip"), entries)
	for _, rec := range []importer.Sink{&parallelRecorder{}, &recorder{}} {
		rep, err := (&importer.Pipeline{Source: source.Dir(dir), Sink: rec}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 6 || rep.Rows != 18 || rep.Tables["t"] != 12 || rep.Tables["u"] != 6 {
			t.Errorf("%T: entries %d rows %d tables %v", rec, rep.Entries, rep.Rows, rep.Tables)
		}
	}
}

// events records what the pipeline reports.
type events struct {
	mu  sync.Mutex
	all []importer.Event
}

func (e *events) Track(ev importer.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func TestPipelineEvents(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	evs := &events{}
	if _, err := (&importer.Pipeline{Source: source.Dir(dir), Status: evs}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs.all {
		if e.Kind != importer.Log && e.Kind != importer.Progress {
			kinds = append(kinds, e.Kind.String())
		}
	}
	if diff := cmp.Diff([]string{"run-started", "file-queued", "file-started", "entry-started", "file-finished", "run-finished"}, kinds); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, e := range evs.all {
		if e.Kind == importer.FileFinished && (e.Rows != 3 || e.Statements != 3 || e.Table != "u" || e.BytesParsed != int64(len(smallDump)) || e.Tables["t"]+e.Tables["u"] != 3) {
			t.Errorf("file-finished: %+v", e)
		}
	}
}

// A dry run (no Sink) reads a large plain file on every core
// (sqlparse.Parser.CheckAt): its report and its errors must be those of the
// usual reading in order, here through a sink that does nothing.
func TestPipelineDryRunOnEveryCore(t *testing.T) {
	one, err := os.ReadFile(filepath.Join("testdata", "corpus", "mysql", "sakila-data.sql"))
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat(one, 40<<20/len(one)+1) // over the 32 MiB threshold
	dir := t.TempDir()
	write := func(b []byte) {
		if err := os.WriteFile(filepath.Join(dir, "big.sql"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inOrder := sink.Func(func(context.Context, *sqlparse.Statement) error { return nil })
	run := func(s importer.Sink) (*importer.Report, error) {
		p := &importer.Pipeline{Source: source.Dir(dir), Sink: s}
		return p.Run(context.Background())
	}
	write(big)
	dry, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	usual, err := run(inOrder)
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmp.Options{
		cmpopts.IgnoreFields(importer.Report{}, "Started", "Finished", "Durations"),
		cmpopts.IgnoreFields(importer.FileReport{}, "Duration"),
	}
	if diff := cmp.Diff(usual, dry, ignore); diff != "" {
		t.Errorf("dry run report differs (-in order +every core):\n%s", diff)
	}
	if dry.Rows == 0 || dry.BytesParsed != int64(len(big)) {
		t.Errorf("dry run: %d rows, %d bytes parsed of %d", dry.Rows, dry.BytesParsed, len(big))
	}

	// A string left open in the last third.
	i := len(big) * 2 / 3
	i += bytes.Index(big[i:], []byte(",'")) + 1
	big[i] = ' '
	write(big)
	_, dryErr := run(nil)
	_, usualErr := run(inOrder)
	var ie *importer.Error
	if !errors.As(dryErr, &ie) || ie.File != "big.sql" || ie.Line == 0 || !errors.Is(dryErr, sqlparse.ErrSyntax) {
		t.Fatalf("dry run error %v: want an *importer.Error naming the file and line", dryErr)
	}
	if dryErr.Error() != usualErr.Error() {
		t.Errorf("dry run error\n%v\nwant, as in order,\n%v", dryErr, usualErr)
	}
}
