package sink_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
)

// BenchmarkPostgresVsPsql builds a database of two tables (bytea, arrays,
// jsonb, a plpgsql trigger; DUMPLINE_PG_BENCH_ROWS rows in the first, a
// quarter of that in the second, 1.6 million by default), dumps it with
// pg_dump as COPY and as --inserts --rows-per-insert=100, and loads each
// dump with psql -f and with the sink (replace) into the same server,
// reporting the seconds of each and the ratio; the sink runs inside the
// test binary (testdata/bench/pg-vs-peers.sh times whole processes, and
// pg_restore -j 2). Run it alone:
//
//	CI=true go test ./sink -run '^$' -bench PostgresVsPsql -benchtime 1x
func BenchmarkPostgresVsPsql(b *testing.B) {
	rows := 1_600_000
	if v, err := strconv.Atoi(os.Getenv("DUMPLINE_PG_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	ctx := context.Background()
	srv := testdb.PostgresServer(b)
	src := srv.CreateDB(b)
	setup := fmt.Sprintf(`
CREATE TABLE public.big (id bigint PRIMARY KEY, name text NOT NULL, payload bytea, tags text[], doc jsonb, created timestamptz);
CREATE TABLE public.audit (id bigint PRIMARY KEY, big_id bigint REFERENCES public.big, note text, at timestamptz);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.touch();
INSERT INTO public.big SELECT i, 'name ' || md5(i::text) || E' with \\ and \t tab', decode(md5(i::text), 'hex'),
  ARRAY['a' || i %% 10, 'b' || i %% 7], jsonb_build_object('i', i, 's', md5(i::text)), '2020-01-01'::timestamptz + i * interval '1 second'
  FROM generate_series(1, %d) i;
INSERT INTO public.audit SELECT i, i, repeat(md5(i::text), 2), now() FROM generate_series(1, %d) i;
CREATE INDEX big_name ON public.big (name);`, rows, rows/4)
	conn := src.Open(b)
	if _, err := conn.ExecContext(ctx, setup); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	dumps := map[string]string{}
	for name, args := range map[string][]string{"copy": nil, "inserts": {"--inserts", "--rows-per-insert=100"}} {
		path := filepath.Join(dir, name+".sql")
		cmd := srv.DumpCommand(ctx, append(args, "-f", path, src.Name)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pg_dump: %v %s", err, out)
		}
		fi, _ := os.Stat(path)
		b.Logf("%s dump: %.0f MB", name, float64(fi.Size())/1e6)
		dumps[name] = path
	}
	for _, name := range []string{"copy", "inserts"} {
		path := dumps[name]
		b.Run(name, func(b *testing.B) {
			for range b.N {
				ref := srv.CreateDB(b)
				t0 := time.Now()
				cmd := srv.Command(ctx, ref.Name, "-q", "-v", "ON_ERROR_STOP=1", "-f", path)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("psql: %v %s", err, out)
				}
				psql := time.Since(t0)
				dst := srv.CreateDB(b)
				t0 = time.Now()
				rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, dst.Name, path)
				if err != nil {
					b.Fatal(err)
				}
				ours := time.Since(t0)
				b.ReportMetric(psql.Seconds(), "psql-s")
				b.ReportMetric(ours.Seconds(), "sink-s")
				b.ReportMetric(psql.Seconds()/ours.Seconds(), "x-faster")
				if fi, err := os.Stat(path); err == nil {
					b.ReportMetric(float64(fi.Size())/1e6, "dump-MB")
				}
				b.Logf("%s: %d rows; psql -f %v, sink %v", name, rep.Rows, psql.Round(time.Millisecond), ours.Round(time.Millisecond))
			}
		})
	}
}
