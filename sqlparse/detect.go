package sqlparse

import (
	"bytes"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// detect guesses the dialect of a dump from its first bytes: first from the
// header that mysqldump, mariadb-dump, phpMyAdmin, pg_dump and the sqlite3
// shell write, then by weighing dialect-specific content. It returns MySQL
// when in doubt.
func detect(b []byte) Dialect {
	if d := headerDialect(b); d != Auto {
		return d
	}
	var my, pg, lite int
	add := func(n *int, w int, pats ...string) {
		for _, p := range pats {
			if hasFold(b, p) {
				*n += w
			}
		}
	}
	add(&my, 3, "ENGINE=", "AUTO_INCREMENT", "/*!", "LOCK TABLES", "DELIMITER ", "UNLOCK TABLES", "SET NAMES", "CHARSET=")
	if bytes.IndexByte(b, '`') >= 0 {
		my += 5
	}
	add(&pg, 5, "\nCOPY ", "FROM stdin;", "SET search_path", "$$", "\n\\connect", "\n\\c ", "pg_catalog", "::", "SERIAL", "OWNER TO", "standard_conforming_strings")
	add(&lite, 5, "PRAGMA", "BEGIN TRANSACTION", "AUTOINCREMENT")
	if bytes.Contains(b, []byte("\n\\c ")) || bytes.HasPrefix(b, []byte("\\c")) {
		pg += 5
	}
	if bytes.Contains(b, []byte("CREATE TABLE [")) || bytes.Contains(b, []byte("CREATE TABLE \"")) && pg == 0 {
		lite += 3
	}
	switch {
	case pg > my && pg >= lite:
		return Postgres
	case lite > my && lite > pg:
		return SQLite
	}
	return MySQL
}

// headerDialect returns the dialect named by the header that mysqldump,
// mariadb-dump, phpMyAdmin, pg_dump and the sqlite3 shell write at the start
// of a dump, or Auto.
func headerDialect(b []byte) Dialect {
	head := b[:min(len(b), 4096)]
	switch {
	case hasFold(head, "-- MySQL dump"), hasFold(head, "-- MariaDB dump"),
		bytes.HasPrefix(head, []byte("/*M!999999")), hasFold(head, "-- phpMyAdmin SQL Dump"),
		hasFold(head, "-- Server version"):
		return MySQL
	case hasFold(head, "-- PostgreSQL database"), hasFold(head, "-- Dumped by pg_dump"):
		return Postgres
	case bytes.HasPrefix(head, []byte("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;")):
		return SQLite
	}
	return Auto
}

// hasFold reports whether b contains pat, ignoring ASCII case.
func hasFold(b []byte, pat string) bool { return indexFold(b, pat) >= 0 }

// indexFold returns the index of the first instance of the ASCII pattern
// pat in b, ignoring case, or -1.
func indexFold(b []byte, pat string) int {
	if len(pat) == 0 {
		return 0
	}
	if len(pat) > len(b) {
		return -1
	}
	s := b[:len(b)-len(pat)+1]
	lo, up := lower(pat[0]), upper(pat[0])
	// The next lower and upper case first bytes, each searched for again
	// only once passed: searching for both from every candidate made a
	// rare case of the first byte cost a scan to the end per candidate.
	jl, ju := indexByteFrom(s, 0, lo), len(s)
	if lo != up {
		ju = indexByteFrom(s, 0, up)
	}
	for {
		i := min(jl, ju)
		if i >= len(s) {
			return -1
		}
		if equalFold(b[i:i+len(pat)], pat) {
			return i
		}
		if i == jl {
			jl = indexByteFrom(s, i+1, lo)
		} else {
			ju = indexByteFrom(s, i+1, up)
		}
	}
}

// indexByteFrom returns the index of the first c at or after s[i], or
// len(s).
func indexByteFrom(s []byte, i int, c byte) int {
	if k := bytes.IndexByte(s[i:], c); k >= 0 {
		return i + k
	}
	return len(s)
}

// equalFold reports whether b equals the ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with the ASCII string s, ignoring case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// looksUTF16 reports whether b looks like UTF-16 text without a byte order
// mark: most of its first bytes alternate with zero bytes.
func looksUTF16(b []byte) bool {
	b = b[:min(len(b), 512)]
	if len(b) < 8 {
		return false
	}
	var even, odd int
	for i, c := range b {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	half := len(b) / 2
	return even > half*3/4 || odd > half*3/4
}

// startUTF16 makes the reader decode its input, which starts with a UTF-16
// byte order mark, to UTF-8.
func (r *Reader) startUTF16() error {
	head := append([]byte(nil), r.buf[:r.end]...)
	var src io.Reader = bytes.NewReader(head)
	if !r.eof {
		src = io.MultiReader(src, r.src)
	}
	dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	r.src = transform.NewReader(src, dec)
	r.end, r.pos, r.eof = 0, 0, false
	r.started = false
	return nil
}
