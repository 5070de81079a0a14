package sink_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
)

// pgBigRows is how many rows the big dump's events table holds: about
// 145 bytes each in COPY text, so 800,000 make a dump of about 115 MB.
const pgBigRows = 800_000

// cachedPgDump returns a real pg_dump (plain format, COPY) of the corpus's
// pagila and an events table of pgBigRows rows of mixed types (bigserial
// key, integer, numeric, double, boolean, timestamptz, text, bytea, text[])
// with two indexes, written once into $DUMPLINE_PG_BIG or the cache folder
// (os.UserCacheDir()/dumpline-testdb) by the PostgreSQL server testdb
// starts. The volume is synthetic; the producer is real.
func cachedPgDump(b *testing.B) string {
	b.Helper()
	path := os.Getenv("DUMPLINE_PG_BIG")
	if path == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		path = filepath.Join(cache, "dumpline-testdb", fmt.Sprintf("pg-pagila-events-%d.sql", pgBigRows))
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	srv := testdb.PostgresServer(b)
	db := srv.CreateDB(b)
	if err := db.LoadFile(ctx, filepath.Join(testdb.CorpusDir(b), "postgres", "pagila-insert-data.sql")); err != nil {
		b.Fatal(err)
	}
	setup := `
CREATE TABLE public.events (id bigserial PRIMARY KEY, user_id integer NOT NULL, amount numeric(10,2), score double precision,
  flag boolean NOT NULL, created timestamptz NOT NULL, name text, payload bytea, tags text[]);
INSERT INTO public.events (user_id, amount, score, flag, created, name, payload, tags)
  SELECT i % 10007, (i % 100000) / 100.0, i / 7.0, i % 3 = 0, '2020-01-01 00:00:00+00'::timestamptz + i * interval '17 seconds',
    'event ' || md5(i::text) || CASE WHEN i % 11 = 0 THEN E'\twith a tab' ELSE '' END,
    decode(substr(md5(i::text), 1, 16), 'hex'), ARRAY['t' || i % 13, 'u' || i % 5]
  FROM generate_series(1, ` + strconv.Itoa(pgBigRows) + `) i;
CREATE INDEX events_user ON public.events (user_id);
CREATE INDEX events_created ON public.events USING btree (created);`
	if _, err := db.Open(b).ExecContext(ctx, setup); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	cmd := srv.DumpCommand(ctx, "-f", tmp, db.Name)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		b.Fatalf("pg_dump: %v %s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkSQLiteLoadsPgDump loads a real pg_dump of about 115 MB (see
// cachedPgDump) into a new SQLite file (replace), translated. The first
// run generates the dump, which takes a minute; run it alone:
//
//	DUMPLINE_PG_BIG=/path/pg-big.sql go test ./sink -run '^$' -bench SQLiteLoadsPgDump -benchtime 3x
func BenchmarkSQLiteLoadsPgDump(b *testing.B) {
	path := cachedPgDump(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(b.TempDir(), "out.db")
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		rep, err := loadPG(b, db, path, sink.Replace)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Tables["public.events"] != pgBigRows {
			b.Fatalf("%d events rows, want %d", rep.Tables["public.events"], pgBigRows)
		}
	}
}
