package sink_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// typesDump is a hand-written MySQL dump with a column of each type
// family, a zero date, latin1 text, binary strings, a bit and an
// AUTO_INCREMENT key.
const typesDump = "/*!40101 SET NAMES latin1 */;\n" +
	"/*!40103 SET TIME_ZONE='+00:00' */;\n" +
	"CREATE TABLE `t` (\n" +
	"  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n" +
	"  `Flag` tinyint(1) NOT NULL DEFAULT 0,\n" +
	"  `small` tinyint unsigned DEFAULT NULL,\n" +
	"  `big` bigint(20) unsigned DEFAULT NULL,\n" +
	"  `price` decimal(12,4) NOT NULL DEFAULT '0.0000',\n" +
	"  `ratio` double DEFAULT NULL,\n" +
	"  `name` varchar(20) CHARACTER SET latin1 NOT NULL DEFAULT '',\n" +
	"  `raw` varbinary(8) DEFAULT NULL,\n" +
	"  `bits` bit(4) DEFAULT b'0101',\n" +
	"  `born` date NOT NULL DEFAULT '0000-00-00',\n" +
	"  `seen` datetime DEFAULT NULL,\n" +
	"  `at` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),\n" +
	"  `kind` enum('a','b''c') DEFAULT 'a',\n" +
	"  `tags` set('x','y') DEFAULT NULL,\n" +
	"  `doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`doc`)),\n" +
	"  `yr` year(4) DEFAULT NULL,\n" +
	"  PRIMARY KEY (`id`),\n" +
	"  UNIQUE KEY `name` (`name`(10)),\n" +
	"  KEY `born` (`born`),\n" +
	"  FULLTEXT KEY `ft` (`name`)\n" +
	") ENGINE=InnoDB AUTO_INCREMENT=50 DEFAULT CHARSET=latin1 COMMENT='types';\n" +
	"INSERT INTO `t` VALUES (1,1,255,18446744073709551615,12345678.1234,1.5,'caf\xe9','a\\0\\nb',b'1010','0000-00-00','2021-03-04 05:06:07','2020-01-02 03:04:05','b''c','x,y','{\"k\": [1, 2]}',2024)," +
	"(7,0,NULL,NULL,-1.0000,NULL,'b',0x00FF,b'1','2000-02-29',NULL,'2020-01-02 03:04:05','a',NULL,NULL,NULL);\n" +
	"CREATE TRIGGER `tr` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.small = 1;\n"

// tempFile writes text to a file called name in a new temporary folder and
// returns its path.
func tempFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runMySQL(ctx context.Context, s importer.Sink, path string) (*importer.Report, error) {
	p := &importer.Pipeline{Source: source.LocalFile(path), Sink: s, Dialect: sqlparse.MySQL,
		Parser: &sqlparse.Parser{Allow: sqlparse.Allow{MissingTrailer: true}}}
	return p.Run(ctx)
}

// A MySQL dump of every type family into PostgreSQL: the types, values,
// identity and the policies.
func TestPostgresMySQLTypes(t *testing.T) {
	srv := pgServer(t)
	ctx := t.Context()
	path := tempFile(t, "types.sql", typesDump)
	freshDBs(t, srv, "mytypes")
	rep, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mytypes")}, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"zero date as NULL: t.born", "not translated: ON UPDATE CURRENT_TIMESTAMP of t.at",
		"not translated: FULLTEXT index ft of t", "not translated: prefix length 10 of t.name in key name (the whole column is indexed)"} {
		if rep.Notes[n] != 1 {
			t.Errorf("note %q counted %d times; notes %v", n, rep.Notes[n], rep.Notes)
		}
	}
	if rep.SkippedStatements["not translated to postgres: create trigger tr"] != 1 {
		t.Errorf("the trigger is not listed: %v", rep.SkippedStatements)
	}
	conn := pgConnect(t, srv, "mytypes")
	var got string
	err = conn.QueryRow(ctx, `SELECT concat_ws('|', "Flag", small, big, price, ratio, name, encode(raw, 'hex'), bits, coalesce(born::text, 'NULL'),
		seen, at AT TIME ZONE 'UTC', kind, tags, doc::text, yr, pg_typeof("Flag"), pg_typeof(doc), pg_typeof(big)) FROM t WHERE id = 1`).Scan(&got)
	if err != nil {
		t.Fatal(err)
	}
	want := `1|255|18446744073709551615|12345678.1234|1.5|café|61000a62|1010|NULL|2021-03-04 05:06:07|2020-01-02 03:04:05|b'c|x,y|{"k": [1, 2]}|2024|smallint|json|numeric`
	if got != want {
		t.Errorf("row 1:\n got %s\nwant %s", got, want)
	}
	// The identity goes on after the dump's AUTO_INCREMENT.
	if err := conn.QueryRow(ctx, `INSERT INTO t (name) VALUES ('new') RETURNING id::text || ' ' || bits::text || ' ' || kind`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "50 0101 a" {
		t.Errorf("a new row is %q, want 50 0101 a", got)
	}
	// The enum's CHECK and the unsigned CHECK hold.
	if _, err := conn.Exec(ctx, `INSERT INTO t (name, kind) VALUES ('z', 'q')`); err == nil {
		t.Error("an enum value outside the list was accepted")
	}
	if _, err := conn.Exec(ctx, `INSERT INTO t (name, small) VALUES ('y', -1)`); err == nil {
		t.Error("a negative value in an unsigned column was accepted")
	}

	t.Run("TinyIntBoolean", func(t *testing.T) {
		s := &sink.Postgres{DSN: srv.DSN("mytypes"), Translation: sink.Translation{TinyIntOne: sink.TinyIntBoolean}}
		if _, err := runMySQL(ctx, s, path); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := conn.QueryRow(ctx, `SELECT string_agg("Flag"::text || pg_typeof("Flag"), ',' ORDER BY id) FROM t`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != "trueboolean,falseboolean" {
			t.Errorf("Flag = %s", got)
		}
		// A tinyint(1) holding 2 is refused, with its row.
		bad := tempFile(t, "bad.sql", strings.Replace(typesDump, "(7,0,", "(7,2,", 1))
		_, err := runMySQL(ctx, s, bad)
		if err == nil || !strings.Contains(err.Error(), "row 2 of the statement, column t.Flag: 2 is not a boolean") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ZeroDatesFail", func(t *testing.T) {
		s := &sink.Postgres{DSN: srv.DSN("mytypes"), Translation: sink.Translation{ZeroDates: sink.ZeroDatesFail}}
		_, err := runMySQL(ctx, s, path)
		var ie *importer.Error
		if !errors.As(err, &ie) || ie.Line != 25 || !strings.Contains(err.Error(), `row 1 of the statement, column t.born: zero date "0000-00-00"`) {
			t.Errorf("err = %v", err)
		}
		// The target is as it was.
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
			t.Errorf("the target holds %d rows (%v), want the 2 of the load before", n, err)
		}
	})
	t.Run("OutOfRange", func(t *testing.T) {
		bad := tempFile(t, "range.sql", strings.Replace(typesDump, "(7,0,NULL,", "(7,0,256,", 1))
		_, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mytypes")}, bad)
		if err == nil || !strings.Contains(err.Error(), "row 2 of the statement, column t.small: 256 is out of range for TINYINT UNSIGNED") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("Strict", func(t *testing.T) {
		_, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mytypes"), Translation: sink.Translation{Strict: true}}, path)
		if !errors.Is(err, sink.ErrNotTranslated) || !strings.Contains(err.Error(), "zero-date DEFAULT of t.born") {
			t.Errorf("err = %v", err)
		}
	})
}

// The same dump into SQLite: the policies are the same.
func TestSQLiteMySQLTypes(t *testing.T) {
	ctx := t.Context()
	// SQLite's integers stop at 2⁶³-1.
	path := tempFile(t, "types.sql", typesDump)
	db := filepath.Join(t.TempDir(), "t.db")
	s := &sink.SQLite{Path: db}
	_, err := runMySQL(ctx, s, path)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "row 1 of the statement, column t.big: 18446744073709551615 is out of range for the target's integers") {
		t.Errorf("err = %v", err)
	}
	path = tempFile(t, "types.sql", strings.Replace(typesDump, "18446744073709551615", "9223372036854775807", 1))
	s = &sink.SQLite{Path: db}
	rep, err := runMySQL(ctx, s, path)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notes["zero date as NULL: t.born"] != 1 {
		t.Errorf("notes %v", rep.Notes)
	}
	got := query(t, db, `SELECT name || ' ' || hex(raw) || ' ' || typeof(raw), coalesce(born, 'NULL') || ' ' || seen FROM t WHERE id = 1`)
	if len(got) != 1 || got[0] != "café 61000A62 blob|NULL 2021-03-04 05:06:07" {
		t.Errorf("row 1 = %q", got)
	}
	bad := tempFile(t, "range.sql", strings.Replace(string(must(os.ReadFile(path))), "(7,0,NULL,", "(7,0,256,", 1))
	s = &sink.SQLite{Path: db}
	_, err = runMySQL(ctx, s, bad)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "row 2 of the statement, column t.small: 256 is out of range") {
		t.Errorf("err = %v", err)
	}
	s = &sink.SQLite{Path: db, Translation: sink.Translation{Strict: true}}
	_, err = runMySQL(ctx, s, path)
	s.Close()
	if !errors.Is(err, sink.ErrNotTranslated) {
		t.Errorf("strict: err = %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A MySQL dump in recreate and append mode: recreate loads like replace;
// append keeps the table and adds the dump's rows to it.
func TestPostgresMySQLModes(t *testing.T) {
	srv := pgServer(t)
	ctx := t.Context()
	freshDBs(t, srv, "mymodes")
	path := tempFile(t, "types.sql", typesDump)
	if _, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mymodes"), Mode: sink.Recreate}, path); err != nil {
		t.Fatal(err)
	}
	more := tempFile(t, "more.sql", "DROP TABLE IF EXISTS `t`;\n"+
		typesDump[strings.Index(typesDump, "CREATE TABLE"):strings.Index(typesDump, "INSERT INTO")]+
		"INSERT INTO `t` (`id`, `name`, `born`, `raw`) VALUES (8,'n8','0000-00-00',0x01),(9,'n9','2001-02-03','x');\n")
	rep, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mymodes"), Mode: sink.Append}, more)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notes["zero date as NULL: t.born"] != 1 {
		t.Errorf("notes %v", rep.Notes)
	}
	conn := pgConnect(t, srv, "mymodes")
	var got string
	if err := conn.QueryRow(ctx, `SELECT string_agg(id || ':' || name || ':' || coalesce(born::text, 'NULL') || ':' || coalesce(encode(raw, 'hex'), ''), ' ' ORDER BY id) FROM t`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1:café:NULL:61000a62 7:b:2000-02-29:00ff 8:n8:NULL:01 9:n9:2001-02-03:78"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	if err := conn.QueryRow(ctx, `INSERT INTO t (name) VALUES ('new') RETURNING id::text`).Scan(&got); err != nil || got != "50" {
		t.Errorf("a new row has id %s (%v), want 50", got, err)
	}
	// A data-only dump into the existing table: its columns' types come
	// from the server.
	data := tempFile(t, "data.sql", "INSERT INTO `t` (`id`, `name`, `born`, `raw`, `bits`) VALUES (60,'n60','0000-00-00','a\\0b',b'11');\n")
	rep, err = runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mymodes"), Mode: sink.Append}, data)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notes["zero date as NULL: t.born"] != 1 {
		t.Errorf("notes %v", rep.Notes)
	}
	if err := conn.QueryRow(ctx, `SELECT coalesce(born::text, 'NULL') || ' ' || encode(raw, 'hex') || ' ' || bits::text FROM t WHERE id = 60`).Scan(&got); err != nil || got != "NULL 610062 0011" {
		t.Errorf("row 60 = %q (%v)", got, err)
	}
}

// Strings are decoded from the character set of SET NAMES; one the sinks
// do not know fails the load rather than be taken for UTF-8.
func TestMySQLCharsets(t *testing.T) {
	ctx := t.Context()
	// "Привет" in cp1251, and in a binary column bytes as they are.
	dump := "SET NAMES cp1251;\nCREATE TABLE `c` (`s` varchar(10), `b` varbinary(4));\n" +
		"INSERT INTO `c` VALUES ('\xcf\xf0\xe8\xe2\xe5\xf2','\xcf\xf0');\n"
	path := tempFile(t, "c.sql", dump)
	db := filepath.Join(t.TempDir(), "c.db")
	s := &sink.SQLite{Path: db}
	_, err := runMySQL(ctx, s, path)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got := query(t, db, `SELECT s, hex(b) FROM c`); len(got) != 1 || got[0] != "Привет|CFF0" {
		t.Errorf("got %q", got)
	}
	bad := tempFile(t, "bad.sql", strings.Replace(dump, "cp1251", "ucs2", 1))
	s = &sink.SQLite{Path: db}
	_, err = runMySQL(ctx, s, bad)
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "character set ucs2 is not translated") {
		t.Errorf("err = %v", err)
	}

	srv := pgServer(t)
	freshDBs(t, srv, "mycs")
	if _, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mycs")}, path); err != nil {
		t.Fatal(err)
	}
	conn := pgConnect(t, srv, "mycs")
	var got string
	if err := conn.QueryRow(ctx, `SELECT s || '|' || encode(b, 'hex') FROM c`).Scan(&got); err != nil || got != "Привет|cff0" {
		t.Errorf("got %q (%v)", got, err)
	}
}

// TIMESTAMP values are read in the dump's TIME_ZONE.
func TestPostgresMySQLTimeZone(t *testing.T) {
	srv := pgServer(t)
	ctx := t.Context()
	freshDBs(t, srv, "mytz")
	path := tempFile(t, "tz.sql", "/*!40103 SET TIME_ZONE='+05:30' */;\nCREATE TABLE `z` (`at` timestamp NULL, `dt` datetime NULL);\n"+
		"INSERT INTO `z` VALUES ('2020-01-01 05:30:00','2020-01-01 05:30:00');\n/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n")
	if _, err := runMySQL(ctx, &sink.Postgres{DSN: srv.DSN("mytz")}, path); err != nil {
		t.Fatal(err)
	}
	conn := pgConnect(t, srv, "mytz")
	var got string
	if err := conn.QueryRow(ctx, `SELECT (at AT TIME ZONE 'UTC')::text || ' ' || dt::text FROM z`).Scan(&got); err != nil || got != "2020-01-01 00:00:00 2020-01-01 05:30:00" {
		t.Errorf("got %q (%v)", got, err)
	}
}

// A DECIMAL wider than the 15 digits a double holds keeps its digits in
// SQLite (TEXT); a narrower one is a NUMERIC number.
func TestSQLiteMySQLWideDecimals(t *testing.T) {
	path := tempFile(t, "dec.sql", "CREATE TABLE `d` (`wide` decimal(30,10), `narrow` decimal(10,2), `plain` decimal);\n"+
		"INSERT INTO `d` VALUES ('12345678901234567890.0123456789',12345678.91,42),(-0.0000000001,-1.50,NULL);\n")
	db := filepath.Join(t.TempDir(), "d.db")
	s := &sink.SQLite{Path: db}
	_, err := runMySQL(t.Context(), s, path)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := query(t, db, `SELECT typeof(wide) || ' ' || wide, typeof(narrow) || ' ' || narrow || ' ' || coalesce(plain, 'NULL') FROM d ORDER BY rowid`)
	want := []string{"text 12345678901234567890.0123456789|real 12345678.91 42", "text -0.0000000001|real -1.5 NULL"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
