package sqlparse

// Helpers shared by the package's tests: the corpus, the seeds of the fuzz
// targets, and readers that list or render a whole dump.

import (
	"bytes"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// statementsOf iterates over the statements of rd: each with a nil error,
// then, if reading failed, nil and the error, once. It ends at io.EOF.
func statementsOf(rd *Reader) iter.Seq2[*Statement, error] {
	return func(yield func(*Statement, error) bool) {
		for {
			st, err := rd.Next()
			if err == io.EOF {
				return
			}
			if !yield(st, err) || err != nil {
				return
			}
		}
	}
}

var corpusDialect = map[string]Dialect{"mysql": MySQL, "postgres": Postgres, "sqlite": SQLite}

// corpus returns the sample dumps of the repository's testdata/corpus,
// keyed "folder-file" (e.g. "mysql-sakila-data.sql").
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample dumps in ../testdata/corpus: %v", err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(filepath.Dir(f))+"-"+filepath.Base(f)] = b
	}
	return m
}

// benchFile adds the dump named by $SQLPARSE_BENCH_FILE (for example a
// large mariadb-dump output), if set.
func benchFile(b *testing.B) (string, []byte) {
	name := os.Getenv("SQLPARSE_BENCH_FILE")
	if name == "" {
		return "", nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return name, data
}

// fuzzSeeds returns small seeds from the corpus: the start of each file and
// a slice of it around its first INSERT or COPY, and the hand-written cases.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, c := range splitCases {
		seeds = append(seeds, []byte(c.in))
	}
	for _, data := range corpus(f) {
		seeds = append(seeds, data[:min(len(data), 2048)])
		for _, kw := range []string{"INSERT", "COPY", "DELIMITER", "CREATE TRIGGER"} {
			if k := bytes.Index(data, []byte(kw)); k >= 0 {
				seeds = append(seeds, data[k:min(len(data), k+2048)])
			}
		}
	}
	return seeds
}

// statements lists the statements of a dump without reading their rows,
// except for a Trailer, which needs them read.
func statements(rd *Reader) (string, error) {
	var out strings.Builder
	for st, err := range statementsOf(rd) {
		if err != nil {
			return out.String(), err
		}
		fmt.Fprintf(&out, "%d %v %d %d %q %q %q\n", st.Num, st.Kind, st.Line, st.Offset, st.Text, st.Table, st.Columns)
	}
	return out.String(), nil
}

// render reads a whole dump and renders it one line per statement and row:
//
//	kind "text" [table columns]
//	  kind:"raw" kind:"raw" ...
func render(rd *Reader) (string, error) {
	var out strings.Builder
	for st, err := range statementsOf(rd) {
		if err != nil {
			return out.String(), err
		}
		fmt.Fprintf(&out, "%v %q", st.Kind, st.Text)
		if st.Rows != nil {
			fmt.Fprintf(&out, " %s %q", st.Table, st.Columns)
		}
		out.WriteByte('\n')
		for row, err := range Rows(st.Rows) {
			if err != nil {
				return out.String(), err
			}
			out.WriteString(" ")
			for _, v := range row {
				fmt.Fprintf(&out, " %v:%q", v.Kind, v.Raw)
			}
			out.WriteByte('\n')
		}
		if len(st.Trailer) > 0 {
			fmt.Fprintf(&out, "  trailer %q\n", st.Trailer)
		}
	}
	return out.String(), nil
}

// oneByte reads one byte at a time.
type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}
