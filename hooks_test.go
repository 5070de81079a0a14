package importer_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// OnFile sees every file whose load started, once, with its final status;
// OnRun sees the report and the error Run returns.
func TestPipelineHooks(t *testing.T) {
	src := &source.FS{FS: fstest.MapFS{
		"a.sql": {Data: []byte("CREATE TABLE a (x int);\n")},
		"b.sql": {Data: []byte("<html>502 Bad Gateway</html>\n")},
		"c.sql": {Data: []byte("CREATE TABLE c (x int);\n")},
	}}
	var mu sync.Mutex
	seen := map[string]importer.FileStatus{}
	var runs int
	var runErr error
	p := &importer.Pipeline{
		Source: src, Dialect: sqlparse.SQLite, KeepGoing: true,
		Sink: sink.Func(func(context.Context, *sqlparse.Statement) error { return nil }),
		OnFile: func(ctx context.Context, rep importer.FileReport) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := seen[rep.File.Name]; dup {
				t.Errorf("%s reported twice", rep.File.Name)
			}
			seen[rep.File.Name] = rep.Status
			if (rep.Status == importer.Failed) != (rep.Err != nil) {
				t.Errorf("%s: status %v, error %v", rep.File.Name, rep.Status, rep.Err)
			}
		},
		OnRun: func(ctx context.Context, rep *importer.Report, err error) {
			runs++
			runErr = err
			if rep.Imported != 2 || rep.Failed != 1 {
				t.Errorf("OnRun report: %d imported, %d failed", rep.Imported, rep.Failed)
			}
		},
	}
	_, err := p.Run(context.Background())
	if !errors.Is(err, sqlparse.ErrNotSQL) || runs != 1 || runErr != err {
		t.Fatalf("Run: %v; OnRun called %d times with %v", err, runs, runErr)
	}
	if seen["a.sql"] != importer.Imported || seen["c.sql"] != importer.Imported || seen["b.sql"] != importer.Failed || len(seen) != 3 {
		t.Errorf("OnFile saw %v", seen)
	}
}

// summaryLoad is a load that says how it loaded.
type summaryLoad struct{ committed bool }

func (l *summaryLoad) Exec(context.Context, *sqlparse.Statement) error { return nil }
func (l *summaryLoad) Commit(context.Context) error                    { l.committed = true; return nil }
func (l *summaryLoad) Abort(context.Context) error                     { return nil }
func (l *summaryLoad) Summary() importer.LoadSummary {
	if !l.committed {
		return importer.LoadSummary{Sink: "test", Mode: "aborted"}
	}
	return importer.LoadSummary{Sink: "test", Mode: "replace", Swapped: []string{"a"}}
}

type summarySink struct{}

func (summarySink) Begin(context.Context, importer.Target) (importer.Load, error) {
	return &summaryLoad{}, nil
}

// A load's Summary, asked after Commit or Abort, lands in its FileReport.
func TestPipelineLoadSummary(t *testing.T) {
	src := &source.FS{FS: fstest.MapFS{
		"a.sql": {Data: []byte("CREATE TABLE a (x int);\n")},
		"b.sql": {Data: []byte("<html>502 Bad Gateway</html>\n")},
	}}
	p := &importer.Pipeline{Source: src, Dialect: sqlparse.SQLite, KeepGoing: true, Sink: summarySink{}}
	rep, _ := p.Run(context.Background())
	got := map[string]string{}
	for _, f := range rep.Files {
		got[f.File.Name] = f.Load.Mode
	}
	if got["a.sql"] != "replace" || got["b.sql"] != "aborted" {
		t.Errorf("summaries by file: %v", got)
	}
}
