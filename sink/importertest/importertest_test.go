package importertest_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/sqlparse"
)

// memSink is a reference sink for the suite itself: tables in memory, each
// load staged on a copy and swapped in on Commit.
type memSink struct {
	d      sqlparse.Dialect
	mu     sync.Mutex
	tables map[string][]importertest.Row
}

type memLoad struct {
	s       *memSink
	tables  map[string][]importertest.Row // staged
	touched map[string]bool
}

func (s *memSink) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &memLoad{s: s, tables: maps.Clone(s.tables), touched: map[string]bool{}}
	if l.tables == nil {
		l.tables = map[string][]importertest.Row{}
	}
	return l, nil
}

func (l *memLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	f := strings.Fields(string(st.Text))
	switch {
	case len(f) >= 5 && strings.EqualFold(f[0]+f[1]+f[2]+f[3], "droptableifexists"):
		delete(l.tables, f[4])
		l.touched[f[4]] = true
	case len(f) >= 3 && strings.EqualFold(f[0]+f[1], "createtable"):
		l.tables[f[2]] = []importertest.Row{}
		l.touched[f[2]] = true
	case st.Kind == sqlparse.Insert:
		rows, ok := l.tables[st.Table]
		if !ok {
			return fmt.Errorf("no table %s", st.Table)
		}
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			r := make(importertest.Row, len(row))
			for i, v := range row {
				if v.Kind == sqlparse.Null {
					continue
				}
				s := string(v.Raw)
				if h, ok := strings.CutPrefix(s, `\x`); ok && l.s.d == sqlparse.Postgres && st.Columns[i] == "b" {
					b, err := hex.DecodeString(h)
					if err != nil {
						return err
					}
					s = string(b)
				}
				r[i] = &s
			}
			rows = append(rows, r)
		}
		l.tables[st.Table] = rows
	}
	return nil
}

func (l *memLoad) Commit(ctx context.Context) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	// Only the tables this load dropped or created change: others may have
	// been committed by another load meanwhile.
	if l.s.tables == nil {
		l.s.tables = map[string][]importertest.Row{}
	}
	for name := range l.touched {
		if rows, ok := l.tables[name]; ok {
			l.s.tables[name] = rows
		} else {
			delete(l.s.tables, name)
		}
	}
	return nil
}

func (l *memLoad) Abort(ctx context.Context) error { return nil }

type memHarness struct{ s *memSink }

func (h memHarness) Sink() importer.Sink       { return h.s }
func (h memHarness) Dialect() sqlparse.Dialect { return h.s.d }
func (h memHarness) Rows(ctx context.Context, t importer.Target, table string) ([]importertest.Row, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return append([]importertest.Row(nil), h.s.tables[table]...), nil
}

func TestMemSink(t *testing.T) {
	for _, d := range []sqlparse.Dialect{sqlparse.MySQL, sqlparse.Postgres, sqlparse.SQLite} {
		t.Run(d.String(), func(t *testing.T) {
			importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness { return memHarness{&memSink{d: d}} })
		})
	}
}
