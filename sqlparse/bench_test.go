package sqlparse

import (
	"bytes"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchData map[Dialect][]byte
)

// benchInputs returns the corpus files of each dialect concatenated, in
// name order.
func benchInputs(b *testing.B) map[Dialect][]byte {
	benchOnce.Do(func() {
		c := corpus(b)
		names := make([]string, 0, len(c))
		for n := range c {
			names = append(names, n)
		}
		sort.Strings(names)
		benchData = map[Dialect][]byte{}
		for _, n := range names {
			d := corpusDialect[strings.SplitN(n, "-", 2)[0]]
			benchData[d] = append(append(benchData[d], c[n]...), '\n')
		}
	})
	return benchData
}

// warm reads data once with rd, so that the measured passes find its
// buffers allocated, as a reused Reader does.
func warm(b *testing.B, rd *Reader, data []byte, d Dialect) {
	rd.Reset(bytes.NewReader(data), d)
	for st, err := range statementsOf(rd) {
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range Rows(st.Rows) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchEach(b *testing.B, fn func(b *testing.B, data []byte, d Dialect)) {
	for _, d := range []Dialect{MySQL, Postgres, SQLite} {
		data := benchInputs(b)[d]
		b.Run("corpus-"+d.String(), func(b *testing.B) { fn(b, data, d) })
	}
	if name, data := benchFile(b); data != nil {
		b.Run("file", func(b *testing.B) {
			b.Logf("%s, %d bytes", name, len(data))
			fn(b, data, Auto)
		})
	}
}

// benchPasses runs pass over each input with one reused Reader, warmed
// first, so that the measured passes find its buffers allocated.
func benchPasses(b *testing.B, pass func(b *testing.B, rd *Reader)) {
	benchEach(b, func(b *testing.B, data []byte, d Dialect) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		rd := NewReader(nil, d)
		br := bytes.NewReader(data)
		warm(b, rd, data, d)
		for b.Loop() {
			br.Reset(data)
			rd.Reset(br, d)
			pass(b, rd)
		}
	})
}

// BenchmarkSplit reads every statement; the rows of INSERT and COPY
// statements are checked but not decoded.
func BenchmarkSplit(b *testing.B) {
	benchPasses(b, func(b *testing.B, rd *Reader) {
		for _, err := range statementsOf(rd) {
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseRows reads every statement and decodes every value.
func BenchmarkParseRows(b *testing.B) {
	var n int
	benchPasses(b, func(b *testing.B, rd *Reader) {
		for st, err := range statementsOf(rd) {
			if err != nil {
				b.Fatal(err)
			}
			for row, err := range Rows(st.Rows) {
				if err != nil {
					b.Fatal(err)
				}
				for _, v := range row {
					n += len(v.Raw)
				}
			}
		}
	})
	_ = n
}
