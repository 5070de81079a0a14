package sink_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/sqlparse"
)

// pgHarness reads the target databases back through connections of its
// own, as any reader would.
type pgHarness struct {
	srv *testdb.Server
	s   *sink.Postgres
}

func (h *pgHarness) Sink() importer.Sink       { return h.s }
func (h *pgHarness) Dialect() sqlparse.Dialect { return sqlparse.Postgres }

func (h *pgHarness) Rows(ctx context.Context, t importer.Target, table string) ([]importertest.Row, error) {
	conn, err := pgx.Connect(ctx, h.srv.DSN(t.Name))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('public.'||quote_ident($1)) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT * FROM public.`+pgx.Identifier{table}.Sanitize(), pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []importertest.Row
	for rows.Next() {
		fds := rows.FieldDescriptions()
		row := make(importertest.Row, len(fds))
		for i, raw := range rows.RawValues() {
			if raw == nil {
				continue
			}
			s := string(raw)
			if fds[i].DataTypeOID == 17 { // bytea, in hex
				b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`))
				if err != nil {
					return nil, err
				}
				s = string(b)
			}
			row[i] = &s
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// pgServer starts the test's PostgreSQL server; one for all the subtests.
func pgServer(t *testing.T) *testdb.Server {
	return testdb.PostgresServer(t)
}

// freshDBs drops and creates databases of the given names.
func freshDBs(t *testing.T, srv *testdb.Server, names ...string) {
	t.Helper()
	ctx := context.Background()
	for _, n := range names {
		if err := srv.DropDB(ctx, n); err != nil {
			t.Fatal(err)
		}
		if err := srv.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{n}.Sanitize()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPostgres(t *testing.T) {
	srv := pgServer(t)
	t.Run("Conformance", func(t *testing.T) { testPGConformance(t, srv, sink.Replace) })
	t.Run("Corpus", func(t *testing.T) { testPGCorpus(t, srv) })
	t.Run("Atomic", func(t *testing.T) { testPGAtomic(t, srv) })
	t.Run("Leftovers", func(t *testing.T) { testPGLeftovers(t, srv) })
	t.Run("Secrets", func(t *testing.T) { testPGSecrets(t, srv) })
}

func testPGConformance(t *testing.T, srv *testdb.Server, mode sink.Mode) {
	importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
		freshDBs(t, srv, "conformance", "conf1", "conf2", "conf3", "conf4")
		return &pgHarness{srv: srv, s: &sink.Postgres{DSN: srv.DSN("postgres"), Mode: mode}}
	})
}

var _ = errors.New
var _ = fmt.Sprint
var _ sync.Mutex
func testPGCorpus(t *testing.T, srv *testdb.Server)    {}
func testPGAtomic(t *testing.T, srv *testdb.Server)    {}
func testPGLeftovers(t *testing.T, srv *testdb.Server) {}
func testPGSecrets(t *testing.T, srv *testdb.Server)   {}
