package importer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/sftptest"
	"github.com/dumpline/importer/source/state"
	"github.com/dumpline/importer/sqlparse"
)

// corpusDump returns a dump of the sample corpus (testdata/corpus, or the
// gzipped copies sqlparse/testdata/corpus held before), uncompressed.
func corpusDump(t testing.TB, name string) []byte {
	t.Helper()
	dialect, file, _ := strings.Cut(name, "-") // "mysql-countries.sql": testdata/corpus/mysql/countries.sql
	for _, p := range []string{"testdata/corpus/" + dialect + "/" + file, "sqlparse/testdata/corpus/" + name + ".gz"} {
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

// tables returns every table of the SQLite database at path with its row
// count.
func tables(t testing.TB, path string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names, err := testdb.Strings(context.Background(), db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
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

func write(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cutDump is a corpus dump cut after its first INSERT: at a statement
// boundary, so it parses cleanly, without the trailer its producer writes.
func cutDump(t testing.TB, name, trailer string) []byte {
	d := corpusDump(t, name)
	i := bytes.Index(d, []byte("\nINSERT INTO"))
	j := bytes.Index(d[i+1:], []byte(";\n"))
	if i < 0 || j < 0 || !bytes.Contains(d[len(d)-200:], []byte(trailer)) {
		t.Fatalf("%s is not the dump expected", name)
	}
	return d[:i+1+j+2]
}

// refusals are the rows of the table that a nightly job must refuse.
func refusals(t testing.TB) []struct {
	name    string
	data    []byte
	dialect sqlparse.Dialect
	want    error
	allow   sqlparse.Allow
} {
	random := make([]byte, 100<<10)
	for i := range random {
		random[i] = byte(i*7919 + i>>3*31 + 17)
	}
	return []struct {
		name    string
		data    []byte
		dialect sqlparse.Dialect
		want    error
		allow   sqlparse.Allow
	}{
		{"random.sql", random, sqlparse.SQLite, sqlparse.ErrNotSQL, sqlparse.Allow{}},
		{"hello.sql", []byte("hello world\n"), sqlparse.SQLite, sqlparse.ErrNotSQL, sqlparse.Allow{}},
		{"shadow.sql", []byte("root:$6$x$y:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"), sqlparse.SQLite, sqlparse.ErrNotSQL, sqlparse.Allow{}},
		{"error-page.sql", []byte("<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n"), sqlparse.SQLite, sqlparse.ErrNotSQL, sqlparse.Allow{}},
		{"unterminated.sql", []byte("CREATE TABLE t (a int"), sqlparse.SQLite, sqlparse.ErrIncomplete, sqlparse.Allow{Unterminated: true}},
		{"empty.sql", nil, sqlparse.SQLite, sqlparse.ErrEmpty, sqlparse.Allow{Empty: true}},
		{"cut-sqlite3.sql", cutDump(t, "sqlite-chinook-dot-dump.sql", "COMMIT;"), sqlparse.SQLite, sqlparse.ErrIncomplete, sqlparse.Allow{MissingTrailer: true}},
		// The SQLite sink takes no MySQL dump: this one goes to a dry run.
		{"cut-mysqldump.sql", cutDump(t, "mysql-countries.sql", "-- Dump completed"), sqlparse.Auto, sqlparse.ErrIncomplete, sqlparse.Allow{MissingTrailer: true}},
		{"mysql-as-sqlite.sql", corpusDump(t, "mysql-countries.sql"), sqlparse.SQLite, sqlparse.ErrDialectMismatch, sqlparse.Allow{DialectMismatch: true}},
	}
}

// Every refusal of the table, through the Pipeline into SQLite: the
// run fails with the sentinel inside an *importer.Error naming the file,
// and the target is as it was.
func TestPipelineRefusesWhatIsNotAWholeDump(t *testing.T) {
	for _, tc := range refusals(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(t.TempDir(), "t.db")
			snk := sink.NewSQLite(db)
			defer snk.Close()
			write(t, dir, "a-good.sql", []byte("CREATE TABLE t (a INTEGER, b TEXT);\nINSERT INTO t VALUES (1,'x'),(2,'y;z');\n"))
			p := &importer.Pipeline{Source: source.Dir(dir), Sink: snk, Dialect: sqlparse.SQLite}
			if _, err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			before := tables(t, db)
			if len(before) == 0 {
				t.Fatal("nothing loaded")
			}
			os.Remove(filepath.Join(dir, "a-good.sql"))
			write(t, dir, tc.name, tc.data)
			p.Dialect = tc.dialect
			if tc.dialect != sqlparse.SQLite {
				p.Sink = nil
			}
			rep, err := p.Run(context.Background())
			var ie *importer.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ie) || ie.File != tc.name {
				t.Fatalf("err = %v, want %v in an *importer.Error naming %s", err, tc.want, tc.name)
			}
			if rep.Failed != 1 || rep.Imported != 0 {
				t.Errorf("report: %d imported, %d failed", rep.Imported, rep.Failed)
			}
			if diff := cmp.Diff(before, tables(t, db)); diff != "" {
				t.Errorf("target changed by a refused file (-before +after):\n%s", diff)
			}
			// The option that relaxes the check turns it off (random bytes are
			// more than one check can excuse; a MySQL dump read as SQLite
			// fails elsewhere).
			if tc.allow == (sqlparse.Allow{}) {
				return
			}
			p.Parser = &sqlparse.Parser{Allow: tc.allow}
			p.Sink = nil // a dry run: the relaxed input need not load into SQLite
			if _, err := p.Run(context.Background()); errors.Is(err, tc.want) || (err != nil && tc.want != sqlparse.ErrDialectMismatch) {
				t.Errorf("with %+v: %v", tc.allow, err)
			}
		})
	}
}

// nine writes nine independent files of which two fail.
func nine(t testing.TB, dir string) {
	for i := range 9 {
		data := fmt.Sprintf("CREATE TABLE t%d (a INTEGER);\nINSERT INTO t%d VALUES (%d);\n", i, i, i)
		if i == 2 || i == 6 {
			data = "hello world\n"
		}
		write(t, dir, fmt.Sprintf("f%d.sql", i), []byte(data))
	}
}

func statuses(rep *importer.Report) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Files {
		out[f.File.Name] = f.Status.String()
	}
	return out
}

func TestKeepGoing(t *testing.T) {
	dir := t.TempDir()
	nine(t, dir)
	db := filepath.Join(t.TempDir(), "t.db")
	snk := &sink.SQLite{Path: db, Mode: sink.Append} // each file adds its table
	defer snk.Close()
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: snk, KeepGoing: true, Concurrency: 2, Dialect: sqlparse.SQLite}
	rep, err := p.Run(context.Background())
	want := map[string]string{"f0.sql": "imported", "f1.sql": "imported", "f2.sql": "failed", "f3.sql": "imported",
		"f4.sql": "imported", "f5.sql": "imported", "f6.sql": "failed", "f7.sql": "imported", "f8.sql": "imported"}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if rep.Imported != 7 || rep.Failed != 2 || len(rep.Errors) != 2 {
		t.Errorf("%d imported, %d failed, errors %v", rep.Imported, rep.Failed, rep.Errors)
	}
	var ie *importer.Error
	if !errors.As(err, &ie) || !errors.Is(err, sqlparse.ErrNotSQL) || !strings.Contains(err.Error(), "f2.sql") || !strings.Contains(err.Error(), "f6.sql") {
		t.Errorf("err = %v: want both failures", err)
	}
	for _, f := range rep.Files {
		if (f.Status == importer.Failed) != (f.Err != nil) {
			t.Errorf("%s: %s with error %v", f.File.Name, f.Status, f.Err)
		}
	}
	got := tables(t, db)
	if len(got) != 7 || got["t2"] != 0 || got["t8"] != 1 {
		t.Errorf("tables: %v", got)
	}
}

// Without KeepGoing the run stops at the first failure, and the report
// still lists every file: the ones after it as not started.
func TestStopAtFirstFailureListsEveryFile(t *testing.T) {
	dir := t.TempDir()
	nine(t, dir)
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: &recorder{}, Concurrency: 1}
	rep, err := p.Run(context.Background())
	if !errors.Is(err, sqlparse.ErrNotSQL) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{"f0.sql": "imported", "f1.sql": "imported", "f2.sql": "failed"}
	for i := 3; i < 9; i++ {
		want[fmt.Sprintf("f%d.sql", i)] = "not-started"
	}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if rep.Imported != 2 || rep.Failed != 1 || rep.NotStarted != 6 || len(rep.Errors) != 1 {
		t.Errorf("report: %+v", rep)
	}
}

// A cancelled run lists the files it was importing as cancelled and the
// others as not started.
func TestCancelledRunListsEveryFile(t *testing.T) {
	dir := t.TempDir()
	nine(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	blocked := sink.Func(func(ctx context.Context, st *sqlparse.Statement) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: blocked, Concurrency: 1, KeepGoing: true}
	rep, err := p.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{"f0.sql": "cancelled"}
	for i := 1; i < 9; i++ {
		want[fmt.Sprintf("f%d.sql", i)] = "not-started"
	}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// growing appends to a file of its folder after its first listing, as a
// partner's upload in progress would.
type growing struct {
	importer.Source
	path  string
	lists int
}

func (g *growing) List(ctx context.Context) ([]source.File, error) {
	files, err := g.Source.List(ctx)
	g.lists++
	if g.lists == 1 {
		f, err := os.OpenFile(g.path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return files, nil // nothing to grow
		}
		f.WriteString("INSERT INTO t VALUES (9,'more');\n")
		f.Close()
	}
	return files, err
}

func testGrowing(t *testing.T, dir string, src importer.Source) {
	t.Helper()
	rec := &recorder{}
	g := &growing{Source: src, path: filepath.Join(dir, "upload.sql")}
	p := &importer.Pipeline{Source: g, Sink: rec, Settle: &importer.Settle{Interval: 10 * time.Millisecond}}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"done.sql": "imported", "upload.sql": "unsettled"}, statuses(rep)); diff != "" {
		t.Errorf("first run (-want +got):\n%s", diff)
	}
	if rep.Unsettled != 1 || g.lists != 2 {
		t.Errorf("unsettled %d, %d listings", rep.Unsettled, g.lists)
	}
	// The upload is over: the next run takes it.
	rep, err = p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"done.sql": "imported", "upload.sql": "imported"}, statuses(rep)); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
}

// The second look is only for files that need it: none when State skips
// every file as unchanged.
func TestSettleLooksAgainOnlyWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.sql", []byte(smallDump))
	src := &growing{Source: source.Dir(dir), path: filepath.Join(dir, "none")}
	p := &importer.Pipeline{Source: src, Sink: &recorder{}, State: &state.JSON{Path: filepath.Join(t.TempDir(), "state.json")},
		Settle: &importer.Settle{Interval: time.Millisecond}}
	if rep, err := p.Run(context.Background()); err != nil || rep.Imported != 1 || src.lists != 2 {
		t.Fatalf("%v, %d listings: %v", statuses(rep), src.lists, err)
	}
	if rep, err := p.Run(context.Background()); err != nil || rep.Skipped != 1 || src.lists != 3 {
		t.Fatalf("%v, %d listings: %v", statuses(rep), src.lists, err)
	}
}

func TestSettleLocalFolder(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "done.sql", []byte(smallDump))
	write(t, dir, "upload.sql", []byte(smallDump))
	testGrowing(t, dir, source.Dir(dir))
}

func TestSettleSFTP(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "done.sql", []byte(smallDump))
	write(t, dir, "upload.sql", []byte(smallDump))
	srv := sftptest.NewServer(t, dir)
	src := srv.Source("/")
	defer src.Close()
	testGrowing(t, dir, src)
}

func TestSettleMarkersAndIgnoredNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "a.sql.done", "b.sql", "c.sql", "c.sql.ok", "d.sql.part", "e.sql.tmp", ".f.sql", "sub/g.sql", "sub/g.sql.done"} {
		write(t, dir, n, []byte(smallDump))
	}
	rec := &recorder{}
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: rec, Settle: &importer.Settle{Markers: []string{".done", ".ok"}}}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.sql": "imported", "b.sql": "unsettled", "c.sql": "imported", "sub/g.sql": "imported"}
	if diff := cmp.Diff(want, statuses(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if rep.Ignored != 3 || rep.Unsettled != 1 {
		t.Errorf("ignored %d, unsettled %d", rep.Ignored, rep.Unsettled)
	}
	// Ignore: an empty list takes every name; markers with an interval:
	// files without one are taken once they are stable.
	p.Settle = &importer.Settle{Markers: []string{".done", ".ok"}, Ignore: []string{}, Interval: time.Millisecond}
	rep, err = p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 7 || rep.Ignored != 0 {
		t.Errorf("%v, ignored %d", statuses(rep), rep.Ignored)
	}
}

// moved checks what is left in dir.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func testAfterImport(t *testing.T, newSource func(dir string) importer.Source) {
	cases := []struct {
		after *importer.AfterImport
		want  []string
	}{
		{&importer.AfterImport{Action: importer.Move, Dir: "imported"}, []string{"bad.sql", "imported/good.sql", "imported/good.sql.done"}},
		{&importer.AfterImport{Action: importer.Rename, Suffix: ".imported"}, []string{"bad.sql", "good.sql.done.imported", "good.sql.imported"}},
		{&importer.AfterImport{Action: importer.Delete}, []string{"bad.sql"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.after.Action), func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "good.sql", []byte(smallDump))
			write(t, dir, "good.sql.done", nil)
			write(t, dir, "bad.sql", []byte("hello world\n"))
			src := newSource(dir)
			p := &importer.Pipeline{Source: src, Sink: &recorder{}, KeepGoing: true, AfterImport: tc.after,
				Settle: &importer.Settle{Markers: []string{".done"}, Interval: time.Millisecond}}
			// A dry run does nothing to the files.
			p.Sink = nil
			if _, err := p.Run(context.Background()); !errors.Is(err, sqlparse.ErrNotSQL) {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"bad.sql", "good.sql", "good.sql.done"}, files(t, dir)); diff != "" {
				t.Errorf("after a dry run (-want +got):\n%s", diff)
			}
			p.Sink = &recorder{}
			rep, err := p.Run(context.Background())
			if !errors.Is(err, sqlparse.ErrNotSQL) || rep.Imported != 1 || rep.Failed != 1 {
				t.Fatalf("%v: %v", statuses(rep), err)
			}
			if diff := cmp.Diff(tc.want, files(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			// The next run does not take the moved or renamed file again.
			rep, _ = p.Run(context.Background())
			if rep.Imported != 0 {
				t.Errorf("next run: %v", statuses(rep))
			}
		})
	}
}

func TestAfterImportLocal(t *testing.T) {
	testAfterImport(t, func(dir string) importer.Source { return source.Dir(dir) })
}

func TestAfterImportSFTP(t *testing.T) {
	testAfterImport(t, func(dir string) importer.Source {
		srv := sftptest.NewServer(t, dir, sftptest.Writable())
		src := srv.Source("/")
		t.Cleanup(func() { src.Close() })
		return src
	})
}

// Over SCP nothing can be renamed without a shell command: the action
// fails clearly and the file stays.
func TestAfterImportSCPRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.sql", []byte(smallDump))
	srv := sftptest.NewServer(t, dir, sftptest.WithoutSFTP())
	src := srv.Source("/")
	defer src.Close()
	p := &importer.Pipeline{Source: src, Sink: &recorder{}, AfterImport: &importer.AfterImport{Action: importer.Delete}}
	rep, err := p.Run(context.Background())
	var ie *importer.Error
	if !errors.Is(err, remote.ErrSCPReadOnly) || !errors.As(err, &ie) || ie.Stage != importer.StageAfter || rep.Imported != 1 {
		t.Fatalf("%v: %v", statuses(rep), err)
	}
	if diff := cmp.Diff([]string{"good.sql"}, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// A source that cannot rename fails the run before anything is imported.
func TestAfterImportNeedsTheSourceToSupportIt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.sql", []byte(smallDump))
	rec := &recorder{}
	p := &importer.Pipeline{Source: struct{ importer.Source }{source.Dir(dir)}, Sink: rec, AfterImport: &importer.AfterImport{Action: importer.Move, Dir: "done"}}
	_, err := p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot rename") || len(rec.committed) != 0 {
		t.Fatalf("err = %v, committed %v", err, rec.committed)
	}
}

// failCommit is a sink whose Commit fails: a fault a real sink cannot be
// made to produce on demand.
type failCommit struct{ recorder }

func (f *failCommit) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	ld, _ := f.recorder.Begin(ctx, t)
	return failCommitLoad{ld}, nil
}

type failCommitLoad struct{ importer.Load }

func (failCommitLoad) Commit(context.Context) error { return errors.New("disk full") }

// A file whose Commit failed is left where it is.
func TestAfterImportNotAfterAFailedCommit(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.sql", []byte(smallDump))
	p := &importer.Pipeline{Source: source.Dir(dir), Sink: &failCommit{}, AfterImport: &importer.AfterImport{Action: importer.Delete}}
	rep, err := p.Run(context.Background())
	var ie *importer.Error
	if !errors.As(err, &ie) || ie.Stage != importer.StageCommit || rep.Failed != 1 {
		t.Fatalf("%v: %v", statuses(rep), err)
	}
	if diff := cmp.Diff([]string{"good.sql"}, files(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
