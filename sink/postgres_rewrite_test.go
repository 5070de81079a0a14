package sink

import "testing"

func TestPGRewrite(t *testing.T) {
	w := &pgRewriter{schemas: map[string]string{"public": "st_1", "My Schema": "st_2", "same": "same"}}
	for _, c := range []struct{ in, want string }{
		{`CREATE TABLE public.a (id integer DEFAULT nextval('public.a_id_seq'::regclass))`,
			`CREATE TABLE "st_1".a (id integer DEFAULT nextval('"st_1".a_id_seq'::regclass))`},
		{`CREATE TABLE "public"."c" ("id" integer DEFAULT "nextval"('"public"."c_seq"'::"regclass"))`,
			`CREATE TABLE "st_1"."c" ("id" integer DEFAULT "nextval"('"st_1"."c_seq"'::"regclass"))`},
		{`SELECT pg_catalog.setval('public.a_id_seq', 200, true)`, `SELECT pg_catalog.setval('"st_1".a_id_seq', 200, true)`},
		{`CREATE VIEW public.v AS SELECT a.id FROM public.a, "My Schema".b`, `CREATE VIEW "st_1".v AS SELECT a.id FROM "st_1".a, "st_2".b`},
		// Bodies, comments and other literals stay as written.
		{`CREATE FUNCTION public.f() RETURNS int LANGUAGE plpgsql AS $_$ BEGIN RETURN (SELECT count(*) FROM public.a); END $_$`,
			`CREATE FUNCTION "st_1".f() RETURNS int LANGUAGE plpgsql AS $_$ BEGIN RETURN (SELECT count(*) FROM public.a); END $_$`},
		{`COMMENT ON TABLE public.a IS 'see public.b' -- public.c`, `COMMENT ON TABLE "st_1".a IS 'see public.b' -- public.c`},
		{`SELECT E'it''s \' public.x' /* public.y */, PUBLIC.z`, `SELECT E'it''s \' public.x' /* public.y */, "st_1".z`},
		{`COMMENT ON SCHEMA public IS 'standard public schema'`, `COMMENT ON SCHEMA "st_1" IS 'standard public schema'`},
		{`GRANT USAGE ON SCHEMA "My Schema" TO PUBLIC`, `GRANT USAGE ON SCHEMA "st_2" TO PUBLIC`},
		{`SELECT x.public.y, same.t, other.t, $1`, `SELECT x.public.y, same.t, other.t, $1`},
	} {
		if got := string(w.rewrite([]byte(c.in))); got != c.want {
			t.Errorf("rewrite(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{
		`SET search_path = public, pg_catalog`:                         `SET search_path = "st_1", pg_catalog`,
		`SELECT pg_catalog.set_config('search_path', '', false)`:       `SELECT pg_catalog.set_config('search_path', '', false)`,
		`SELECT pg_catalog.set_config('search_path', 'public', false)`: `SELECT pg_catalog.set_config('search_path', '"st_1"', false)`,
		`SET search_path TO "$user", public`:                           `SET search_path = "$user", "st_1"`,
	} {
		if got := mapSearchPath(w, in); got != want {
			t.Errorf("mapSearchPath(%s) = %s, want %s", in, got, want)
		}
	}
}
