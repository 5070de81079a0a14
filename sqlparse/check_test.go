package sqlparse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inOrder counts a dump the way Check must: Parse, reading every row.
func inOrder(t *testing.T, data []byte, d Dialect) (*Stats, error) {
	t.Helper()
	return inOrderWith(t, new(Parser), data, d)
}

// inOrderWith is inOrder with the Parser p.
func inOrderWith(t *testing.T, p *Parser, data []byte, d Dialect) (*Stats, error) {
	t.Helper()
	s := &Stats{BytesParsed: int64(len(data)), Tables: map[string]int64{}}
	err := p.Parse(context.Background(), bytes.NewReader(data), d, func(st *Statement) error {
		s.Statements++
		if st.Rows == nil {
			return nil
		}
		s.Tables[st.Table] += 0 // a table with no rows is listed, as the importer does
		for _, err := range Rows(st.Rows) {
			if err != nil {
				return err
			}
			s.Rows++
			s.Tables[st.Table]++
		}
		return nil
	})
	return s, err
}

// checkSame runs Check with several piece sizes and worker counts and
// compares each result, and error, with a reading in order.
func checkSame(t *testing.T, name string, data []byte, d Dialect, sizes ...int64) {
	t.Helper()
	checkSameWith(t, new(Parser), name, data, d, sizes...)
}

// checkSameWith is checkSame with the Parser p.
func checkSameWith(t *testing.T, p *Parser, name string, data []byte, d Dialect, sizes ...int64) {
	t.Helper()
	want, wantErr := inOrderWith(t, p, data, d)
	for _, size := range sizes {
		for _, workers := range []int{1, 2, 4} {
			var bytesRead atomic.Int64
			got, err := p.Check(context.Background(), bytes.NewReader(data), int64(len(data)), d,
				CheckOptions{Workers: workers, pieceSize: size, Progress: func(s Stats) { bytesRead.Add(s.BytesParsed) }})
			where := fmt.Sprintf("%s, pieces of %d bytes, %d workers", name, size, workers)
			if wantErr != nil || err != nil {
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("%s: error %v, want %v", where, err, wantErr)
				}
				if !errors.Is(err, ErrSyntax) && errors.Is(wantErr, ErrSyntax) {
					t.Fatalf("%s: %v does not wrap ErrSyntax", where, err)
				}
				continue
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: stats differ (-in order +Check):\n%s", where, diff)
			}
			if bytesRead.Load() < int64(len(data)) {
				t.Fatalf("%s: progress saw %d bytes of %d", where, bytesRead.Load(), len(data))
			}
		}
	}
}

// bothPaths counts, until the function it returns is called, the pieces
// Check takes as read on their own and the readings in order, and fails
// the test unless both happened.
func bothPaths(t *testing.T) func() {
	var taken, reread int
	testHook = func(c *checker) { taken += c.taken; reread += c.reread }
	return func() {
		testHook = nil
		t.Logf("pieces taken %d, readings in order %d", taken, reread)
		if taken == 0 || reread == 0 {
			t.Errorf("pieces taken %d, readings in order %d: both paths should be taken", taken, reread)
		}
	}
}

func TestCheckCorpus(t *testing.T) {
	defer bothPaths(t)()
	for name, data := range corpus(t) {
		d := corpusDialect[strings.SplitN(name, "-", 2)[0]]
		n := int64(len(data))
		checkSame(t, name, data, Auto, n/7, n/3)
		checkSame(t, name, data, d, n/5)
	}
}

// Cuts that fall where no statement starts: inside multi-line strings,
// comments, COPY blocks, DELIMITER blocks and trigger bodies, and after
// statements that change how the rest is read.
func TestCheckBadCuts(t *testing.T) {
	defer bothPaths(t)()
	var my strings.Builder
	my.WriteString("-- MariaDB dump 10.19\n")
	for i := range 40 {
		fmt.Fprintf(&my, "INSERT INTO `t` VALUES (%d,'a;\nINSERT INTO x VALUES (1);\nB'),(%d,'c');\n", i, i+1000)
		fmt.Fprintf(&my, "/* a comment;\nINSERT INTO y VALUES (2);\n*/\n")
		if i%7 == 3 {
			my.WriteString("DELIMITER ;;\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\nINSERT INTO z VALUES (1);\nSET @a = 1;\nEND ;;\nDELIMITER ;\n")
		}
		if i%11 == 5 {
			my.WriteString("SET sql_mode='NO_BACKSLASH_ESCAPES';\nINSERT INTO `u` VALUES ('x\\');\nSET sql_mode='';\n")
		}
		fmt.Fprintf(&my, "INSERT INTO `v` VALUES (%d,'it''s \\' here');\n", i)
	}
	my.WriteString("-- Dump completed on 2026-12-01 23:44:20\n")
	var pg strings.Builder
	pg.WriteString("-- PostgreSQL database dump\n")
	for i := range 40 {
		fmt.Fprintf(&pg, "COPY public.t (a, b) FROM stdin;\n%d\tx\n%d\tINSERT INTO t VALUES (1);\n\\.\n", i, i)
		pg.WriteString("CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\nINSERT INTO t VALUES (1);\nRETURN 1;\nEND $$ LANGUAGE plpgsql;\n")
		if i%9 == 4 {
			pg.WriteString("SET standard_conforming_strings = off;\nINSERT INTO s VALUES ('a\\';\nB');\nSET standard_conforming_strings = on;\n")
		}
		fmt.Fprintf(&pg, "INSERT INTO public.s VALUES (%d, E'x\\n');\n", i)
	}
	var lite strings.Builder
	lite.WriteString("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
	for i := range 40 {
		fmt.Fprintf(&lite, "INSERT INTO t VALUES(%d,'multi;\nINSERT INTO x VALUES(1);\nline');\n", i)
		lite.WriteString("CREATE TRIGGER tr AFTER INSERT ON t BEGIN\nINSERT INTO y VALUES(1);\nUPDATE t SET a = 1;\nEND;\n")
	}
	lite.WriteString("COMMIT;\n")
	for _, c := range []struct {
		name string
		data string
		d    Dialect
	}{{"mysql", my.String(), MySQL}, {"postgres", pg.String(), Postgres}, {"sqlite", lite.String(), SQLite}} {
		checkSame(t, c.name, []byte(c.data), Auto, 16, 50, 97, 300, 1000)
		checkSame(t, c.name, []byte(c.data), c.d, 33, 128)
	}
}

// An error in a late piece is reported where a reading in order reports
// it: same line, column, offset and statement.
func TestCheckErrorPlace(t *testing.T) {
	c := corpus(t)
	data := c["mysql-sakila-dump.sql"]
	if data == nil {
		for n, d := range c {
			if strings.HasPrefix(n, "mysql") {
				data = d
				break
			}
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 6 {
		bad := bytes.Clone(data)
		// Break a quote somewhere in the second half.
		for {
			i := len(bad)/2 + rnd.IntN(len(bad)/2)
			if bad[i] == '\'' {
				bad[i] = ' '
				break
			}
		}
		checkSame(t, "corrupt", bad, Auto, int64(len(bad))/9)
	}
	// Cut short.
	checkSame(t, "truncated", data[:len(data)*2/3], Auto, int64(len(data))/9)
}

// BenchmarkCheck reads the file named by $SQLPARSE_BENCH_FILE with Check,
// on every core.
func BenchmarkCheck(b *testing.B) {
	name, data := benchFile(b)
	if data == nil {
		b.Skip("set SQLPARSE_BENCH_FILE to a large dump")
	}
	b.Logf("%s, %d bytes", name, len(data))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := new(Parser).Check(context.Background(), bytes.NewReader(data), int64(len(data)), Auto, CheckOptions{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzCheck checks that Check, with pieces small enough that many cuts fall
// in the wrong place, counts and fails exactly as a reading in order.
func FuzzCheck(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint8(0), uint16(64))
		f.Add(s, uint8(4), uint16(64))
	}
	f.Fuzz(func(t *testing.T, data []byte, d uint8, piece uint16) {
		if len(data) > 1<<16 {
			return
		}
		checkSameWith(t, &Parser{Allow: fuzzAllow(d)}, "fuzz", data, Dialect(d%4), int64(piece%512)+8)
	})
}
