// Package sink holds the importer's database sinks — [SQLite] (on the
// pure-Go modernc.org/sqlite; it also takes MySQL and PostgreSQL dumps,
// translated), [MySQL] (MariaDB and MySQL, on go-sql-driver/mysql) and
// [Postgres] (on jackc/pgx; it also takes SQLite dumps) — each loading in a
// [Mode], and [Func], an adapter for custom code. The dry-run sink is
// [importer.Discard].
//
// A sink implements [importer.Sink]: Begin starts one file's load, Exec takes
// each statement (reading the rows of INSERT and COPY statements from
// st.Rows), and Commit or Abort ends it as a whole.
package sink

import (
	"context"
	"fmt"
	"strconv"

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

// Mode says what a database sink's load does to its target; the zero value
// is Replace.
type Mode uint8

const (
	// Replace makes the target hold exactly the dump's objects and rows
	// once the load commits, in one atomic switch; until then, and after a
	// failure, readers see the old target, whole.
	Replace Mode = iota
	// Append adds the dump's objects and rows to the target in one
	// transaction: after a failure the target is as it was.
	Append
	// Recreate drops the target and loads the dump in its place: the fast,
	// non-atomic reload. Readers may see an empty or partial target, and a
	// failure leaves it so.
	Recreate
)

var modeNames = [...]string{Replace: "replace", Append: "append", Recreate: "recreate"}

// String returns the mode's name.
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode returns the Mode called s ("replace", "append" or "recreate").
func ParseMode(s string) (Mode, error) {
	for m, n := range modeNames {
		if s == n {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("sink: unknown mode %q (want replace, append or recreate)", s)
}
