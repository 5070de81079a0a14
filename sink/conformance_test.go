package sink_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/sqlparse"
)

// sqliteHarness reads the database back through a connection of its own,
// as any reader of the file would.
type sqliteHarness struct {
	dir string
	s   *sink.SQLite
}

func (h *sqliteHarness) Sink() importer.Sink       { return h.s }
func (h *sqliteHarness) Dialect() sqlparse.Dialect { return sqlparse.SQLite }

func (h *sqliteHarness) Rows(ctx context.Context, t importer.Target, table string) ([]importertest.Row, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, t.Name)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []importertest.Row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(importertest.Row, len(cols))
		for i, v := range vals {
			var s string
			switch v := v.(type) {
			case nil:
				continue
			case int64:
				s = strconv.FormatInt(v, 10)
			case float64:
				s = strconv.FormatFloat(v, 'g', -1, 64)
			case []byte:
				s = string(v)
			case string:
				s = v
			default:
				return nil, fmt.Errorf("column %s: unexpected %T", cols[i], v)
			}
			row[i] = &s
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func TestSQLiteConformance(t *testing.T) {
	importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
		dir := t.TempDir()
		s := sink.NewSQLite(filepath.Join(dir, "unused.db"))
		t.Cleanup(func() { s.Close() })
		return &sqliteHarness{dir: dir, s: s}
	})
}

func TestSQLiteAppendConformance(t *testing.T) {
	importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
		dir := t.TempDir()
		s := &sink.SQLite{Path: filepath.Join(dir, "unused.db"), Mode: sink.Append}
		t.Cleanup(func() { s.Close() })
		return &sqliteHarness{dir: dir, s: s}
	})
}

// funcHarness runs the suite on sink.Func, which keeps nothing to read
// back: the checks of what the pipeline reports (rows, errors naming the
// file, cancellation, goroutines) apply; those of the target's content do
// not.
type funcHarness struct{}

func (funcHarness) Sink() importer.Sink {
	return sink.Func(func(context.Context, *sqlparse.Statement) error { return nil })
}
func (funcHarness) Dialect() sqlparse.Dialect { return sqlparse.MySQL }
func (funcHarness) Rows(context.Context, importer.Target, string) ([]importertest.Row, error) {
	return nil, fmt.Errorf("sink.Func keeps nothing: %w", errors.ErrUnsupported)
}

func TestFuncConformance(t *testing.T) {
	importertest.RunSinkTests(t, func(*testing.T) importertest.Harness { return funcHarness{} })
}
