package sink_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/internal/testdb"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/source"
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
	t.Run("PgDump", func(t *testing.T) { testPGDump(t, srv) })
	t.Run("CopyData", func(t *testing.T) { testPGCopyData(t, srv) })
	t.Run("Atomic", func(t *testing.T) { testPGAtomic(t, srv) })
	t.Run("Leftovers", func(t *testing.T) { testPGLeftovers(t, srv) })
	t.Run("Roles", func(t *testing.T) { testPGRoles(t, srv) })
	t.Run("MatView", func(t *testing.T) { testPGMatView(t, srv) })
	t.Run("PostData", func(t *testing.T) { testPGPostData(t, srv) })
	t.Run("Secrets", func(t *testing.T) { testPGSecrets(t, srv) })
	t.Run("Streams", func(t *testing.T) { testPGStreams(t, srv) })
	t.Run("Summary", func(t *testing.T) { testPGSummary(t, srv) })
	t.Run("Schemas", func(t *testing.T) { testPGSchemas(t, srv) })
	t.Run("Extension", func(t *testing.T) { testPGExtension(t, srv) })
	t.Run("Connect", func(t *testing.T) { testPGConnect(t, srv) })
}

func testPGConformance(t *testing.T, srv *testdb.Server, mode sink.Mode) {
	importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
		freshDBs(t, srv, "conformance", "conf1", "conf2", "conf3", "conf4")
		return &pgHarness{srv: srv, s: &sink.Postgres{DSN: srv.DSN("postgres"), Mode: mode}}
	})
}

// pgLoad runs the pipeline on file into database db with s.
func pgLoad(ctx context.Context, s *sink.Postgres, db, file string) (*importer.Report, error) {
	p := &importer.Pipeline{
		Source: source.LocalFile(file), Sink: s, Dialect: sqlparse.Postgres,
		Route: func(source.File) string { return db },
	}
	return p.Run(ctx)
}

// pgTables returns the md5 of every table's and view's rows and every
// sequence's value in db, by name.
func pgTables(t *testing.T, srv *testdb.Server, db string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'v', 'm', 'S', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ schema, name, kind string }
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.schema, &r.name, &r.kind); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	rows.Close()
	out := map[string]string{}
	for _, r := range rels {
		q := pgx.Identifier{r.schema, r.name}.Sanitize()
		sql := `SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '') FROM ` + q + ` t`
		if r.kind == "S" {
			sql = `SELECT last_value::text || ' ' || is_called::text FROM ` + q
		}
		var v string
		if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[r.kind+" "+r.schema+"."+r.name] = v
	}
	return out
}

// sameTables fails unless db holds what want does.
func sameTables(t *testing.T, want, got map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s missing", k)
		} else if g != w {
			t.Errorf("%s: %s, want %s", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: not in the psql load", k)
		}
	}
}

func testPGCorpus(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	dir := filepath.Join("..", "testdata", "corpus", "postgres")
	for _, c := range []struct{ file, ref string }{
		{"pagila-insert-data.sql", "ref_pagila"},
		{"chinook.sql", "chinook"}, // the file creates and connects to it
	} {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if c.ref != "chinook" {
				freshDBs(t, srv, c.ref)
			}
			if err := srv.LoadFile(ctx, c.ref, path); err != nil && c.ref != "chinook" {
				t.Fatal(err)
			}
			if c.ref == "chinook" {
				if err := srv.LoadFile(ctx, "postgres", path); err != nil {
					t.Fatal(err)
				}
			}
			want := pgTables(t, srv, c.ref)
			freshDBs(t, srv, "target")
			s := &sink.Postgres{DSN: srv.DSN("postgres"), Jobs: 2}
			for i := range 2 { // the second replaces the first
				rep, err := pgLoad(ctx, s, "target", path)
				if err != nil {
					t.Fatalf("load %d: %v", i+1, err)
				}
				t.Logf("load %d: %d rows, skipped %v", i+1, rep.Rows, rep.SkippedStatements)
			}
			sameTables(t, want, pgTables(t, srv, "target"))
			conn, err := pgx.Connect(ctx, srv.DSN("target"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'dumpline%'`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d staging schemas left (%v)", n, err)
			}
			if c.ref == "ref_pagila" {
				// The trigger fires, and the default takes the live sequence.
				var upd time.Time
				if err := conn.QueryRow(ctx, `UPDATE public.actor SET last_update = '2000-01-01' WHERE actor_id = 1 RETURNING last_update`).Scan(&upd); err != nil {
					t.Fatal(err)
				}
				if upd.Year() == 2000 {
					t.Errorf("the last_updated trigger did not fire")
				}
				var id int
				if err := conn.QueryRow(ctx, `INSERT INTO public.actor (first_name, last_name) VALUES ('NEW', 'ACTOR') RETURNING actor_id`).Scan(&id); err != nil {
					t.Fatalf("insert with the sequence default: %v", err)
				}
				if id != 201 {
					t.Errorf("new actor_id %d, want 201", id)
				}
			}
		})
	}
}

// genDump writes a dump of tables a and b with n rows each, as pg_dump
// writes them (COPY), tagged so that loads differ.
func genDump(t *testing.T, tag string, n int, tail string) string {
	var b strings.Builder
	b.WriteString("SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\n")
	for _, tb := range []string{"a", "b"} {
		fmt.Fprintf(&b, "CREATE TABLE public.%s (id integer NOT NULL, v text);\n", tb)
		fmt.Fprintf(&b, "COPY public.%s (id, v) FROM stdin;\n", tb)
		for i := range n {
			fmt.Fprintf(&b, "%d\t%s-%d-%s\n", i+1, tag, i, strings.Repeat("x", 50))
		}
		b.WriteString("\\.\n")
		fmt.Fprintf(&b, "ALTER TABLE ONLY public.%s ADD CONSTRAINT %s_pkey PRIMARY KEY (id);\n", tb, tb)
	}
	b.WriteString(tail)
	return tempFile(t, tag+".sql", b.String())
}

func testPGAtomic(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "atomic")
	s := &sink.Postgres{DSN: srv.DSN("postgres"), Jobs: 2}
	if _, err := pgLoad(ctx, s, "atomic", genDump(t, "old", 1000, "")); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, srv.DSN("atomic"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	poll := func(stop <-chan struct{}) (seen map[[2]int]int, longest time.Duration, err error) {
		seen = map[[2]int]int{}
		for {
			select {
			case <-stop:
				return seen, longest, nil
			default:
			}
			var a, b int
			t0 := time.Now()
			if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM public.a), (SELECT count(*) FROM public.b)`).Scan(&a, &b); err != nil {
				return seen, longest, err
			}
			longest = max(longest, time.Since(t0))
			seen[[2]int{a, b}]++
		}
	}
	check := func(name, path string, wantErr bool, want [2]int) {
		stop := make(chan struct{})
		type result struct {
			seen    map[[2]int]int
			longest time.Duration
			err     error
		}
		res := make(chan result)
		go func() {
			s, l, e := poll(stop)
			res <- result{s, l, e}
		}()
		_, err := pgLoad(ctx, s, "atomic", path)
		close(stop)
		r := <-res
		if (err != nil) != wantErr {
			t.Fatalf("%s: load error %v, want error %v", name, err, wantErr)
		}
		if r.err != nil {
			t.Fatalf("%s: reader: %v", name, r.err)
		}
		for k := range r.seen {
			if k != [2]int{1000, 1000} && k != want {
				t.Errorf("%s: a reader saw %d and %d rows", name, k[0], k[1])
			}
		}
		if got := r.seen; len(got) == 0 {
			t.Errorf("%s: the reader read nothing", name)
		}
		t.Logf("%s: the reader saw %v; longest read %v", name, r.seen, r.longest)
	}
	// A load that fails at its end leaves the old data whole.
	check("failed", genDump(t, "bad", 50000, "SELECT 1/0;\n"), true, [2]int{1000, 1000})
	check("replace", genDump(t, "new", 50000, ""), false, [2]int{50000, 50000})
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'dumpline%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d staging schemas left (%v)", n, err)
	}
}

func testPGLeftovers(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "leftovers")
	conn, err := pgx.Connect(ctx, srv.DSN("leftovers"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A crashed run's staging, and a live run's (it holds its lock).
	for _, q := range []string{
		`CREATE SCHEMA dumpline_stage_0000abcd_1`, `CREATE TABLE dumpline_stage_0000abcd_1.t (i int)`,
		`CREATE SCHEMA dumpline_old_0000abcd_1`,
		`CREATE SCHEMA dumpline_stage_0000abce_1`, `SELECT pg_advisory_lock(1685417328, 43982)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s := &sink.Postgres{DSN: srv.DSN("postgres")}
	if _, err := pgLoad(ctx, s, "leftovers", genDump(t, "x", 10, "")); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, _ := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dumpline%' ORDER BY 1`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		left = append(left, n)
	}
	rows.Close()
	if strings.Join(left, ",") != "dumpline_stage_0000abce_1" {
		t.Errorf("schemas left: %v, want only the live run's", left)
	}
}

func testPGSecrets(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	const pw = `h0st!le'"pa ss@w:rd/%x`
	const user = "pwuser"
	freshDBs(t, srv, "secrets")
	if err := srv.Exec(ctx, "DROP ROLE IF EXISTS "+user); err != nil {
		t.Fatal(err)
	}
	if err := srv.Exec(ctx, "CREATE ROLE "+user+" LOGIN PASSWORD 'right-one'"); err != nil {
		t.Fatal(err)
	}
	// Make the server ask this role for its password.
	admin, err := pgx.Connect(ctx, srv.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var hba string
	if err := admin.QueryRow(ctx, "SHOW hba_file").Scan(&hba); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	line := "host all " + user + " 127.0.0.1/32 scram-sha-256\nhost all " + user + " ::1/128 scram-sha-256\n"
	if err := os.WriteFile(hba, append([]byte(line), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.WriteFile(hba, old, 0o600)
		admin.Exec(context.Background(), "SELECT pg_reload_conf()")
	})
	if _, err := admin.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
	base := srv.DSN("secrets")
	u := strings.Replace(base, "postgres@", user+"@", 1)
	hostPort := strings.TrimPrefix(strings.SplitN(strings.SplitN(base, "@", 2)[1], "/", 2)[0], "")
	host, port, _ := strings.Cut(hostPort, ":")
	dump := genDump(t, "s", 10, "")
	for name, s := range map[string]*sink.Postgres{
		"wrong password field":  {DSN: u, Password: pw},
		"wrong password in URL": {DSN: strings.Replace(u, user+"@", user+":"+urlEscape(pw)+"@", 1)},
		"keyword DSN":           {DSN: fmt.Sprintf("host=%s port=%s user=%s dbname=secrets password='%s'", host, port, user, strings.ReplaceAll(strings.ReplaceAll(pw, `\`, `\\`), "'", `\'`))},
		"malformed URL":         {DSN: "postgres://" + user + ":" + pw + "@" + hostPort + "/secrets?sslmode=disable&connect_timeout=x"},
		"closed port":           {DSN: "postgres://" + user + ":" + urlEscape(pw) + "@127.0.0.1:1/secrets"},
	} {
		_, err := pgLoad(ctx, s, "secrets", dump)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		for _, form := range []string{pw, urlEscape(pw), "pa ss", "w:rd"} {
			if strings.Contains(err.Error(), form) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), form) {
				t.Errorf("%s: the error holds the password: %v", name, err)
			}
		}
		t.Logf("%s: %v", name, err)
	}
	// The right password loads.
	if _, err := pgLoad(ctx, &sink.Postgres{DSN: u, Password: "right-one"}, "secrets", dump); err != nil && !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("right password: %v", err)
	}
}

func urlEscape(s string) string { return url.UserPassword("", s).String()[1:] }

// testPGDump loads pagila into a database with psql, dumps it with pg_dump
// in several styles and loads each dump with the sink: the tables must equal
// the source's.
func testPGDump(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "dump_src")
	if err := srv.LoadFile(ctx, "dump_src", filepath.Join("..", "testdata", "corpus", "postgres", "pagila-insert-data.sql")); err != nil {
		t.Fatal(err)
	}
	want := pgTables(t, srv, "dump_src")
	dir := t.TempDir()
	dump := func(name string, args ...string) string {
		path := filepath.Join(dir, name+".sql")
		cmd := srv.DumpCommand(ctx, append(args, "-f", path, "dump_src")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pg_dump %v: %v: %s", args, err, out)
		}
		return path
	}
	for _, style := range []struct {
		name string
		args []string
	}{
		{"copy", nil},
		{"inserts", []string{"--inserts"}},
		{"column-inserts", []string{"--column-inserts"}},
		{"rows-per-insert-100", []string{"--rows-per-insert=100"}},
		{"quote-all-identifiers", []string{"--quote-all-identifiers"}},
	} {
		t.Run(style.name, func(t *testing.T) {
			path := dump(style.name, style.args...)
			freshDBs(t, srv, "dump_dst")
			for _, mode := range []sink.Mode{sink.Replace, sink.Replace, sink.Recreate} {
				rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: mode}, "dump_dst", path)
				if err != nil {
					t.Fatalf("%v: %v", mode, err)
				}
				t.Logf("%v: %d rows, skipped %v", mode, rep.Rows, rep.SkippedStatements)
				sameTables(t, want, pgTables(t, srv, "dump_dst"))
			}
		})
	}
	t.Run("append-data-only", func(t *testing.T) {
		schema := dump("schema", "--schema-only")
		data := dump("data", "--data-only", "--disable-triggers")
		freshDBs(t, srv, "dump_dst")
		if err := srv.LoadFile(ctx, "dump_dst", schema); err != nil {
			t.Fatal(err)
		}
		if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: sink.Append}, "dump_dst", data); err != nil {
			t.Fatal(err)
		}
		sameTables(t, want, pgTables(t, srv, "dump_dst"))
		// A second append fails on the primary keys and leaves the rows.
		if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: sink.Append}, "dump_dst", data); err == nil {
			t.Fatal("appending the same rows again: no error")
		} else {
			t.Logf("second append: %v", err)
		}
		sameTables(t, want, pgTables(t, srv, "dump_dst"))
	})
}

// testPGCopyData loads pagila-data.sql (pg_dump 15, COPY blocks) after a
// schema of text columns derived from its COPY headers, in one file, with
// the sink and with psql.
func testPGCopyData(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	src := filepath.Join("..", "testdata", "corpus", "postgres", "pagila-data.sql")
	ddl, err := testdb.DerivedCopySchema(src)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pagila-data-with-schema.sql")
	if err := os.WriteFile(path, append([]byte(ddl), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	freshDBs(t, srv, "copy_ref", "copy_dst")
	if err := srv.LoadFile(ctx, "copy_ref", path); err != nil {
		t.Fatal(err)
	}
	rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, "copy_dst", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows, skipped %v", rep.Rows, rep.SkippedStatements)
	sameTables(t, pgTables(t, srv, "copy_ref"), pgTables(t, srv, "copy_dst"))
}

func testPGRoles(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "roles")
	tail := "ALTER TABLE public.a OWNER TO no_such_role;\nGRANT SELECT ON TABLE public.a TO no_such_role;\n" +
		"REVOKE ALL ON SCHEMA public FROM no_such_role;\nALTER TABLE public.b OWNER TO postgres;\nGRANT SELECT ON TABLE public.b TO PUBLIC;\n"
	path := genDump(t, "roles", 10, tail)
	rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, "roles", path)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.SkippedStatements["ownership or privileges of a role that does not exist"]; n != 3 {
		t.Errorf("skipped %v, want 3 statements for the missing role", rep.SkippedStatements)
	}
	if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), RequireRoles: true}, "roles", path); err == nil || !strings.Contains(err.Error(), "no_such_role") {
		t.Errorf("RequireRoles: error %v, want one naming the role", err)
	}
}

// testPGMatView loads a materialized view created WITH NO DATA and
// refreshed after the rows, as pg_dump writes it, twice: it reads the
// staged table, and after the swap the live one.
func testPGMatView(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "matview")
	tail := "CREATE MATERIALIZED VIEW public.mv AS SELECT count(*) AS n FROM public.a WITH NO DATA;\nREFRESH MATERIALIZED VIEW public.mv;\n" +
		"CREATE VIEW public.v AS SELECT a.id, b.v FROM public.a JOIN public.b USING (id);\n"
	for _, n := range []int{10, 25} {
		if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, "matview", genDump(t, fmt.Sprint("mv", n), n, tail)); err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.Connect(ctx, srv.DSN("matview"))
		if err != nil {
			t.Fatal(err)
		}
		var got, joined int
		err = conn.QueryRow(ctx, "SELECT (SELECT n FROM public.mv), (SELECT count(*) FROM public.v)").Scan(&got, &joined)
		conn.Close(ctx)
		if err != nil || got != n || joined != n {
			t.Errorf("matview %d, view %d rows (%v), want %d", got, joined, err, n)
		}
	}
}

// testPGPostData loads foreign keys, which the sink adds NOT VALID and
// validates alongside the index builds, a NOT VALID one it leaves so, a key
// of a partitioned table (added as written) and a trigger that fires on the
// rows after it; then a dump whose second foreign key of a table fails,
// which names that key's line and leaves the first load's tables.
func testPGPostData(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "postdata")
	s := &sink.Postgres{DSN: srv.DSN("postgres"), Jobs: 2}
	tail := `CREATE INDEX a_v ON public.a USING btree (v);
CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := 'fired'; RETURN NEW; END $$;
CREATE TRIGGER stamp BEFORE INSERT ON public.b FOR EACH ROW EXECUTE FUNCTION public.stamp();
INSERT INTO public.b VALUES (1000, 'not fired');
CREATE INDEX b_v ON public.b USING btree (v);
ALTER TABLE ONLY public.b ADD CONSTRAINT b_a FOREIGN KEY (id) REFERENCES public.a(id) NOT VALID;
ALTER TABLE ONLY public.a ADD CONSTRAINT a_b FOREIGN KEY (id) REFERENCES public.b(id) ON DELETE CASCADE DEFERRABLE;
CREATE TABLE public.p (id integer NOT NULL, a_id integer) PARTITION BY RANGE (id);
CREATE TABLE public.p1 PARTITION OF public.p FOR VALUES FROM (0) TO (1000);
INSERT INTO public.p VALUES (1, 1), (2, 2);
ALTER TABLE public.p ADD CONSTRAINT p_a FOREIGN KEY (a_id) REFERENCES public.a(id);
`
	conn, err := pgx.Connect(ctx, srv.DSN("postdata"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	state := func() string {
		var v, keys string
		err := conn.QueryRow(ctx, `SELECT (SELECT v FROM public.b WHERE id = 1000),
			(SELECT string_agg(conname || ' ' || convalidated, ', ' ORDER BY conname) FROM pg_constraint WHERE contype = 'f')`).Scan(&v, &keys)
		if err != nil {
			t.Fatal(err)
		}
		return v + "; " + keys
	}
	const want = "fired; a_b true, b_a false, p_a true, p_a true"
	ok := genDump(t, "ok", 100, tail)
	for _, s := range []*sink.Postgres{{DSN: srv.DSN("postgres"), Mode: sink.Recreate, Jobs: 1}, s} {
		if _, err := pgLoad(ctx, s, "postdata", ok); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != want {
			t.Errorf("after the %v load (%d jobs): %s, want %s", s.Mode, s.Jobs, got, want)
		}
	}

	bad := genDump(t, "bad", 100, `INSERT INTO public.b VALUES (5000, 'orphan');
CREATE INDEX b_v ON public.b USING btree (v);
ALTER TABLE ONLY public.b ADD CONSTRAINT b_self FOREIGN KEY (id) REFERENCES public.b(id);
ALTER TABLE ONLY public.b ADD CONSTRAINT b_a FOREIGN KEY (id) REFERENCES public.a(id);
`)
	text, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	line := int64(bytes.Count(text[:bytes.Index(text, []byte("ADD CONSTRAINT b_a "))], []byte("\n")) + 1)
	_, err = pgLoad(ctx, s, "postdata", bad)
	if se := (*importer.Error)(nil); !errors.As(err, &se) || se.Line != line || !strings.Contains(err.Error(), `"b_a"`) {
		t.Errorf("error %v, want the foreign key b_a at line %d", err, line)
	}
	if got := state(); got != want {
		t.Errorf("after the failed load: %s, want %s", got, want)
	}
}

// insertsDump writes a dump of table a, n rows in INSERTs of 100 rows each,
// one a line; the row numbered bad (from 1; 0 for none) holds a value that
// is not an integer. It returns the file and the line of that row's INSERT.
func insertsDump(t *testing.T, n, bad int) (string, int64) {
	var b strings.Builder
	b.WriteString("SET standard_conforming_strings = on;\nCREATE TABLE public.a (id integer NOT NULL, n integer, v text);\n")
	line, badLine := int64(2), int64(0)
	for i := 1; i <= n; i++ {
		if i%100 == 1 {
			b.WriteString("INSERT INTO public.a VALUES ")
			line++
		} else {
			b.WriteByte(',')
		}
		num := fmt.Sprint(i)
		if i == bad {
			num, badLine = "'x'", line
		}
		fmt.Fprintf(&b, "(%d, %s, '%s')", i, num, strings.Repeat("v", 40))
		if i%100 == 0 || i == n {
			b.WriteString(";\n")
		}
	}
	b.WriteString("ALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n")
	return tempFile(t, fmt.Sprintf("inserts-%d-%d.sql", n, bad), b.String()), badLine
}

// testPGStreams loads a table big enough for its rows to go to several
// COPY streams at once, then a copy of it with a bad row near its end: the
// error names the INSERT that held the row, whichever stream sent it, and
// the table stays as the first load left it.
func testPGStreams(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "streams")
	const n = 200_000
	s := &sink.Postgres{DSN: srv.DSN("postgres"), Jobs: 3}
	good, _ := insertsDump(t, n, 0)
	rep, err := pgLoad(ctx, s, "streams", good)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows; COPY streams at once: %d", rep.Rows, rep.Files[0].Load.Jobs)
	want := pgTables(t, srv, "streams")
	if got := want["r public.a"]; !strings.HasPrefix(got, fmt.Sprint(n, " ")) {
		t.Fatalf("public.a: %s, want %d rows", got, n)
	}
	bad, line := insertsDump(t, n, n-150)
	_, err = pgLoad(ctx, s, "streams", bad)
	var se *importer.Error
	if !errors.As(err, &se) || se.Line != line || se.Table != "public.a" || !strings.Contains(err.Error(), "integer") {
		t.Fatalf("error %v, want an importer.Error at line %d, table public.a, naming the type", err, line)
	}
	t.Logf("bad row: %v", err)
	sameTables(t, want, pgTables(t, srv, "streams"))
}

// testPGSummary checks what a load says of itself in the report.
func testPGSummary(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "summary")
	tail := "CREATE INDEX a_v ON public.a USING btree (v);\nINSERT INTO public.b VALUES (1000, upper('sql'));\n"
	for _, mode := range []sink.Mode{sink.Replace, sink.Recreate} {
		rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: mode, Jobs: 2}, "summary", genDump(t, "sum", 100, tail))
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Files[0].Load
		want := importer.LoadSummary{Sink: "postgres", Target: "summary", Mode: mode.String(), BulkPath: "COPY, INSERT",
			Deferred: []string{"a_pkey on public.a", "b_pkey on public.b", "a_v on public.a"}}
		if mode == sink.Replace {
			want.Swapped = []string{"public"}
		}
		if got.Jobs < 1 || got.Jobs > 2 {
			t.Errorf("%v: Jobs %d, want 1 or 2", mode, got.Jobs)
		}
		got.Jobs = 0
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v: summary\n%+v, want\n%+v", mode, got, want)
		}
		if b, err := json.Marshal(got); err != nil || strings.Contains(string(b), "postgres:") {
			t.Errorf("%v: JSON %s (%v)", mode, b, err)
		}
	}
}

// testPGSchemas loads a dump's public schema into another schema, which a
// second load replaces, leaving the target's public alone; recreate and
// append map it too; a map of two schemas onto one is refused.
func testPGSchemas(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "schemas")
	if err := srv.LoadFile(ctx, "schemas", genDump(t, "live", 5, "")); err != nil {
		t.Fatal(err)
	}
	live := pgTables(t, srv, "schemas")
	tail := "CREATE SEQUENCE public.s;\nSELECT pg_catalog.setval('public.s', 42, true);\nCREATE VIEW public.v AS SELECT a.id, b.v FROM public.a JOIN public.b USING (id);\n"
	for i, mode := range []sink.Mode{sink.Replace, sink.Replace, sink.Recreate} {
		n := 10 * (i + 1)
		s := &sink.Postgres{DSN: srv.DSN("postgres"), Mode: mode, Schemas: map[string]string{"public": "copy"}}
		rep, err := pgLoad(ctx, s, "schemas", genDump(t, fmt.Sprint("copy", i), n, tail))
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		got := pgTables(t, srv, "schemas")
		for k, v := range live {
			if got[k] != v {
				t.Errorf("%v: %s: %s, want %s (untouched)", mode, k, got[k], v)
			}
		}
		for _, k := range []string{"r copy.a", "r copy.b", "v copy.v"} {
			if !strings.HasPrefix(got[k], fmt.Sprint(n, " ")) {
				t.Errorf("%v: %s: %q, want %d rows", mode, k, got[k], n)
			}
		}
		if got["S copy.s"] != "42 true" {
			t.Errorf("%v: sequence copy.s at %q, want 42 true", mode, got["S copy.s"])
		}
		if mode == sink.Replace && fmt.Sprint(rep.Files[0].Load.Swapped) != "[copy]" {
			t.Errorf("swapped %v, want [copy]", rep.Files[0].Load.Swapped)
		}
	}
	data := "COPY public.a (id, v) FROM stdin;\n1000\tappended\n\\.\n"
	path := tempFile(t, "append.sql", data)
	if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: sink.Append, Schemas: map[string]string{"public": "copy"}}, "schemas", path); err != nil {
		t.Fatal(err)
	}
	if got := pgTables(t, srv, "schemas"); !strings.HasPrefix(got["r copy.a"], "31 ") || got["r public.a"] != live["r public.a"] {
		t.Errorf("append: copy.a %q, public.a %q", got["r copy.a"], got["r public.a"])
	}
	bad := &sink.Postgres{DSN: srv.DSN("postgres"), Schemas: map[string]string{"public": "x", "other": "x"}}
	if _, err := pgLoad(ctx, bad, "schemas", path); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("two schemas onto one: error %v", err)
	}
}

// testPGExtension loads a dump that creates an extension in public: the
// first replace installs it with the staged schema, a second replace is
// refused at the CREATE EXTENSION (the swap would drop it with the old
// schema) and leaves the target whole, and recreate loads it again.
func testPGExtension(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "ext")
	head := "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;\nCREATE TABLE public.c (k public.citext);\nINSERT INTO public.c VALUES ('Hello');\n"
	path := genDump(t, "ext", 10, "")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append([]byte(head), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &sink.Postgres{DSN: srv.DSN("postgres")}
	if _, err := pgLoad(ctx, s, "ext", path); err != nil {
		t.Fatal(err)
	}
	want := pgTables(t, srv, "ext")
	if _, err := pgLoad(ctx, s, "ext", path); err == nil || !strings.Contains(err.Error(), "extension citext") || !strings.Contains(err.Error(), ":1 ") {
		t.Errorf("second replace: error %v, want one at line 1 naming the extension", err)
	}
	sameTables(t, want, pgTables(t, srv, "ext"))
	if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres"), Mode: sink.Recreate}, "ext", path); err != nil {
		t.Fatalf("recreate: %v", err)
	}
	sameTables(t, want, pgTables(t, srv, "ext"))
	conn, err := pgx.Connect(ctx, srv.DSN("ext"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM public.c WHERE k = 'HELLO'").Scan(&n); err != nil || n != 1 {
		t.Errorf("citext comparison: %d rows (%v), want 1", n, err)
	}
}

// testPGConnect loads a file that connects to its database twice (skipped
// and counted), and refuses one that connects to a second database, as
// pg_dumpall writes, naming both, with the target whole.
func testPGConnect(t *testing.T, srv *testdb.Server) {
	ctx := context.Background()
	freshDBs(t, srv, "conn")
	one := tempFile(t, "one.sql", "\\connect shop\nCREATE TABLE public.a (id int);\n\\connect -reuse-previous=on \"dbname='shop'\"\nINSERT INTO public.a VALUES (1);\n")
	rep, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, "conn", one)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.SkippedStatements[`psql \connect (the sink loads into its target database)`]; n != 2 {
		t.Errorf("skipped %v, want 2 \\connect", rep.SkippedStatements)
	}
	want := pgTables(t, srv, "conn")
	two := tempFile(t, "two.sql", "\\connect shop\nCREATE TABLE public.b (id int);\n\\connect other\nCREATE TABLE public.c (id int);\n")
	if _, err := pgLoad(ctx, &sink.Postgres{DSN: srv.DSN("postgres")}, "conn", two); err == nil || !strings.Contains(err.Error(), `"other" after "shop"`) {
		t.Errorf("a second database: error %v", err)
	}
	sameTables(t, want, pgTables(t, srv, "conn"))
}
