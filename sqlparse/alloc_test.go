package sqlparse

import (
	"bytes"
	"testing"
)

// TestZeroAllocs checks that a reused Reader reads whole dumps, every
// statement and every value, without allocating.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	c := corpus(t)
	for _, name := range []string{"mysql-sakila-data.sql", "postgres-pagila-data.sql", "sqlite-chinook-dot-dump.sql", "mysql-countries.sql"} {
		data := c[name]
		rd := NewReader(nil, Auto)
		br := bytes.NewReader(data)
		var n int
		allocs := testing.AllocsPerRun(3, func() {
			br.Reset(data)
			rd.Reset(br, Auto)
			for st, err := range statementsOf(rd) {
				if err != nil {
					t.Fatal(err)
				}
				for row, err := range Rows(st.Rows) {
					if err != nil {
						t.Fatal(err)
					}
					n += len(row)
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per pass, want 0", name, allocs)
		}
	}
}
