package importer_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

func TestCountsAdd(t *testing.T) {
	var sum importer.Counts // the zero value takes sums, maps included
	sum.Add(importer.Counts{Entries: 1, BytesIn: 10, Stats: sqlparse.Stats{BytesParsed: 20, Statements: 3, Rows: 5,
		Tables: map[string]int64{"a": 5}}, SkippedStatements: map[string]int64{"lock": 1}})
	sum.Add(importer.Counts{Entries: 2, BytesIn: 1, Stats: sqlparse.Stats{BytesParsed: 2, Statements: 1, Rows: 2,
		Tables: map[string]int64{"a": 1, "b": 1, "empty": 0}}})
	sum.Add(importer.Counts{}) // nothing to add, nil maps
	want := importer.Counts{Entries: 3, BytesIn: 11, Stats: sqlparse.Stats{BytesParsed: 22, Statements: 4, Rows: 7,
		Tables: map[string]int64{"a": 6, "b": 1, "empty": 0}}, SkippedStatements: map[string]int64{"lock": 1}}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("sum (-want +got):\n%s", diff)
	}
}
