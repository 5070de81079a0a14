package sqlparse

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// wholeCases are inputs that a nightly job must refuse, each with the
// error it gets by default and the Allow that accepts it (none for input
// that no option makes a dump).
type wholeCase struct {
	name  string
	in    string
	d     Dialect
	want  error
	allow Allow
	msg   string
}

var wholeCases = func() []wholeCase {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100<<10)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	mysqlDump := "-- MySQL dump 10.13  Distrib 8.0.46, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n" +
		"/*!40101 SET NAMES utf8mb4 */;\nDROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (`a` int);\n" +
		"LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1),(2);\nUNLOCK TABLES;\n"
	pgDump := "--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nCREATE TABLE public.t (a integer);\n" +
		"COPY public.t (a) FROM stdin;\n1\n2\n\\.\n\n"
	sqliteDump := "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\nINSERT INTO t VALUES(1);\n"
	return []wholeCase{
		{"random bytes", string(random), Auto, ErrNotSQL, Allow{}, "a statement begins with"},
		{"hello world", "hello world\n", Auto, ErrNotSQL, Allow{}, `a statement begins with "hello"`},
		{"passwd-like file", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n", Auto, ErrNotSQL, Allow{}, `"root:x:0:0:root:/root:/b"`},
		{"an HTML error page", "<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n", Auto, ErrNotSQL, Allow{}, `"<!DOCTYPE"`},
		{"a statement after good ones", "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nhello;\n", MySQL, ErrNotSQL, Allow{AnyStatement: true}, `"hello;"`},
		{"unterminated last statement", "CREATE TABLE t (a int", Auto, ErrIncomplete, Allow{Unterminated: true}, "without ;"},
		{"empty file", "", Auto, ErrEmpty, Allow{Empty: true}, "no SQL statement"},
		{"only comments", "-- nothing here\n/* really */\n", Auto, ErrEmpty, Allow{Empty: true}, "no SQL statement"},
		{"mysqldump without its trailer", mysqlDump, Auto, ErrIncomplete, Allow{MissingTrailer: true}, `"-- Dump completed"`},
		{"pg_dump without its trailer", pgDump, Auto, ErrIncomplete, Allow{MissingTrailer: true}, "dump complete"},
		{"sqlite3 .dump without COMMIT", sqliteDump, Auto, ErrIncomplete, Allow{MissingTrailer: true}, "final COMMIT"},
		{"sqlite3 .dump rolled back", sqliteDump + "ROLLBACK; -- due to errors\n", Auto, ErrIncomplete, Allow{MissingTrailer: true}, "final COMMIT"},
		{"mysqldump read as sqlite", mysqlDump + "-- Dump completed on 2026-12-01 23:44:20\n", SQLite, ErrDialectMismatch, Allow{DialectMismatch: true}, "names a mysql dump, not sqlite"},
		{"pg_dump read as mysql", pgDump + "--\n-- PostgreSQL database dump complete\n--\n", MySQL, ErrDialectMismatch, Allow{DialectMismatch: true}, "names a postgres dump"},
	}
}()

func TestWholeDump(t *testing.T) {
	for _, c := range wholeCases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.in)
			_, err := inOrderWith(t, new(Parser), data, c.d)
			var e *Error
			if !errors.Is(err, c.want) || !errors.As(err, &e) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Parse: %v, want an *Error wrapping %v saying %q", err, c.want, c.msg)
			}
			t.Logf("%v", err)
			// Check, in pieces too, gives the same error.
			n := int64(len(data))
			checkSameWith(t, new(Parser), c.name, data, c.d, max(n/5, 1), max(n/2, 1))
			if c.allow == (Allow{}) {
				return
			}
			p := &Parser{Allow: c.allow}
			if _, err := inOrderWith(t, p, data, c.d); err != nil && errors.Is(err, c.want) {
				t.Errorf("with %+v: %v", c.allow, err)
			}
			checkSameWith(t, p, c.name, data, c.d, max(n/5, 1), max(n/2, 1))
		})
	}
}

// The dumps that end as their producer ends them are accepted, with what
// psql (\unrestrict) and mysqldump write after the trailer.
func TestWholeDumpTrailers(t *testing.T) {
	for _, in := range []string{
		"-- MySQL dump 10.13  Distrib 8.0.46\nCREATE TABLE t (a int);\n-- Dump completed on 2026-12-01 23:44:20\n",
		"-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\nCREATE TABLE t (a int);\n-- Dump completed\n\n",
		"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19-11.4.2-MariaDB\nCREATE TABLE t (a int);\n-- Dump completed on 2026-12-01\n",
		"--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\nCREATE TABLE t (a int);\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n\n",
		"--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE r;\n--\n-- PostgreSQL database cluster dump complete\n--\n\n",
		"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t(a);\nCOMMIT;\n",
		// Hand-written and generated files name no producer and need no trailer.
		"CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n",
		"-- phpMyAdmin SQL Dump\n-- version 5.2.1\nSET SQL_MODE = \"NO_AUTO_VALUE_ON_ZERO\";\nCREATE TABLE t (a int);\n",
	} {
		if _, err := inOrder(t, []byte(in), Auto); err != nil {
			t.Errorf("%q: %v", in, err)
		}
		n := int64(len(in))
		checkSame(t, in[:20], []byte(in), Auto, n/3)
	}
}

// A dump cut at a statement boundary, at every boundary of a real corpus
// dump written by mysqldump, is refused, read in order or in pieces.
func TestWholeDumpCutAtStatements(t *testing.T) {
	data := corpus(t)["mysql-countries.sql"]
	if !bytes.HasPrefix(data, []byte("-- MySQL dump ")) {
		t.Fatalf("countries.sql does not start with a mysqldump header: %q", data[:40])
	}
	if _, err := inOrder(t, data, Auto); err != nil {
		t.Fatalf("the whole dump: %v", err)
	}
	cuts := 0
	for i := 1; i < len(data); i++ {
		if data[i-1] != '\n' || data[i-2] != ';' {
			continue
		}
		cuts++
		if _, err := inOrder(t, data[:i], Auto); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("cut at byte %d after %q: %v, want ErrIncomplete", i, data[max(0, i-40):i], err)
		}
	}
	if cuts < 20 {
		t.Fatalf("only %d cuts", cuts)
	}
}
