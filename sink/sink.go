// Package sink holds the importer's sinks: SQLite (on the pure-Go
// modernc.org/sqlite), and Func, an adapter for custom code. The dry-run
// sink is [importer.Discard].
//
// A sink implements [importer.Sink]: Begin starts one file's load, Exec takes
// each statement (reading the rows of INSERT and COPY statements from
// st.Rows), and Commit or Abort ends it as a whole.
package sink

import (
	"context"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// Func is a sink that calls a function for every statement. Commit and Abort
// do nothing: Func suits sinks that write somewhere without transactions,
// and tests. The function may read st.Rows; rows it does not read are still
// decoded and counted by the pipeline.
type Func func(ctx context.Context, st *sqlparse.Statement) error

var _ importer.Sink = Func(nil)

// Begin implements importer.Sink.
func (f Func) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return funcLoad(f), nil
}

type funcLoad Func

func (f funcLoad) Exec(ctx context.Context, st *sqlparse.Statement) error { return f(ctx, st) }
func (f funcLoad) Commit(context.Context) error                           { return nil }
func (f funcLoad) Abort(context.Context) error                            { return nil }
