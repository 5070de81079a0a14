package sqlparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

type splitCase struct {
	name string
	d    Dialect
	in   string
	want string
}

var splitCases = []splitCase{
	// MySQL / MariaDB
	{"mysql quotes", MySQL,
		`INSERT INTO t VALUES ('a\'b','c\\','d''e',"f\"g","h""i",'j"k',"l'm");`,
		"insert \"INSERT INTO t VALUES\" t []\n" +
			`  string:"a'b" string:"c\\" string:"d'e" string:"f\"g" string:"h\"i" string:"j\"k" string:"l'm"` + "\n"},
	{"mysql escapes", MySQL,
		`INSERT INTO t VALUES ('\0\b\n\r\t\Z\%\_\x\"');`,
		"insert \"INSERT INTO t VALUES\" t []\n" +
			`  string:"\x00\b\n\r\t\x1a\\%\\_x\""` + "\n"},
	{"mysql no backslash escapes", MySQL,
		"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO,NO_BACKSLASH_ESCAPES' */;\n" +
			`INSERT INTO t VALUES ('a\','b''c');` + "\nSET SQL_MODE=@OLD_SQL_MODE;\n" + `INSERT INTO t VALUES ('\'');`,
		"other \"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO,NO_BACKSLASH_ESCAPES' */\"\n" +
			"insert \"INSERT INTO t VALUES\" t []\n" + `  string:"a\\" string:"b'c"` + "\n" +
			"other \"SET SQL_MODE=@OLD_SQL_MODE\"\n" +
			"insert \"INSERT INTO t VALUES\" t []\n" + `  string:"'"` + "\n"},
	{"mysql specials inside strings", MySQL,
		"INSERT INTO t VALUES ('a;b(c)d,e-- f/*g*/#h\ni', \"`;\");\nSELECT ';', \"'\", `a;b`;",
		"insert \"INSERT INTO t VALUES\" t []\n" + `  string:"a;b(c)d,e-- f/*g*/#h\ni" string:"` + "`;\"\n" +
			"other \"SELECT ';', \\\"'\\\", `a;b`\"\n"},
	{"mysql double dash", MySQL,
		"SELECT 1--1;\nSELECT 2 -- comment; not the end\n;\n--\tcomment\n--\n#hash; comment\nSELECT 3 # c;\n;",
		"other \"SELECT 1--1\"\nother \"SELECT 2 -- comment; not the end\"\nother \"SELECT 3 # c;\"\n"},
	{"mysql conditional comments", MySQL,
		"/*M!999999\\- enable the sandbox mode */\n-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n/*M!100616 SET NOTE_VERBOSITY=@@NOTE_VERBOSITY */;\n/* plain; comment */\n/*!50003 CREATE*/ /*!50020 DEFINER=`root`@`%`*/ /*!50003 TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET @a=';' */;\n-- Dump completed on 2026-12-01 23:44:20\n",
		"meta \"/*M!999999\\\\- enable the sandbox mode */\"\nother \"/*!40101 SET NAMES utf8mb4 */\"\nother \"/*M!100616 SET NOTE_VERBOSITY=@@NOTE_VERBOSITY */\"\n" +
			"other \"/*!50003 CREATE*/ /*!50020 DEFINER=`root`@`%`*/ /*!50003 TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET @a=';' */\"\n"},
	{"mysql conditional comments in values", MySQL,
		"INSERT INTO `address` VALUES (1,'x',/*!50705 0x0101,*/'2014-09-25'),\r\n(2,'y',/*!50705 0x02,*/'2014-09-26');\r\n",
		"insert \"INSERT INTO `address` VALUES\" address []\n" +
			`  int:"1" string:"x" binary:"\x01\x01" string:"2014-09-25"` + "\n" +
			`  int:"2" string:"y" binary:"\x02" string:"2014-09-26"` + "\n"},
	{"mysql delimiter", MySQL,
		"delimiter //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT ';'; END //\nDelimiter ;;\nCREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a=1; END ;;\nDELIMITER $$\nCREATE FUNCTION f() RETURNS int RETURN 1$$\nDELIMITER ;\nSELECT 3;",
		"meta \"delimiter //\"\nother \"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT ';'; END\"\nmeta \"Delimiter ;;\"\n" +
			"other \"CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a=1; END\"\nmeta \"DELIMITER $$\"\n" +
			"other \"CREATE FUNCTION f() RETURNS int RETURN 1\"\nmeta \"DELIMITER ;\"\nother \"SELECT 3\"\n"},
	{"mysql insert in delimiter block", MySQL,
		"DELIMITER ;;\nINSERT INTO t VALUES (1),(2);;\nDELIMITER ;\n",
		"meta \"DELIMITER ;;\"\ninsert \"INSERT INTO t VALUES\" t []\n  int:\"1\"\n  int:\"2\"\nmeta \"DELIMITER ;\"\n"},
	{"mysql binary literals", MySQL,
		`INSERT INTO t VALUES (_binary 'a\0b',_binary 0x4142,X'4142',x'',0x414,b'1000001',0b01000010,B'',N'abc',_utf8mb4'd\'e',_latin1 "f");`,
		"insert \"INSERT INTO t VALUES\" t []\n" +
			`  binary:"a\x00b" binary:"AB" binary:"AB" binary:"" binary:"\x04\x14" binary:"A" binary:"B" binary:"" string:"abc" string:"d'e" string:"f"` + "\n"},
	{"mysql numbers", MySQL,
		"INSERT INTO t VALUES (123456789012345678901234567890,-1,1e10,1.5E-3,.5,5.,+3,-.25e+2,0,-0.0);",
		"insert \"INSERT INTO t VALUES\" t []\n" +
			`  int:"123456789012345678901234567890" int:"-1" number:"1e10" number:"1.5E-3" number:".5" number:"5." int:"+3" number:"-.25e+2" int:"0" number:"-0.0"` + "\n"},
	{"mysql insert forms", MySQL,
		"insert ignore into t values(1);\nREPLACE INTO `db`.`t` (`a`, b) VALUES (1,2);\nINSERT t VALUE (1);\nINSERT INTO t VALUES\n\n(1)\n,\n(2);\n" +
			"INSERT LOW_PRIORITY IGNORE INTO `we``ird` VALUES ();\nINSERT INTO t SELECT * FROM u;\nINSERT INTO t (a) SELECT 1;\nINSERT INTO t SET a=1;",
		"insert \"insert ignore into t values\" t []\n  int:\"1\"\n" +
			"insert \"REPLACE INTO `db`.`t` (`a`, b) VALUES\" db.t [\"a\" \"b\"]\n  int:\"1\" int:\"2\"\n" +
			"insert \"INSERT t VALUE\" t []\n  int:\"1\"\n" +
			"insert \"INSERT INTO t VALUES\" t []\n  int:\"1\"\n  int:\"2\"\n" +
			"insert \"INSERT LOW_PRIORITY IGNORE INTO `we``ird` VALUES\" we`ird []\n \n" +
			"other \"INSERT INTO t SELECT * FROM u\"\nother \"INSERT INTO t (a) SELECT 1\"\nother \"INSERT INTO t SET a=1\"\n"},
	{"mysql on duplicate key", MySQL,
		"INSERT INTO t (a,b) VALUES (1,2),(3,4) ON DUPLICATE KEY UPDATE b=VALUES(b), a=';';\nSELECT 1;",
		"insert \"INSERT INTO t (a,b) VALUES\" t [\"a\" \"b\"]\n  int:\"1\" int:\"2\"\n  int:\"3\" int:\"4\"\n" +
			"  trailer \"ON DUPLICATE KEY UPDATE b=VALUES(b), a=';'\"\nother \"SELECT 1\"\n"},
	{"mysql expressions and keywords", MySQL,
		"INSERT INTO t VALUES (NOW(),char(10),1+2,CONCAT('a',')'),null,TRUE,false,DEFAULT, 'x' 'y', -a, /* c */ 7 /* d */);",
		"insert \"INSERT INTO t VALUES\" t []\n" +
			`  expr:"NOW()" expr:"char(10)" expr:"1+2" expr:"CONCAT('a',')')" null:"" bool:"1" bool:"0" default:"" expr:"'x' 'y'" expr:"-a" int:"7"` + "\n"},
	{"mysql client commands", MySQL,
		"use employees\nsource load_departments.dump ;\nUSE `db`;\nSELECT 1;",
		"other \"use employees\"\nmeta \"source load_departments.dump ;\"\nother \"USE `db`\"\nother \"SELECT 1\"\n"},
	{"mysql partition", MySQL,
		"INSERT INTO t PARTITION (p0, p1) (a) VALUES (1);",
		"insert \"INSERT INTO t PARTITION (p0, p1) (a) VALUES\" t [\"a\"]\n  int:\"1\"\n"},
	// PostgreSQL
	{"postgres copy", Postgres,
		"COPY public.t (a, \"B\") FROM stdin;\n1\t\\N\n2\ta\\tb\\\\c\\n\\101\\x41\n3\t\n\\.\nSELECT 1;\nCOPY t FROM stdin;\n\\.\n",
		"copy \"COPY public.t (a, \\\"B\\\") FROM stdin\" public.t [\"a\" \"B\"]\n" +
			`  string:"1" null:""` + "\n" + `  string:"2" string:"a\tb\\c\nAA"` + "\n" + `  string:"3" string:""` + "\n" +
			"other \"SELECT 1\"\ncopy \"COPY t FROM stdin\" t []\n"},
	{"postgres copy with semicolons and quotes", Postgres,
		"COPY t (a) FROM stdin;\na;b'c\n$$;\n\\.\r\nSELECT 1;",
		"copy \"COPY t (a) FROM stdin\" t [\"a\"]\n  string:\"a;b'c\"\n  string:\"$$;\"\nother \"SELECT 1\"\n"},
	{"postgres copy to stdout is not data", Postgres,
		"COPY t TO stdout;\nSELECT 1;",
		"other \"COPY t TO stdout\"\nother \"SELECT 1\"\n"},
	{"postgres dollar quoting", Postgres,
		"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $x$ ; $body$ LANGUAGE sql;\nDO $$ BEGIN PERFORM ';'; END $$;\nSELECT $1, a$b;",
		"other \"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $x$ ; $body$ LANGUAGE sql\"\nother \"DO $$ BEGIN PERFORM ';'; END $$\"\nother \"SELECT $1, a$b\"\n"},
	{"postgres strings", Postgres,
		`INSERT INTO t VALUES (E'a\nb\'c', 'c\d', e'\x41\101\u00e9', 'it''s', U&'x');` + "\nSET standard_conforming_strings = off;\n" + `INSERT INTO t VALUES ('a\'b');`,
		"insert \"INSERT INTO t VALUES\" t []\n" + `  string:"a\nb'c" string:"c\\d" string:"AAé" string:"it's" expr:"U&'x'"` + "\n" +
			"other \"SET standard_conforming_strings = off\"\ninsert \"INSERT INTO t VALUES\" t []\n" + `  string:"a'b"` + "\n"},
	{"postgres bit strings and bytea", Postgres,
		`INSERT INTO t VALUES (X'1F', B'101', '\x00ff', '\x00ff'::bytea, 1.5e3, -.5);`,
		"insert \"INSERT INTO t VALUES\" t []\n" + `  expr:"X'1F'" expr:"B'101'" string:"\\x00ff" expr:"'\\x00ff'::bytea" number:"1.5e3" number:"-.5"` + "\n"},
	{"postgres comments and meta commands", Postgres,
		"/* a /* nested; */ still; */ SELECT 1;\n\\connect db\n\\restrict abc123\n\\c chinook;\nSELECT (1;2);\n-- c\nSELECT \"a\"\"b;\";",
		"other \"SELECT 1\"\nmeta \"\\\\connect db\"\nmeta \"\\\\restrict abc123\"\nmeta \"\\\\c chinook;\"\nother \"SELECT (1;2)\"\nother \"SELECT \\\"a\\\"\\\"b;\\\"\"\n"},
	{"postgres begin atomic", Postgres,
		"CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 END; SELECT 2; END;\nCREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\nBEGIN;\nCREATE TABLE begin_end (\"end\" int);",
		"other \"CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 END; SELECT 2; END\"\n" +
			"other \"CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END\"\nother \"BEGIN\"\nother \"CREATE TABLE begin_end (\\\"end\\\" int)\"\n"},
	{"postgres insert forms", Postgres,
		"INSERT INTO public.\"Actor\" (id, \"Name\") OVERRIDING SYSTEM VALUE VALUES (1, 'x') ON CONFLICT DO NOTHING;\nINSERT INTO t DEFAULT VALUES;",
		"insert \"INSERT INTO public.\\\"Actor\\\" (id, \\\"Name\\\") OVERRIDING SYSTEM VALUE VALUES\" public.Actor [\"id\" \"Name\"]\n  int:\"1\" string:\"x\"\n  trailer \"ON CONFLICT DO NOTHING\"\n" +
			"other \"INSERT INTO t DEFAULT VALUES\"\n"},

	// SQLite
	{"sqlite dot dump", SQLite,
		"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE [t] ([a b] TEXT, \"c\"\"d\" BLOB);\nINSERT INTO \"t\" VALUES('it''s \\n',X'00ff');\nINSERT INTO [t] ([a b]) VALUES(replace(replace('a\\r\\nb','\\r',char(13)),'\\n',char(10)));\nCOMMIT;",
		"other \"PRAGMA foreign_keys=OFF\"\nother \"BEGIN TRANSACTION\"\nother \"CREATE TABLE [t] ([a b] TEXT, \\\"c\\\"\\\"d\\\" BLOB)\"\n" +
			"insert \"INSERT INTO \\\"t\\\" VALUES\" t []\n" + `  string:"it's \\n" binary:"\x00\xff"` + "\n" +
			"insert \"INSERT INTO [t] ([a b]) VALUES\" t [\"a b\"]\n" + `  string:"a\r\nb"` + "\n" +
			"other \"COMMIT\"\n"},
	{"sqlite unistr", SQLite,
		`INSERT INTO t VALUES(unistr('a\000ab\u00e9\+01F600\\c''d'),unistr('\zz'));`,
		"insert \"INSERT INTO t VALUES\" t []\n" + `  string:"a\nbé😀\\c'd" expr:"unistr('\\zz')"` + "\n"},
	{"sqlite trigger", SQLite,
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(1); UPDATE u SET a=CASE WHEN 1 THEN 2 END; END;\nCREATE TEMP TRIGGER t2 AFTER DELETE ON t BEGIN DELETE FROM u; END ;\nSELECT 1;",
		"other \"CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES(1); UPDATE u SET a=CASE WHEN 1 THEN 2 END; END\"\n" +
			"other \"CREATE TEMP TRIGGER t2 AFTER DELETE ON t BEGIN DELETE FROM u; END\"\nother \"SELECT 1\"\n"},

	// Any dialect
	{"bom and crlf", Auto,
		"\xEF\xBB\xBF-- MySQL dump\r\nSELECT 1;\r\nINSERT INTO t VALUES (1,'a'),\r\n(2,'b');\r\n",
		"other \"SELECT 1\"\ninsert \"INSERT INTO t VALUES\" t []\n  int:\"1\" string:\"a\"\n  int:\"2\" string:\"b\"\n"},
}

func TestSplit(t *testing.T) {
	for _, c := range splitCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(NewReader(strings.NewReader(c.in), c.d))
			if err != nil {
				t.Fatalf("error %v after:\n%s", err, got)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// The same with the input cut everywhere: smallest buffer, one-byte reads.
			rd := &Reader{}
			rd.resetSize(&oneByte{strings.NewReader(c.in)}, c.d, minBufferSize, 0)
			got2, err := render(rd)
			if err != nil || got2 != got {
				t.Errorf("with one-byte reads: %v\n%s", err, got2)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Dialect
	}{
		{"-- MySQL dump 10.13  Distrib 8.0.46\n", MySQL},
		{"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n", MySQL},
		{"-- phpMyAdmin SQL Dump\n-- version 5.2.1\n", MySQL},
		{"--\n-- PostgreSQL database dump\n--\n", Postgres},
		{"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\n", SQLite},
		{"CREATE TABLE `t` (a int);", MySQL},
		{"SET search_path = public;\nCOPY t (a) FROM stdin;\n1\n\\.\n", Postgres},
		{"PRAGMA x;\nCREATE TABLE [t] (a);", SQLite},
		{"SELECT 1;", MySQL},
		{"", MySQL},
	} {
		rd := NewReader(strings.NewReader(c.in), Auto)
		if _, err := rd.Next(); err != nil && err != io.EOF && !errors.Is(err, ErrEmpty) {
			t.Errorf("%q: %v", c.in, err)
		}
		if got := rd.Dialect(); got != c.want {
			t.Errorf("%q: detected %v, want %v", c.in, got, c.want)
		}
	}
}

func TestUTF16(t *testing.T) {
	in := "INSERT INTO t VALUES ('é😀');"
	u := utf16.Encode([]rune(in))
	var le, be bytes.Buffer
	le.Write([]byte{0xFF, 0xFE})
	be.Write([]byte{0xFE, 0xFF})
	for _, c := range u {
		le.Write([]byte{byte(c), byte(c >> 8)})
		be.Write([]byte{byte(c >> 8), byte(c)})
	}
	want := "insert \"INSERT INTO t VALUES\" t []\n  string:\"é😀\"\n"
	for _, b := range [][]byte{le.Bytes(), be.Bytes()} {
		got, err := render(NewReader(bytes.NewReader(b), MySQL))
		if err != nil || got != want {
			t.Errorf("UTF-16 with BOM % x...: %v\n%s", b[:4], err, got)
		}
	}
	_, err := render(NewReader(bytes.NewReader(le.Bytes()[2:]), Auto))
	if !errors.Is(err, ErrUTF16) {
		t.Errorf("UTF-16 without BOM: got %v, want ErrUTF16", err)
	}
}

func TestLargeStatement(t *testing.T) {
	big := strings.Repeat("x;'\\", 300_000)
	in := "CREATE TABLE t (c text DEFAULT '" + strings.ReplaceAll(big, "'", "''") + "');\nINSERT INTO t VALUES ('" + strings.ReplaceAll(big, "'", "''") + "'),(1);\nSELECT 1;"
	rd := &Reader{}
	rd.resetSize(strings.NewReader(in), SQLite, minBufferSize, 0)
	got, err := render(rd)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("other %q\ninsert \"INSERT INTO t VALUES\" t []\n  string:%q\n  int:\"1\"\nother \"SELECT 1\"\n",
		in[:strings.Index(in, ";\n")], big)
	if got != want {
		t.Errorf("large statement and row read wrong (%d bytes, want %d)", len(got), len(want))
	}
	rd.resetSize(strings.NewReader(in), SQLite, minBufferSize, 64<<10)
	_, err = render(rd)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("with MaxBuffer 64 KiB: got %v, want ErrTooLarge", err)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		d    Dialect
		in   string
		line int64
		col  int64
		msg  string
	}{
		{"unterminated string", MySQL, "SELECT 1;\nINSERT INTO t VALUES (1,'abc", 2, 25, "unterminated string"},
		{"unterminated string in statement", MySQL, "SELECT 1;\nSELECT 'abc\n\n", 2, 8, "unterminated string"},
		{"unterminated identifier", MySQL, "SELECT `abc", 1, 8, "unterminated quoted identifier"},
		{"unterminated comment", Postgres, "SELECT 1;\n  /* a /* b */ c", 2, 3, "unterminated comment"},
		{"unterminated comment in row", MySQL, "INSERT INTO t VALUES (1, /* x", 1, 26, "unterminated comment"},
		{"unterminated dollar", Postgres, "SELECT $f$ abc", 1, 8, "unterminated dollar-quoted string"},
		{"unterminated copy", Postgres, "COPY t FROM stdin;\n1\n2\n", 4, 1, `unterminated COPY data`},
		{"unterminated delimiter block", MySQL, "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END;\n", 2, 1, "unterminated statement in DELIMITER // block"},
		{"copy csv", Postgres, "COPY t (a) FROM stdin WITH (FORMAT csv);\n\"a,b\"\n\\.\n", 1, 22, "COPY options other than"},
		{"unterminated row", MySQL, "INSERT INTO t VALUES (1,2", 1, 22, "unterminated row"},
		{"missing comma", MySQL, "INSERT INTO t VALUES (1 2);", 1, 25, "expected , or ) in row"},
		{"junk after row", MySQL, "INSERT INTO t VALUES (1),(2) (3);", 1, 30, "expected , or the end of the statement after a row"},
		{"truncated insert", SQLite, "INSERT INTO t VALUES (1),(2)\n", 2, 1, "input ends inside an INSERT statement"},
		{"bad row start", MySQL, "INSERT INTO t VALUES (1),\n 2;", 2, 2, "expected ( to start a row of VALUES"},
		{"statement ends inside row", MySQL, "INSERT INTO t VALUES (a;", 1, 24, "statement ends inside a row"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(NewReader(strings.NewReader(c.in), c.d))
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("got %v, want a *Error wrapping ErrSyntax", err)
			}
			if e.Line != c.line || e.Column != c.col || !strings.HasPrefix(e.Msg, c.msg) {
				t.Errorf("got %d:%d %q, want %d:%d %q", e.Line, e.Column, e.Msg, c.line, c.col, c.msg)
			}
			lineStart := 0
			for i := int64(1); i < e.Line; i++ {
				lineStart += strings.IndexByte(c.in[lineStart:], '\n') + 1
			}
			if want := int64(lineStart) + e.Column - 1; e.Offset != want {
				t.Errorf("offset %d, want %d", e.Offset, want)
			}
		})
	}
}

func TestValueNumbers(t *testing.T) {
	for _, c := range []struct {
		v    Value
		i    int64
		ierr bool
		f    float64
		ferr bool
	}{
		{Value{Kind: Int, Raw: []byte("42")}, 42, false, 42, false},
		{Value{Kind: Int, Raw: []byte("-9223372036854775808")}, -9223372036854775808, false, -9223372036854775808, false},
		{Value{Kind: Int, Raw: []byte("+7")}, 7, false, 7, false},
		{Value{Kind: Int, Raw: []byte("123456789012345678901234567890")}, 0, true, 1.2345678901234568e29, false},
		{Value{Kind: Int, Raw: []byte("0x1F")}, 31, false, 31, false},
		{Value{Kind: Number, Raw: []byte(".5")}, 0, true, 0.5, false},
		{Value{Kind: Number, Raw: []byte("5.")}, 0, true, 5, false},
		{Value{Kind: Number, Raw: []byte("-1.5E-3")}, 0, true, -0.0015, false},
		{Value{Kind: String, Raw: []byte("1")}, 0, true, 0, true},
	} {
		i, err := c.v.Int64()
		if (err != nil) != c.ierr || err == nil && i != c.i {
			t.Errorf("%s Int64() = %d, %v", c.v.Raw, i, err)
		}
		f, err := c.v.Float64()
		if (err != nil) != c.ferr || err == nil && f != c.f {
			t.Errorf("%s Float64() = %g, %v", c.v.Raw, f, err)
		}
	}
}
