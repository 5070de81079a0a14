package oracle

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// BenchmarkParseSakilaDump parses a dump of at least 200 MB written by the
// real mariadb-dump (sakila with rental and payment scaled up by
// INSERT ... SELECT, see testdb.WriteSakilaDump) through the whole pipeline
// into a sink that reads nothing (the pipeline decodes every row), and checks every table's row count against COUNT(*) in
// the source database. The dump is generated on first use (a minute or
// two) and cached.
func BenchmarkParseSakilaDump(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"extended-insert", nil},
		{"skip-extended-insert", []string{"--skip-extended-insert"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := testdb.CachedSakilaDump(b, 200, bc.args...)
			b.SetBytes(d.Size)
			b.ReportAllocs()
			for b.Loop() {
				p := &importer.Pipeline{Source: source.LocalFile(d.Path), Sink: sink.Func(func(context.Context, *sqlparse.Statement) error { return nil })}
				rep, err := p.Run(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if diff := cmp.Diff(counts(d.Rows).nonZero(), counts(rep.Tables).nonZero()); diff != "" {
					b.Fatalf("rows per table, COUNT(*) in the source (-) vs the pipeline (+):\n%s", diff)
				}
			}
		})
	}
}
