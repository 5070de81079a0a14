package sink

import (
	"testing"

	"github.com/dumpline/importer/sqlparse"
)

// Dates and times reach SQLite in PostgreSQL's ISO output form, whatever
// input form a script used.
func TestISOTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind pgKind
		want string
	}{
		{"2021/1/1", pgTimestamp, "2021-01-01 00:00:00"},
		{"2021-1-2 3:04", pgTimestamp, "2021-01-02 03:04:00"},
		{"2021-01-02T03:04:05.120000", pgTimestamp, "2021-01-02 03:04:05.12"},
		{"2021-01-02 03:04:05.000", pgTimestamp, "2021-01-02 03:04:05"},
		{"2021/12/31", pgDate, "2021-12-31"},
		{"2021-01-02 03:04:05+00", pgTimeTZ, "2021-01-02 03:04:05+00:00"},
		{"2021-01-02 03:04:05.5-07:30", pgTimeTZ, "2021-01-02 03:04:05.5-07:30"},
		{"2021-01-02 03:04:05", pgTimeTZ, "2021-01-02 03:04:05"},
		{"infinity", pgTimestamp, "infinity"},
		{"epoch", pgDate, "epoch"},
		{"2021-13-01", pgDate, "2021-13-01"}, // not a date: kept as written
		{"0001-01-01 BC", pgDate, "0001-01-01 BC"},
	} {
		p := newPgState()
		v, err := p.convert(sqlparse.Value{Kind: sqlparse.String, Raw: []byte(c.in)}, c.kind)
		if err != nil || string(v.Raw) != c.want {
			t.Errorf("%q: %q, %v; want %q", c.in, v.Raw, err, c.want)
		}
	}
}

// bytea's text formats decode to its bytes; a bad one fails.
func TestDecodeBytea(t *testing.T) {
	for in, want := range map[string]string{`\x`: "", `\x00ff41`: "\x00\xffA", `abc`: "abc", `a\\b\001\377`: "a\\b\x01\xff"} {
		got, err := decodeBytea(nil, []byte(in))
		if err != nil || string(got) != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`\x0`, `\x0g`, `a\b`, `\400`} {
		if _, err := decodeBytea(nil, []byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// Column defaults SQLite can hold are kept; the others are reported.
func TestPgDefault(t *testing.T) {
	for in, want := range map[string]string{
		`'G'::public.mpaa_rating`: `'G'`, `('now'::text)::date`: "CURRENT_DATE", `now()`: "CURRENT_TIMESTAMP",
		`true`: "1", `19.99`: "19.99", `'-1'::integer`: `'-1'`, `- 5`: "-5", `'it''s'`: `'it''s'`,
		`nextval('public.a_seq'::regclass)`: "", `lower('X')`: "",
	} {
		got, _, _ := pgDefault(lexPostgres([]byte(in)))
		if got != want {
			t.Errorf("DEFAULT %s: %q, want %q", in, got, want)
		}
	}
}

// Views are translated only when SQLite reads them with PostgreSQL's
// meaning.
func TestPgView(t *testing.T) {
	p := newPgState()
	for in, want := range map[string]string{
		`CREATE VIEW public.v AS SELECT (a.x)::text || ' '::text AS n FROM (public.a JOIN public.b ON ((a.id = b.id))) WHERE (a.n > 1)`: `CREATE VIEW "v" AS SELECT (a.x) || ' ' AS n FROM (a JOIN b ON ((a.id = b.id))) WHERE (a.n > 1)`,
		`CREATE VIEW v AS SELECT count(*) AS n FROM a`:     `CREATE VIEW "v" AS SELECT count (*) AS n FROM a`,
		`CREATE VIEW v AS SELECT x::date FROM a`:           "error: a cast to date",
		`CREATE VIEW v AS SELECT group_concat(x) FROM a`:   "error: the function group_concat",
		`CREATE VIEW v AS SELECT x FROM a WHERE y ~ 'z'`:   `error: "~"`,
		`CREATE VIEW v AS SELECT DISTINCT ON (x) x FROM a`: `error: "DISTINCT"`,
		`CREATE VIEW v AS SELECT x FROM a WHERE y = E'\n'`: "error: an E'' string",
	} {
		_, got, err := pgView([]byte(in), p, p.isPublic)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
	}
}

// The sqlite3 shell's expressions for line ends fold into their string.
func TestFoldReplace(t *testing.T) {
	for in, want := range map[string]string{
		`replace('a\nb','\n',char(10))`:                          "a\nb",
		`replace(replace('a\r\nb','\r',char(13)),'\n',char(10))`: "a\r\nb",
		`char(65,66)`: "AB",
	} {
		got, ok := foldReplace(lexDDL([]byte(in), true))
		if !ok || got != want {
			t.Errorf("%s: %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := foldReplace(lexDDL([]byte(`upper('a')`), true)); ok {
		t.Error("upper('a') folded")
	}
}
