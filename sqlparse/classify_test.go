package sqlparse

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// rowTables returns the row tables of each dialect and some delimiters.
func rowTables(t *testing.T) map[string]*[256]bool {
	tabs := map[string]*[256]bool{}
	for _, d := range []Dialect{MySQL, Postgres, SQLite} {
		for _, delim := range []string{";", "$$", "//", ";;", "|", "~"} {
			r := &Reader{dialect: d, delim: []byte(delim)}
			r.setDialect()
			tab := r.rowSpecial
			tabs[fmt.Sprintf("%v %s", d, delim)] = &tab
		}
	}
	return tabs
}

func TestClassifyBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "'\\\"`[]()$#-/*;|~,. 0aZ\n\x00\x7f\x80\xff"
	data := make([]byte, 64*fastBatch)
	for name, tab := range rowTables(t) {
		nib, ok := buildNibbleTab('\'', tab)
		if !ok {
			t.Fatalf("%s: no nibble table", name)
		}
		for range 50 {
			for i := range data {
				if rng.IntN(4) == 0 {
					data[i] = byte(rng.IntN(256))
				} else {
					data[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
			n := 1 + rng.IntN(fastBatch)
			var got, want [fastBatch][3]uint64
			classifyGo(data, n, &nib, want[:n])
			for _, h := range append(classifyImpls(), classifyImpl{"in use", classify}) {
				var g [fastBatch][3]uint64
				h.fn(data, n, &nib, g[:n])
				if g != want {
					t.Fatalf("%s: classify %s differs from classifyGo on %q", name, h.name, data[:n*64])
				}
			}
			got = want
			for k := range n {
				for i, c := range data[k*64 : k*64+64] {
					bit := uint64(1) << i
					if (got[k][0]&bit != 0) != (c == '\'') || (got[k][1]&bit != 0) != (c == '\\') ||
						(got[k][2]&bit != 0) != (tab[c] && c != '\'' && c != '\\') {
						t.Fatalf("%s: byte %q classified %v %v %v", name, c, got[k][0]&bit != 0, got[k][1]&bit != 0, got[k][2]&bit != 0)
					}
				}
			}
		}
	}
	var tab [256]bool
	tab['\xc3'] = true
	if _, ok := buildNibbleTab('\'', &tab); ok {
		t.Error("a non-ASCII special byte got a nibble table")
	}
}

// bothWays reads data with and without the fast paths, rows skipped and
// rows decoded, and fails if the statements, rows or errors differ. It
// returns the bytes skipRowsFast skipped.
func bothWays(t *testing.T, data []byte, d Dialect, bufSize int) int64 {
	t.Helper()
	var n int64
	for _, read := range []func(*Reader) (string, error){statements, render} {
		fast := &Reader{}
		fast.resetSize(bytes.NewReader(data), d, bufSize, 0)
		got, err1 := read(fast)
		slow := &Reader{slowOnly: true}
		slow.resetSize(bytes.NewReader(data), d, bufSize, 0)
		want, err2 := read(slow)
		if got != want || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("fast paths differ (buffer %d):\n%s%v\nvs byte by byte\n%s%v", bufSize, got, err1, want, err2)
		}
		if slow.fastBytes != 0 {
			t.Fatal("slowOnly reader used a fast path")
		}
		n += fast.fastBytes
	}
	return n
}

func TestSkipRowsFastCorpus(t *testing.T) {
	var fast int64
	for name, data := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			for _, size := range []int{minBufferSize, 64 << 10, defaultBufferSize} {
				fast += bothWays(t, data, Auto, size)
			}
		})
	}
	if haveClassify && fast == 0 {
		t.Error("the fast path never ran on the corpus")
	}
}

// trickyRows returns a dump of many INSERT rows built from pieces that
// challenge the fast path: escapes across block edges, doubled quotes,
// stray backslashes, comments, other quotes, nested parentheses, and
// occasionally a broken row.
func trickyRows(rng *rand.Rand, n int, broken bool) []byte {
	pieces := []string{
		"1", "-2", "3.5e-3", "NULL", "'a'", "''", "'it''s'", `'a\'b'`, `'a\\'`, `'\\\\'`, `'x\\\'y'`,
		`'multi` + "\n" + `line;'`, `'(not a row)'`, `'--'`, "'/*'", `'"'`, "'`'", `'\''`,
		"'" + strings.Repeat("ab", 40) + "'", "'" + strings.Repeat(`\\`, 33) + "'",
		"'" + strings.Repeat("x", 61) + `\'` + "'", "NOW()", "POINT(1, 2)", "f((1),(2))",
		"'é€'", "0x1F", "X'0A'",
	}
	rare := []string{
		`"dq"`, "`bt`", "/* c */ 1", "/*!40000 1 */", "-- c\n1", "# c\n1", `\`, "--1", "[b]", "$1", "''''",
	}
	bad := []string{"'open", "(", ")", ";", `'\`, "/*"}
	var out bytes.Buffer
	out.WriteString("CREATE TABLE t (a int);\n")
	for s := 0; s < n; s++ {
		out.WriteString("INSERT INTO t VALUES ")
		rows := 1 + rng.IntN(40)
		for r := range rows {
			if r > 0 {
				out.WriteString([]string{",", ",\n", ", ", ",\t\n "}[rng.IntN(4)])
			}
			out.WriteByte('(')
			vals := 1 + rng.IntN(6)
			for v := range vals {
				if v > 0 {
					out.WriteString([]string{",", ", "}[rng.IntN(2)])
				}
				switch k := rng.IntN(200); {
				case broken && k == 0:
					out.WriteString(bad[rng.IntN(len(bad))])
				case k < 6:
					out.WriteString(rare[rng.IntN(len(rare))])
				default:
					out.WriteString(pieces[rng.IntN(len(pieces))])
				}
			}
			out.WriteByte(')')
		}
		out.WriteString([]string{";\n", ";", " ;\n", ";\r\n"}[rng.IntN(4)])
	}
	return out.Bytes()
}

func TestSkipRowsFastTricky(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var fast int64
	for i := range 60 {
		data := trickyRows(rng, 20, i%3 == 2)
		for _, prefix := range []string{"", "SET sql_mode='NO_BACKSLASH_ESCAPES';\n"} {
			in := append([]byte(prefix), data...)
			for _, d := range []Dialect{MySQL, SQLite, Postgres} {
				for _, size := range []int{minBufferSize, 8 << 10} {
					fast += bothWays(t, in, d, size)
				}
			}
			// Truncated anywhere.
			cut := rng.IntN(len(in))
			bothWays(t, in[:cut], MySQL, minBufferSize)
		}
	}
	t.Logf("fast path skipped %d bytes", fast)
	if haveClassify && fast == 0 {
		t.Error("the fast path never ran")
	}
}

// FuzzSkipRows compares skipping and decoding rows with and without the
// fast paths (skipRowsFast, valuesFast) on INSERT statements made of the
// fuzzer's tuples repeated.
func FuzzSkipRows(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 20 {
		f.Add(trickyRows(rng, 1, i%2 == 1), uint8(i%3), uint8(i))
	}
	f.Fuzz(func(t *testing.T, tuples []byte, d, rep uint8) {
		dialect := Dialect(d%3 + 1)
		var in bytes.Buffer
		if d&4 != 0 {
			in.WriteString("SET sql_mode='NO_BACKSLASH_ESCAPES';\n")
		}
		in.WriteString("INSERT INTO t VALUES ")
		for i := range int(rep%16) + 1 {
			if i > 0 {
				in.WriteString(",\n")
			}
			in.Write(tuples)
		}
		in.WriteString(";\n")
		bothWays(t, in.Bytes(), dialect, minBufferSize)
	})
}

func TestFind2x64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	buf := make([]byte, 64)
	for range 2000 {
		for i := range buf {
			buf[i] = "'\\\"ab\x00\xff"[rng.IntN(7)]
		}
		a, c := buf[rng.IntN(64)], "'\\\"ab"[rng.IntN(5)]
		var want uint64
		for i, x := range buf {
			if x == a || x == c {
				want |= 1 << i
			}
		}
		if got := find2x64(&buf[0], a, c); got != want {
			t.Fatalf("find2x64(%q, %q, %q) = %x, want %x", buf, a, c, got, want)
		}
		for _, h := range find2x64Impls() {
			if got := h.fn((*[64]byte)(buf), a, c); got != want {
				t.Fatalf("find2x64 %s(%q, %q, %q) = %x, want %x", h.name, buf, a, c, got, want)
			}
		}
	}
}
