package importer_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// The tests below use custom stages (test types, not archive.Extractor or
// sqlparse.Parser) to show that read-ahead, parallel entries and the
// parallel dry run reach any stage through the optional interfaces, and
// hide the defaults behind types without them to show that the defaults get
// nothing more.

// optExtractor is a custom Extractor with both optional interfaces. It
// unpacks with an archive.Extractor of its own and records what the
// pipeline asked of it.
type optExtractor struct {
	inner archive.Extractor

	mu      sync.Mutex
	extract int               // Extract calls
	opts    []archive.Options // ExtractWith calls
	plain   int               // PlainEntry calls
}

func (x *optExtractor) Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(archive.Entry, io.Reader) error) error {
	x.mu.Lock()
	x.extract++
	x.mu.Unlock()
	return x.inner.Extract(ctx, name, r, size, fn)
}

func (x *optExtractor) ExtractWith(ctx context.Context, name string, r io.Reader, size int64, opt archive.Options, fn func(archive.Entry, io.Reader) error) error {
	x.mu.Lock()
	x.opts = append(x.opts, opt)
	x.mu.Unlock()
	return x.inner.ExtractWith(ctx, name, r, size, opt, fn)
}

func (x *optExtractor) PlainEntry(name string, r io.ReaderAt, size int64) (archive.Entry, bool) {
	x.mu.Lock()
	x.plain++
	x.mu.Unlock()
	return archive.Entry{Name: "checked-" + filepath.Base(name), Format: archive.Plain, Size: size, CompressedSize: size}, true
}

// checkParser is a custom Parser that can check a file in place. With
// decline set, it says that would not be faster.
type checkParser struct {
	decline         bool
	parsed, checked atomic.Int32
	progress        atomic.Int64 // statements seen through progress
}

func (p *checkParser) Parse(ctx context.Context, r io.Reader, d sqlparse.Dialect, fn func(*sqlparse.Statement) error) error {
	p.parsed.Add(1)
	return new(sqlparse.Parser).Parse(ctx, r, d, fn)
}

func (p *checkParser) CheckAtFaster(size int64) bool { return !p.decline }

func (p *checkParser) CheckAt(ctx context.Context, r io.ReaderAt, size int64, d sqlparse.Dialect, progress func(sqlparse.Stats)) (*sqlparse.Stats, error) {
	p.checked.Add(1)
	return new(sqlparse.Parser).Check(ctx, r, size, d, sqlparse.CheckOptions{Workers: 2, Progress: func(s sqlparse.Stats) {
		p.progress.Add(s.Statements)
		progress(s)
	}})
}

// onlyExtract and onlyParse hide the optional interfaces of the defaults.
type onlyExtract struct{ x *archive.Extractor }

func (o onlyExtract) Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(archive.Entry, io.Reader) error) error {
	return o.x.Extract(ctx, name, r, size, fn)
}

type onlyParse struct {
	p      *sqlparse.Parser
	parsed *atomic.Int32
}

func (o onlyParse) Parse(ctx context.Context, r io.Reader, d sqlparse.Dialect, fn func(*sqlparse.Statement) error) error {
	o.parsed.Add(1)
	return o.p.Parse(ctx, r, d, fn)
}

// concurrency is a sink whose loads take up to max entries at once (a
// ParallelLoad when max > 1) and note how many Exec calls overlapped. With
// wait, the first Exec waits for a second one to start (for a few seconds
// at most, so that a pipeline that never overlaps fails the test rather
// than hang it).
type concurrency struct {
	max        int
	wait       bool
	now, most  atomic.Int32
	once       sync.Once
	overlap    chan struct{}
	overlapped func()
}

type concLoad struct{ c *concurrency }
type parallelConcLoad struct{ concLoad }

func (l parallelConcLoad) Parallel() int { return l.c.max }

func (c *concurrency) Begin(context.Context, importer.Target) (importer.Load, error) {
	c.once.Do(func() {
		c.overlap = make(chan struct{})
		c.overlapped = sync.OnceFunc(func() { close(c.overlap) })
	})
	if c.max > 1 {
		return parallelConcLoad{concLoad{c}}, nil
	}
	return concLoad{c}, nil
}

func (l concLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	n := l.c.now.Add(1)
	defer l.c.now.Add(-1)
	for {
		m := l.c.most.Load()
		if n <= m || l.c.most.CompareAndSwap(m, n) {
			break
		}
	}
	if l.c.wait {
		if n >= 2 {
			l.c.overlapped()
		}
		select {
		case <-l.c.overlap:
		case <-time.After(5 * time.Second):
			l.c.overlapped() // wait once only
		}
	}
	return nil
}
func (concLoad) Commit(context.Context) error { return nil }
func (concLoad) Abort(context.Context) error  { return nil }

func manyEntries(t *testing.T) string {
	dir := t.TempDir()
	entries := map[string][]byte{}
	for i := range 6 {
		entries[string(rune('a'+i))+".sql"] = []byte(smallDump)
	}
	writeZip(t, filepath.Join(dir, "many.zip"), entries)
	return dir
}

func TestCustomExtractorGetsReadAheadAndParallelEntries(t *testing.T) {
	dir := manyEntries(t)
	for _, max := range []int{1, 3} {
		x := &optExtractor{}
		c := &concurrency{max: max, wait: max > 1}
		rep, err := (&importer.Pipeline{Source: source.Dir(dir), Extractor: x, Sink: c}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 6 || rep.Rows != 18 {
			t.Errorf("load of %d at once: %d entries, %d rows", max, rep.Entries, rep.Rows)
		}
		want := archive.Options{Parallel: max, ReadAhead: true}
		if x.extract != 0 || len(x.opts) != 1 || x.opts[0] != want {
			t.Errorf("load of %d at once: %d Extract calls, ExtractWith with %+v; want only ExtractWith with %+v", max, x.extract, x.opts, want)
		}
		if x.plain != 0 {
			t.Errorf("PlainEntry called %d times outside a dry run", x.plain)
		}
		if got := int(c.most.Load()); max == 1 && got != 1 || max > 1 && got < 2 {
			t.Errorf("load of %d at once: up to %d Exec calls at once", max, got)
		}
	}
}

func TestCustomParserGetsTheParallelDryRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(x importer.Extractor, p importer.Parser, s importer.Sink) (*importer.Report, []importer.Event) {
		t.Helper()
		evs := &events{}
		rep, err := (&importer.Pipeline{Source: source.Dir(dir), Extractor: x, Parser: p, Sink: s, Status: evs}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var started []importer.Event
		for _, e := range evs.all {
			if e.Kind == importer.EntryStarted {
				started = append(started, e)
			}
		}
		return rep, started
	}

	// Checked in place: the Extractor names the entry, the Parser counts.
	p := &checkParser{}
	rep, started := run(&optExtractor{}, p, nil)
	if p.checked.Load() != 1 || p.parsed.Load() != 0 {
		t.Errorf("dry run: CheckAt %d times, Parse %d times; want CheckAt once", p.checked.Load(), p.parsed.Load())
	}
	if p.progress.Load() != 3 {
		t.Errorf("progress saw %d statements, want 3", p.progress.Load())
	}
	if rep.Entries != 1 || rep.Statements != 3 || rep.Rows != 3 || rep.BytesIn != int64(len(smallDump)) ||
		rep.BytesParsed != int64(len(smallDump)) || rep.Tables["t"] != 2 || rep.Tables["u"] != 1 {
		t.Errorf("dry run report: %+v", rep.Counts)
	}
	if len(started) != 1 || started[0].Entry != "checked-small.sql" {
		t.Errorf("entry-started events %+v, want one for checked-small.sql", started)
	}

	// The same with importer.Discard named.
	p = &checkParser{}
	if run(&optExtractor{}, p, importer.Discard); p.checked.Load() != 1 {
		t.Errorf("Discard: CheckAt %d times, want once", p.checked.Load())
	}

	// A Parser that declines, a sink that is not a dry run, an Extractor
	// that cannot tell plain files: the usual way, one entry.
	for name, c := range map[string]struct {
		x importer.Extractor
		p *checkParser
		s importer.Sink
	}{
		"declined":      {&optExtractor{}, &checkParser{decline: true}, nil},
		"not a dry run": {&optExtractor{}, &checkParser{}, sink.Func(func(context.Context, *sqlparse.Statement) error { return nil })},
		"not plain":     {onlyExtract{&archive.Extractor{}}, &checkParser{}, nil},
	} {
		rep, started := run(c.x, c.p, c.s)
		if x, ok := c.x.(*optExtractor); ok && x.plain != 0 {
			// Nothing is read to tell a plain file when it would not be checked.
			t.Errorf("%s: PlainEntry called %d times", name, x.plain)
		}
		if c.p.checked.Load() != 0 || c.p.parsed.Load() != 1 || rep.Rows != 3 || len(started) != 1 || started[0].Entry != "small.sql" {
			t.Errorf("%s: CheckAt %d, Parse %d, %d rows, entry-started %+v", name, c.p.checked.Load(), c.p.parsed.Load(), rep.Rows, started)
		}
	}
}

// The defaults behind types without the optional interfaces get no
// parallel entries and no check in place; and a load that takes one entry
// at a time gets one at a time even from an Extractor set to deliver
// several.
func TestDefaultsGetNothingBeyondTheInterfaces(t *testing.T) {
	dir := manyEntries(t)
	for name, c := range map[string]struct {
		x    *archive.Extractor
		load int
	}{
		"parallel load": {&archive.Extractor{}, 3},
		"serial load":   {&archive.Extractor{Parallel: 3}, 1},
	} {
		conc := &concurrency{max: c.load}
		rep, err := (&importer.Pipeline{Source: source.Dir(dir), Extractor: onlyExtract{c.x}, Sink: conc}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 6 || conc.most.Load() != 1 {
			t.Errorf("%s: %d entries, up to %d Exec calls at once; want 6, one at a time", name, rep.Entries, conc.most.Load())
		}
	}

	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.sql"), []byte(smallDump), 0o644); err != nil {
		t.Fatal(err)
	}
	var parsed atomic.Int32
	if _, err := (&importer.Pipeline{Source: source.Dir(dir), Parser: onlyParse{&sqlparse.Parser{}, &parsed}}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if parsed.Load() != 1 {
		t.Errorf("Parse called %d times in a dry run of a Parser without CheckAt, want once", parsed.Load())
	}
}

// The root package finds what its stages can do through interfaces only:
// no type assertion or switch names a type of archive or sqlparse, and
// nothing reads archive's limits or sniffs formats.
func TestRootLooksInsideNoStage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		stage := func(e ast.Expr) bool {
			if s, ok := e.(*ast.StarExpr); ok {
				e = s.X
			}
			sel, ok := e.(*ast.SelectorExpr)
			if !ok {
				return false
			}
			pkg, ok := sel.X.(*ast.Ident)
			return ok && (pkg.Name == "archive" || pkg.Name == "sqlparse") && sel.Sel.Name != "Error"
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeAssertExpr:
				if n.Type != nil && stage(n.Type) {
					t.Errorf("%s: type assertion to a stage's type", fset.Position(n.Pos()))
				}
			case *ast.TypeSwitchStmt:
				for _, cc := range n.Body.List {
					for _, e := range cc.(*ast.CaseClause).List {
						if stage(e) {
							t.Errorf("%s: type switch on a stage's type", fset.Position(e.Pos()))
						}
					}
				}
			case *ast.SelectorExpr:
				if pkg, ok := n.X.(*ast.Ident); ok && pkg.Name == "archive" &&
					(n.Sel.Name == "Detect" || n.Sel.Name == "Limits" || strings.HasPrefix(n.Sel.Name, "DefaultMax")) {
					t.Errorf("%s: archive.%s", fset.Position(n.Pos()), n.Sel.Name)
				}
			}
			return true
		})
	}
}
