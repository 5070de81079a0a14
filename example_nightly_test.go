package importer_test

import (
	"context"
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// An unattended run over a drop: KeepGoing tries every file, Settle takes
// only the files whose marker exists and ignores partial uploads, and the
// report lists every file with what became of it.
func ExamplePipeline_nightly() {
	dump := []byte("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n")
	drop := fstest.MapFS{
		"a.sql":      {Data: dump},
		"a.sql.done": {},
		"b.sql":      {Data: []byte("<html>502 Bad Gateway</html>\n")},
		"b.sql.done": {},
		"c.sql":      {Data: dump}, // no marker yet: still being uploaded
		"d.sql":      {Data: dump},
		"d.sql.done": {},
		"e.sql.part": {Data: dump[:10]},
	}
	p := &importer.Pipeline{
		Source:    &source.FS{FS: drop},
		Sink:      importer.Discard,
		KeepGoing: true,
		Settle:    &importer.Settle{Markers: []string{".done"}},
	}
	rep, err := p.Run(context.Background())
	for _, f := range rep.Files {
		fmt.Println(f.File.Name, f.Status)
	}
	fmt.Println("ignored:", rep.Ignored)
	fmt.Println("not a dump:", errors.Is(err, sqlparse.ErrNotSQL))
	// Output:
	// a.sql imported
	// b.sql failed
	// c.sql unsettled
	// d.sql imported
	// ignored: 1
	// not a dump: true
}
